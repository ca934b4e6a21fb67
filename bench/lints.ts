// Copyright 2026 the slabscope authors. MIT license.
// What evaluating lints costs a snapshot, side by side with lints off, at
// 262,144 slots: a handle slab with owners half open (Active, a tenth of
// them Idle) and a plain slab with owners half used, 1 % of each replaced
// before every snapshot. The registries' clocks move 100 ms per snapshot
// (the stream's 10 Hz: the rules that read every slot run on one snapshot
// in ten, `age_outlier` on one in fifty) or 5,000 ms (every rule runs on
// every snapshot: the worst tick). The two registries take turns, one
// snapshot each, so that both see the same machine; medians of 300.
// Prints a Markdown table.
//
//   deno run -A bench/lints.ts [snapshots, default 300]
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../mod.ts";

const CAPACITY = 262_144;
const ROUNDS = Number(Deno.args[0] ?? 300);

function world(lints: boolean, step: number) {
  let now = Date.now();
  const registry = new DiagnosticsRegistry({
    lints: lints ? {} : false,
    openHandles: 0,
    clock: () => (now += step),
  });
  const owner = registry.owners.register("api", "server");
  const conns = registry.addSlab(
    new SlabAllocator({ name: "conns", slotSize: 1, capacity: CAPACITY, kind: "handle" }),
  );
  const objects = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 16, capacity: CAPACITY }),
  );
  const open: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < CAPACITY / 2; i++) {
    const h = conns.alloc(owner, HandleState.Active)!;
    if (i % 10 === 0) conns.setState(h, HandleState.Idle);
    open.push(h);
    held.push(objects.alloc(owner)!);
  }
  let k = 0;
  const churn = () => {
    for (let i = 0; i < CAPACITY / 100; i++) {
      k = (k + 7919) % open.length;
      conns.free(open[k]!);
      open[k] = conns.alloc(owner, HandleState.Active)!;
      objects.free(held[k]!);
      held[k] = objects.alloc(owner)!;
    }
  };
  registry.snapshot({ sampleHeap: false }); // the first, full scan
  return { registry, churn };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

console.log(
  "| ticks | snapshot, lints off (median) | snapshot, lints on (median) | ratio | lint evaluation: median, mean, p99 |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const [step, what] of [[100, "10 Hz"], [5000, "every rule every snapshot"]] as const) {
  const off = world(false, step);
  const on = world(true, step);
  const times = { off: [] as number[], on: [] as number[] };
  const lint: number[] = [];
  for (let round = 0; round < ROUNDS + 20; round++) {
    for (const [which, w] of [["off", off], ["on", on]] as const) {
      w.churn();
      const started = performance.now();
      w.registry.snapshot({ sampleHeap: false });
      const took = performance.now() - started;
      if (round < 20) continue; // warm-up
      times[which].push(took);
      if (which === "on") lint.push(w.registry.lints!.lastMicros);
    }
  }
  const sorted = [...lint].sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)]!;
  console.log(
    `| ${what} | ${median(times.off).toFixed(2)} ms | ${median(times.on).toFixed(2)} ms | ${
      (median(times.on) / median(times.off)).toFixed(2)
    }× | ${median(lint)} µs, ${mean(lint).toFixed(0)} µs, ${p99} µs |`,
  );
}
