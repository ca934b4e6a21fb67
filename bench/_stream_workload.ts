// Copyright 2026 the slabscope authors. MIT license.
// The stream benchmarks' workload (bench/stream.ts, bench/stream_fanout*.ts):
// a 262,144-slot slab half full at random (an incompressible bitmap), a
// 2,056-slot handle slab with 40 open handles and one owner, like the demo,
// and request records whose last requests were two minutes ago, as an idle
// server has.
import { DiagnosticsRegistry, SlabAllocator } from "../mod.ts";
import {
  addHalfFullSlab,
  beforeEachSnapshot,
  ONE_PERCENT,
  slotFlipper,
  SLOTS,
} from "./_half_full_slab.ts";

export { ONE_PERCENT, SLOTS };
/**
 * The workload. With `churnPerTick > 0`, every call of `registry.snapshot()`
 * (once per tick, inside the tick) first changes exactly that many random
 * slots: "flips" frees them in one tick and takes them back in the next
 * (the free list is LIFO; each a change), "cycles" allocates and frees them
 * within the tick (each a cycled slot: the same bytes per slot on the wire,
 * in `cycled` instead of `changes`).
 */
export function streamWorkload(
  churnPerTick: number,
  churn: "flips" | "cycles" = "flips",
): DiagnosticsRegistry {
  const registry = new DiagnosticsRegistry();
  const { slab, held } = addHalfFullSlab(registry);
  const owner = registry.owners.register(":8000", "server");
  const handles = registry.addSlab(
    new SlabAllocator({ name: "handles", slotSize: 1, capacity: 2056, kind: "handle" }),
  );
  for (let i = 0; i < 40; i++) handles.alloc(owner);
  // Request records, as a server with traffic two minutes ago has them: idle,
  // their history all zeros.
  const long = Date.now() - 120_000;
  for (const [kind, name] of [["server", "api"], ["client", "upstream"]] as const) {
    const metrics = registry.requests.acquire(kind, name);
    for (let i = 0; i < 100; i++) {
      metrics.start();
      metrics.complete(i % 20 === 0 ? 503 : 200, 200 + 10 * i, 64, 512, long);
    }
  }
  if (churnPerTick === 0) return registry;
  const flip = slotFlipper(slab, held, churnPerTick);
  beforeEachSnapshot(registry, () => {
    if (churn === "flips") return flip();
    const taken: number[] = [];
    for (let i = 0; i < churnPerTick; i++) taken.push(slab.alloc()!);
    for (const h of taken) slab.free(h);
  });
  return registry;
}
