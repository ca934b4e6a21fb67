// Copyright 2026 the slabscope authors. MIT license.
/**
 * Turns live pools into snapshot records. Internal to the registry.
 *
 * @module
 */

import type { Arena } from "../allocator/arena.ts";
import type { ArenaPool } from "../allocator/arena_pool.ts";
import type { SlabAllocator } from "../allocator/slab.ts";
import { recordTouches } from "../wire/slot_touches.ts";
import type { ArenaSnapshot, HeapSnapshot, SlabSnapshot } from "../wire/types.ts";
import type { HeapStats } from "./heap.ts";
import { collectPicture } from "./slab_collector.ts";

/**
 * Reads one slab: counters, per-slot states (never the free list), owners
 * and cached slots, and what was touched since the last collection (for the
 * `cycled` slots of deltas; see `slot_touches.ts`).
 *
 * The per-slot part is read incrementally (see `slab_collector.ts`): an
 * unchanged slab costs O(1) per 1,024 slots and reuses the previous
 * snapshot's arrays. `used` is counted from the slot words read, so that it always
 * equals the number of non-free slots in `bitmap`/`states` and the totals of
 * `summary`: a snapshot never disagrees with itself, however many operations
 * complete during the scan. `hwm` is at least that `used`. The operation
 * counters (`allocs`, `frees`, `overflow`, …) are read just before the scan;
 * while other threads work, `allocs − frees` may differ from `used` by the
 * operations in flight during it.
 */
export function collectSlab(slab: SlabAllocator): SlabSnapshot {
  const stats = slab.stats();
  const picture = collectPicture(slab);
  const snapshot: SlabSnapshot = {
    name: stats.name,
    kind: stats.kind,
    slot_size: stats.slotSize,
    total: stats.capacity,
    used: picture.used,
    hwm: Math.max(stats.peak, picture.used),
    overflow: stats.overflow,
    allocs: stats.allocs,
    frees: stats.frees,
    invalid_frees: stats.invalidFrees,
    cas_retries: stats.casRetries,
    summary: picture.summary,
  };
  if (picture.states !== undefined) snapshot.states = picture.states;
  if (picture.bitmap !== undefined) snapshot.bitmap = picture.bitmap;
  if (picture.owners !== undefined) snapshot.owners = picture.owners;
  if (picture.cachedSlots !== undefined) snapshot.cached_slots = picture.cachedSlots;
  recordTouches(snapshot, picture.touches);
  return snapshot;
}

/** Reads one arena. */
export function collectArena(arena: Arena): ArenaSnapshot {
  const s = arena.stats();
  return {
    name: s.name,
    used: s.used,
    capacity: s.capacity,
    hwm: s.hwm,
    allocations: s.allocations,
    resets: s.resets,
    overflow: s.overflowFallbacks,
    overflow_bytes: s.overflowBytes,
  };
}

/** Reads an arena pool's totals. */
export function collectArenaPool(pool: ArenaPool): ArenaSnapshot {
  const s = pool.stats();
  return {
    name: s.name,
    used: s.used,
    capacity: s.capacity,
    hwm: s.hwm,
    allocations: s.allocations,
    resets: s.resets,
    overflow: s.overflowFallbacks,
    overflow_bytes: s.overflowBytes,
    pool: { count: s.count, in_use: s.inUse, arena_capacity: s.arenaCapacity },
  };
}

/** Converts `heapStats()` to the wire's field names. */
export function heapSnapshot(heap: HeapStats): HeapSnapshot {
  return {
    rss: heap.rss,
    heap_used: heap.heapUsed,
    heap_total: heap.heapTotal,
    heap_limit: heap.heapLimit,
    external: heap.external,
    malloced: heap.malloced,
    peak_malloced: heap.peakMalloced,
    native_contexts: heap.nativeContexts,
    detached_contexts: heap.detachedContexts,
    spaces: heap.spaces.map((space) => ({ ...space })),
  };
}
