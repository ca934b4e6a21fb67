// Copyright 2026 the slabscope authors. MIT license.
/**
 * What the diagnostics find and what they cost, as OpenTelemetry
 * instruments: the active lints, the allocation-site tables, and the
 * figures of the diagnostics streams attached to the registry (clients,
 * bytes, the last tick's phases, the flight recorder, the diagnostics' own
 * CPU time). The same figures `/metrics` writes. Internal to `otel.ts`.
 *
 * | instrument | kind | unit | attributes |
 * | --- | --- | --- | --- |
 * | `slabscope.lint.active` | Gauge | `{lint}` | `slabscope.lint.rule`, `slabscope.pool.name` |
 * | `slabscope.slab.sites.count`, `slabscope.slab.sites.limit` | UpDownCounter | `{site}` | `slabscope.pool.name` |
 * | `slabscope.slab.sites.dropped` | Counter | `{site}` | `slabscope.pool.name` |
 * | `slabscope.slab.site_samples.skipped` | Counter | `{sample}` | `slabscope.pool.name` |
 * | `slabscope.stream.clients` | UpDownCounter | `{client}` | |
 * | `slabscope.stream.events`, `slabscope.stream.sent` | Counter | `{event}`, `By` | |
 * | `slabscope.stream.skipped_ticks`, `slabscope.stream.dropped_clients` | Counter | `{tick}`, `{client}` | |
 * | `slabscope.stream.tick.duration` | Gauge | `s` | `slabscope.diagnostics.phase` |
 * | `slabscope.recorder.memory.usage`, `slabscope.recorder.window` | Gauge | `By`, `s` | |
 * | `slabscope.diagnostics.cpu.time` | Counter | `s` | `slabscope.diagnostics.phase` |
 *
 * A lint is observed while it is active (1): a cleared lint's series ends,
 * as in `/metrics`. The stream instruments are observed while a stream is
 * attached (the dashboard attaches its own).
 *
 * @module
 */

import type {
  Attributes,
  BatchObservableResult,
  Meter,
  Observable,
} from "npm:@opentelemetry/api@^1.10.0";
import { COST_PHASES, TICK_PHASES } from "../wire/fields.ts";
import { observableMakers, POOL_NAME } from "./_otel.ts";
import type { Lint, SitesSnapshot, StreamSnapshot } from "../wire/types.ts";

/** A lint rule's id (docs/lints.md). */
const LINT_RULE = "slabscope.lint.rule";
/** A phase of the diagnostics' work: `collect`, `lint`, `encode`, `record`, `send`, `sample`. */
const PHASE = "slabscope.diagnostics.phase";

/** What {@linkcode createDiagnosticsInstruments} gives `otel.ts`. */
export interface DiagnosticsInstruments {
  /** The observable instruments, for the batch callback's list. */
  observables: Observable[];
  /** Observes them from a snapshot's lints, sites and stream figures. */
  observe(
    result: BatchObservableResult,
    snapshot: { lints?: readonly Lint[]; sites?: SitesSnapshot; stream?: StreamSnapshot },
  ): void;
}

/**
 * Creates the diagnostics' instruments on `meter`.
 *
 * @param meter The meter of `registerOpenTelemetry()`.
 * @returns The instruments and their observer.
 *
 * @example Usage
 * ```ts
 * import { metrics } from "npm:@opentelemetry/api@^1.10.0";
 * import { createDiagnosticsInstruments } from "./otel_diagnostics.ts";
 * import assert from "node:assert/strict";
 *
 * const diagnostics = createDiagnosticsInstruments(metrics.getMeter("example"));
 * assert.equal(diagnostics.observables.length, 14);
 * ```
 */
export function createDiagnosticsInstruments(meter: Meter): DiagnosticsInstruments {
  const { upDown, counter, gauge } = observableMakers(meter);
  const i = {
    lintActive: gauge(
      "slabscope.lint.active",
      "{lint}",
      "1 for each lint active now, by rule and pool (see docs/lints.md).",
    ),
    sites: upDown(
      "slabscope.slab.sites.count",
      "{site}",
      "Allocation sites the slab's site table holds.",
    ),
    sitesLimit: upDown(
      "slabscope.slab.sites.limit",
      "{site}",
      "Allocation sites the slab's site table can hold (maxSites).",
    ),
    sitesDropped: counter(
      "slabscope.slab.sites.dropped",
      "{site}",
      "Allocation sites not recorded because the slab's site table was full.",
    ),
    samplesSkipped: counter(
      "slabscope.slab.site_samples.skipped",
      "{sample}",
      "Sampled allocations whose stack was not taken because a capture budget was spent.",
    ),
    clients: upDown(
      "slabscope.stream.clients",
      "{client}",
      "Clients connected to the diagnostics stream.",
    ),
    events: counter(
      "slabscope.stream.events",
      "{event}",
      "Events the diagnostics stream sent to all clients.",
    ),
    sent: counter(
      "slabscope.stream.sent",
      "By",
      "Bytes the diagnostics stream sent to all clients.",
    ),
    skippedTicks: counter(
      "slabscope.stream.skipped_ticks",
      "{tick}",
      "Ticks a slow client skipped (its queue was full; it gets a keyframe once it drains).",
    ),
    droppedClients: counter(
      "slabscope.stream.dropped_clients",
      "{client}",
      "Clients the diagnostics stream disconnected for reading too slowly.",
    ),
    tick: gauge(
      "slabscope.stream.tick.duration",
      "s",
      "Time the diagnostics stream's last tick spent in each phase.",
    ),
    recorderBytes: gauge(
      "slabscope.recorder.memory.usage",
      "By",
      "Bytes the diagnostics stream's flight recorder holds (0 when it is off).",
    ),
    recorderWindow: gauge(
      "slabscope.recorder.window",
      "s",
      "Seconds of history the diagnostics stream's flight recorder holds.",
    ),
    cpu: counter(
      "slabscope.diagnostics.cpu.time",
      "s",
      "Time the diagnostics themselves spent, by phase: the stream's collect, lint, encode, record and send, and capturing sampled allocation stacks in every thread of a registered slab.",
    ),
  };
  return {
    observables: Object.values(i),
    observe(result, { lints, sites, stream }) {
      for (const lint of lints ?? []) {
        result.observe(i.lintActive, 1, { [LINT_RULE]: lint.rule, [POOL_NAME]: lint.pool });
      }
      for (const entry of sites?.slabs ?? []) {
        const pool: Attributes = { [POOL_NAME]: entry.slab };
        result.observe(i.sites, entry.count, pool);
        result.observe(i.sitesLimit, entry.max_sites, pool);
        result.observe(i.sitesDropped, entry.dropped, pool);
        result.observe(i.samplesSkipped, entry.skipped, pool);
      }
      if (stream === undefined) return;
      result.observe(i.clients, stream.clients);
      result.observe(i.events, stream.events_sent);
      result.observe(i.sent, stream.bytes_sent);
      result.observe(i.skippedTicks, stream.skipped_ticks);
      result.observe(i.droppedClients, stream.slow_dropped);
      for (const [phase, field] of TICK_PHASES) {
        result.observe(i.tick, stream[field] / 1e6, { [PHASE]: phase });
      }
      result.observe(i.recorderBytes, stream.recorded_bytes);
      result.observe(i.recorderWindow, stream.recorded_ms / 1000);
      const total = stream.cpu_us_total;
      for (const phase of COST_PHASES) {
        const us = total?.[phase];
        if (us !== undefined) result.observe(i.cpu, us / 1e6, { [PHASE]: phase });
      }
    },
  };
}
