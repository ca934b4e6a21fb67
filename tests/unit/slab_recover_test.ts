// Copyright 2026 the slabscope authors. MIT license.
// What a thread stopped between the steps of alloc() or free() leaves behind
// (Worker.terminate(), a crash), replayed step by step on the slab's words:
// verify() names it precisely and recover() repairs it.
import assert from "node:assert/strict";
import { SlabAllocator } from "../../mod.ts";
import { slabViews } from "../../core/allocator/slab.ts";
import { GENERATION_ONE, HEAD_INDEX_BITS } from "../../core/allocator/slab_layout.ts";

const UNREACHABLE =
  " (a thread stopped between taking a slot off the list and marking it used, or between marking it free and pushing it back, or the list was cut; recover() relinks them)";

/** 8 slots, 0‥2 in use; free list 3 → 4 → 5 → 6 → 7. */
function setup() {
  const slab = new SlabAllocator({ name: "stopped", slotSize: 8, capacity: 8 });
  const held = [slab.alloc()!, slab.alloc()!, slab.alloc()!];
  return { slab, held, v: slabViews(slab) };
}

/** The pop of alloc(), without anything after it: slot 3 leaves the list. */
function popOnly(v: ReturnType<typeof slabViews>): number {
  const head = v.head[0]!;
  const top = Number(BigInt.asUintN(HEAD_INDEX_BITS, head));
  const tag = (BigInt.asUintN(64, head) >> BigInt(HEAD_INDEX_BITS)) + 1n;
  v.head[0] = BigInt.asIntN(64, (tag << BigInt(HEAD_INDEX_BITS)) | v.links[top - 1]!);
  return top - 1;
}

Deno.test("stopped after alloc()'s pop: one free slot off the list, named, and relinked", () => {
  const { slab, v } = setup();
  assert.equal(popOnly(v), 3);
  assert.deepEqual(slab.verify().errors, [
    `free + used != capacity: the free list holds 4 of 5 free slot(s); 1 are unreachable: slot 3${UNREACHABLE}`,
  ]);
  assert.deepEqual(slab.recover(), {
    relinked: 1,
    uncached: 0,
    used: 3,
    allocsCounted: 0,
    freesCounted: 0,
    corruptionCleared: 0,
  });
  assert.deepEqual(slab.verify(), { ok: true, errors: [] });
  const all = Array.from({ length: 5 }, () => slab.indexOf(slab.alloc()!));
  assert.deepEqual(all, [3, 4, 5, 6, 7], "lowest index first");
});

Deno.test("stopped after alloc() marked the slot but before it counted it: the counter is named and fixed", () => {
  const { slab, v } = setup();
  const index = popOnly(v);
  v.slots[index] = v.slots[index]! | 1; // Used, as alloc() writes it
  assert.deepEqual(slab.verify().errors, [
    "the used counter is 3 (3 allocs − 0 frees) but 4 slot(s) are in use: 1 allocation(s) not counted (a thread stopped inside alloc(); nobody received those handles); recover() corrects the counters",
    "the peak 3 is below the 4 slot(s) in use",
  ]);
  const result = slab.recover();
  assert.deepEqual([result.relinked, result.used, result.allocsCounted], [0, 4, 1]);
  assert.deepEqual(slab.verify(), { ok: true, errors: [] });
  assert.deepEqual([slab.stats().used, slab.stats().allocs, slab.stats().peak], [4, 4, 4]);
});

Deno.test("stopped after free()'s CAS: the slot is free but neither counted nor listed; both are repaired", () => {
  const { slab, held, v } = setup();
  v.slots[1] = (v.slots[1]! + GENERATION_ONE) & ~0xff; // free()'s CAS, alone
  assert.deepEqual(slab.verify().errors, [
    `free + used != capacity: the free list holds 5 of 6 free slot(s); 1 are unreachable: slot 1${UNREACHABLE}`,
    "the used counter is 3 (3 allocs − 0 frees) but 2 slot(s) are in use: 1 free(s) not counted (a thread stopped inside free()); recover() corrects the counters",
  ]);
  const result = slab.recover();
  assert.deepEqual([result.relinked, result.used, result.freesCounted], [1, 2, 1]);
  assert.deepEqual(slab.verify(), { ok: true, errors: [] });
  assert.throws(() => slab.free(held[1]!), RangeError, "its handle is stale, as after a free");
  const s = slab.stats();
  assert.deepEqual([s.used, s.allocs, s.frees], [2, 3, 1]);
});
