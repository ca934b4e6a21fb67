// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import { assembleSlabCore } from "../../core/allocator/wasm/build.ts";
import { SLAB_CORE_WASM } from "../../core/allocator/wasm/slab_core_wasm.ts";

Deno.test("the built WebAssembly core is exactly what slab_core.wat assembles to (run `deno task build:wasm`)", async () => {
  const source = await Deno.readTextFile(
    new URL("../../core/allocator/wasm/slab_core.wat", import.meta.url),
  );
  const built = await assembleSlabCore(source);
  assert.equal(SLAB_CORE_WASM.length, built.length, "length differs: rebuild the core");
  assert.deepEqual(SLAB_CORE_WASM, built, "bytes differ: rebuild the core");
});

Deno.test("the ./slab path loads no npm package: the core module imports nothing", async () => {
  const text = await Deno.readTextFile(
    new URL("../../core/allocator/wasm/slab_core_wasm.ts", import.meta.url),
  );
  assert.doesNotMatch(text, /\bimport\b/);
});
