// Copyright 2026 the slabscope authors. MIT license.
// Aggregate alloc+free pairs per second with 1, 2 and 4 Workers sharing one
// slab, and CAS retries per operation. Prints a Markdown table.
//
//   deno run -A bench/slab_workers.ts [seconds per run, default 2]
import { SlabAllocator } from "../mod.ts";

const seconds = Number(Deno.args[0] ?? 2);

async function run(workers: number) {
  const slab = new SlabAllocator({ name: "contended", slotSize: 64, capacity: 4096 });
  const control = new Int32Array(new SharedArrayBuffer(12));
  const pool = Array.from(
    { length: workers },
    () => new Worker(new URL("./workers/pairs_worker.ts", import.meta.url), { type: "module" }),
  );
  const results = pool.map((worker) =>
    new Promise<number>((resolve) => (worker.onmessage = (e) => resolve(e.data)))
  );
  pool.forEach((worker) => worker.postMessage({ slab: slab.buffer, control: control.buffer }));
  while (Atomics.load(control, 2) < workers) await new Promise((r) => setTimeout(r, 10));
  const retriesBefore = slab.stats().casRetries;
  const started = performance.now();
  Atomics.store(control, 0, 1);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  Atomics.store(control, 1, 1);
  const pairs = (await Promise.all(results)).reduce((a, b) => a + b, 0);
  const elapsed = (performance.now() - started) / 1000;
  pool.forEach((worker) => worker.terminate());
  const stats = slab.stats();
  if (stats.used !== 0 || !slab.verify().ok) throw new Error("slab not clean after the run");
  return {
    workers,
    pairsPerSecond: pairs / elapsed,
    retriesPerOp: (stats.casRetries - retriesBefore) / (2 * pairs),
  };
}

const rows = [];
for (const workers of [1, 2, 4]) rows.push(await run(workers));
const base = rows[0]!.pairsPerSecond;
console.log(`| Workers | pairs/s (aggregate) | vs 1 Worker | CAS retries per op |`);
console.log(`| ---: | ---: | ---: | ---: |`);
for (const row of rows) {
  console.log(
    `| ${row.workers} | ${(row.pairsPerSecond / 1e6).toFixed(2)} M | ${
      (row.pairsPerSecond / base).toFixed(2)
    }× | ${row.retriesPerOp.toFixed(4)} |`,
  );
}
console.log(`\n(${navigator.hardwareConcurrency} cores, ${seconds} s per run)`);
