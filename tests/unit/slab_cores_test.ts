// Copyright 2026 the slabscope authors. MIT license.
// Which core an instance runs, the per-instance fast-path classes, and the
// WebAssembly core's clock.
import assert from "node:assert/strict";
import { HandleState, SlabAllocator } from "../../mod.ts";
import { attachJavaScriptCoreForTesting } from "../../core/allocator/slab.ts";
import { FAST_PATH_CLASSES } from "../../core/allocator/slab_fast_paths.ts";
import { REFRESH_EVERY } from "../../core/allocator/coarse_clock.ts";

Deno.test("attach(slab.buffer) in the slab's own thread runs the WebAssembly core, cache and all", () => {
  const slab = new SlabAllocator({ name: "same-thread", slotSize: 8, capacity: 64 });
  const twin = SlabAllocator.attach(slab.buffer, { cache: 8 });
  assert.equal(twin.core, "webassembly");
  assert.equal(twin.memory, slab.memory);
  twin.free(twin.alloc()!);
  assert.equal(slab.stats().cached, 4, "half a cache was taken from the shared list");
  // And the buffer of an attached memory is remembered too.
  const again = SlabAllocator.attach(SlabAllocator.attach(slab.memory!).buffer);
  assert.equal(again.core, "webassembly");
  twin.close();
  assert.equal(slab.stats().cached, 0);
  assert.equal(slab.verify().ok, true);
});

Deno.test("a Worker sent the buffer runs the JavaScript core; sent the memory, the WebAssembly core", async () => {
  const source = `
    import { SlabAllocator } from ${JSON.stringify(new URL("../../slab.ts", import.meta.url).href)};
    self.onmessage = ({ data }) => {
      const slab = SlabAllocator.attach(data, { cache: 8 });
      const handle = slab.alloc();
      slab.free(handle);
      const seen = { core: slab.core, cached: slab.stats().cached };
      slab.close();
      self.postMessage(seen);
    };`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const slab = new SlabAllocator({ name: "posted", slotSize: 8, capacity: 64 });
  const ask = (data: unknown) => {
    const worker = new Worker(url, { type: "module" });
    return new Promise<{ core: string; cached: number }>((resolve, reject) => {
      worker.onmessage = (event) => {
        worker.terminate();
        resolve(event.data);
      };
      worker.onerror = reject;
      worker.postMessage(data);
    });
  };
  try {
    assert.deepEqual(await ask(slab.buffer), { core: "javascript", cached: 0 });
    assert.deepEqual(await ask(slab.memory), { core: "webassembly", cached: 4 });
  } finally {
    URL.revokeObjectURL(url);
  }
  assert.equal(slab.stats().cached, 0, "close() in the Worker returned its cache");
  assert.equal(slab.verify().ok, true);
});

Deno.test("more slabs in one thread than fast-path classes: every instance keeps every promise", () => {
  const slabs = Array.from(
    { length: FAST_PATH_CLASSES + 4 },
    (_, k) =>
      new SlabAllocator({ name: `many-${k}`, slotSize: 4, capacity: 32, cache: k % 2 ? 8 : 0 }),
  );
  for (const slab of slabs) {
    assert.ok(slab instanceof SlabAllocator);
    assert.equal(slab.constructor.name, "SlabAllocator");
    assert.equal(slab.core, "webassembly");
  }
  const js = attachJavaScriptCoreForTesting(slabs[0]!.buffer);
  assert.equal(js.core, "javascript");
  assert.ok(js instanceof SlabAllocator);
  for (let round = 0; round < 3; round++) {
    for (const slab of [...slabs, js]) {
      const held: number[] = [];
      for (let i = 0; i < 20; i++) held.push(slab.alloc()!);
      for (const h of held) slab.free(h);
      assert.throws(() => slab.free(held[0]!), /double free/);
      assert.throws(() => slab.free(1.5), RangeError);
      assert.throws(() => slab.free("3" as unknown as number), TypeError);
    }
  }
  for (const slab of slabs) {
    const stats = slab.stats();
    assert.equal(stats.used, 0, slab.name);
    assert.equal(stats.invalidFrees, slab === slabs[0] ? 18 : 9, slab.name);
    assert.equal(slab.verify().ok, true, slab.name);
  }
});

Deno.test("the WebAssembly core reads the clock again in each task", async () => {
  const slab = new SlabAllocator({ name: "clock", slotSize: 4, capacity: 8, cache: 4 });
  const first = slab.alloc()!;
  const before = slab.slotInfo(slab.indexOf(first)).since;
  const later = Date.now() + 5;
  while (Date.now() < later) await new Promise((resolve) => setTimeout(resolve, 1));
  const second = slab.alloc()!; // the cache's fast path, in a later task
  const after = slab.slotInfo(slab.indexOf(second)).since;
  assert.ok(after >= later, `a later task's allocation is stamped ${after - later} ms after it`);
  assert.ok(after > before);
  slab.free(first);
  slab.free(second);
});

Deno.test("the WebAssembly core reads the clock again within a long synchronous run", () => {
  for (const cache of [0, 8]) {
    const slab = new SlabAllocator({ name: "long", slotSize: 4, capacity: 8, cache });
    const first = slab.alloc()!;
    const stamped = slab.slotInfo(slab.indexOf(first)).since;
    // Keep one task busy until the wall clock has moved, then a bit more
    // than one refresh interval of operations.
    const later = Date.now() + 3;
    while (Date.now() < later) slab.free(slab.alloc()!);
    for (let i = 0; i < REFRESH_EVERY + 1; i++) slab.free(slab.alloc()!);
    const handle = slab.alloc(undefined, HandleState.Used)!;
    assert.ok(slab.slotInfo(slab.indexOf(handle)).since >= later, `cache ${cache}`);
    assert.ok(stamped < later);
    slab.free(first);
    slab.free(handle);
  }
});
