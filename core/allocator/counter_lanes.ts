// Copyright 2026 the slabscope authors. MIT license.
/**
 * Per-thread counter lanes in shared memory: the Linux kernel's per-CPU
 * counters for a slab. Internal to `SlabAllocator`.
 *
 * Each allocator instance (one per thread, typically) claims a private lane
 * and counts its allocations and frees there, so threads never contend on
 * one counter word. `used` is the sum over all lanes of allocs − frees.
 *
 * Each count is 64 bits, exact since the slab was created. A private lane's
 * only writer stores the low Int32 word alone while it does not wrap, and the
 * whole 64-bit word with one atomic store when it does, so a 64-bit read
 * never sees a half-carried value. The shared lane 0 uses a 64-bit
 * `Atomics.add`.
 *
 * @module
 */

import {
  CHUNK_SHIFT,
  L_ALLOCS,
  L_CACHED,
  L_CLAIM,
  L_FREES,
  L_RETRIES,
  LANE_COUNT,
  LANE_WORDS,
  SHARED_LANE,
  W_LANES_USED,
} from "./slab_layout.ts";
import type { SlabViews } from "./slab_views.ts";

/** Exact totals over every lane. */
export interface LaneTotals {
  allocs: number;
  frees: number;
  /** Slots held in caches right now. */
  cached: number;
  /** CAS retries counted in lanes (the WebAssembly core's). */
  retries: number;
}

/** Lanes that any instance ever claimed (readers sum only these). */
function lanesInUse(v: SlabViews): number {
  return Math.min(Atomics.load(v.words, W_LANES_USED), LANE_COUNT);
}

/**
 * Slots in use according to the lanes, read with `Atomics.load`. The low
 * words count mod 2^32 and the true total is from 0 to the capacity, so the
 * sum mod 2^32 is exact at a quiescent point. While other threads work a
 * racing read can land outside that range; it is clamped.
 */
export function laneUsed(v: SlabViews): number {
  const count = lanesInUse(v);
  let total = 0;
  for (let l = 0, w = 0; l < count; l++, w += LANE_WORDS) {
    total += Atomics.load(v.lanes, w + L_ALLOCS) - Atomics.load(v.lanes, w + L_FREES);
  }
  const used = total >>> 0;
  return used > v.capacity ? (used > 2 ** 31 ? 0 : v.capacity) : used;
}

/**
 * Allocations and frees since the slab was created, summed over every lane
 * with 64-bit atomic reads (exact up to 2^53 each).
 */
export function laneTotals(v: SlabViews): LaneTotals {
  const count = lanesInUse(v);
  let allocs = 0n;
  let frees = 0n;
  let cached = 0;
  let retries = 0;
  for (let l = 0, w = 0; l < count; l++, w += LANE_WORDS) {
    retries += Atomics.load(v.lanes, w + L_RETRIES);
    allocs += Atomics.load(v.lanes64, (w + L_ALLOCS) >> 1);
    frees += Atomics.load(v.lanes64, (w + L_FREES) >> 1);
    cached += Atomics.load(v.lanes, w + L_CACHED);
  }
  return { allocs: Number(allocs), frees: Number(frees), cached, retries };
}

/**
 * Adds `delta` to the shared lane's allocs (or frees) count: `recover()`
 * uses it to bring the counters back in line with the slot words.
 */
export function adjustSharedLane(v: SlabViews, which: "allocs" | "frees", delta: number): void {
  const word = SHARED_LANE * LANE_WORDS + (which === "allocs" ? L_ALLOCS : L_FREES);
  Atomics.add(v.lanes64, word >> 1, BigInt(delta));
}

/** One instance's lane, plus the sum over all lanes. */
export class CounterLanes {
  #lanes: Int32Array;
  #lanes64: BigInt64Array;
  #words: Int32Array;
  #epochs: Int32Array;
  /** Int32 words from one lane's epochs row to the next. */
  #epochStride: number;
  /** Index in `#epochs` of this lane's first chunk epoch. */
  #row = 0;
  /** Int32 index of this instance's allocs counter (its low word). */
  #allocs = 0;
  /** Int32 index of this instance's frees counter (its low word). */
  #frees = 0;
  /** True when counting in the shared lane 0, which needs Atomics.add. */
  #shared = true;

