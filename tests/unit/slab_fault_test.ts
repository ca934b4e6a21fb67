// Copyright 2026 the slabscope authors. MIT license.
// Fault injection in the style of the kernel's slub_kunit: corrupt one
// structure on purpose, then check that verify() reports exactly that, and
// returns.
import assert from "node:assert/strict";
import { SlabAllocator } from "../../mod.ts";
import { slabViews } from "../../core/allocator/slab.ts";
import { W_CHECKSUM, W_CORRUPT_POPS } from "../../core/allocator/slab_layout.ts";

/** The explanation verify() appends to its list of unreachable slots. */
const UNREACHABLE =
  " (a thread stopped between taking a slot off the list and marking it used, or between marking it free and pushing it back, or the list was cut; recover() relinks them)";

/** 8 slots, 0‥2 in use; free list 3 → 4 → 5 → 6 → 7. */
function setup() {
  const slab = new SlabAllocator({ name: "faulty", slotSize: 8, capacity: 8 });
  const held = [slab.alloc()!, slab.alloc()!, slab.alloc()!];
  assert.deepEqual(slab.verify(), { ok: true, errors: [] });
  return { slab, held, v: slabViews(slab) };
}

Deno.test("verify() reports a self-loop in the free list and the slots it cut off", () => {
  const { slab, v } = setup();
  v.links[5] = 6n; // slot 5 → slot 5
  assert.deepEqual(slab.verify(), {
    ok: false,
    errors: [
      "free list: cycle: the link from slot 5 leads back to slot 5",
      `free + used != capacity: the free list holds 3 of 5 free slot(s); 2 are unreachable: slot 6, 7${UNREACHABLE}`,
    ],
  });
});

Deno.test("verify() reports a longer cycle without looping", () => {
  const { slab, v } = setup();
  v.links[7] = 4n; // 7 → 3: 3 → 4 → 5 → 6 → 7 → 3 → …
  assert.deepEqual(slab.verify(), {
    ok: false,
    errors: ["free list: cycle: the link from slot 7 leads back to slot 3"],
  });
});

Deno.test("verify() reports an out-of-range link", () => {
  const { slab, v } = setup();
  v.links[4] = 100n;
  assert.deepEqual(slab.verify(), {
    ok: false,
    errors: [
      "free list: the link from slot 4 is 99, outside 0‥7",
      `free + used != capacity: the free list holds 2 of 5 free slot(s); 3 are unreachable: slot 5, 6, 7${UNREACHABLE}`,
    ],
  });
});

Deno.test("verify() reports a link to a slot in use", () => {
  const { slab, v } = setup();
  v.links[4] = 2n; // → slot 1, which is allocated
  assert.deepEqual(slab.verify(), {
    ok: false,
    errors: [
      "free list: the link from slot 4 points to slot 1, which is in use",
      `free + used != capacity: the free list holds 2 of 5 free slot(s); 3 are unreachable: slot 5, 6, 7${UNREACHABLE}`,
    ],
  });
});

Deno.test("verify() reports a corrupted head, a bad state byte and a damaged header", () => {
  const { slab, v } = setup();
  v.head[0] = (7n << 24n) | 50n; // tag 7, index 49
  v.slots[0] = (v.slots[0]! & ~0xff) | 9; // state 9 does not exist
  v.words[3] = 99; // slot size, under the checksum
  assert.deepEqual(slab.verify().errors, [
    "header checksum does not match: the header was overwritten",
    "free list: the link from the head is 49, outside 0‥7",
    "1 slot(s) hold a state a plain slab never uses: slot 0",
    `free + used != capacity: the free list holds 0 of 5 free slot(s); 5 are unreachable: slot 3, 4, 5, 6, 7${UNREACHABLE}`,
  ]);
  assert.notEqual(v.words[W_CHECKSUM], 0);
});

Deno.test("verify() reports a leaked slot and counters that disagree with the states", () => {
  const { slab, v } = setup();
  v.slots[1] = v.slots[1]! & ~0xff; // slot 1 marked free but never pushed
  assert.deepEqual(slab.verify().errors, [
    `free + used != capacity: the free list holds 5 of 6 free slot(s); 1 are unreachable: slot 1${UNREACHABLE}`,
    "the used counter is 3 (3 allocs − 0 frees) but 2 slot(s) are in use: 1 free(s) not counted (a thread stopped inside free()); recover() corrects the counters",
  ]);
});

Deno.test("alloc() never hands out a slot the free list wrongly names, and counts it", () => {
  const { slab, held, v } = setup();
  v.links[3] = 2n; // 3 → slot 1 (in use)
  const first = slab.alloc()!; // slot 3
  assert.equal(slab.indexOf(first), 3);
  // The list now says slot 1, whose stale link says slot 2, then slot 3
  // (taken), then slot 1 again: a cycle through slots in use. alloc() skips
  // them, gives up after a bounded number, and reports the slab empty.
  assert.equal(slab.alloc(), null);
  assert.ok(Atomics.load(v.words, W_CORRUPT_POPS) >= 3);
  assert.equal(slab.stats().overflow, 1);
  for (const h of [...held, first]) slab.free(h); // every real handle still works
  const { errors } = slab.verify();
  assert.ok(errors.some((e) => /alloc\(\) found \d+ slot\(s\) in use/.test(e)), errors.join("\n"));
});

Deno.test("verify() is bounded on a large slab whose list is a cycle", () => {
  const slab = new SlabAllocator({ name: "big", slotSize: 1, capacity: 1 << 20 });
  const v = slabViews(slab);
  v.links[(1 << 20) - 1] = 1n; // last → first
  const started = performance.now();
  const result = slab.verify();
  assert.deepEqual(result.errors, [
    "free list: cycle: the link from slot 1048575 leads back to slot 0",
  ]);
  // The bound tells a walk that stops from one that would go round the
  // cycle forever (about 20 ms on an idle machine), on a loaded one too.
  assert.ok(performance.now() - started < 60_000);
});
