// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode registerOpenTelemetry}: every pool of a
 * {@linkcode DiagnosticsRegistry} as OpenTelemetry metrics, through
 * `@opentelemetry/api` only.
 *
 * In Deno, run with `OTEL_DENO=true` and the runtime's built-in SDK exports
 * them (OTLP to `localhost:4318` by default; `OTEL_EXPORTER_OTLP_PROTOCOL`,
 * `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_METRIC_EXPORT_INTERVAL` as usual).
 * Without it the API is a no-op: nothing is collected and the registry is
 * never read. This module never installs a meter provider itself.
 *
 * The instruments mirror the semantic conventions for database connection
 * pools (`db.client.connection.count` with a state attribute,
 * `db.client.connection.max`, …) under a `slabscope.` prefix:
 *
 * | instrument | kind | unit | attributes |
 * | --- | --- | --- | --- |
 * | `slabscope.slab.slot.count` | UpDownCounter | `{slot}` | `slabscope.pool.name`, `slabscope.slab.slot.state` |
 * | `slabscope.slab.slot.max` | UpDownCounter | `{slot}` | `slabscope.pool.name` |
 * | `slabscope.slab.slot.hwm` | Gauge | `{slot}` | `slabscope.pool.name` |
 * | `slabscope.slab.slot.size` | Gauge | `By` | `slabscope.pool.name` |
 * | `slabscope.slab.owner.slot.count` | UpDownCounter | `{slot}` | `slabscope.pool.name`, `slabscope.owner.name`, `slabscope.slab.slot.state` |
 * | `slabscope.slab.allocations` | Counter | `{allocation}` | `slabscope.pool.name` |
 * | `slabscope.slab.frees`, `slabscope.slab.invalid_frees` | Counter | `{free}` | `slabscope.pool.name` |
 * | `slabscope.slab.overflows` | Counter | `{allocation}` | `slabscope.pool.name` |
 * | `slabscope.slab.cas_retries` | Counter | `{retry}` | `slabscope.pool.name` |
 * | `slabscope.arena.memory.usage`, `slabscope.arena.memory.limit` | UpDownCounter | `By` | `slabscope.pool.name` |
 * | `slabscope.arena.memory.hwm` | Gauge | `By` | `slabscope.pool.name` |
 * | `slabscope.arena.allocations`, `slabscope.arena.overflows` | Counter | `{allocation}` | `slabscope.pool.name` |
 * | `slabscope.arena.resets` | Counter | `{reset}` | `slabscope.pool.name` |
 * | `slabscope.arena.overflow.memory` | Counter | `By` | `slabscope.pool.name` |
 * | `slabscope.heap.used`, `.size`, `.limit`, `.external` | UpDownCounter | `By` | |
 * | `slabscope.process.memory.usage` (resident set) | UpDownCounter | `By` | |
 * | `slabscope.http.server.request.duration`, `slabscope.http.client.request.duration` | Histogram | `s` | `slabscope.owner.name`, `http.response.status_code` |
 * | `slabscope.http.server.active_requests`, `slabscope.http.client.active_requests` | UpDownCounter | `{request}` | `slabscope.owner.name` |
 * | `slabscope.http.{server,client}.request.aborted` | Counter | `{request}` | `slabscope.owner.name` |
 * | `slabscope.http.{server,client}.{request,response}.body.bytes` | Counter | `By` | `slabscope.owner.name` |
 * | `slabscope.lint.active` (1 while a lint is active) | Gauge | `{lint}` | `slabscope.lint.rule`, `slabscope.pool.name` |
 * | `slabscope.slab.sites.count`, `.limit` | UpDownCounter | `{site}` | `slabscope.pool.name` |
 * | `slabscope.slab.sites.dropped`, `slabscope.slab.site_samples.skipped` | Counter | `{site}`, `{sample}` | `slabscope.pool.name` |
 * | `slabscope.stream.clients` | UpDownCounter | `{client}` | |
 * | `slabscope.stream.events`, `.sent`, `.skipped_ticks`, `.dropped_clients` | Counter | `{event}`, `By`, `{tick}`, `{client}` | |
 * | `slabscope.stream.tick.duration` (the last tick) | Gauge | `s` | `slabscope.diagnostics.phase` |
 * | `slabscope.recorder.memory.usage`, `slabscope.recorder.window` | Gauge | `By`, `s` | |
 * | `slabscope.diagnostics.cpu.time` (the diagnostics' own) | Counter | `s` | `slabscope.diagnostics.phase` |
 *
 * The stream and recorder instruments, and the diagnostics' CPU time, are
 * observed while a diagnostics stream is attached to the registry
 * (`DiagnosticsRegistry.prototype.addStreamSource`; the dashboard attaches
 * its own), as in `/metrics`.
 *
 * All but the two duration histograms are asynchronous (observable)
 * instruments fed by one batch callback, so a collection reads the registry
 * once, whatever the number of instruments. The histograms are synchronous:
 * every request that `instrumentServer()` or `instrumentFetch()` completes
 * is recorded once, with OpenTelemetry's advised bounds (5 ms to 10 s);
 * without a meter provider that is a call of an empty method. Per-space V8 heap figures are left to the runtime: Deno
 * already exports `v8js.memory.*` per heap space.
 *
 * @example Pools in your OpenTelemetry metrics
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { registerOpenTelemetry } from "@slabscope/slabscope/otel";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "tcp_buffers", slotSize: 4096, capacity: 576 }));
 * // Exported by Deno's built-in SDK when run with OTEL_DENO=true; a no-op otherwise.
 * const telemetry = registerOpenTelemetry(registry);
 * assert.equal(typeof telemetry.close, "function");
 * telemetry.close();
 * ```
 *
 * @module
 */

import {
  type Attributes,
  type BatchObservableCallback,
  type BatchObservableResult,
  type Meter,
  metrics,
  type Observable,
} from "npm:@opentelemetry/api@^1.10.0";
import { VERSION } from "../version.ts";
import { typeName } from "../allocator/describe.ts";
import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
import { observableMakers, POOL_NAME } from "./_otel.ts";
import { createDiagnosticsInstruments, type DiagnosticsInstruments } from "./otel_diagnostics.ts";
import { createRequestInstruments, OWNER_NAME, type RequestInstruments } from "./otel_requests.ts";
import { busyStates, checkMaxOwners, ownerSeries, slotsByState } from "./owner_series.ts";

/** The instrumentation scope: the meter's name and version. */
const SCOPE_NAME = "slabscope";
const SCOPE_VERSION: string = VERSION;

/** A slot state: `free`, `used`, `connecting`, `active`, `idle` or `closing`. */
const SLOT_STATE = "slabscope.slab.slot.state";

/** Options for {@linkcode registerOpenTelemetry}. */
export interface OpenTelemetryOptions {
  /**
   * Most `slabscope.owner.name` values per pool in
   * `slabscope.slab.owner.slot.count`, an integer from 0 to 65,535. Past it,
   * the owners holding the most slots keep their names and the rest are
   * summed under `other` (which counts towards the limit). 0 leaves the
   * per-owner instrument out.
   *
   * @default {50}
   */
  maxOwnersPerPool?: number;
  /**
   * Include the V8 heap totals and the process's resident set size.
   *
   * @default {true}
   */
  heap?: boolean;
}

/** What {@linkcode registerOpenTelemetry} returns: a way to stop observing. */
export interface OpenTelemetryRegistration {
  /**
   * Removes the batch callback (later collections no longer read the
   * registry) and stops recording durations. Calling it again does nothing.
   */
  close(): void;
  /** Same as {@linkcode OpenTelemetryRegistration.close}, for `using`. */
  [Symbol.dispose](): void;
}

/**
 * Observes every pool of a registry through OpenTelemetry asynchronous
 * instruments on the meter `slabscope` (versioned like this package), with
 * one batch callback: each collection takes one
 * {@linkcode DiagnosticsRegistry.prototype.snapshot} and observes every
 * instrument from it; and records the duration of every request the
 * registry's request metrics complete. The instruments are listed in the
 * module documentation.
 *
 * Without a meter provider (in Deno: `OTEL_DENO` unset) the meter is a
 * no-op and the callback never runs. Attribute cardinality is bounded: a
 * pool name, a slot state, and at most `maxOwnersPerPool` owners per pool;
 * never a slot index.
 *
 * @param registry The pools to observe.
 * @param options The owner cap, and whether to include the heap.
 * @returns A registration whose `close()` stops the observations.
 * @throws {TypeError} If `registry` has no `snapshot()` method.
 * @throws {RangeError} If `maxOwnersPerPool` is not an integer from 0 to 65,535.
 *
 * @example Usage
 * ```ts
 * import { DiagnosticsRegistry, HandleState, SlabAllocator } from "@slabscope/slabscope";
 * import { registerOpenTelemetry } from "@slabscope/slabscope/otel";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const api = registry.owners.register(":8080", "server");
 * const handles = registry.addSlab(
 *   new SlabAllocator({ name: "handles", slotSize: 1, capacity: 1024, kind: "handle" }),
 * );
 * handles.setState(handles.alloc(api)!, HandleState.Active);
 *
 * // With OTEL_DENO=true, Deno exports slabscope.slab.slot.count = 1 for the state "active", …
 * using _telemetry = registerOpenTelemetry(registry, { maxOwnersPerPool: 20 });
 *
 * assert.throws(() => registerOpenTelemetry(registry, { maxOwnersPerPool: -1 }), RangeError);
 * ```
 */
export function registerOpenTelemetry(
  registry: DiagnosticsRegistry,
  options: OpenTelemetryOptions = {},
): OpenTelemetryRegistration {
  const action = "register OpenTelemetry instruments";
  if (typeof (registry as { snapshot?: unknown } | null)?.snapshot !== "function") {
    throw new TypeError(
      `Cannot ${action}: expected a DiagnosticsRegistry, received ${typeName(registry)}`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${action}: options must be an object, received ${typeName(options)}`,
    );
  }
  const { heap = true } = options;
  if (typeof heap !== "boolean") {
    throw new TypeError(`Cannot ${action}: heap must be a boolean, received ${typeName(heap)}`);
  }
  const maxOwners = checkMaxOwners(options.maxOwnersPerPool, action);

  // The global API: Deno's SDK when OTEL_DENO=true, whatever provider the
  // application installed, or a no-op meter. Never installed from here.
  const meter: Meter = metrics.getMeter(SCOPE_NAME, SCOPE_VERSION);
  const instruments = createInstruments(meter, maxOwners > 0, heap);
  const requests = createRequestInstruments(meter, registry.requests);
  const diagnostics = createDiagnosticsInstruments(meter);
  const observables: Observable[] = [
    ...Object.values(instruments).filter((o) => o !== undefined),
    ...requests.observables,
    ...diagnostics.observables,
  ];

  const callback: BatchObservableCallback = (result) => {
    observe(result, instruments, requests, diagnostics, registry, maxOwners, heap);
  };
  meter.addBatchObservableCallback(callback, observables);
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    meter.removeBatchObservableCallback(callback, observables);
    requests.close();
  };
  return { close, [Symbol.dispose]: close };
}

