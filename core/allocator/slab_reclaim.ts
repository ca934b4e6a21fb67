// Copyright 2026 the slabscope authors. MIT license.
/**
 * Taking back the cache of an instance that is gone, behind
 * `SlabAllocator.prototype.reclaim()`.
 *
 * A cache lives in shared memory: the lane's fill count and its entries,
 * and each cached slot's word in state `Cached`. No other instance touches
 * a slot in that state, so once the lane's owner is gone its slots can be
 * moved to the shared free list while every other thread keeps working.
 * Each slot goes through one CAS from its `Cached` word to `Free`, so an
 * entry that a stopped owner left stale (the slot already handed out, or
 * listed twice) is skipped rather than pushed.
 *
 * @module
 */

import type { TaggedFreeList } from "./free_list.ts";
import { CACHED, L_CACHED, L_CLAIM, LANE_WORDS, MAX_CACHE, STATE_MASK } from "./slab_layout.ts";
import type { SlabViews } from "./slab_views.ts";

/** Moves lane `lane`'s cached slots to the free list; returns how many. */
export function reclaimLane(
  v: SlabViews,
  lane: number,
  freeList: TaggedFreeList,
  touch: (index: number) => void,
): number {
  const w = lane * LANE_WORDS;
  const fill = Math.min(Math.max(Atomics.load(v.lanes, w + L_CACHED), 0), MAX_CACHE);
  let moved = 0;
  for (let k = 0; k < fill; k++) {
    const index = Atomics.load(v.caches, lane * MAX_CACHE + k);
    if (index < 0 || index >= v.capacity) continue;
    const word = Atomics.load(v.slots, index);
    if ((word & STATE_MASK) !== CACHED) continue;
    if (Atomics.compareExchange(v.slots, index, word, word & ~STATE_MASK) !== word) continue;
    touch(index);
    freeList.push(index);
    moved++;
  }
  // The fill drops to 0 and the lane is free for a new instance.
  Atomics.store(v.lanes, w + L_CACHED, 0);
  Atomics.store(v.lanes, w + L_CLAIM, 0);
  return moved;
}
