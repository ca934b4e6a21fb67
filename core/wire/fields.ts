// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The fields of every wire object, one list each, shared by the encoder and
 * the decoder (which refuses any field not listed here). Field by field in
 * `docs/wire-format.md`.
 *
 * @module
 */

/** Scalar fields every slab carries, in wire order. */
export const SLAB_SCALARS = [
  "used",
  "hwm",
  "overflow",
  "allocs",
  "frees",
  "invalid_frees",
  "cas_retries",
] as const;

/** What only a full patch may change: a slab whose shape changed is sent whole. */
export const SLAB_SHAPE = ["kind", "slot_size", "total"] as const;

/** Fields of an arena entry, in wire order (besides `name` and `pool`). */
export const ARENA_FIELDS = [
  "used",
  "capacity",
  "hwm",
  "allocations",
  "resets",
  "overflow",
  "overflow_bytes",
] as const;

/** Fields of an arena pool's `pool` object. */
export const POOL_FIELDS = ["count", "in_use", "arena_capacity"] as const;

/** Number fields of the heap object (besides `spaces`). */
export const HEAP_FIELDS = [
  "rss",
  "heap_used",
  "heap_total",
  "heap_limit",
  "external",
  "malloced",
  "peak_malloced",
  "native_contexts",
  "detached_contexts",
] as const;

/** Number fields of one heap space (besides `name`). */
export const SPACE_FIELDS = ["size", "used", "available", "physical"] as const;

/** Fields of the stream object. */
export const STREAM_FIELDS = [
  "clients",
  "events_sent",
  "bytes_sent",
  "skipped_ticks",
  "slow_dropped",
  "collect_us",
  "encode_us",
  "send_us",
  "recorded_ms",
  "recorded_bytes",
  "lint_us",
] as const;

/**
 * The phases of the diagnostics' own work whose CPU time the stream
 * reports (`cpu_us_per_s`, `cpu_us_total`), in wire order. A phase is added
 * here and measured where it runs (`DiagnosticsCost.prototype.add`).
 */
export const COST_PHASES = ["collect", "lint", "encode", "record", "send", "sample"] as const;

/** The phases of the stream's last tick, each with the stream figure that times it (µs). */
export const TICK_PHASES = [
  ["collect", "collect_us"],
  ["encode", "encode_us"],
  ["send", "send_us"],
  ["lint", "lint_us"],
] as const;

/** Number fields of a slab's site list, in wire order (besides `slab` and `top`). */
export const SLAB_SITES_SCALARS = [
  "sample_every",
  "max_sites",
  "count",
  "dropped",
  "skipped",
] as const;

/** Fields of a site of a slab's site list, in wire order. */
export const SITE_FIELDS = ["id", "site", "kind", "held", "total", "oldest"] as const;

/**
 * Stream fields a reader takes as 0 when a payload leaves them out: the
 * ones added after 0.2.0 (see the Compatibility table of the wire format).
 */
export const OPTIONAL_STREAM_FIELDS: ReadonlySet<string> = new Set(["lint_us"]);

/** Fields of a lint, in wire order. */
export const LINT_FIELDS = ["rule", "pool", "since", "count", "slots", "detail"] as const;

/** Fields of an open handle of the open-handle list, in wire order. */
export const OPEN_HANDLE_FIELDS = [
  "slab",
  "slot",
  "state",
  "owner",
  "since",
  "opened",
  "method",
  "path",
  "origin",
] as const;

/** Number fields of a request record, in wire order (besides `second`). */
export const REQUEST_SCALARS = [
  "started",
  "completed",
  "aborted",
  "in_flight",
  "request_bytes",
  "response_bytes",
  "p50_us",
  "p95_us",
  "p99_us",
] as const;

/** Fields of one status class of a request record. */
export const REQUEST_CLASS_FIELDS = ["count", "sum_us", "buckets"] as const;

/** The state letters a summary counts, in total and per owner. */
export const COUNT_FIELDS = ["U", "N", "A", "I", "C"] as const;

const set = (...lists: readonly (readonly string[])[]): ReadonlySet<string> =>
  new Set(lists.flat());

