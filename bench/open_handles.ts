// Copyright 2026 the slabscope authors. MIT license.
// The open-handle list under churn: a 1,048,576-slot handle slab with owners,
// half open, 1 % of its open handles replaced before every snapshot, each
// tick in a task of its own (as the stream's are, so the slab's clock moves).
// "oldest first" closes the handles in the order they opened (requests that
// end in the order they came), which empties any bounded set of the oldest
// at every tick; "at random" closes any. Side by side: the same churn with
// the list off (`openHandles: 0`), so the difference is the list's own cost.
// Prints a Markdown table.
//
//   deno run -A bench/open_handles.ts [ticks, default 100]
import { DiagnosticsRegistry, SlabAllocator } from "../mod.ts";

const TICKS = Number(Deno.args[0] ?? 100);
const SLOTS = 1_048_576;
const CHURN = SLOTS / 2 / 100;

/** A half-open handle slab, and a churn that replaces `CHURN` handles a call. */
function workload(openHandles: number, order: "oldest first" | "at random") {
  const registry = new DiagnosticsRegistry({ openHandles, lints: false });
  const owner = registry.owners.register("bench", "server");
  const slab = registry.addSlab(
    new SlabAllocator({ name: "handles", slotSize: 1, capacity: SLOTS, kind: "handle" }),
  );
  const held: number[] = [];
  for (let i = 0; i < SLOTS / 2; i++) held.push(slab.alloc(owner)!);
  let random = 1;
  const next = () => (random = (Math.imul(random, 1664525) + 1013904223) >>> 0);
  let oldest = 0; // `held` as a ring: the oldest handle is at `oldest`
  const churn = () => {
    for (let i = 0; i < CHURN; i++) {
      const k = order === "oldest first" ? oldest : next() % held.length;
      slab.free(held[k]!);
      held[k] = slab.alloc(owner)!;
      if (order === "oldest first") oldest = (oldest + 1) % held.length;
    }
  };
  registry.snapshot({ sampleHeap: false }); // the first collection
  return { registry, churn };
}

const task = () => new Promise((resolve) => setTimeout(resolve, 1));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

console.log(
  `| churn (1 % of the open handles a tick) | snapshot, list off (median) | snapshot, list on (median) | the list's own cost |`,
);
console.log(`| --- | ---: | ---: | ---: |`);
for (const order of ["oldest first", "at random"] as const) {
  const off = workload(0, order);
  const on = workload(50, order);
  const times = { off: [] as number[], on: [] as number[] };
  for (let tick = 0; tick < TICKS; tick++) {
    for (const [name, w] of [["off", off], ["on", on]] as const) {
      await task();
      w.churn();
      const started = performance.now();
      w.registry.snapshot({ sampleHeap: false });
      times[name].push(performance.now() - started);
    }
  }
  const a = median(times.off);
  const b = median(times.on);
  console.log(
    `| ${order} | ${a.toFixed(2)} ms | ${b.toFixed(2)} ms | ${(b - a).toFixed(2)} ms |`,
  );
}