type Instruments = ReturnType<typeof createInstruments>;

function createInstruments(meter: Meter, owners: boolean, heap: boolean) {
  const { upDown, counter, gauge } = observableMakers(meter);
  return {
    slotCount: upDown(
      "slabscope.slab.slot.count",
      "{slot}",
      "Slots per state; the states of one pool add up to slabscope.slab.slot.max.",
    ),
    slotMax: upDown("slabscope.slab.slot.max", "{slot}", "Capacity of the slab, in slots."),
    slotHwm: gauge(
      "slabscope.slab.slot.hwm",
      "{slot}",
      "High-water mark of allocated slots since the slab was created.",
    ),
    slotSize: gauge("slabscope.slab.slot.size", "By", "Payload bytes per slot."),
    ownerSlotCount: owners
      ? upDown(
        "slabscope.slab.owner.slot.count",
        "{slot}",
        "Slots per owner and state, for owners holding slots; past the per-pool owner limit the rest are summed under the owner other.",
      )
      : undefined,
    allocations: counter(
      "slabscope.slab.allocations",
      "{allocation}",
      "Successful slot allocations.",
    ),
    frees: counter("slabscope.slab.frees", "{free}", "Successful slot frees."),
    invalidFrees: counter(
      "slabscope.slab.invalid_frees",
      "{free}",
      "Rejected frees: double, stale, foreign or malformed handles.",
    ),
    overflows: counter(
      "slabscope.slab.overflows",
      "{allocation}",
      "Allocations refused because the slab was full.",
    ),
    casRetries: counter(
      "slabscope.slab.cas_retries",
      "{retry}",
      "Compare-and-swap races lost on the slab's free list.",
    ),
    arenaUsage: upDown(
      "slabscope.arena.memory.usage",
      "By",
      "Bytes in use (summed over acquired arenas for a pool).",
    ),
    arenaLimit: upDown(
      "slabscope.arena.memory.limit",
      "By",
      "Capacity of the arena, or of all arenas of a pool.",
    ),
    arenaHwm: gauge(
      "slabscope.arena.memory.hwm",
      "By",
      "High-water mark of bytes in use (for a pool, the largest of any one arena).",
    ),
    arenaAllocations: counter(
      "slabscope.arena.allocations",
      "{allocation}",
      "Allocations served.",
    ),
    arenaResets: counter("slabscope.arena.resets", "{reset}", "Arena resets."),
    arenaOverflows: counter(
      "slabscope.arena.overflows",
      "{allocation}",
      "Requests that did not fit and were served from the heap.",
    ),
    arenaOverflowMemory: counter(
      "slabscope.arena.overflow.memory",
      "By",
      "Bytes served from the heap by overflow fallbacks.",
    ),
    heapUsed: heap ? upDown("slabscope.heap.used", "By", "V8 heap in use.") : undefined,
    heapSize: heap
      ? upDown("slabscope.heap.size", "By", "V8 heap reserved (V8's total heap size).")
      : undefined,
    heapLimit: heap ? upDown("slabscope.heap.limit", "By", "V8 heap size limit.") : undefined,
    heapExternal: heap
      ? upDown(
        "slabscope.heap.external",
        "By",
        "Memory held by JavaScript objects outside the V8 heap.",
      )
      : undefined,
    rss: heap
      ? upDown("slabscope.process.memory.usage", "By", "Resident set size of the process.")
      : undefined,
  };
}

