// Copyright 2026 the slabscope authors. MIT license.
// Snapshots read only the chunks whose change epochs moved.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { attachJavaScriptCoreForTesting, slabViews } from "../../core/allocator/slab.ts";
import { recordsBetween } from "../../core/wire/slot_touches.ts";

/** The picture a full scan of the slot words gives: cached slots (state 6) are K. */
function fullScan(slab: SlabAllocator) {
  const words = slabViews(slab).slots;
  const cached = [...words.keys()].filter((i) => (words[i]! & 0xff) === 6);
  const states = slab.kind === "handle" ? slab.readStates() : undefined;
  for (const i of cached) if (states !== undefined) states[i] = 6;
  return {
    states,
    bitmap: slab.kind === "plain" ? slab.readBitmap() : undefined,
    owners: slab.hasOwners ? slab.readOwners() : undefined,
    cached_slots: slab.kind === "plain" && cached.length > 0 ? new Uint32Array(cached) : undefined,
    K: cached.length === 0 ? undefined : cached.length,
  };
}

Deno.test("an unchanged slab's snapshot reuses the previous arrays and summary, and reads no slot word", () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "idle", slotSize: 8, capacity: 100_000 }),
  );
  for (let i = 0; i < 5000; i++) slab.alloc();
  const [first] = registry.snapshot({ sampleHeap: false }).slabs;
  const [second] = registry.snapshot({ sampleHeap: false }).slabs;
  assert.equal(second!.bitmap, first!.bitmap, "the same array object");
  assert.equal(second!.summary, first!.summary);
  // A write that no operation announced (a foreign write into the buffer)
  // is not seen: nothing was read again.
  const v = slabViews(slab);
  v.slots[99_999] = v.slots[99_999]! | HandleState.Used;
  const [third] = registry.snapshot({ sampleHeap: false }).slabs;
  assert.equal(third!.bitmap, first!.bitmap);
  assert.equal(third!.used, 5000);
  // The next real operation in that chunk makes it read again.
  slab.free(slab.alloc()!); // slot 5000 is in chunk 4, not chunk 97
  assert.equal(registry.snapshot({ sampleHeap: false }).slabs[0]!.used, 5000);
  Atomics.add(v.epochs, 97, 1); // as alloc(), free() and setState() do in chunk 97
  const [fourth] = registry.snapshot({ sampleHeap: false }).slabs;
  assert.equal(fourth!.used, 5001);
  assert.notEqual(fourth!.bitmap, first!.bitmap, "a changed slab gets a new array");
  assert.equal(
    first!.bitmap![99_999 >> 3]! >> (99_999 & 7) & 1,
    0,
    "old snapshots stay as they were",
  );
});

Deno.test("incremental snapshots equal a full scan through random work on both cores, caches and owners", () => {
  for (const kind of ["plain", "handle"] as const) {
    const registry = new DiagnosticsRegistry();
    const owner = registry.owners.register("w", "worker");
    const wasm = registry.addSlab(
      new SlabAllocator({ name: kind, slotSize: 4, capacity: 5000, kind, cache: 16 }),
    );
    const js = attachJavaScriptCoreForTesting(wasm.buffer);
    const cached = SlabAllocator.attach(wasm.memory!, { cache: 8 });
    const instances = [wasm, js, cached];
    const held: [SlabAllocator, number][] = [];
    let random = 7;
    const next = () => (random = (Math.imul(random, 1664525) + 1013904223) >>> 0);
    for (let round = 0; round < 60; round++) {
      for (let op = 0; op < 200; op++) {
        const who = instances[next() % 3]!;
        const r = next() % 10;
        if (r < 5 && held.length < 4000) {
          const h = who.alloc(r === 0 ? owner : undefined);
          if (h !== null) held.push([who, h]);
        } else if (r < 8 && held.length > 0) {
          const k = next() % held.length;
          const [, h] = held[k]!;
          held[k] = held[held.length - 1]!;
          held.pop();
          who.free(h); // any instance may free any handle
        } else if (held.length > 0 && kind === "handle") {
          const [, h] = held[next() % held.length]!;
          who.setState(h, HandleState.Idle, r === 9 ? owner : undefined);
        }
      }
      if (round % 3 === 0) continue; // let several rounds pile up between snapshots
      const [s] = registry.snapshot({ sampleHeap: false }).slabs;
      const truth = fullScan(wasm);
      assert.deepEqual(s!.states, truth.states, `${kind} round ${round}: states`);
      assert.deepEqual(s!.bitmap, truth.bitmap, `${kind} round ${round}: bitmap`);
      assert.deepEqual(s!.owners, truth.owners, `${kind} round ${round}: owners`);
      assert.deepEqual(s!.cached_slots, truth.cached_slots, `${kind} round ${round}: cached`);
      assert.equal(s!.summary.K, truth.K, `${kind} round ${round}: summary.K`);
      assert.equal(s!.used, held.length);
      assert.equal(s!.summary.K ?? 0, wasm.stats().cached);
    }
    for (const [, h] of held) wasm.free(h);
    for (const instance of instances) instance.close();
    const [s] = registry.snapshot({ sampleHeap: false }).slabs;
    assert.equal(s!.used, 0);
    assert.equal(s!.summary.K, undefined, "close() returned every cache");
    assert.deepEqual(wasm.verify(), { ok: true, errors: [] });
  }
});

