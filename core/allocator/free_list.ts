// Copyright 2026 the slabscope authors. MIT license.
/**
 * The slab's free list: a lock-free Treiber stack of slot indexes in shared
 * memory, with an ABA-safe tagged head. Internal to `SlabAllocator`.
 *
 * The head is one BigInt64 word, `tag << 24 | (index + 1)`, index + 1 = 0
 * meaning empty; `links[i]` holds the next slot's index + 1. Every change of
 * the head is one `Atomics.compareExchange` on that word.
 *
 * @module
 */

import { HEAD_INDEX_BITS, W_CAS_RETRIES } from "./slab_layout.ts";
import type { SlabViews } from "./slab_views.ts";

// Adding TAG_ONE to a head word bumps its tag.
const TAG_ONE = 1n << BigInt(HEAD_INDEX_BITS);
const ALL_TAG_BITS = -TAG_ONE; // ~(2^24 - 1): keeps every tag bit

/** Test-only switches; see `configureSlabForTesting()`. */
export interface FreeListTestingOptions {
  /** Make the ABA tag wrap after 2^tagBits pops instead of 2^40. */
  tagBits?: number;
  /**
   * Called inside `pop()` after the head and its link were read and before
   * the compare-and-swap: the moment a preempted thread would sleep.
   */
  onPopRace?: (slot: number) => void;
}

/** Writes the initial list 0 → 1 → … → capacity − 1 into fresh memory. */
export function initializeFreeList(v: SlabViews): void {
  const capacity = v.capacity;
  for (let i = 0; i < capacity; i++) {
    v.links[i] = BigInt(i + 2 <= capacity ? i + 2 : 0);
    v.self[i] = BigInt(i + 1);
  }
  v.head[0] = 1n;
}

/** A view of one slab's free list, for one thread. */
export class TaggedFreeList {
  #head: BigInt64Array;
  #links: BigInt64Array;
  #self: BigInt64Array;
  #words: Int32Array;
  #tagMask: bigint = ALL_TAG_BITS;
  #onPopRace: ((slot: number) => void) | undefined = undefined;

  constructor(v: SlabViews) {
    this.#head = v.head;
    this.#links = v.links;
    this.#self = v.self;
    this.#words = v.words;
  }

  /** Installs test-only switches (a tiny tag, a preemption point). */
  configureForTesting(options: FreeListTestingOptions): void {
    if (options.tagBits !== undefined) {
      const bits = BigInt(HEAD_INDEX_BITS + options.tagBits);
      this.#tagMask = ((1n << bits) - 1n) & ALL_TAG_BITS;
    }
    this.#onPopRace = options.onPopRace;
  }

  /**
   * Successful pops so far: every pop adds one to the tag, so the tag is
   * the exact pop count (mod 2^40).
   */
  pops(): number {
    return Number(BigInt.asUintN(64, Atomics.load(this.#head, 0)) >> BigInt(HEAD_INDEX_BITS));
  }

  /** Pops the top slot; returns its index, or -1 when the list is empty. */
  pop(): number {
    const head = this.#head;
    const links = this.#links;
    let retries = 0;
    for (;;) {
      // Atomics.load is sequentially consistent: if it returns a head that a
      // push() installed, everything that push wrote before its CAS (the
      // link below) is visible to this thread.
      const h = Atomics.load(head, 0);
      // `24` must be a literal (HEAD_INDEX_BITS): TurboFan lowers asUintN to
      // a mask only for a constant width, and this line is the hot path.
      const top = BigInt.asUintN(24, h); // index + 1, 0 = empty
      if (top === 0n) {
        if (retries !== 0) Atomics.add(this.#words, W_CAS_RETRIES, retries);
        return -1;
      }
      const index = Number(top) - 1;
      // A plain read that may race: if another thread pops `index` and
      // pushes it back with a new link meanwhile, this value is stale or
      // even torn. It is harmless, because that pop also bumped the tag,
      // so the CAS below fails and the value is thrown away.
      const next = links[index]!;
      // ABA: the tag is what makes "head still equals h" mean "nothing
      // happened". Every pop adds one; a push cannot recreate an old head
      // value because it installs a slot that was not on the list. The tag
      // has 40 bits, so it returns to a value only after 2^40 pops (about
      // 20 hours at 15 M pops/s), never within one preemption.
      const replacement = ((h - top + TAG_ONE) & this.#tagMask) + next;
      if (this.#onPopRace !== undefined) this.#onPopRace(index);
      if (Atomics.compareExchange(head, 0, h, replacement) === h) {
        if (retries !== 0) Atomics.add(this.#words, W_CAS_RETRIES, retries);
        return index;
      }
      retries++;
    }
  }

  /** Pushes a slot the calling thread has just marked free. */
  push(index: number): void {
    const head = this.#head;
    // `self[index]` holds BigInt(index + 1), precomputed in shared memory:
    // converting a Number to a BigInt here costs more than the whole push.
    const me = this.#self[index]!;
    let retries = 0;
    // Only the CAS decides, so the first read of the head may be plain (even
    // torn): a wrong value just fails the CAS, which returns the real one.
    let h = head[0]!;
    for (;;) {
      const top = BigInt.asUintN(24, h);
      // Plain write of our own slot's link. The seq_cst CAS below publishes
      // it: a popper that reads the new head also sees this link.
      this.#links[index] = top;
      // The tag is left alone: pushes need no bump (Scott, "Shared-Memory
      // Synchronization", §2.3): a head can only return to an old value
      // through pops, and those bump it.
      const seen = Atomics.compareExchange(head, 0, h, h - top + me);
      if (seen === h) break;
      h = seen;
      retries++;
    }
    if (retries !== 0) Atomics.add(this.#words, W_CAS_RETRIES, retries);
  }
}
