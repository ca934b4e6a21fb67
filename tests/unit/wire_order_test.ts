// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import { applyDelta, decodeKeyframe, encodeDelta, encodeKeyframe } from "../../wire.ts";
import {
  Arena,
  ArenaPool,
  DiagnosticsRegistry,
  type MemorySnapshot,
  SlabAllocator,
} from "../../mod.ts";

function keyframeState(registry: DiagnosticsRegistry, seq: number): MemorySnapshot {
  return decodeKeyframe(encodeKeyframe({ ...registry.snapshot({ sampleHeap: false }), seq }));
}

const names = (entries: { name: string }[]) => entries.map((entry) => entry.name);

Deno.test("slabs removed and re-added in one tick keep the keyframe's order", () => {
  const registry = new DiagnosticsRegistry();
  for (const name of ["a", "b"]) {
    registry.addSlab(new SlabAllocator({ name, slotSize: 8, capacity: 16 }));
  }
  const before = keyframeState(registry, 1);
  // Both go and come back in the same order: a with another shape (a full
  // patch), b with the same one (an ordinary patch).
  registry.remove("a");
  registry.remove("b");
  registry.addSlab(new SlabAllocator({ name: "a", slotSize: 8, capacity: 32 })).alloc();
  registry.addSlab(new SlabAllocator({ name: "b", slotSize: 8, capacity: 16 }));
  const after = keyframeState(registry, 2);
  assert.deepEqual(names(after.slabs), ["a", "b"]);

  const delta = encodeDelta(before, after)!;
  assert.equal(JSON.parse(delta).slab_order, undefined, "the order did not change");
  assert.deepEqual(names(applyDelta(before, delta).slabs), ["a", "b"]);
  assert.deepEqual(applyDelta(before, delta), after);
});

Deno.test("a slab replaced by one of another shape keeps its place among the others", () => {
  const registry = new DiagnosticsRegistry();
  for (const name of ["a", "b", "c"]) {
    registry.addSlab(new SlabAllocator({ name, slotSize: 8, capacity: 16 }));
  }
  const before = keyframeState(registry, 1);
  for (const name of ["a", "b", "c"]) registry.remove(name);
  registry.addSlab(new SlabAllocator({ name: "a", slotSize: 8, capacity: 16 }));
  registry.addSlab(new SlabAllocator({ name: "b", slotSize: 4, capacity: 16, kind: "handle" }));
  registry.addSlab(new SlabAllocator({ name: "c", slotSize: 8, capacity: 16 }));
  const after = keyframeState(registry, 2);
  assert.deepEqual(names(applyDelta(before, encodeDelta(before, after)!).slabs), ["a", "b", "c"]);
});

Deno.test("an arena that becomes a pool, or stops being one, keeps its place", () => {
  const registry = new DiagnosticsRegistry();
  registry.addArena(new Arena({ name: "x", capacity: 64 }));
  registry.addArenaPool(new ArenaPool({ name: "y", arenaCapacity: 64, count: 2 }));
  registry.addArena(new Arena({ name: "z", capacity: 64 }));
  const before = keyframeState(registry, 1);
  registry.remove("x");
  registry.remove("y");
  registry.addArenaPool(new ArenaPool({ name: "x", arenaCapacity: 64, count: 2 }));
  registry.addArena(new Arena({ name: "y", capacity: 64 }));
  registry.remove("z");
  registry.addArena(new Arena({ name: "z", capacity: 64 }));
  const after = keyframeState(registry, 2);
  assert.deepEqual(names(after.arenas), ["x", "y", "z"]);
  assert.deepEqual(applyDelta(before, encodeDelta(before, after)!), after);
});