Deno.test("a first snapshot reads cached and in-use slots in every byte position, the last partial byte included", () => {
  // 13 slots: one whole bitmap byte and a byte of 5.
  const slab = new SlabAllocator({ name: "first", slotSize: 4, capacity: 13 });
  const other = SlabAllocator.attach(slab.memory!, { cache: 8 });
  const bySlot = new Map<number, number>();
  for (let k = 0; k < 13; k++) {
    const h = slab.alloc()!;
    bySlot.set(slab.indexOf(h), h);
  }
  const at = (slot: number) => bySlot.get(slot)!;
  for (const slot of [2, 7, 9, 12]) other.free(at(slot)); // into `other`'s cache
  for (const slot of [5, 8]) slab.free(at(slot)); // back on the free list
  // A new instance's collector has read nothing yet: a full scan.
  const registry = new DiagnosticsRegistry({ lints: false });
  const twin = registry.addSlab(SlabAllocator.attach(slab.memory!));
  const [s] = registry.snapshot({ sampleHeap: false }).slabs;
  assert.deepEqual(s!.cached_slots, new Uint32Array([2, 7, 9, 12]));
  // In use: 0 1 3 4 6 | 10 11.
  assert.deepEqual(s!.bitmap, new Uint8Array([0b0101_1011, 0b0000_1100]));
  assert.equal(s!.used, 7);
  assert.equal(s!.summary.K, 4);
  assert.deepEqual(s!.bitmap, fullScan(slab).bitmap);
  for (const instance of [twin, other, slab]) instance.close();
});

Deno.test("a collection's touch record counts every free of each slot it lists, across collections", () => {
  const registry = new DiagnosticsRegistry({ lints: false });
  const slab = registry.addSlab(new SlabAllocator({ name: "c", slotSize: 8, capacity: 4096 }));
  const snapshot = () => registry.snapshot({ sampleHeap: false }).slabs[0]!;
  let h = slab.alloc()!;
  const slot = slab.indexOf(h);
  const s0 = snapshot();
  for (let k = 0; k < 7; k++) {
    slab.free(h);
    h = slab.alloc()!; // the same slot: the free list is a stack
  }
  const taken = slab.indexOf(slab.alloc()!); // taken, never freed
  const s1 = snapshot();
  const [record] = recordsBetween(s0, s1)!;
  assert.deepEqual([...record!.slots], [slot, taken].sort((a, b) => a - b));
  assert.equal(record!.cycles[record!.slots.indexOf(slot)], 7);
  assert.equal(record!.cycles[record!.slots.indexOf(taken)], 0);
  // Two more collections (a scrape between two ticks): the records add up.
  for (let k = 0; k < 2; k++) {
    slab.free(h);
    h = slab.alloc()!;
    snapshot();
  }
  const s3 = snapshot();
  const between = recordsBetween(s0, s3)!;
  let total = 0;
  for (const r of between) {
    const k = r.slots.indexOf(slot);
    if (k >= 0) total += r.cycles[k]!;
  }
  assert.equal(total, 9);
  assert.deepEqual(recordsBetween(s3, s3), []);
});
