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

import type { COST_PHASES } from "./fields.ts";

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
   * Cached slots (`K`): free slots held in an instance's cache. Present only
   * when there are any; never counted per owner.
   */
  K?: number;
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
  /** Handle slabs: one state code per slot, `HandleState` or 6 for a cached slot (`K`). */
  states?: Uint8Array;
  /**
   * Owner index per slot, 65,535 for none. Present for handle slabs, and for
   * plain slabs once any slot was given an owner.
   */
  owners?: Uint16Array;
  /**
   * Plain slabs: the cached slots (`K`), ascending, when there are any. Their
   * bits in `bitmap` are 0: a cached slot is not in use, and not free to
   * every thread either.
   */
  cached_slots?: Uint32Array;
  /** Counts of non-free states, in total and per owner. */
  summary: SlabSummary;
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

/** A phase of the diagnostics' own work: see `COST_PHASES` in `fields.ts`. */
export type CostPhase = typeof COST_PHASES[number];

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
  /**
   * Microseconds the last tick spent evaluating lints (0 when the registry
   * evaluates none); not part of `collect_us`.
   */
  lint_us: number;
  /**
   * CPU time the diagnostics themselves spent per second, by phase, in
   * microseconds per second, over the last whole second: collecting,
   * encoding, recording, sending, and capturing sampled stacks (in every
   * thread of a registered slab). Absent before the first second.
   */
  cpu_us_per_s?: Partial<Record<CostPhase, number>>;
  /** The same, in microseconds since the registry was created (counters). */
  cpu_us_total?: Partial<Record<CostPhase, number>>;
}

/** One allocation site of a slab, as its site list shows it. */
export interface SiteSnapshot {
  /** The site's id in the slab's table (1 to `max_sites`); slots name their site by it. */
  id: number;
  /** The caller's frames of a sampled stack, one per line, or a label. */
  site: string;
  /** `"stack"` for a sampled call stack, `"label"` for a label. */
  kind: "stack" | "label";
  /** Slots held now whose allocation was recorded here (sampled: about `held × sample_every`). */
  held: number;
  /** Allocations recorded here since the slab was created. */
  total: number;
  /** Since when the oldest slot held is held, ms since the Unix epoch; `null` when none is. */
  oldest: number | null;
}

/** One slab's allocation sites: its table's figures and its top sites. */
export interface SlabSitesSnapshot {
  /** The slab. */
  slab: string;
  /** One allocation in this many has its stack sampled; 0 when sites are labels only. */
  sample_every: number;
  /** Entries the slab's table holds. */
  max_sites: number;
  /** Sites the table holds now. */
  count: number;
  /** Sites not recorded because the table was full. */
  dropped: number;
  /** Samples not taken because a capture budget was spent. */
  skipped: number;
  /** The `min(count, limit)` top sites: most held first, then most recorded, then by id. */
  top: SiteSnapshot[];
}

/** The top allocation sites of every slab that keeps a site table. */
export interface SitesSnapshot {
  /** How many sites each slab's list holds at most (`DiagnosticsRegistryOptions.topSites`). */
  limit: number;
  /** One list per slab with a site table, in the state's slab order. */
  slabs: SlabSitesSnapshot[];
}

/**
 * The lint rules, in the order lints are listed: slots stuck in Connecting
 * or Closing, handles Idle too long, slots held far longer than their
 * pool's usual age, slots of unregistered owners, a pool about to fill up,
 * slots cycling very fast, arena heap fallbacks and invalid frees rising.
 * What each means and what to look at: `LINT_CATALOG` (`./lint_catalog.ts`).
 */
export const LINT_RULES = [
  "stuck",
  "idle",
  "age_outlier",
  "orphan",
  "time_to_full",
  "thrash",
  "arena_fallbacks",
  "invalid_frees",
] as const;

/** A lint rule's id. */
export type LintRuleId = typeof LINT_RULES[number];

/** One active lint: a rule that holds for one pool now. */
export interface Lint {
  /** The rule. */
  rule: LintRuleId;
  /** The slab (for `arena_fallbacks`, the arena) it holds for. */
  pool: string;
  /** When it was raised, ms since the Unix epoch. */
  since: number;
  /** How many slots it holds for; 1 for a rule about the pool as a whole. */
  count: number;
  /** Slots at fault, ascending: at most 256 of the `count`. */
  slots?: number[];
  /** What was found, in a sentence: "3 slots in Connecting for over 30 s". */
  detail: string;
}

