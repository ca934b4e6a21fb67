// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode formatPrometheus} and {@linkcode createMetricsHandler}: every
 * pool of a {@linkcode DiagnosticsRegistry} in the Prometheus text
 * exposition format 0.0.4, for a `/metrics` endpoint.
 *
 * Sizes are in bytes, counters end in `_total`, capacity and use are
 * separate metrics, and no label ever carries a slot index: the series are
 * one set per pool, one per state, and at most `maxOwnersPerPool` owners per
 * pool (the rest summed under `owner="other"`).
 *
 * @example A `/metrics` endpoint next to your app
 * ```ts
 * import { createMetricsHandler } from "@slabscope/slabscope/prometheus";
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "tcp_buffers", slotSize: 4096, capacity: 576 }));
 * const metrics = createMetricsHandler(registry);
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) =>
 *   new URL(request.url).pathname === "/metrics"
 *     ? metrics(request)
 *     : new Response("Not Found", { status: 404 }));
 *
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/metrics`);
 * assert.match(await response.text(), /^slabscope_slab_slots\{pool="tcp_buffers"\} 576$/m);
 * await server.shutdown();
 * ```
 *
 * @module
 */

import { describe, typeName } from "../allocator/describe.ts";
import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
import { VERSION } from "../version.ts";
import type {
  ArenaSnapshot,
  HeapSnapshot,
  Lint,
  MemorySnapshot,
  SlabSnapshot,
  StreamSnapshot,
} from "../wire/types.ts";
import { type STREAM_FIELDS, TICK_PHASES } from "../wire/fields.ts";
import { Exposition, type MetricType, type Sample } from "./exposition.ts";
import { busyStates, checkMaxOwners, ownerSeries, slotsByState } from "./owner_series.ts";
import { writeRequests } from "./prometheus_requests.ts";
import { writeDiagnosticsCost, writeSiteTables } from "./prometheus_diagnostics.ts";

/**
 * The `content-type` of the Prometheus text exposition format 0.0.4, as
 * {@linkcode createMetricsHandler} sends it.
 *
 * @example Serving `formatPrometheus()` yourself
 * ```ts
 * import { DiagnosticsRegistry } from "@slabscope/slabscope";
 * import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from "@slabscope/slabscope/prometheus";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const response = new Response(formatPrometheus(registry.snapshot()), {
 *   headers: { "content-type": PROMETHEUS_CONTENT_TYPE },
 * });
 * assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
 * ```
 */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Options for {@linkcode formatPrometheus} and {@linkcode createMetricsHandler}. */
export interface PrometheusOptions {
  /**
   * Prefix of every metric name, followed by `_`: letters, digits and
   * underscores, not starting with a digit.
   *
   * @default {"slabscope"}
   */
  namespace?: string;
  /**
   * Most `owner` label values per pool in `…_slab_owner_slots`, an integer
   * from 0 to 65,535. Past it, the owners holding the most slots keep their
   * names and the rest are summed under `owner="other"` (which counts
   * towards the limit). 0 leaves the per-owner metric out.
   *
   * @default {50}
   */
  maxOwnersPerPool?: number;
  /**
   * Include the V8 heap and the process's resident set size.
   *
   * @default {true}
   */
  heap?: boolean;
}

/** A namespace is a metric name without colons (they are for recording rules). */
const NAMESPACE_REGEXP = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const HEADERS: HeadersInit = {
  "content-type": PROMETHEUS_CONTENT_TYPE,
  "cache-control": "no-store",
};
const NOT_ALLOWED_HEADERS: HeadersInit = {
  "content-type": "text/plain; charset=utf-8",
  "allow": "GET, HEAD",
};

interface CheckedOptions {
  namespace: string;
  maxOwners: number;
  heap: boolean;
}

/**
 * Formats a snapshot in the Prometheus text exposition format 0.0.4.
 *
 * Every family has `# HELP` and `# TYPE` lines and its samples together;
 * families without samples (no arenas, no owned slots) are left out. No
 * sample carries a timestamp: Prometheus stamps the scrape. Pools are
 * labelled `pool` (an arena pool is both a slab and an arena, under one
 * name), slot states `state` with their full names (`free`, `used`,
 * `connecting`, `active`, `idle`, `closing`), owners `owner`, heap spaces
 * `space`, status classes `status_class` (`1xx` … `5xx`); label values are
 * escaped as the format requires.
 *
 * | family | type | labels |
 * | --- | --- | --- |
 * | `slabscope_slab_info` (always 1) | gauge | `pool`, `kind` |
 * | `slabscope_slab_slots` (capacity) | gauge | `pool` |
 * | `slabscope_slab_slots_used`, `slabscope_slab_slots_hwm` | gauge | `pool` |
 * | `slabscope_slab_slot_size_bytes` | gauge | `pool` |
 * | `slabscope_slab_slots_by_state` (sums to capacity) | gauge | `pool`, `state` |
 * | `slabscope_slab_owner_slots` | gauge | `pool`, `owner`, `state` |
 * | `slabscope_slab_{allocs,frees,invalid_frees,overflow,cas_retries}_total` | counter | `pool` |
 * | `slabscope_arena_bytes` (capacity), `…_used_bytes`, `…_hwm_bytes` | gauge | `pool` |
 * | `slabscope_arena_{allocations,resets,overflow,overflow_bytes}_total` | counter | `pool` |
 * | `slabscope_heap_{used,total,limit,external,malloced,malloced_peak}_bytes` | gauge | |
 * | `slabscope_heap_native_contexts`, `slabscope_heap_detached_contexts` | gauge | |
 * | `slabscope_heap_space_{size,used,available,physical}_bytes` | gauge | `space` |
 * | `slabscope_process_resident_memory_bytes` | gauge | |
 * | `slabscope_http_server_request_duration_seconds` | histogram | `owner`, `status_class` |
 * | `slabscope_http_server_active_requests` | gauge | `owner` |
 * | `slabscope_http_server_requests_aborted_total` | counter | `owner` |
 * | `slabscope_http_server_{request,response}_body_bytes_total` | counter | `owner` |
 * | `slabscope_http_client_…` (the same five, per `instrumentFetch()` target) | | `owner` |
 * | `slabscope_stream_clients` | gauge | |
 * | `slabscope_stream_{events_sent,bytes_sent,skipped_ticks,dropped_clients}_total` | counter | |
 * | `slabscope_lint_active` (1 per active lint) | gauge | `rule`, `pool` |
 * | `slabscope_stream_tick_seconds` | gauge | `phase` |
 * | `slabscope_diagnostics_cpu_seconds_total` | counter | `phase` (`collect`, `lint`, `encode`, `record`, `send`, `sample`) |
 * | `slabscope_slab_sites`, `slabscope_slab_sites_capacity` | gauge | `pool` |
 * | `slabscope_slab_sites_dropped_total`, `slabscope_slab_site_samples_skipped_total` | counter | `pool` |
 * | `slabscope_recorder_bytes`, `slabscope_recorder_window_seconds` | gauge | |
 * | `slabscope_build_info` (always 1) | gauge | `version` |
 * | `process_start_time_seconds` (never prefixed) | gauge | |
 *
 * The request histograms use OpenTelemetry's advised bounds for
 * `http.server.request.duration` (5 ms to 10 s) and report every status
 * class of every owner, zeros included. The stream families appear when the
 * snapshot has the stream's figures: a keyframe, or a registry with a stream
 * attached (`DiagnosticsRegistry.prototype.addStreamSource`; the dashboard
 * attaches its own). Every registered owner gets `…_slab_owner_slots` samples
 * in every slab that records owners, 0 when it holds none.
 * `…_diagnostics_cpu_seconds_total` is the registry's `DiagnosticsCost`:
 * time measured around the diagnostics' synchronous phases (a phase
 * appears once its writer reports it; a stream attached reports them all).
 *
 * @param snapshot A snapshot, from {@linkcode DiagnosticsRegistry.prototype.snapshot}
 * or a decoded keyframe.
 * @param options Namespace, owner cap, and whether to include the heap.
 * @returns The exposition text, ending with a newline.
 * @throws {TypeError} If `snapshot` has no `slabs` and `arenas` arrays, or
 * `namespace` is not a valid metric name prefix.
 * @throws {RangeError} If `maxOwnersPerPool` is not an integer from 0 to 65,535.
 *
 * @example Usage
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { formatPrometheus } from "@slabscope/slabscope/prometheus";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const slab = registry.addSlab(
 *   new SlabAllocator({ name: "tcp_buffers", slotSize: 4096, capacity: 576 }),
 * );
 * slab.alloc();
 *
 * const text = formatPrometheus(registry.snapshot(), { heap: false });
 * assert.match(text, /^# TYPE slabscope_slab_allocs_total counter$/m);
 * assert.match(text, /^slabscope_slab_slots_used\{pool="tcp_buffers"\} 1$/m);
 * assert.match(text, /^slabscope_slab_slots_by_state\{pool="tcp_buffers",state="free"\} 575$/m);
 * ```
 */
export function formatPrometheus(
  snapshot: MemorySnapshot,
  options: PrometheusOptions = {},
): string {
  const checked = checkOptions(options, "format metrics");
  if (
    typeof snapshot !== "object" || snapshot === null || !Array.isArray(snapshot.slabs) ||
    !Array.isArray(snapshot.arenas)
  ) {
    throw new TypeError(
      `Cannot format metrics: expected a snapshot with slabs and arenas arrays, received ${
        typeName(snapshot)
      }`,
    );
  }
  return render(snapshot, checked);
}

/**
 * Creates a `Request → Response` function that answers Prometheus scrapes
 * of one registry: `GET` takes a snapshot and answers it with
 * {@linkcode formatPrometheus} (`content-type:
 * text/plain; version=0.0.4; charset=utf-8`, `cache-control: no-store`),
 * `HEAD` answers the same headers without taking one, and any other method
 * gets `405 Method Not Allowed` with `Allow: GET, HEAD`.
 *
 * It answers whatever path it is given: mount it at `/metrics` (or
 * anywhere) in your own router.
 *
 * @param registry The pools to expose.
 * @param options Namespace, owner cap, and whether to include the heap;
 * checked now, not at the first scrape.
 * @returns The handler.
 * @throws {TypeError} If `registry` has no `snapshot()` method, or
 * `namespace` is not a valid metric name prefix.
 * @throws {RangeError} If `maxOwnersPerPool` is not an integer from 0 to 65,535.
 *
 * @example Usage
 * ```ts
 * import { createMetricsHandler } from "@slabscope/slabscope/prometheus";
 * import { DiagnosticsRegistry } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const metrics = createMetricsHandler(new DiagnosticsRegistry());
 * const response = metrics(new Request("http://localhost/metrics"));
 * assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
 * assert.match(await response.text(), /^# TYPE slabscope_heap_used_bytes gauge$/m);
 *
 * const post = metrics(new Request("http://localhost/metrics", { method: "POST" }));
 * assert.equal(post.status, 405);
 * assert.equal(post.headers.get("allow"), "GET, HEAD");
 * ```
 */
export function createMetricsHandler(
  registry: DiagnosticsRegistry,
  options: PrometheusOptions = {},
): (request: Request) => Response {
  if (typeof (registry as { snapshot?: unknown } | null)?.snapshot !== "function") {
    throw new TypeError(
      `Cannot create metrics handler: expected a DiagnosticsRegistry, received ${
        typeName(registry)
      }`,
    );
  }
  const checked = checkOptions(options, "create metrics handler");
  return (request: Request): Response => {
    if (request.method === "GET") {
      return new Response(render(registry.snapshot(), checked), { headers: HEADERS });
    }
    if (request.method === "HEAD") return new Response(null, { headers: HEADERS });
    return new Response("Method Not Allowed\n", { status: 405, headers: NOT_ALLOWED_HEADERS });
  };
}

function checkOptions(options: PrometheusOptions, action: string): CheckedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action}: options must be an object, received ${typeName(options)}`,
    );
  }
  const { namespace = "slabscope", maxOwnersPerPool, heap = true } = options;
  if (typeof namespace !== "string" || !NAMESPACE_REGEXP.test(namespace)) {
    throw new TypeError(
      `Cannot ${action}: namespace must be letters, digits and underscores, not starting with a digit, received ${
        describe(namespace)
      }`,
    );
  }
  if (typeof heap !== "boolean") {
    throw new TypeError(`Cannot ${action}: heap must be a boolean, received ${typeName(heap)}`);
  }
  return { namespace, maxOwners: checkMaxOwners(maxOwnersPerPool, action), heap };
}

