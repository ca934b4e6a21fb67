// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The snapshot data model: what `DiagnosticsRegistry.snapshot()` returns,
 * what a keyframe encodes, and what decoding a keyframe (plus deltas) gives
 * back. Field names are the wire format's (`docs/wire-format.md`):
 * `total`, `used`, `hwm`, `overflow`, `owner_map`…
 *
 * @module
 */

/** Wire format version carried in every payload as `v`. */
export const WIRE_VERSION = 1;

/** Counts of slots per non-free state letter. */
export interface StateCounts {
  /** Used (plain slabs). */
  U: number;
  /** Connecting. */
  N: number;
  /** Active. */
  A: number;
  /** Idle. */
  I: number;
  /** Closing. */
  C: number;
}

/** Per-state counts of a slab, in total and per owner. */
export interface SlabSummary extends StateCounts {
  /**
   * Counts per owner index (as a string key), for owners holding at least
   * one slot. Slots without an owner are in the totals only.
   */
  by_owner: Record<string, StateCounts>;
}

/** One slab in a snapshot. */
export interface SlabSnapshot {
  /** The slab's name. */
  name: string;
  /** `"plain"` (Free/Used, sent as a bitmap) or `"handle"` (sent as state letters). */
  kind: "plain" | "handle";
  /** Payload bytes per slot. */
  slot_size: number;
  /** Number of slots. */
  total: number;
  /** Slots in use. */
  used: number;
  /** High-water mark of `used`. */
  hwm: number;
  /** Allocations refused because the slab was full. */
  overflow: number;
  /** Successful allocations since creation. */
  allocs: number;
  /** Successful frees since creation. */
  frees: number;
  /** Rejected frees (double, stale, foreign, malformed). */
  invalid_frees: number;
  /** Lost compare-and-swap races. */
  cas_retries: number;
  /**
   * Plain slabs: bit `i % 8` of byte `i >> 3` is 1 when slot `i` is used
   * (LSB-first); `ceil(total / 8)` bytes; padding bits are 0.
   */
  bitmap?: Uint8Array;
  /** Handle slabs: one `HandleState` code per slot. */
  states?: Uint8Array;
  /**
   * Owner index per slot, 65,535 for none. Present for handle slabs, and for
   * plain slabs once any slot was given an owner.
   */
  owners?: Uint16Array;
  /** Counts of non-free states, in total and per owner. */
  summary: SlabSummary;
  /**
   * Free slots held in per-Worker caches (`SlabAllocatorOptions.cache`),
   * when there are any. They read as free in `bitmap`/`states`.
   */
  cached?: number;
}

/** One arena, or the totals of an arena pool. Sizes in bytes. */
export interface ArenaSnapshot {
  /** The arena's (or pool's) name. */
  name: string;
  /** Bytes in use (summed over acquired arenas for a pool). */
  used: number;
  /** Bytes of arena memory (summed over all arenas for a pool). */
  capacity: number;
  /** High-water mark of `used` (for a pool: the largest of any one arena). */
  hwm: number;
  /** Allocations served. */
  allocations: number;
  /** Resets. */
  resets: number;
  /** Requests served from the heap because they did not fit. */
  overflow: number;
  /** Bytes served from the heap by those fallbacks. */
  overflow_bytes: number;
  /** Present for arena pools. */
  pool?: ArenaPoolSnapshot;
}

/** Extra figures of an arena pool. */
export interface ArenaPoolSnapshot {
  /** Number of arenas. */
  count: number;
  /** Arenas acquired now. */
  in_use: number;
  /** Bytes per arena. */
  arena_capacity: number;
}

/** One V8 heap space. Sizes in bytes. */
export interface HeapSpaceSnapshot {
  /** V8's name for the space. */
  name: string;
  /** Reserved bytes. */
  size: number;
  /** Bytes of objects. */
  used: number;
  /** Free bytes. */
  available: number;
  /** Physically backed bytes. */
  physical: number;
}

/** Process and V8 heap figures. Sizes in bytes. */
export interface HeapSnapshot {
  /** Resident set size of the process. */
  rss: number;
  /** V8 heap in use. */
  heap_used: number;
  /** V8 heap reserved. */
  heap_total: number;
  /** V8 heap limit. */
  heap_limit: number;
  /** Memory held by JS objects outside the V8 heap. */
  external: number;
  /** Bytes V8 allocated with malloc. */
  malloced: number;
  /** Peak of `malloced`. */
  peak_malloced: number;
  /** Live native contexts. */
  native_contexts: number;
  /** Detached contexts not yet collected. */
  detached_contexts: number;
  /** Heap spaces with memory reserved. */
  spaces: HeapSpaceSnapshot[];
}

/** The cost of the diagnostics stream itself. */
export interface StreamSnapshot {
  /** Clients connected now. */
  clients: number;
  /** Events sent to all clients since the stream started. */
  events_sent: number;
  /** Bytes sent to all clients since the stream started. */
  bytes_sent: number;
  /** Ticks skipped for slow clients (latest-wins backpressure). */
  skipped_ticks: number;
  /** Clients disconnected for being too slow. */
  slow_dropped: number;
  /** Time to collect the last tick's snapshot, in microseconds. */
  collect_us: number;
  /** Time to encode the last tick's events, in microseconds. */
  encode_us: number;
  /** Time to hand the last tick's bytes to every client, in microseconds. */
  send_us: number;
  /** Milliseconds of history the flight recorder holds (0 without one). */
  recorded_ms: number;
  /** Bytes the flight recorder holds (0 without one). */
  recorded_bytes: number;
}

/** Everything a dashboard shows: one moment of every pool. */
export interface MemorySnapshot {
  /** Wire format version: 1. */
  v: number;
  /** Sequence number of the stream event that carried this state (0 outside a stream). */
  seq: number;
  /** When the snapshot was collected, in ms since the Unix epoch. */
  ts: number;
  /** Slabs (and arena pools, as slabs of arenas), in registration order. */
  slabs: SlabSnapshot[];
  /** Arenas and arena-pool totals, in registration order. */
  arenas: ArenaSnapshot[];
  /** Owner names indexed by owner index; `null` for unused indexes. */
  owner_map: (string | null)[];
  /** Owner kinds (`"server"`, `"client"`, …) indexed like `owner_map`. */
  owner_kinds: (string | null)[];
  /** Process and V8 heap. */
  heap: HeapSnapshot;
  /** The stream's own cost, when the snapshot came through a stream. */
  stream?: StreamSnapshot;
}
