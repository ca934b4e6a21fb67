// Copyright 2026 the slabscope authors. MIT license.
/**
 * Turns live pools into snapshot records. Internal to the registry.
 *
 * @module
 */

import type { Arena } from "../allocator/arena.ts";
import type { ArenaPool } from "../allocator/arena_pool.ts";
import { HandleState, STATE_LETTERS } from "../allocator/handle_state.ts";
import type { SlabAllocator } from "../allocator/slab.ts";
import type {
  ArenaSnapshot,
  HeapSnapshot,
  SlabSnapshot,
  SlabSummary,
  StateCounts,
} from "../wire/types.ts";
import type { HeapStats } from "./heap.ts";

const NO_OWNER = 0xffff;
const STATES = STATE_LETTERS.length;

/** Bits set per byte value, for counting used slots in a bitmap. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/**
 * Reads one slab: counters, per-slot states (never the free list) and owners.
 *
 * `used` is counted from the slot words this call scanned, so that it always
 * equals the number of non-free slots in `bitmap`/`states` and the totals of
 * `summary`: a snapshot never disagrees with itself, however many operations
 * complete during the scan. `hwm` is at least that `used`. The operation
 * counters (`allocs`, `frees`, `overflow`, …) are read just before the scan;
 * while other threads work, `allocs − frees` may differ from `used` by the
 * operations in flight during it.
 */
export function collectSlab(slab: SlabAllocator): SlabSnapshot {
  const stats = slab.stats();
  const snapshot: SlabSnapshot = {
    name: stats.name,
    kind: stats.kind,
    slot_size: stats.slotSize,
    total: stats.capacity,
    used: stats.used,
    hwm: stats.peak,
    overflow: stats.overflow,
    allocs: stats.allocs,
    frees: stats.frees,
    invalid_frees: stats.invalidFrees,
    cas_retries: stats.casRetries,
    summary: emptySummary(),
  };
  const owners = slab.hasOwners ? slab.readOwners() : undefined;
  if (stats.kind === "handle") {
    snapshot.states = slab.readStates();
    snapshot.owners = owners;
    snapshot.summary = summarizeStates(snapshot.states, owners!);
  } else {
    snapshot.bitmap = slab.readBitmap();
    if (owners !== undefined) {
      snapshot.owners = owners;
      snapshot.summary = summarizeBitmap(snapshot.bitmap, stats.capacity, owners);
    } else {
      snapshot.summary.U = popcount(snapshot.bitmap);
    }
  }
  const summary = snapshot.summary;
  snapshot.used = summary.U + summary.N + summary.A + summary.I + summary.C;
  if (snapshot.hwm < snapshot.used) snapshot.hwm = snapshot.used;
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

/** A summary with every count at zero. */
export function emptySummary(): SlabSummary {
  return { U: 0, N: 0, A: 0, I: 0, C: 0, by_owner: {} };
}

function emptyCounts(): StateCounts {
  return { U: 0, N: 0, A: 0, I: 0, C: 0 };
}

/** Counts non-free states of a handle slab, in total and per owner. */
export function summarizeStates(states: Uint8Array, owners: Uint16Array): SlabSummary {
  const totals = new Float64Array(STATES);
  const perOwner: Float64Array[] = [];
  for (let i = 0; i < states.length; i++) {
    const state = states[i]!;
    if (state === HandleState.Free || state >= STATES) continue;
    totals[state]!++;
    const owner = owners[i]!;
    if (owner !== NO_OWNER) (perOwner[owner] ??= new Float64Array(STATES))[state]!++;
  }
  return toSummary(totals, perOwner);
}

/** Counts used slots of a plain slab that records owners. */
export function summarizeBitmap(
  bitmap: Uint8Array,
  total: number,
  owners: Uint16Array,
): SlabSummary {
  const totals = new Float64Array(STATES);
  const perOwner: Float64Array[] = [];
  for (let byte = 0; byte < bitmap.length; byte++) {
    let bits = bitmap[byte]!;
    while (bits !== 0) {
      const bit = 31 - Math.clz32(bits & -bits);
      bits &= bits - 1;
      const i = byte * 8 + bit;
      if (i >= total) break;
      totals[HandleState.Used]!++;
      const owner = owners[i]!;
      if (owner !== NO_OWNER) (perOwner[owner] ??= new Float64Array(STATES))[HandleState.Used]!++;
    }
  }
  return toSummary(totals, perOwner);
}

/** Per-owner counts live in a sparse array indexed by owner (owners are small integers). */
function toSummary(totals: Float64Array, perOwner: Float64Array[]): SlabSummary {
  const summary = emptySummary();
  fill(summary, totals);
  perOwner.forEach((counts, owner) => {
    const entry = emptyCounts();
    fill(entry, counts);
    summary.by_owner[String(owner)] = entry;
  });
  return summary;
}

function fill(target: StateCounts, counts: Float64Array): void {
  target.U = counts[HandleState.Used]!;
  target.N = counts[HandleState.Connecting]!;
  target.A = counts[HandleState.Active]!;
  target.I = counts[HandleState.Idle]!;
  target.C = counts[HandleState.Closing]!;
}

/** Number of set bits. */
export function popcount(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) n += POPCOUNT[bytes[i]!]!;
  return n;
}