function render(snapshot: MemorySnapshot, options: CheckedOptions): string {
  const out = new Exposition(options.namespace);
  writeBuild(out);
  writeSlabs(out, snapshot, options.maxOwners);
  writeArenas(out, snapshot.arenas);
  if (snapshot.requests !== undefined) writeRequests(out, snapshot.requests);
  if (snapshot.lints !== undefined) writeLints(out, snapshot.lints);
  if (snapshot.stream !== undefined) writeStream(out, snapshot.stream);
  if (snapshot.stream !== undefined) writeDiagnosticsCost(out, snapshot.stream);
  if (snapshot.sites !== undefined) writeSiteTables(out, snapshot.sites);
  if (options.heap && snapshot.heap !== undefined) writeHeap(out, snapshot.heap);
  if (snapshot.stream !== undefined) writeRecorder(out, snapshot.stream);
  return out.text();
}

/**
 * The process's start, on the time line `process_start_time_seconds` uses
 * everywhere: the main isolate's time origin, which Deno sets as the process
 * starts (a Worker's is its own start).
 */
const PROCESS_START_SECONDS = Math.round(performance.timeOrigin) / 1000;

function writeBuild(out: Exposition): void {
  out.family(
    "build_info",
    "gauge",
    "The slabscope package that wrote these metrics, by version; always 1.",
    ["version"],
    [[[VERSION], 1]],
  );
  out.unprefixed(
    "process_start_time_seconds",
    "gauge",
    "Start time of the process since the Unix epoch, in seconds.",
    [],
    [[[], PROCESS_START_SECONDS]],
  );
}

