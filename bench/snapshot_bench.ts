// Copyright 2026 the slabscope authors. MIT license.
// Snapshot + full keyframe encode of large slabs (budget: ≤ 1 ms for
// 262,144 slots, ≤ 4 ms for 1,048,576): unchanged, after one change, and
// the very first (a full scan); and the delta at 1 % churn.
//
//   deno bench -A --v8-flags=--expose-gc bench/snapshot_bench.ts
import { DiagnosticsRegistry, SlabAllocator } from "../mod.ts";
import { encodeDelta, encodeKeyframe } from "../wire.ts";
import { addHalfFullSlab } from "./_half_full_slab.ts";

/** V8's collector, when run with `--v8-flags=--expose-gc`. */
const gc = (globalThis as { gc?: () => void }).gc;

/** A registry with one slab half full at random: an incompressible bitmap, the worst case. */
function halfFull(capacity: number) {
  const registry = new DiagnosticsRegistry();
  const { slab, held: handles } = addHalfFullSlab(registry, capacity);
  return { registry, slab, handles };
}

for (const capacity of [262_144, 1_048_576]) {
  const { registry, slab, handles } = halfFull(capacity);
  const label = capacity.toLocaleString("en-US");
  Deno.bench({
    name: `snapshot + keyframe encode, unchanged, ${label} slots`,
    group: `snapshot ${label}`,
    baseline: true,
    fn() {
      const json = encodeKeyframe(registry.snapshot({ sampleHeap: false }));
      if (json.length < capacity / 8) throw new Error("keyframe too small");
    },
  });
  let k = 0;
  Deno.bench({
    name: `snapshot + keyframe encode after one slot changed, ${label} slots`,
    group: `snapshot ${label}`,
    fn(b) {
      k = (k + 7919) % handles.length;
      slab.free(handles[k]!);
      handles[k] = slab.alloc()!;
      b.start();
      const json = encodeKeyframe(registry.snapshot({ sampleHeap: false }));
      b.end();
      if (json.length < capacity / 8) throw new Error("keyframe too small");
    },
  });
  for (const collected of gc === undefined ? [false] : [false, true]) {
    Deno.bench({
      name: `first snapshot (a full scan) + keyframe encode, ${label} slots${
        collected ? ", garbage collected before" : ""
      }`,
      group: `snapshot ${label}`,
      fn(b) {
        // A new instance over the same memory: its collector remembers nothing.
        const twin = SlabAllocator.attach(slab.memory!);
        const fresh = new DiagnosticsRegistry();
        fresh.addSlab(twin);
        // Without: the scan also pays for collecting the earlier iterations'
        // instances and pictures (a few MiB each), which a server's first
        // tick does not have behind it.
        if (collected) gc!();
        b.start();
        const json = encodeKeyframe(fresh.snapshot({ sampleHeap: false }));
        b.end();
        twin.close();
        if (json.length < capacity / 8) throw new Error("keyframe too small");
      },
    });
  }
  Deno.bench({
    name: `snapshot + delta encode at 1 % churn, ${label} slots`,
    group: `snapshot ${label}`,
    fn(b) {
      const prev = { ...registry.snapshot({ sampleHeap: false }), seq: 1 };
      for (let i = 0; i < capacity / 100; i++) {
        const k = (i * 7919) % handles.length;
        slab.free(handles[k]!);
        handles[k] = slab.alloc()!;
      }
      b.start();
      const next = { ...registry.snapshot({ sampleHeap: false }), seq: 2 };
      encodeDelta(prev, next);
      b.end();
    },
  });
}
