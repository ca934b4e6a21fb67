// Copyright 2026 the slabscope authors. MIT license.
/**
 * The slab's operations in JavaScript, for instances attached over a plain
 * `SharedArrayBuffer` (a Worker that received `slab.buffer`, or a slab too
 * big for WebAssembly memory). Word for word compatible with the
 * WebAssembly core (`wasm/slab_core.wat`): both can work on one slab at
 * once. No cache: every alloc pops and every free pushes. Internal to
 * `SlabAllocator`, which validates arguments and turns result codes into
 * errors, exactly as for the WebAssembly core (the same {@linkcode SlabCore}
 * contract).
 *
 * @module
 */

import { CoarseClock } from "./coarse_clock.ts";
import { SAMPLE, type SlabCore } from "./slab_core.ts";
import type { CounterLanes } from "./counter_lanes.ts";
import type { TaggedFreeList } from "./free_list.ts";
import { HandleState } from "./handle_state.ts";
import {
  CACHED,
  GENERATION_ONE,
  GENERATION_SHIFT,
  META_GENERATION_MASK,
  NO_OWNER,
  STATE_MASK,
  W_CAS_RETRIES,
  W_CORRUPT_POPS,
  W_HAS_OWNERS,
  W_OVERFLOW,
  W_PEAK,
} from "./slab_layout.ts";
import type { SlabViews } from "./slab_views.ts";

const FREE = HandleState.Free;
/** Corrupt entries one alloc() skips before it reports the slab empty. */
const MAX_CORRUPT_POPS = 64;

/** One instance's JavaScript core. */
export class JsSlabCore implements SlabCore {
  #words: Int32Array;
  #slots: Int32Array;
  #meta: Int32Array;
  #meta64: BigInt64Array;
  #capacity: number;
  #indexBits: number;
  #indexMask: number;
  #generationMask: number;
  #initialState: number;
  #clock: CoarseClock;
  #sampled: boolean;
  /** Allocations left before the next one to sample. */
  #sampleLeft = 0;
  #freeList: TaggedFreeList;
  #lanes: CounterLanes;
  #rejected = 0;
  /** Test hook: between setState()'s slot-word CAS and its meta CAS. */
  onSetStateRace: ((slot: number) => void) | undefined;

  constructor(
    v: SlabViews,
    generationMask: number,
    initialState: number,
    freeList: TaggedFreeList,
    lanes: CounterLanes,
  ) {
    this.#words = v.words;
    this.#slots = v.slots;
    this.#meta = v.meta;
    this.#meta64 = v.meta64;
    this.#capacity = v.capacity;
    this.#indexBits = v.indexBits;
    this.#indexMask = (1 << v.indexBits) - 1;
    this.#generationMask = generationMask;
    this.#initialState = initialState;
    this.#clock = new CoarseClock(v.epoch);
    this.#sampled = (v.sites?.sampleEvery ?? 0) > 0;
    this.#freeList = freeList;
    this.#lanes = lanes;
  }

  /** The slot word that made the last free() or setState() fail. */
  rejected(): number {
    return this.#rejected;
  }