/** A stream counter: its family suffix, help text and field. */
const STREAM_COUNTERS: readonly (readonly [string, string, typeof STREAM_FIELDS[number]])[] = [
  ["stream_events_sent_total", "Events the diagnostics stream sent to all clients.", "events_sent"],
  ["stream_bytes_sent_total", "Bytes the diagnostics stream sent to all clients.", "bytes_sent"],
  [
    "stream_skipped_ticks_total",
    "Ticks a slow client skipped (its queue was full; it gets a keyframe once it drains).",
    "skipped_ticks",
  ],
  [
    "stream_dropped_clients_total",
    "Clients the diagnostics stream disconnected for reading too slowly.",
    "slow_dropped",
  ],
];

function writeStream(out: Exposition, stream: StreamSnapshot): void {
  out.family("stream_clients", "gauge", "Clients connected to the diagnostics stream.", [], [
    [[], stream.clients],
  ]);
  for (const [name, help, field] of STREAM_COUNTERS) {
    out.family(name, "counter", help, [], [[[], stream[field]]]);
  }
  out.family(
    "stream_tick_seconds",
    "gauge",
    "Time the diagnostics stream's last tick spent collecting, encoding, sending and evaluating lints, in seconds.",
    ["phase"],
    TICK_PHASES.map(([phase, field]) => [[phase], stream[field] / 1e6]),
  );
}

