// Copyright 2026 the slabscope authors. MIT license.
// Aggregate alloc+free pairs per second with 1, 2 and 4 Workers sharing one
// slab, and CAS retries per operation, for each core and cache size; the
// configurations alternate over several rounds and the medians are kept.
// Prints a Markdown table.
//
// Wall-clock scaling needs idle cores: on a machine whose other load keeps
// its cores busy, each added Worker mostly takes a bigger share of the
// scheduler instead. So the process's CPU time (all threads) is read over
// each run too: pairs per CPU-second at N Workers against 1 Worker is what
// sharing the slab costs each Worker (contended lines, CAS retries), whatever
// the machine's load, and N × that ratio (N ≤ cores) is the scaling that the
// same code reaches on N idle cores.
//
//   deno run -A bench/slab_workers.ts [seconds per run, default 2] [rounds, default 3]
import process from "node:process";
import { SlabAllocator } from "../mod.ts";

const seconds = Number(Deno.args[0] ?? 2);
const rounds = Number(Deno.args[1] ?? 3);

interface Setup {
  name: string;
  /** Post the memory (WebAssembly core) or the buffer (JavaScript core). */
  memory: boolean;
  cache: number;
}

const SETUPS: Setup[] = [
  { name: "WebAssembly core, cache 32", memory: true, cache: 32 },
  { name: "WebAssembly core, no cache", memory: true, cache: 0 },
  { name: "JavaScript core", memory: false, cache: 0 },
];

async function run(workers: number, setup: Setup) {
  const slab = new SlabAllocator({ name: "contended", slotSize: 64, capacity: 4096 });
  const control = new Int32Array(new SharedArrayBuffer(12));
  const pool = Array.from(
    { length: workers },
    () => new Worker(new URL("./workers/pairs_worker.ts", import.meta.url), { type: "module" }),
  );
  const results = pool.map((worker) =>
    new Promise<number>((resolve) => (worker.onmessage = (e) => resolve(e.data)))
  );
  pool.forEach((worker) =>
    worker.postMessage({
      slab: setup.memory ? slab.memory : slab.buffer,
      cache: setup.cache,
      control: control.buffer,
    })
  );
  while (Atomics.load(control, 2) < workers) await new Promise((r) => setTimeout(r, 10));
  const retriesBefore = slab.stats().casRetries;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  Atomics.store(control, 0, 1);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  Atomics.store(control, 1, 1);
  const pairs = (await Promise.all(results)).reduce((a, b) => a + b, 0);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  pool.forEach((worker) => worker.terminate());
  const stats = slab.stats();
  if (stats.used !== 0 || !slab.verify().ok) throw new Error("slab not clean after the run");
  return {
    workers,
    pairsPerSecond: pairs / elapsed,
    pairsPerCpuSecond: pairs / ((cpu.user + cpu.system) / 1e6),
    retriesPerOp: (stats.casRetries - retriesBefore) / (2 * pairs),
  };
}

const runs = new Map<
  string,
  { pairsPerSecond: number[]; pairsPerCpuSecond: number[]; retriesPerOp: number[] }
>();
const loadBefore = await loadAverage();
for (let round = 0; round < rounds; round++) {
  for (const setup of SETUPS) {
    for (const workers of [1, 2, 4]) {
      const result = await run(workers, setup);
      const key = `${setup.name}|${workers}`;
      const entry = runs.get(key) ??
        { pairsPerSecond: [], pairsPerCpuSecond: [], retriesPerOp: [] };
      entry.pairsPerSecond.push(result.pairsPerSecond);
      entry.pairsPerCpuSecond.push(result.pairsPerCpuSecond);
      entry.retriesPerOp.push(result.retriesPerOp);
      runs.set(key, entry);
    }
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const cores = navigator.hardwareConcurrency;
console.log(
  `| core | Workers | pairs/s (aggregate, median) | vs 1 Worker | runs | pairs per CPU-second | per CPU-second vs 1 Worker | on ${cores} idle cores vs 1 Worker | CAS retries per op |`,
);
console.log(`| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |`);
for (const setup of SETUPS) {
  const base = median(runs.get(`${setup.name}|1`)!.pairsPerSecond);
  const baseCpu = median(runs.get(`${setup.name}|1`)!.pairsPerCpuSecond);
  for (const workers of [1, 2, 4]) {
    const { pairsPerSecond, pairsPerCpuSecond, retriesPerOp } = runs.get(
      `${setup.name}|${workers}`,
    )!;
    const efficiency = median(pairsPerCpuSecond) / baseCpu;
    console.log(
      `| ${setup.name} | ${workers} | ${(median(pairsPerSecond) / 1e6).toFixed(2)} M | ${
        (median(pairsPerSecond) / base).toFixed(2)
      }× | ${pairsPerSecond.map((p) => (p / 1e6).toFixed(1)).join(", ")} | ${
        (median(pairsPerCpuSecond) / 1e6).toFixed(1)
      } M | ${efficiency.toFixed(2)}× | ${(Math.min(workers, cores) * efficiency).toFixed(2)}× | ${
        median(retriesPerOp).toFixed(4)
      } |`,
    );
  }
}
console.log(
  `\n(${cores} cores, ${seconds} s per run, ${rounds} rounds; load average ${loadBefore} before, ${await loadAverage()} after)`,
);

async function loadAverage(): Promise<string> {
  return await Deno.readTextFile("/proc/loadavg").then(
    (text) => text.split(" ").slice(0, 3).join(" "),
    () => "unknown",
  );
}
