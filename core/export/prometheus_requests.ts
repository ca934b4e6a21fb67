// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The request metrics' families of the Prometheus exposition, named after
 * OpenTelemetry's HTTP semantic conventions (`http.server.request.duration`
 * becomes `…_http_server_request_duration_seconds`). Internal to
 * `prometheus.ts`.
 *
 * @module
 */

import { bucketOf, DURATION_BUCKETS, OTEL_DURATION_BOUNDS_S } from "../wire/durations.ts";
import { type RequestSnapshot, type RequestsSnapshot, STATUS_CLASSES } from "../wire/types.ts";
import type { Exposition, HistogramSeries, Sample } from "./exposition.ts";

/** For each OpenTelemetry bound, the fine bucket it closes (every one is a fine bound). */
const OTEL_BUCKETS = OTEL_DURATION_BOUNDS_S.map((seconds) => bucketOf(Math.round(seconds * 1e6)));

/** Counters per record: family suffix (after `http_server_` or `http_client_`), help, value. */
const COUNTERS: readonly (readonly [
  suffix: string,
  help: (side: string) => string,
  value: (record: RequestSnapshot) => number,
])[] = [
  [
    "requests_aborted_total",
    (side) =>
      `${side} requests that ended without completing: the peer went away, or a body failed or was cancelled.`,
    (r) => r.aborted,
  ],
  [
    "request_body_bytes_total",
    (side) => `Request body bytes of ${side.toLowerCase()} requests.`,
    (r) => r.request_bytes,
  ],
  [
    "response_body_bytes_total",
    (side) => `Response body bytes of ${side.toLowerCase()} requests.`,
    (r) => r.response_bytes,
  ],
];

/**
 * Writes the request families of both sides: a duration histogram per owner
 * and status class (all five classes, zeros included, so that a class's
 * first request is an increase, not a new series), active requests, aborted
 * requests and body bytes per owner.
 *
 * | family | type | labels |
 * | --- | --- | --- |
 * | `…_http_server_request_duration_seconds` | histogram | `owner`, `status_class` |
 * | `…_http_server_active_requests` | gauge | `owner` |
 * | `…_http_server_requests_aborted_total` | counter | `owner` |
 * | `…_http_server_{request,response}_body_bytes_total` | counter | `owner` |
 *
 * and the same for `http_client_` (one owner per target of `instrumentFetch()`).
 */
export function writeRequests(out: Exposition, requests: RequestsSnapshot): void {
  writeSide(out, "server", "Server", requests.server);
  writeSide(out, "client", "Client", requests.client);
}

function writeSide(
  out: Exposition,
  side: "server" | "client",
  title: string,
  records: readonly RequestSnapshot[],
): void {
  const prefix = `http_${side}_`;
  const series: HistogramSeries[] = [];
  for (const record of records) {
    for (const klass of STATUS_CLASSES) {
      const entry = record.classes[klass];
      const fine = new Float64Array(DURATION_BUCKETS);
      for (const [index, n] of Object.entries(entry?.buckets ?? {})) fine[Number(index)] = n;
      const cumulative: number[] = [];
      let below = 0;
      let next = 0;
      for (const last of OTEL_BUCKETS) {
        for (; next <= last; next++) below += fine[next]!;
        cumulative.push(below);
      }
      series.push({
        labels: [record.name, klass],
        cumulative,
        sum: (entry?.sum_us ?? 0) / 1e6,
        count: entry?.count ?? 0,
      });
    }
  }
  out.histogram(
    `${prefix}request_duration_seconds`,
    `Duration of ${side} requests that completed, in seconds, by owner and status class (OpenTelemetry's http.${side}.request.duration).`,
    ["owner", "status_class"],
    OTEL_DURATION_BOUNDS_S,
    series,
  );
  out.family(
    `${prefix}active_requests`,
    "gauge",
    `${title} requests in flight (OpenTelemetry's http.${side}.active_requests).`,
    ["owner"],
    records.map((r): Sample => [[r.name], r.in_flight]),
  );
  for (const [suffix, help, value] of COUNTERS) {
    out.family(
      `${prefix}${suffix}`,
      "counter",
      help(title),
      ["owner"],
      records.map((r): Sample => [[r.name], value(r)]),
    );
  }
}
