// Copyright 2026 the slabscope authors. MIT license.
// alloc+free pairs per second on one thread, every row side by side with the
// WebAssembly tagged-Treiber limit (bench/treiber_baseline.wat) in the same
// rounds (budget: SlabAllocator with every check ≥ 0.4× the limit). Rows
// alternate batch by batch, each batch sized to take the same time
// (bench/_side_by_side.ts), so the ratios hold on
// a loaded machine where `deno bench` (each row's samples seconds apart)
// does not. Then the same in a Worker: the WebAssembly core over
// `slab.memory` and the JavaScript core over `slab.buffer` (what
// `SlabAllocator.attach(slab.buffer)` runs in a Worker), each against a
// limit instance of the Worker's own. Prints a Markdown table.
//
//   deno run -A bench/slab_pairs.ts [rounds, default 300]
import { SlabAllocator } from "../mod.ts";
import { attachJavaScriptCoreForTesting } from "../core/allocator/slab.ts";
import { ArrayFreeList, BareTreiber, N, treiberModule, wasmTreiber } from "./_baselines.ts";
import { BATCH_MS, markdownRows, type RowResult, sideBySide } from "./_side_by_side.ts";

const rounds = Number(Deno.args[0] ?? 300);
/** Pairs per batch in the warm-up, which sizes each row's batches. */
const PAIRS = 10_000;

const module = await treiberModule();
const wasm = await wasmTreiber(module);
const textbook = new BareTreiber(false);
const plainLinks = new BareTreiber(true);
const array = new ArrayFreeList();
const cached = new SlabAllocator({ name: "cache", slotSize: 64, capacity: N, cache: 32 });
const uncached = new SlabAllocator({ name: "no-cache", slotSize: 64, capacity: N });
const jsCore = attachJavaScriptCoreForTesting(
  new SlabAllocator({ name: "js", slotSize: 64, capacity: N }).buffer,
);

// One function per row: a loop shared by several receivers would see several
// classes at one call site (see core/allocator/slab_fast_paths.ts).
const main = sideBySide(
  [
    {
      name: "tagged Treiber in WebAssembly (the limit)",
      run: (n) => {
        for (let i = 0; i < n; i++) wasm.push(wasm.pop());
      },
    },
    {
      name: "bare Treiber, Atomics links (textbook JS)",
      run: (n) => {
        for (let i = 0; i < n; i++) textbook.push(textbook.pop());
      },
    },
    {
      name: "bare Treiber, plain links (fastest correct JS)",
      run: (n) => {
        for (let i = 0; i < n; i++) plainLinks.push(plainLinks.pop());
      },
    },
    {
      name: "JS array free list (no sharing, no checks)",
      run: (n) => {
        for (let i = 0; i < n; i++) array.free(array.alloc());
      },
    },
    {
      name: "**SlabAllocator, WebAssembly core, cache 32, all checks on**",
      run: (n) => {
        for (let i = 0; i < n; i++) cached.free(cached.alloc()!);
      },
    },
    {
      name: "SlabAllocator, WebAssembly core, no cache, all checks on",
      run: (n) => {
        for (let i = 0; i < n; i++) uncached.free(uncached.alloc()!);
      },
    },
    {
      name: "SlabAllocator, JavaScript core",
      run: (n) => {
        for (let i = 0; i < n; i++) jsCore.free(jsCore.alloc()!);
      },
    },
  ],
  PAIRS,
  rounds,
);

const shared = new SlabAllocator({ name: "worker", slotSize: 64, capacity: N });
const worker = new Worker(new URL("./workers/side_by_side_worker.ts", import.meta.url), {
  type: "module",
});
const inWorker = await new Promise<RowResult[]>((resolve, reject) => {
  worker.onmessage = (event) => resolve(event.data);
  worker.onerror = reject;
  worker.postMessage({
    module,
    memory: shared.memory,
    buffer: shared.buffer,
    rounds,
    pairs: PAIRS,
  });
});
worker.terminate();
if (shared.stats().used !== 0 || !shared.verify().ok) {
  throw new Error("slab not clean after the run");
}

console.log(
  `| thread | implementation | pairs per batch | ns per pair, median (p10–p90) | pairs/s | × the limit, median of rounds (p10–p90) |`,
);
console.log(`| --- | --- | ---: | ---: | ---: | ---: |`);
for (const line of [...markdownRows(main, "main"), ...markdownRows(inWorker, "Worker")]) {
  console.log(line);
}
const load = await Deno.readTextFile("/proc/loadavg").then(
  (t) => t.split(" ").slice(0, 3).join(" "),
  () => "?",
);
console.log(
  `\n(${rounds} rounds, each row's batch sized to take about ${BATCH_MS} ms; load average after: ${load})`,
);
