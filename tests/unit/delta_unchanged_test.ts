// Copyright 2026 the slabscope authors. MIT license.
// A delta between two snapshots that share an unchanged slab's arrays (as
// the collector hands them out) never reads those arrays: an idle tick's
// delta costs O(1) per slab, not a scan of its slots.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, HandleState, type MemorySnapshot, SlabAllocator } from "../../mod.ts";
import { deltaObject } from "../../core/wire/delta.ts";
import { applyDelta, encodeDelta } from "../../wire.ts";

/** Counts every look at a typed array's memory (what a diff must do to compare it). */
function tripwire<T extends Uint8Array | Uint16Array>(array: T): { array: T; reads: () => number } {
  let reads = 0;
  const watched = new Proxy(array, {
    get(target, key) {
      if (
        key === "buffer" || key === "byteOffset" || typeof key === "string" && /^\d+$/.test(key)
      ) {
        reads++;
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { array: watched, reads: () => reads };
}

function registryWithSlabs() {
  const registry = new DiagnosticsRegistry();
  const owner = registry.owners.register("w", "worker");
  const plain = registry.addSlab(new SlabAllocator({ name: "plain", slotSize: 8, capacity: 4096 }));
  const owned = registry.addSlab(new SlabAllocator({ name: "owned", slotSize: 8, capacity: 4096 }));
  const handles = registry.addSlab(
    new SlabAllocator({ name: "handles", slotSize: 1, capacity: 1024, kind: "handle" }),
  );
  for (let i = 0; i < 1000; i++) plain.alloc();
  for (let i = 0; i < 700; i++) owned.alloc(owner);
  for (let i = 0; i < 300; i++) handles.setState(handles.alloc(owner)!, HandleState.Active);
  return { registry, plain };
}

Deno.test("deltaObject: an unchanged slab's shared arrays are not read, and nothing is sent", () => {
  const { registry } = registryWithSlabs();
  const before: MemorySnapshot = { ...registry.snapshot({ sampleHeap: false }), seq: 1 };
  const after: MemorySnapshot = { ...registry.snapshot({ sampleHeap: false }), seq: 2 };
  const wires: (() => number)[] = [];
  // Both snapshots hold the very same (watched) arrays, as the collector's are.
  for (let i = 0; i < before.slabs.length; i++) {
    const a = before.slabs[i]!;
    const b = after.slabs[i]!;
    for (const field of ["bitmap", "states", "owners"] as const) {
      if (a[field] === undefined) continue;
      assert.equal(a[field], b[field], `the collector shares ${a.name}.${field}`);
      const { array, reads } = tripwire(a[field]!);
      Object.assign(a, { [field]: array });
      Object.assign(b, { [field]: array });
      wires.push(reads);
    }
  }
  assert.equal(wires.length, 5); // plain bitmap; owned bitmap + owners; handle states + owners
  assert.equal(deltaObject(before, after), null);
  assert.deepEqual(wires.map((reads) => reads()), [0, 0, 0, 0, 0]);
});

Deno.test("deltaObject: equal content in different arrays is still compared, and a change found", () => {
  const { registry, plain } = registryWithSlabs();
  const before: MemorySnapshot = { ...registry.snapshot({ sampleHeap: false }), seq: 1 };
  const copy: MemorySnapshot = {
    ...before,
    seq: 2,
    slabs: before.slabs.map((slab) => ({
      ...slab,
      bitmap: slab.bitmap?.slice(),
      states: slab.states?.slice(),
      owners: slab.owners?.slice(),
    })),
  };
  assert.equal(deltaObject(before, copy), null);
  plain.alloc();
  const after: MemorySnapshot = { ...registry.snapshot({ sampleHeap: false }), seq: 3 };
  assert.notEqual(after.slabs[0]!.bitmap, before.slabs[0]!.bitmap);
  assert.equal(after.slabs[1]!.bitmap, before.slabs[1]!.bitmap, "an unchanged slab is shared");
  const delta = encodeDelta(before, after)!;
  assert.deepEqual(applyDelta(before, delta), after);
  assert.deepEqual(JSON.parse(delta).slabs.map((s: { name: string }) => s.name), ["plain"]);
});