/** Members of each wire object. */
export const MEMBERS: {
  readonly keyframe: ReadonlySet<string>;
  readonly delta: ReadonlySet<string>;
  readonly slab: ReadonlySet<string>;
  readonly slabPatch: ReadonlySet<string>;
  readonly flips: ReadonlySet<string>;
  readonly slotList: ReadonlySet<string>;
  readonly changes: ReadonlySet<string>;
  readonly summary: ReadonlySet<string>;
  readonly counts: ReadonlySet<string>;
  readonly arena: ReadonlySet<string>;
  readonly pool: ReadonlySet<string>;
  readonly heap: ReadonlySet<string>;
  readonly space: ReadonlySet<string>;
  readonly stream: ReadonlySet<string>;
  readonly openHandles: ReadonlySet<string>;
  readonly openHandlesPatch: ReadonlySet<string>;
  readonly openHandle: ReadonlySet<string>;
  readonly requests: ReadonlySet<string>;
  readonly requestsDelta: ReadonlySet<string>;
  readonly request: ReadonlySet<string>;
  readonly requestPatch: ReadonlySet<string>;
  readonly requestClass: ReadonlySet<string>;
  readonly cost: ReadonlySet<string>;
  readonly sites: ReadonlySet<string>;
  readonly sitesPatch: ReadonlySet<string>;
  readonly slabSites: ReadonlySet<string>;
  readonly slabSitesPatch: ReadonlySet<string>;
  readonly site: ReadonlySet<string>;
  readonly lint: ReadonlySet<string>;
  readonly lintsPatch: ReadonlySet<string>;
} = {
  keyframe: set([
    "v",
    "seq",
    "ts",
    "slabs",
    "arenas",
    "owner_map",
    "owner_kinds",
    "heap",
    "stream",
    "open_handles",
    "requests",
    "sites",
    "lints",
  ]),
  delta: set([
    "v",
    "seq",
    "base",
    "ts",
    "slabs",
    "removed_slabs",
    "slab_order",
    "arenas",
    "removed_arenas",
    "arena_order",
    "owner_map",
    "owner_kinds",
    "heap",
    "stream",
    "open_handles",
    "requests",
    "sites",
    "lints",
  ]),
  slab: set(["name"], SLAB_SHAPE, SLAB_SCALARS, [
    "bitmap",
    "states",
    "owners",
    "cached_slots",
    "summary",
  ]),
  // Shape fields are let through to be refused with their own message.
  slabPatch: set(["name"], SLAB_SHAPE, SLAB_SCALARS, [
    "summary",
    "bitmap",
    "states",
    "owners",
    "changes",
    "cached_slots",
    "cycled",
  ]),
  flips: set(["n", "k", "at"]),
  slotList: set(["n", "k", "at"]),
  changes: set(["n", "k", "at", "states", "owners"]),
  summary: set(COUNT_FIELDS, ["K", "by_owner"]),
  counts: set(COUNT_FIELDS),
  arena: set(["name"], ARENA_FIELDS, ["pool"]),
  pool: set(POOL_FIELDS),
  heap: set(HEAP_FIELDS, ["spaces"]),
  space: set(["name"], SPACE_FIELDS),
  stream: set(STREAM_FIELDS, ["cpu_us_per_s", "cpu_us_total"]),
  openHandles: set(["limit", "count", "oldest"]),
  openHandlesPatch: set(["limit", "count", "set", "drop"]),
  openHandle: set(OPEN_HANDLE_FIELDS),
  requests: set(["server", "client"]),
  requestsDelta: set(["server", "client", "removed_server", "removed_client"]),
  request: set(["name"], REQUEST_SCALARS, ["classes", "second", "history"]),
  requestPatch: set(["name"], REQUEST_SCALARS, ["classes", "second", "history_tail"]),
  requestClass: set(REQUEST_CLASS_FIELDS),
  cost: set(COST_PHASES),
  sites: set(["limit", "slabs"]),
  sitesPatch: set(["limit", "slabs", "removed"]),
  slabSites: set(["slab"], SLAB_SITES_SCALARS, ["top"]),
  // `full` is let through: a full patch is read as a keyframe's entry.
  slabSitesPatch: set(["slab", "full"], SLAB_SITES_SCALARS, ["set", "drop"]),
  site: set(SITE_FIELDS),
  lint: set(LINT_FIELDS),
  lintsPatch: set(["raised", "changed", "cleared"]),
};