/** One open handle of a handle slab, as the open-handle list shows it. */
export interface OpenHandle {
  /** The handle slab it is in. */
  slab: string;
  /** Its slot index. */
  slot: number;
  /** Its state: Connecting, Active, Idle or Closing. */
  state: "N" | "A" | "I" | "C";
  /** Its owner index (see `owner_map`), or `null` for none. */
  owner: number | null;
  /** When it entered its state, ms since the Unix epoch. */
  since: number;
  /**
   * When it was first seen open, ms since the Unix epoch: the start of the
   * state it was in when a collection first read it (exact when that was
   * its first state, as for a request seen before its response).
   */
  opened: number;
  /** A request served or made: its method. */
  method?: string;
  /** A request served: its path, without query, at most 80 characters. */
  path?: string;
  /** A request made: its origin, at most 80 characters. */
  origin?: string;
}

/** The oldest open handles of every handle slab. */
export interface OpenHandlesSnapshot {
  /** How many the list holds at most (`DiagnosticsRegistryOptions.openHandles`). */
  limit: number;
  /** Open handles (Connecting, Active, Idle or Closing) in all handle slabs. */
  count: number;
  /** The `min(count, limit)` oldest, oldest first (ties: slab order, then slot). */
  oldest: OpenHandle[];
}

/** The status classes a request can end with, in wire order. */
export const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** A status class: `"1xx"` to `"5xx"`. */
export type StatusClass = typeof STATUS_CLASSES[number];

/** Seconds of `history` a request record carries. */
export const HISTORY_SECONDS = 60;

/** Completed requests of one status class: their number and durations. */
export interface RequestClassSnapshot {
  /** Requests completed with a status of this class. */
  count: number;
  /** Their durations added up, in whole microseconds. */
  sum_us: number;
  /**
   * Their durations as a histogram over the buckets of `durations.ts`: the
   * count per bucket index (as a string key), for buckets holding at least
   * one request. The counts add up to `count`.
   */
  buckets: Record<string, number>;
}

/**
 * The requests of one instrumented server (`instrumentServer()`), or the
 * outgoing requests to one origin (`instrumentFetch()`), since it was
 * registered.
 */
export interface RequestSnapshot {
  /** The owner's name: `"api"`, `":8080"`, `"https://api.example.com"`. */
  name: string;
  /** Requests that began. */
  started: number;
  /** Requests that ended with a response delivered in full (servers) or read to its end (clients). */
  completed: number;
  /** Requests that ended otherwise: the peer went away, the body failed or was cancelled. */
  aborted: number;
  /** Requests under way: `started - completed - aborted`. */
  in_flight: number;
  /** Request body bytes: received by a server, sent by a client. */
  request_bytes: number;
  /** Response body bytes: sent by a server, received by a client. */
  response_bytes: number;
  /** Completed requests per status class; a class appears once a request ended with it. */
  classes: Partial<Record<StatusClass, RequestClassSnapshot>>;
  /**
   * The last second `history` covers, in whole seconds since the Unix
   * epoch: the last complete second, except that it stops 60 s after the
   * last completed request (the history is all zeros from then on).
   */
  second: number;
  /** Requests completed in each of the 60 seconds ending with `second`, oldest first. */
  history: number[];
  /** Median duration of the requests in `history`, in microseconds (0 when none). */
  p50_us: number;
  /** 95th percentile of the same, in microseconds. */
  p95_us: number;
  /** 99th percentile of the same, in microseconds. */
  p99_us: number;
}

/** Request metrics of a process: its servers and its outgoing origins, each sorted by name. */
export interface RequestsSnapshot {
  /** One record per instrumented server name. */
  server: RequestSnapshot[];
  /** One record per origin (or name) of instrumented `fetch` calls. */
  client: RequestSnapshot[];
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
  /** The oldest open handles, when the registry lists them (by default it does). */
  open_handles?: OpenHandlesSnapshot;
  /** Request metrics, when the snapshot came from a registry that has them. */
  requests?: RequestsSnapshot;
  /** The top allocation sites of the slabs that keep a site table, when any does. */
  sites?: SitesSnapshot;
  /**
   * The lints active now, when the registry evaluates lints (by default it
   * does): ordered by rule (as {@linkcode LINT_RULES} lists them), then pool.
   */
  lints?: Lint[];
}
