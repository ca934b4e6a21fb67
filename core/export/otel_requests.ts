// Copyright 2026 the slabscope authors. MIT license.
/**
 * The request metrics as OpenTelemetry instruments, named after the HTTP
 * semantic conventions under a `slabscope.` prefix. Internal to `otel.ts`.
 *
 * | instrument | kind | unit | attributes |
 * | --- | --- | --- | --- |
 * | `slabscope.http.server.request.duration`, `slabscope.http.client.request.duration` | Histogram | `s` | `slabscope.owner.name`, `http.response.status_code` |
 * | `slabscope.http.server.active_requests`, `slabscope.http.client.active_requests` | UpDownCounter | `{request}` | `slabscope.owner.name` |
 * | `slabscope.http.server.request.aborted`, `slabscope.http.client.request.aborted` | Counter | `{request}` | `slabscope.owner.name` |
 * | `slabscope.http.{server,client}.{request,response}.body.bytes` | Counter | `By` | `slabscope.owner.name` |
 *
 * The histograms are synchronous: each completed request is recorded once,
 * with OpenTelemetry's advised bounds for `http.server.request.duration`
 * (5 ms to 10 s). The others are observed with the pools, from the same
 * snapshot.
 *
 * @module
 */

import type {
  Attributes,
  BatchObservableResult,
  Histogram,
  Meter,
  Observable,
} from "npm:@opentelemetry/api@^1.10.0";
import type { RequestMetrics } from "../diagnostics/request_metrics.ts";
import type { RequestMetricsSet } from "../diagnostics/request_set.ts";
import { OTEL_DURATION_BOUNDS_S } from "../wire/durations.ts";
import type { RequestSnapshot, RequestsSnapshot } from "../wire/types.ts";

/** The owner's registered name: a server's, or a target's of `instrumentFetch()`. */
export const OWNER_NAME = "slabscope.owner.name";
/** The semantic conventions' attribute for the response status. */
const STATUS_CODE = "http.response.status_code";

type Side = "server" | "client";

/** The observable instruments of one side. */
interface SideInstruments {
  active: Observable;
  aborted: Observable;
  requestBytes: Observable;
  responseBytes: Observable;
}

/** What {@linkcode createRequestInstruments} gives `otel.ts`. */
export interface RequestInstruments {
  /** The observable instruments, for the batch callback's list. */
  observables: Observable[];
  /** Observes them from a snapshot's request records. */
  observe(result: BatchObservableResult, requests: RequestsSnapshot | undefined): void;
  /** Stops recording durations. Idempotent. */
  close(): void;
}

/**
 * Creates the request instruments on `meter` and starts recording the
 * duration of every request `requests` completes.
 */
export function createRequestInstruments(
  meter: Meter,
  requests: RequestMetricsSet,
): RequestInstruments {
  const sides: Record<Side, SideInstruments> = {
    server: sideInstruments(meter, "server"),
    client: sideInstruments(meter, "client"),
  };
  const durations: Record<Side, Histogram> = {
    server: durationHistogram(meter, "server"),
    client: durationHistogram(meter, "client"),
  };
  // Attribute objects per recorder and status, made once: a request records
  // with no allocation.
  const attributes = new WeakMap<RequestMetrics, Map<number, Attributes>>();
  const stop = requests.onComplete((metrics, status, durationUs) => {
    let byStatus = attributes.get(metrics);
    if (byStatus === undefined) attributes.set(metrics, byStatus = new Map());
    let attrs = byStatus.get(status);
    if (attrs === undefined) {
      byStatus.set(status, attrs = { [OWNER_NAME]: metrics.name, [STATUS_CODE]: status });
    }
    durations[metrics.kind].record(durationUs / 1e6, attrs);
  });
  return {
    observables: [...Object.values(sides.server), ...Object.values(sides.client)],
    observe(result, snapshot) {
      if (snapshot === undefined) return;
      for (const side of ["server", "client"] as const) {
        const i = sides[side];
        for (const record of snapshot[side]) observeRecord(result, i, record);
      }
    },
    close: stop,
  };
}

function observeRecord(
  result: BatchObservableResult,
  i: SideInstruments,
  record: RequestSnapshot,
): void {
  const owner: Attributes = { [OWNER_NAME]: record.name };
  result.observe(i.active, record.in_flight, owner);
  result.observe(i.aborted, record.aborted, owner);
  result.observe(i.requestBytes, record.request_bytes, owner);
  result.observe(i.responseBytes, record.response_bytes, owner);
}

function durationHistogram(meter: Meter, side: Side): Histogram {
  return meter.createHistogram(`slabscope.http.${side}.request.duration`, {
    unit: "s",
    description: `Duration of ${side} requests that completed (http.${side}.request.duration).`,
    advice: { explicitBucketBoundaries: [...OTEL_DURATION_BOUNDS_S] },
  });
}

function sideInstruments(meter: Meter, side: Side): SideInstruments {
  const prefix = `slabscope.http.${side}`;
  return {
    active: meter.createObservableUpDownCounter(`${prefix}.active_requests`, {
      unit: "{request}",
      description: `${side === "server" ? "Server" : "Client"} requests in flight.`,
    }),
    aborted: meter.createObservableCounter(`${prefix}.request.aborted`, {
      unit: "{request}",
      description:
        "Requests that ended without completing: the peer went away, or a body failed or was cancelled.",
    }),
    requestBytes: meter.createObservableCounter(`${prefix}.request.body.bytes`, {
      unit: "By",
      description: `Request body bytes of ${side} requests.`,
    }),
    responseBytes: meter.createObservableCounter(`${prefix}.response.body.bytes`, {
      unit: "By",
      description: `Response body bytes of ${side} requests.`,
    }),
  };
}
