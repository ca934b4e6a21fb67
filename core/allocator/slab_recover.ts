// Copyright 2026 the slabscope authors. MIT license.
/**
 * Rebuilding a slab's free list and counters from its slot words, behind
 * `SlabAllocator.prototype.recover()`.
 *
 * A thread stopped in the middle of an operation (`Worker.terminate()`, a
 * crash) can leave exactly these traces, because each operation changes the
 * slot word, the counters and the free list in separate steps:
 *
 * - between the pop and the state store of `alloc()`: a free slot off the list;
 * - between the state store and the count of `alloc()`: a slot in use that no
 *   counter knows of (nobody received its handle);
 * - between the slot-word CAS and the count of `free()`: a free slot off the
 *   list, still counted as used;
 * - between the count and the push of `free()`: a free slot off the list.
 *
 * Slot words are the truth: every transition starts with one. So the list is
 * rebuilt from every free slot, lowest index first, and the counters are
 * corrected by what they disagree with the slots. Slots in use stay in use:
 * their holders may still be alive. Cached slots go back to the list too:
 * with no other thread running, no cache is in use.
 *
 * @module
 */

import { adjustSharedLane, laneTotals } from "./counter_lanes.ts";
import { HandleState } from "./handle_state.ts";
import {
  CACHED,
  HEAD_INDEX_BITS,
  L_CACHED,
  LANE_COUNT,
  LANE_WORDS,
  STATE_MASK,
  W_CORRUPT_LINKS,
  W_CORRUPT_POPS,
  W_PEAK,
} from "./slab_layout.ts";
import type { SlabViews } from "./slab_views.ts";
import { reachableFreeSlots } from "./slab_verify.ts";

/** What `SlabAllocator.prototype.recover()` repaired. */
export interface SlabRecoveryResult {
  /** Free slots that were not reachable on the free list and now are. */
  relinked: number;
  /** Slots taken out of instances' caches and put on the free list. */
  uncached: number;
  /** Slots in use, left as they are. */
  used: number;
  /** Allocations added to the counters for slots in use that were never counted. */
  allocsCounted: number;
  /** Frees added to the counters for slots freed but not counted. */
  freesCounted: number;
  /** Corruption reports (bad links, slots in use found on the list) cleared. */
  corruptionCleared: number;
}

const TAG_ONE = 1n << BigInt(HEAD_INDEX_BITS);

/**
 * Rebuilds the free list and the counters. Only correct while no other
 * thread uses the slab; the caller promises that.
 */
export function recoverSlab(v: SlabViews): SlabRecoveryResult {
  const { capacity, slots, links, words } = v;
  const reachable = reachableFreeSlots(v);
  let used = 0;
  let free = 0;
  let uncached = 0;
  let last = -1;
  let first = -1;
  for (let i = 0; i < capacity; i++) {
    const word = Atomics.load(slots, i);
    const state = word & STATE_MASK;
    if (state === CACHED) {
      Atomics.store(slots, i, word & ~STATE_MASK);
      uncached++;
    } else if (state !== HandleState.Free) {
      used++;
      continue;
    } else {
      free++;
    }
    if (last < 0) first = i;
    else Atomics.store(links, last, BigInt(i + 1));
    last = i;
  }
  if (last >= 0) Atomics.store(links, last, 0n);
  for (let lane = 0; lane < LANE_COUNT; lane++) {
    Atomics.store(v.lanes, lane * LANE_WORDS + L_CACHED, 0);
  }
  // Every chunk changed, as far as a collector can tell.
  for (let c = 0; c < v.regions.chunks; c++) Atomics.add(v.epochs, c, 1); // lane 0's row
  // A new tag as well as a new top, so that no CAS prepared against the old
  // head can succeed.
  const old = Atomics.load(v.head, 0);
  const tag = BigInt.asUintN(64, old) >> BigInt(HEAD_INDEX_BITS);
  Atomics.store(
    v.head,
    0,
    BigInt.asIntN(64, ((tag << BigInt(HEAD_INDEX_BITS)) + TAG_ONE) | BigInt(first + 1)),
  );

  const totals = laneTotals(v);
  const counted = totals.allocs - totals.frees;
  let allocsCounted = 0;
  let freesCounted = 0;
  if (counted > used) {
    freesCounted = counted - used;
    adjustSharedLane(v, "frees", freesCounted);
  } else if (counted < used) {
    allocsCounted = used - counted;
    adjustSharedLane(v, "allocs", allocsCounted);
  }
  if (Atomics.load(words, W_PEAK) < used) Atomics.store(words, W_PEAK, used);
  const corruptionCleared = Atomics.exchange(words, W_CORRUPT_POPS, 0) +
    Atomics.exchange(words, W_CORRUPT_LINKS, 0);
  return {
    relinked: free - reachable,
    uncached,
    used,
    allocsCounted,
    freesCounted,
    corruptionCleared,
  };
}