  /**
   * A handle, or -1 when no slot is free (counted as an overflow); on a slab
   * that samples sites, {@linkcode SAMPLE} for the allocation to sample.
   */
  alloc(): number {
    if (this.#sampled && --this.#sampleLeft <= 0) return SAMPLE;
    return this.allocSlow(NO_OWNER, this.#initialState);
  }

  /** The next allocation to sample comes after `n` more. */
  sampleAfter(n: number): void {
    this.#sampleLeft = n;
  }

  /** Counts an allocation made with `allocSlow()` alone; 1 when it is the one to sample. */
  sampleDue(): number {
    return --this.#sampleLeft <= 0 ? 1 : 0;
  }

  /** A handle, or -1 when no slot is free (counted as an overflow). */
  allocSlow(owner: number, state: number): number {
    const slots = this.#slots;
    for (let corrupt = 0;; corrupt++) {
      const index = corrupt < MAX_CORRUPT_POPS ? this.#freeList.pop() : -1;
      if (index < 0) {
        Atomics.add(this.#words, W_OVERFLOW, 1);
        return -1;
      }
      // The pop made this thread the slot's only legitimate writer, so plain
      // accesses suffice here; the seq_cst CAS inside a later free() or the
      // postMessage that hands the handle over publishes them.
      const word = slots[index]!;
      if ((word & STATE_MASK) !== FREE) {
        // The free list named a slot that is in use: corruption (a foreign
        // write into the buffer). Never hand it out twice; leave it off the
        // list, count it, and take the next slot. verify() will report it.
        // The links of slots in use are stale and may cycle, so give up
        // (as if empty) after MAX_CORRUPT_POPS of them in one call.
        Atomics.add(this.#words, W_CORRUPT_POPS, 1);
        continue;
      }
      slots[index] = word | state;
      // Generation and owner first, then the time: see free() for why a late
      // setState() of the slot's previous life can no longer touch either.
      const meta = this.#meta;
      meta[2 * index] = ((word >>> GENERATION_SHIFT) & META_GENERATION_MASK) << 16 | owner;
      meta[2 * index + 1] = this.#clock.now();
      if (owner !== NO_OWNER) this.#markOwners();
      this.#lanes.countAlloc();
      this.#lanes.touch(index);
      const used = this.#lanes.used();
      if (used > this.#words[W_PEAK]!) this.#raisePeak(used); // CAS-max inside
      return (((word >>> GENERATION_SHIFT) & this.#generationMask) << this.#indexBits) | index;
    }
  }

  /** 0: freed; anything else: call `freeSlow()`, which says why. */
  free(handle: number): number {
    return this.freeSlow(handle);
  }

  /** Returns every cached slot to the free list: there are none. */
  flushAll(): void {}

  /** 0: freed. 1: rejected (see `rejected()`). 2: the index is not below the capacity. */
  freeSlow(handle: number): number {
    const index = handle & this.#indexMask;
    if (index >= this.#capacity) return 2;
    const generation = handle >>> this.#indexBits;
    const slots = this.#slots;
    let retries = 0;
    // The first read is plain: whoever legitimately holds the handle has
    // synchronized with its alloc, so it sees the current word; anything
    // else is settled by the CAS, which compares against the real value.
    let word = slots[index]!;
    let next: number;
    for (;;) {
      if (
        (word & STATE_MASK) === FREE || (word & STATE_MASK) === CACHED ||
        ((word >>> GENERATION_SHIFT) & this.#generationMask) !== generation
      ) {
        const current = Atomics.load(slots, index);
        if (current !== word) {
          word = current; // the plain read was stale; judge the real value
          continue;
        }
        if (retries !== 0) Atomics.add(this.#words, W_CAS_RETRIES, retries);
        this.#rejected = word;
        return 1;
      }
      // This CAS is where a free takes effect. When two threads free the same
      // handle at once exactly one CAS succeeds; the loser re-reads, sees the
      // slot free, and reports a double free. Bumping the generation in the
      // same CAS makes every copy of this handle stale from here on.
      next = (word + GENERATION_ONE) & ~STATE_MASK;
      const seen = Atomics.compareExchange(slots, index, word, next);
      if (seen === word) break;
      word = seen; // a concurrent setState() changed the state bits
      retries++;
    }
    if (retries !== 0) Atomics.add(this.#words, W_CAS_RETRIES, retries);
    // The meta word now carries the new generation: a setState() that won
    // its slot-word CAS just before ours and is about to record an owner
    // and time CASes against the old generation, fails, and gives up, so it
    // can neither undo this nor reach the slot's next allocation. The
    // seq_cst CAS of the push below publishes both plain stores.
    const meta = this.#meta;
    meta[2 * index] = (((next >>> GENERATION_SHIFT) & META_GENERATION_MASK) << 16) | NO_OWNER;
    meta[2 * index + 1] = this.#clock.now();
    this.#lanes.countFree(); // before the push, which publishes it
    this.#lanes.touch(index);
    this.#freeList.push(index);
    return 0;
  }

  /** 0: done (owner -1 keeps the owner). 1: rejected (see `rejected()`). 2: out of range. */
  setState(handle: number, state: number, owner: number): number {
    const index = handle & this.#indexMask;
    if (index >= this.#capacity) return 2;
    const generation = handle >>> this.#indexBits;
    const slots = this.#slots;
    for (;;) {
      const word = Atomics.load(slots, index);
      if (
        (word & STATE_MASK) === FREE || (word & STATE_MASK) === CACHED ||
        ((word >>> GENERATION_SHIFT) & this.#generationMask) !== generation
      ) {
        this.#rejected = word;
        return 1;
      }
      // CAS rather than a store: a concurrent free() of the same slot must
      // not be undone by writing a live state over it.
      if (Atomics.compareExchange(slots, index, word, (word & ~STATE_MASK) | state) === word) {
        this.onSetStateRace?.(index);
        const time = this.#clock.now();
        this.#stamp(index, (word >>> GENERATION_SHIFT) & META_GENERATION_MASK, owner, time);
        this.#lanes.touch(index);
        return 0;
      }
      Atomics.add(this.#words, W_CAS_RETRIES, 1);
    }
  }

  #markOwners(): void {
    if (this.#words[W_HAS_OWNERS] === 0) Atomics.store(this.#words, W_HAS_OWNERS, 1);
  }

  /**
   * Records the time of a state change (and a new owner) on a slot whose
   * slot-word CAS this thread just won with `generation` (its low 16 bits).
   * One CAS on the 64-bit meta word that expects that generation: if the
   * slot was freed since, free() already stored the next generation there,
   * the CAS cannot succeed, and this change, superseded by the free, is
   * dropped instead of landing on whatever the slot holds next.
   */
  #stamp(index: number, generation: number, owner: number, time: number): void {
    const meta64 = this.#meta64;
    const high = BigInt(time) << 32n;
    for (;;) {
      const seen = Atomics.load(meta64, index);
      const low = Number(BigInt.asUintN(32, seen));
      if (low >>> 16 !== generation) return;
      const next = owner < 0 ? low : (generation << 16) | owner;
      const replacement = BigInt.asIntN(64, high | BigInt(next >>> 0));
      if (Atomics.compareExchange(meta64, index, seen, replacement) === seen) break;
    }
    if (owner >= 0) this.#markOwners();
  }

  #raisePeak(used: number): void {
    // A racing read of other lanes can momentarily exceed the capacity;
    // such a value is not a real level and must not become the peak.
    if (used > this.#capacity) return;
    const words = this.#words;
    for (;;) {
      const peak = Atomics.load(words, W_PEAK);
      if (used <= peak) return;
      if (Atomics.compareExchange(words, W_PEAK, peak, used) === peak) return;
    }
  }
}