/** One sample per active lint (a cleared lint's series ends). */
function writeLints(out: Exposition, lints: readonly Lint[]): void {
  out.family(
    "lint_active",
    "gauge",
    "1 for each lint active now, by rule and pool (see docs/lints.md).",
    ["rule", "pool"],
    lints.map((lint) => [[lint.rule, lint.pool], 1]),
  );
}

/** A per-slab family whose one sample per pool is a field of the slab. */
type SlabFamily = readonly [
  name: string,
  type: Exclude<MetricType, "histogram">,
  help: string,
  value: (slab: SlabSnapshot) => number,
];

const SLAB_FAMILIES: readonly SlabFamily[] = [
  ["slab_slots", "gauge", "Capacity of the slab, in slots.", (s) => s.total],
  ["slab_slots_used", "gauge", "Slots allocated now, in any state but free.", (s) => s.used],
  [
    "slab_slots_hwm",
    "gauge",
    "High-water mark of allocated slots since the slab was created.",
    (s) => s.hwm,
  ],
  ["slab_slot_size_bytes", "gauge", "Payload bytes per slot.", (s) => s.slot_size],
  ["slab_allocs_total", "counter", "Successful slot allocations.", (s) => s.allocs],
  ["slab_frees_total", "counter", "Successful slot frees.", (s) => s.frees],
  [
    "slab_invalid_frees_total",
    "counter",
    "Rejected frees: double, stale, foreign or malformed handles.",
    (s) => s.invalid_frees,
  ],
  [
    "slab_overflow_total",
    "counter",
    "Allocations refused because the slab was full.",
    (s) => s.overflow,
  ],
  [
    "slab_cas_retries_total",
    "counter",
    "Compare-and-swap races lost on the slab's free list.",
    (s) => s.cas_retries,
  ],
];