/** Observes every instrument from one snapshot. */
function observe(
  result: BatchObservableResult,
  i: Instruments,
  requests: RequestInstruments,
  diagnostics: DiagnosticsInstruments,
  registry: DiagnosticsRegistry,
  maxOwners: number,
  heap: boolean,
): void {
  const snapshot = registry.snapshot({ sampleHeap: heap });
  requests.observe(result, snapshot.requests);
  diagnostics.observe(result, snapshot);
  for (const slab of snapshot.slabs) {
    const pool: Attributes = { [POOL_NAME]: slab.name };
    for (const [state, slots] of slotsByState(slab)) {
      result.observe(i.slotCount, slots, { [POOL_NAME]: slab.name, [SLOT_STATE]: state });
    }
    result.observe(i.slotMax, slab.total, pool);
    result.observe(i.slotHwm, slab.hwm, pool);
    result.observe(i.slotSize, slab.slot_size, pool);
    result.observe(i.allocations, slab.allocs, pool);
    result.observe(i.frees, slab.frees, pool);
    result.observe(i.invalidFrees, slab.invalid_frees, pool);
    result.observe(i.overflows, slab.overflow, pool);
    result.observe(i.casRetries, slab.cas_retries, pool);
    if (i.ownerSlotCount !== undefined) {
      const states = busyStates(slab);
      for (const [owner, counts] of ownerSeries(slab, snapshot.owner_map, maxOwners)) {
        for (const [state, letter] of states) {
          result.observe(i.ownerSlotCount, counts[letter], {
            [POOL_NAME]: slab.name,
            [OWNER_NAME]: owner,
            [SLOT_STATE]: state,
          });
        }
      }
    }
  }
  for (const arena of snapshot.arenas) {
    const pool: Attributes = { [POOL_NAME]: arena.name };
    result.observe(i.arenaUsage, arena.used, pool);
    result.observe(i.arenaLimit, arena.capacity, pool);
    result.observe(i.arenaHwm, arena.hwm, pool);
    result.observe(i.arenaAllocations, arena.allocations, pool);
    result.observe(i.arenaResets, arena.resets, pool);
    result.observe(i.arenaOverflows, arena.overflow, pool);
    result.observe(i.arenaOverflowMemory, arena.overflow_bytes, pool);
  }
  if (heap) {
    const h = snapshot.heap;
    result.observe(i.heapUsed!, h.heap_used);
    result.observe(i.heapSize!, h.heap_total);
    result.observe(i.heapLimit!, h.heap_limit);
    result.observe(i.heapExternal!, h.external);
    result.observe(i.rss!, h.rss);
  }
}