  /** Claims a private lane, or the shared lane 0 when all 63 are taken. */
  constructor(v: SlabViews) {
    this.#lanes = v.lanes;
    this.#lanes64 = v.lanes64;
    this.#words = v.words;
    this.#epochs = v.epochs;
    this.#epochStride = v.regions.epochStride;
    for (let l = 1; l < LANE_COUNT; l++) {
      if (Atomics.compareExchange(this.#lanes, l * LANE_WORDS + L_CLAIM, 0, 1) === 0) {
        this.#use(l, false);
        return;
      }
    }
    this.#use(SHARED_LANE, true);
  }

  /** The lane this instance counts in: 1‥63, or 0 when it shares lane 0. */
  get lane(): number {
    return (this.#allocs - L_ALLOCS) / LANE_WORDS;
  }

  /** Whether this instance shares lane 0 with others. */
  get shared(): boolean {
    return this.#shared;
  }

  /**
   * Bumps the change epoch of slot `index`'s chunk, after the slot's word or
   * meta changed. A plain store by the lane's sole writer (an add in the
   * shared lane): see `slab_collector.ts` for why a collector still never
   * misses the change for more than one tick.
   */
  touch(index: number): void {
    const at = this.#row + (index >>> CHUNK_SHIFT);
    if (this.#shared) Atomics.add(this.#epochs, at, 1);
    else this.#epochs[at] = this.#epochs[at]! + 1;
  }

  /** Counts one allocation. */
  countAlloc(): void {
    const w = this.#allocs;
    if (this.#shared) {
      Atomics.add(this.#lanes64, w >> 1, 1n);
      return;
    }
    // The allocation count is the one counter that must be seq_cst even in
    // a private lane: used() sums every lane for the peak, and two threads
    // that allocate at once must each see the other's increment, or the one
    // reaching the true maximum could miss it. Atomics.store is seq_cst.
    const low = this.#lanes[w]!; // sole writer: this read is current
    if (low !== -1) Atomics.store(this.#lanes, w, low + 1);
    else this.#carry(w);
  }

  /** Counts one free; call it before the slot goes back on the free list. */
  countFree(): void {
    const w = this.#frees;
    if (this.#shared) {
      Atomics.add(this.#lanes64, w >> 1, 1n);
      return;
    }
    // The push's CAS that follows publishes this count: no thread can pop
    // the slot and still see it counted as used.
    const low = this.#lanes[w]!;
    if (low !== -1) this.#lanes[w] = low + 1; // sole writer: a plain store
    else this.#carry(w);
  }

  /** Slots in use now: allocs − frees over every lane (hot path). */
  used(): number {
    const lanes = this.#lanes;
    const end = this.#words[W_LANES_USED]! * LANE_WORDS;
    let total = 0;
    // Plain loads, on purpose: Atomics.load costs about 5 ns per call here
    // and this runs on every alloc. They come after this thread's seq_cst
    // allocs store, which is a full fence on x86 and an acquire on ARM, so
    // of two threads allocating at once the later still sees the other's
    // count. What a plain read can miss is an operation still in flight,
    // which is also what makes `used` a statistic rather than a lock.
    // Cached slots count too: the peak is the most slots ever off the
    // shared free list, in use or cached.
    for (let w = 0; w < end; w += LANE_WORDS) {
      total += lanes[w + L_CACHED]! + lanes[w + L_ALLOCS]! - lanes[w + L_FREES]!;
    }
    return total >>> 0;
  }

  /** Gives a private lane back (idempotent); counting continues in lane 0. */
  release(): void {
    if (this.#shared) return;
    const claim = this.#allocs - L_ALLOCS + L_CLAIM;
    // Switch to the shared lane first so that no plain write to the old lane
    // can race with the next instance that claims it. The counts already in
    // the old lane stay: a lane only ever holds part of a running total.
    this.#use(SHARED_LANE, true);
    Atomics.store(this.#lanes, claim, 0);
  }

  /** The low word is about to wrap: store the whole 64-bit count at once. */
  #carry(w: number): void {
    const i = w >> 1;
    Atomics.store(this.#lanes64, i, this.#lanes64[i]! + 1n);
  }

  #use(lane: number, shared: boolean): void {
    this.#allocs = lane * LANE_WORDS + L_ALLOCS;
    this.#frees = lane * LANE_WORDS + L_FREES;
    this.#shared = shared;
    this.#row = lane * this.#epochStride;
    // Raise the lane high-water mark so that readers include this lane.
    for (;;) {
      const count = Atomics.load(this.#words, W_LANES_USED);
      if (count > lane) return;
      if (Atomics.compareExchange(this.#words, W_LANES_USED, count, lane + 1) === count) return;
    }
  }
}
