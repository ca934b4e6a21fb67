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

import { HEAD_INDEX_BITS, W_CAS_RETRIES, W_CORRUPT_LINKS } from "./slab_layout.ts";
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
  /** The same links as Int32 pairs, to check a link without BigInt compares. */
  #links32: Int32Array;
  #self: BigInt64Array;
  #words: Int32Array;
  /** The largest valid head or link value: `capacity` (slot capacity − 1, plus one). */
  #last: bigint;
  #capacity: number;
  #tagMask: bigint = ALL_TAG_BITS;
  #onPopRace: ((slot: number) => void) | undefined = undefined;

  constructor(v: SlabViews) {
    this.#head = v.head;
    this.#links = v.links;
    this.#links32 = new Int32Array(v.links.buffer, v.links.byteOffset, 2 * v.capacity);
    this.#self = v.self;
    this.#words = v.words;
    this.#last = BigInt(v.capacity);
    this.#capacity = v.capacity;
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
   * Pops the top slot; returns its index, or -1 when the list is empty.
   *
   * A head or link that names no slot (beyond the capacity, or with bits
   * above bit 24: a foreign write into the buffer) is never followed: the
   * list is cut there, the cut is counted in `W_CORRUPT_LINKS`, and
   * `verify()` reports the free slots it left unreachable.
   */
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
      if (top > this.#last) {
        // The head itself names no slot. Empty the list (bumping the tag)
        // rather than guess where it should go.
        if (Atomics.compareExchange(head, 0, h, (h - top + TAG_ONE) & this.#tagMask) === h) {
          Atomics.add(this.#words, W_CORRUPT_LINKS, 1);
          return -1;
        }
        retries++;
        continue;
      }
      const index = Number(top) - 1;
      // A plain read that may race: if another thread pops `index` and
      // pushes it back with a new link meanwhile, this value is stale or
      // even torn. It is harmless, because that pop also bumped the tag,
      // so the CAS below fails and the value is thrown away.
      let next = links[index]!;
      const low = this.#links32[2 * index]!;
      const high = this.#links32[2 * index + 1]!;
      // Every legitimate link is 0‥capacity, stale or not: a value outside
      // that range was written by something else. Cut the list rather than
      // add foreign bits into the tag; count the cut only if the CAS shows
      // the value was really the current link.
      // Int32 halves rather than BigInt compares (about 25 ns each here).
      const corrupt = high !== 0 || low < 0 || low > this.#capacity;
      if (corrupt) next = 0n;
      // ABA: the tag is what makes "head still equals h" mean "nothing
      // happened". Every pop adds one; a push cannot recreate an old head
      // value because it installs a slot that was not on the list. The tag
      // has 40 bits, so it returns to a value only after 2^40 pops (about
      // 20 hours at 15 M pops/s), never within one preemption.
      const replacement = ((h - top + TAG_ONE) & this.#tagMask) + next;
      if (this.#onPopRace !== undefined) this.#onPopRace(index);
      if (Atomics.compareExchange(head, 0, h, replacement) === h) {
        if (retries !== 0) Atomics.add(this.#words, W_CAS_RETRIES, retries);
        if (corrupt) Atomics.add(this.#words, W_CORRUPT_LINKS, 1);
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
