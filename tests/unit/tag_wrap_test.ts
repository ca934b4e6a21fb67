// Copyright 2026 the slabscope authors. MIT license.
// The ABA race of a Treiber stack, replayed deterministically: thread A reads
// the head (slot 0) and its link (slot 1), then sleeps; meanwhile B pops
// slot 0, pops slot 1 and pushes slot 0 back. The head names slot 0 again.
// If its tag is also the same as when A read it, A's CAS succeeds and
// installs slot 1, which B holds, as the new head.
import assert from "node:assert/strict";
import { SlabAllocator } from "../../mod.ts";
import {
  attachJavaScriptCoreForTesting,
  configureSlabForTesting,
} from "../../core/allocator/slab.ts";
import { HEAD_INDEX_BITS, HEAD_TAG_BITS } from "../../core/allocator/slab_layout.ts";

/** The explanation verify() appends to its list of unreachable slots. */
const UNREACHABLE =
  " (a thread stopped between taking a slot off the list and marking it used, or between marking it free and pushing it back, or the list was cut; recover() relinks them)";

function replayAba(tagBits?: number) {
  const a = new SlabAllocator({ name: "aba", slotSize: 8, capacity: 4 });
  const b = attachJavaScriptCoreForTesting(a.buffer);
  // A tiny tag is a property of the build, so every thread gets it.
  if (tagBits !== undefined) configureSlabForTesting(b, { tagBits });
  let bHolds = -1;
  let fired = false;
  configureSlabForTesting(a, {
    tagBits,
    onPopRace: () => {
      if (fired) return; // only A's first attempt is "preempted"
      fired = true;
      const first = b.alloc()!; // slot 0: two pops advance the tag by 2
      bHolds = b.alloc()!; // slot 1
      b.free(first); // slot 0 back on top
    },
  });
  const mine = a.alloc()!;
  return { a, b, mine, bHolds };
}

Deno.test("with a 1-bit tag the ABA race corrupts the free list, and the slab catches it", () => {
  const { a, mine, bHolds } = replayAba(1);
  assert.equal(a.indexOf(mine), 0);
  // The head now names slot 1, which B holds: the race happened.
  assert.deepEqual(a.verify().errors, [
    "free list: the link from the head points to slot 1, which is in use",
    `free + used != capacity: the free list holds 0 of 2 free slot(s); 2 are unreachable: slot 2, 3${UNREACHABLE}`,
  ]);
  // The per-slot state check refuses to hand slot 1 out a second time.
  const next = a.alloc();
  assert.notEqual(next === null ? -1 : a.indexOf(next), a.indexOf(bHolds));
});

Deno.test("with the real 40-bit tag the same interleaving is harmless", () => {
  const { a, mine, bHolds } = replayAba();
  assert.equal(a.indexOf(mine), 0, "A retried and took slot 0, which B had pushed back");
  assert.equal(a.indexOf(bHolds), 1);
  assert.ok(a.stats().casRetries >= 1, "A's first CAS failed on the tag");
  assert.deepEqual(a.verify(), { ok: true, errors: [] });
  const rest = [a.alloc()!, a.alloc()!].map((h) => a.indexOf(h)).sort();
  assert.deepEqual(rest, [2, 3]);
  assert.equal(a.alloc(), null);
});

Deno.test("the real tag does not wrap for hours even at the fastest pop rate a thread reaches", () => {
  assert.equal(HEAD_INDEX_BITS + HEAD_TAG_BITS, 64);
  assert.equal(HEAD_TAG_BITS, 40);
  // Only pops advance the tag, so it returns to a value after 2^40 pops.
  // The fastest a thread can pop is a bare tagged Treiber pop+push in
  // WebAssembly: about 108 M pairs/s on the machine these budgets are
  // measured on. A slab with all its checks reaches a fraction of that, and
  // threads contending for one head pop no faster in all than one alone.
  // (A rate measured in a unit test would only say how busy the machine was.)
  const fastestPopsPerSecond = 108e6;
  const secondsToWrap = 2 ** HEAD_TAG_BITS / fastestPopsPerSecond;
  assert.ok(secondsToWrap > 2.5 * 3600, `2^40 pops take ${(secondsToWrap / 3600).toFixed(1)} h`);
  // The alternative rejected: a 13-bit tag (an Int32 head with a 19-bit
  // index) wraps in under a tenth of a millisecond at the same rate.
  assert.ok(2 ** 13 / fastestPopsPerSecond < 1e-4);
  // And the stats read the pop count out of the tag exactly.
  const slab = new SlabAllocator({ name: "rate", slotSize: 1, capacity: 1024 });
  const rounds = 200_000;
  for (let i = 0; i < rounds; i++) slab.free(slab.alloc()!);
  assert.equal(slab.stats().allocs, rounds);
});

/**
 * The same race with a cache in play: A refills its cache with a batch pop
 * (it walked slot 0 → slot 1 and will install slot 2); meanwhile B pops
 * slots 0 and 1 and pushes slot 0 back.
 */
function replayAbaWithCache(tagBits?: number) {
  const a = new SlabAllocator({ name: "aba-cache", slotSize: 8, capacity: 6, cache: 4 });
  const b = SlabAllocator.attach(a.memory!); // WebAssembly core, no cache: one pop per alloc
  if (tagBits !== undefined) configureSlabForTesting(b, { tagBits });
  let bHolds = -1;
  let fired = false;
  configureSlabForTesting(a, {
    tagBits,
    onPopRace: () => {
      if (fired) return;
      fired = true;
      const first = b.alloc()!; // slot 0
      bHolds = b.alloc()!; // slot 1
      b.free(first); // slot 0 back on top, its link now slot 2
    },
  });
  const mine = a.alloc()!;
  return { a, b, mine, bHolds };
}

Deno.test("with a cache and a 1-bit tag the batch pop falls for ABA, and the slab refuses the slot B holds", () => {
  const { a, mine, bHolds } = replayAbaWithCache(1);
  assert.equal(a.indexOf(bHolds), 1);
  assert.notEqual(a.indexOf(mine), 1, "slot 1 is never handed out twice");
  assert.ok(
    a.verify().errors.some((e) => /found 1 slot\(s\) in use at the top of the free list/.test(e)),
    a.verify().errors.join("\n"),
  );
});

Deno.test("with a cache and the real tag the same interleaving is harmless", () => {
  const { a, b, mine, bHolds } = replayAbaWithCache();
  assert.equal(a.indexOf(bHolds), 1);
  assert.ok(a.stats().casRetries >= 1, "A's batch CAS failed on the tag and was retried");
  assert.deepEqual(a.verify(), { ok: true, errors: [] });
  const taken = new Set([a.indexOf(mine), a.indexOf(bHolds)]);
  for (let h = a.alloc(); h !== null; h = a.alloc()) {
    const index = a.indexOf(h);
    assert.ok(!taken.has(index), `slot ${index} handed out twice`);
    taken.add(index);
  }
  assert.equal(taken.size, 6, "every slot handed out exactly once");
  b.close();
  a.close();
  assert.deepEqual(a.verify(), { ok: true, errors: [] });
});
