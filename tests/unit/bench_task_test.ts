// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";

const bench = new URL("../../bench/", import.meta.url);

/** The `bench/*.ts` scripts that are benchmarks of their own: not helpers, not `deno bench` files. */
async function benchmarkScripts(): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(bench)) {
    if (entry.isFile && entry.name.endsWith(".ts")) files.push(entry.name);
  }
  const texts = await Promise.all(files.map((name) => Deno.readTextFile(new URL(name, bench))));
  // A script another benchmark starts (a server or client process) is part of that benchmark.
  const started = (name: string) =>
    texts.some((text, i) => files[i] !== name && text.includes(`./${name}`));
  return files.filter((name) =>
    !name.startsWith("_") && !name.endsWith("_bench.ts") && !started(name)
  ).sort();
}

Deno.test("deno task bench runs every benchmark in bench/", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  ) as { tasks: Record<string, string> };
  const task = config.tasks.bench!;
  assert.match(task, /deno bench [^&]*bench\/(\s|&|$)/, "the *_bench.ts files: deno bench bench/");
  const scripts = await benchmarkScripts();
  assert.ok(scripts.length >= 10, `found only ${scripts.join(", ")}`);
  const missing = scripts.filter((name) => !task.includes(`bench/${name}`));
  assert.deepEqual(missing, [], `not in deno.json's bench task: ${missing.join(", ")}`);
});

Deno.test("the benchmarks' 1 % flipper changes exactly its count of slots on every tick, tick after tick", async () => {
  const { DiagnosticsRegistry } = await import("../../mod.ts");
  const { addHalfFullSlab, ONE_PERCENT, slotFlipper } = await import(
    "../../bench/_half_full_slab.ts"
  );
  const registry = new DiagnosticsRegistry();
  const { slab, held } = addHalfFullSlab(registry);
  const flip = slotFlipper(slab, held, ONE_PERCENT);
  let before = new Uint8Array(registry.snapshot({ sampleHeap: false }).slabs[0]!.bitmap!);
  for (let tick = 0; tick < 6; tick++) {
    flip();
    const after = registry.snapshot({ sampleHeap: false }).slabs[0]!.bitmap!;
    let changed = 0;
    for (let i = 0; i < after.length; i++) {
      for (let bits = before[i]! ^ after[i]!; bits !== 0; bits &= bits - 1) changed++;
    }
    assert.equal(changed, ONE_PERCENT, `tick ${tick}`);
    before = new Uint8Array(after);
  }
  assert.throws(() => slotFlipper(slab, held, 2621.44), RangeError);
});
