// Copyright 2026 the slabscope authors. MIT license.
// What the strict decoder costs a client: decoding a keyframe (every field
// checked, every summary counted from the slots) against JSON.parse of the
// same text, and applying a delta at 1 % churn.
//
//   deno bench -A bench/wire_decode_bench.ts
import { applyDelta, decodeKeyframe, encodeDelta, encodeKeyframe } from "../wire.ts";
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../mod.ts";

/** A slab half full at random (an incompressible bitmap, the worst case), as a keyframe and a delta. */
function workload(kind: "plain" | "handle", capacity: number) {
  const registry = new DiagnosticsRegistry();
  const owners = [
    registry.owners.register(":8080", "server"),
    registry.owners.register("db", "client"),
  ];
  const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 16, capacity, kind }));
  const held: number[] = [];
  for (let i = 0; i < capacity; i++) {
    const handle = slab.alloc(kind === "handle" ? owners[i & 1] : undefined)!;
    if (kind === "handle") {
      slab.setState(handle, (i & 3) === 0 ? HandleState.Idle : HandleState.Active);
    }
    held.push(handle);
  }
  for (let i = held.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [held[i], held[j]] = [held[j]!, held[i]!];
  }
  for (const handle of held.splice(0, capacity / 2)) slab.free(handle);
  const before = { ...registry.snapshot({ sampleHeap: false }), seq: 1 };
  // 1 % of the slots change: a random 1 % of the held ones are freed.
  for (const handle of held.splice(0, capacity / 100)) slab.free(handle);
  const after = { ...registry.snapshot({ sampleHeap: false }), seq: 2 };
  const keyframe = encodeKeyframe(before);
  return { keyframe, state: decodeKeyframe(keyframe), delta: encodeDelta(before, after)! };
}

for (
  const [kind, capacity] of [["plain", 262_144], ["plain", 1_048_576], ["handle", 262_144]] as const
) {
  const { keyframe, state, delta } = workload(kind, capacity);
  const group = `${kind} ${capacity.toLocaleString("en-US")} slots`;
  Deno.bench({
    name: `JSON.parse of the keyframe (${(keyframe.length / 1024).toFixed(0)} KiB), ${group}`,
    group,
    baseline: true,
    fn: () => void JSON.parse(keyframe),
  });
  Deno.bench({ name: `decodeKeyframe, ${group}`, group, fn: () => void decodeKeyframe(keyframe) });
  Deno.bench({
    name: `applyDelta at 1 % churn (${(delta.length / 1024).toFixed(1)} KiB), ${group}`,
    group,
    fn: () => void applyDelta(state, delta),
  });
}