function writeSlabs(out: Exposition, snapshot: MemorySnapshot, maxOwners: number): void {
  const { slabs } = snapshot;
  out.family(
    "slab_info",
    "gauge",
    'A slab and its kind: "plain" (free or used slots) or "handle" (connection-like states); always 1.',
    ["pool", "kind"],
    slabs.map((slab) => [[slab.name, slab.kind], 1]),
  );
  for (const [name, type, help, value] of SLAB_FAMILIES) {
    out.family(name, type, help, ["pool"], slabs.map((slab) => [[slab.name], value(slab)]));
  }
  const byState: Sample[] = [];
  for (const slab of slabs) {
    for (const [state, slots] of slotsByState(slab)) byState.push([[slab.name, state], slots]);
  }
  out.family(
    "slab_slots_by_state",
    "gauge",
    "Slots per state; the states of one pool add up to its capacity.",
    ["pool", "state"],
    byState,
  );
  const byOwner: Sample[] = [];
  const ownerMap = snapshot.owner_map ?? [];
  for (const slab of slabs) {
    const states = busyStates(slab);
    for (const [owner, counts] of ownerSeries(slab, ownerMap, maxOwners)) {
      for (const [state, letter] of states) {
        byOwner.push([[slab.name, owner, state], counts[letter]]);
      }
    }
  }
  out.family(
    "slab_owner_slots",
    "gauge",
    'Slots per owner and state, for owners holding slots; past the per-pool owner limit the rest are summed under owner="other".',
    ["pool", "owner", "state"],
    byOwner,
  );
}

/** A per-arena family whose one sample per arena is a field of the arena. */
type ArenaFamily = readonly [
  name: string,
  type: Exclude<MetricType, "histogram">,
  help: string,
  value: (arena: ArenaSnapshot) => number,
];

const ARENA_FAMILIES: readonly ArenaFamily[] = [
  [
    "arena_bytes",
    "gauge",
    "Capacity of the arena, or of all arenas of a pool, in bytes.",
    (a) => a.capacity,
  ],
  [
    "arena_used_bytes",
    "gauge",
    "Bytes in use (summed over acquired arenas for a pool).",
    (a) => a.used,
  ],
  [
    "arena_hwm_bytes",
    "gauge",
    "High-water mark of bytes in use (for a pool, the largest of any one arena).",
    (a) => a.hwm,
  ],
  ["arena_allocations_total", "counter", "Allocations served.", (a) => a.allocations],
  ["arena_resets_total", "counter", "Arena resets.", (a) => a.resets],
  [
    "arena_overflow_total",
    "counter",
    "Requests that did not fit and were served from the heap.",
    (a) => a.overflow,
  ],
  [
    "arena_overflow_bytes_total",
    "counter",
    "Bytes served from the heap by overflow fallbacks.",
    (a) => a.overflow_bytes,
  ],
];

function writeArenas(out: Exposition, arenas: readonly ArenaSnapshot[]): void {
  for (const [name, type, help, value] of ARENA_FAMILIES) {
    out.family(name, type, help, ["pool"], arenas.map((arena) => [[arena.name], value(arena)]));
  }
}

const HEAP_FAMILIES: readonly (readonly [string, string, (heap: HeapSnapshot) => number])[] = [
  ["heap_used_bytes", "V8 heap in use, in bytes.", (h) => h.heap_used],
  ["heap_total_bytes", "V8 heap reserved, in bytes.", (h) => h.heap_total],
  ["heap_limit_bytes", "V8 heap size limit, in bytes.", (h) => h.heap_limit],
  [
    "heap_external_bytes",
    "Memory held by JavaScript objects outside the V8 heap, in bytes.",
    (h) => h.external,
  ],
  ["heap_malloced_bytes", "Bytes V8 allocated with malloc.", (h) => h.malloced],
  ["heap_malloced_peak_bytes", "Peak of bytes V8 allocated with malloc.", (h) => h.peak_malloced],
  ["heap_native_contexts", "Live V8 native contexts.", (h) => h.native_contexts],
  [
    "heap_detached_contexts",
    "Detached V8 contexts not yet collected; growth suggests a leak.",
    (h) => h.detached_contexts,
  ],
];

const HEAP_SPACE_FAMILIES: readonly (readonly [
  string,
  string,
  (space: HeapSnapshot["spaces"][number]) => number,
])[] = [
  ["heap_space_size_bytes", "Bytes reserved for the V8 heap space.", (s) => s.size],
  ["heap_space_used_bytes", "Bytes of objects in the V8 heap space.", (s) => s.used],
  ["heap_space_available_bytes", "Free bytes in the V8 heap space.", (s) => s.available],
  [
    "heap_space_physical_bytes",
    "Bytes of the V8 heap space backed by physical memory.",
    (s) => s.physical,
  ],
];

function writeHeap(out: Exposition, heap: HeapSnapshot): void {
  for (const [name, help, value] of HEAP_FAMILIES) {
    out.family(name, "gauge", help, [], [[[], value(heap)]]);
  }
  const spaces = heap.spaces ?? [];
  for (const [name, help, value] of HEAP_SPACE_FAMILIES) {
    out.family(name, "gauge", help, ["space"], spaces.map((space) => [[space.name], value(space)]));
  }
  out.family(
    "process_resident_memory_bytes",
    "gauge",
    "Resident set size of the process, in bytes.",
    [],
    [[[], heap.rss]],
  );
}

/** The stream's flight recorder: what it holds, in bytes and in time. */
function writeRecorder(out: Exposition, stream: StreamSnapshot): void {
  out.family(
    "recorder_bytes",
    "gauge",
    "Bytes the diagnostics stream's flight recorder holds (0 when it is off).",
    [],
    [[[], stream.recorded_bytes]],
  );
  out.family(
    "recorder_window_seconds",
    "gauge",
    "Seconds of history the diagnostics stream's flight recorder holds.",
    [],
    [[[], stream.recorded_ms / 1000]],
  );
}
