// Copyright 2026 the slabscope authors. MIT license.
/**
 * The requests table of `slabscope top`: one row per instrumented server
 * and per fetch target, with the rate over the last 1, 10 and 60 s, the
 * duration percentiles of the last minute, the status classes that matter,
 * requests in flight and aborted.
 *
 * @module
 */

import { requestRates } from "../../core/wire/request_rates.ts";
import type { MemorySnapshot, RequestSnapshot } from "../../core/wire/types.ts";
import { formatMicros, formatRate } from "./format.ts";
import type { Column } from "./render.ts";

/** One line of the requests table. */
export interface RequestRow {
  /** The owner's name and side: `"api (server)"`, `"https://x.example (fetch)"`. */
  name: string;
  /** Requests completed in the last second. */
  rate1: number;
  /** Requests completed per second over the last 10 s. */
  rate10: number;
  /** Requests completed per second over the last 60 s. */
  rate60: number;
  /** Median duration of the last minute, µs; `undefined` when it had no request. */
  p50: number | undefined;
  /** 95th percentile of the same. */
  p95: number | undefined;
  /** 99th percentile of the same. */
  p99: number | undefined;
  /** Requests completed with a 2xx status. */
  ok: number;
  /** Requests completed with a 4xx status. */
  clientErrors: number;
  /** Requests completed with a 5xx status. */
  serverErrors: number;
  /** In flight now. */
  open: number;
  /** Aborted since the record began. */
  aborted: number;
}

function row(record: RequestSnapshot, side: string): RequestRow {
  const rates = requestRates(record);
  const recent = record.history.some((n) => n > 0);
  return {
    name: `${record.name} (${side})`,
    rate1: rates.last1,
    rate10: rates.last10,
    rate60: rates.last60,
    p50: recent ? record.p50_us : undefined,
    p95: recent ? record.p95_us : undefined,
    p99: recent ? record.p99_us : undefined,
    ok: record.classes["2xx"]?.count ?? 0,
    clientErrors: record.classes["4xx"]?.count ?? 0,
    serverErrors: record.classes["5xx"]?.count ?? 0,
    open: record.in_flight,
    aborted: record.aborted,
  };
}

/**
 * The rows: servers, then fetch targets, each by name (the wire's order).
 *
 * @param snapshot The state.
 * @returns The rows; none when the state has no request metrics.
 *
 * @example Usage
 * ```ts
 * import { DiagnosticsRegistry } from "../../mod.ts";
 * import { requestRows } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.requests.acquire("server", "api").start();
 * const [api] = requestRows(registry.snapshot());
 * assert.equal(api!.name, "api (server)");
 * assert.equal(api!.open, 1);
 * ```
 */
export function requestRows(snapshot: MemorySnapshot): RequestRow[] {
  const requests = snapshot.requests;
  if (requests === undefined) return [];
  return [
    ...requests.server.map((r) => row(r, "server")),
    ...requests.client.map((r) => row(r, "fetch")),
  ];
}

const duration = (us: number | undefined) => (us === undefined ? "-" : formatMicros(us));

/** The requests table's columns; on a narrow screen the 10 s and 60 s rates go first. */
export const REQUEST_COLUMNS: Column<RequestRow>[] = [
  { title: "REQ/S", min: 5, drop: 0, cell: (r) => formatRate(r.rate1) },
  { title: "10S", min: 5, drop: 1, cell: (r) => formatRate(r.rate10) },
  { title: "60S", min: 5, drop: 2, cell: (r) => formatRate(r.rate60) },
  { title: "P50", min: 5, drop: 5, cell: (r) => duration(r.p50) },
  { title: "P95", min: 5, drop: 3, cell: (r) => duration(r.p95) },
  { title: "P99", min: 5, drop: 0, cell: (r) => duration(r.p99) },
  { title: "2XX", min: 4, drop: 6, cell: (r) => String(r.ok) },
  { title: "4XX", min: 4, drop: 7, cell: (r) => String(r.clientErrors) },
  { title: "5XX", min: 4, drop: 0, cell: (r) => String(r.serverErrors) },
  { title: "OPEN", min: 4, drop: 0, cell: (r) => String(r.open) },
  { title: "ABORT", min: 5, drop: 4, cell: (r) => String(r.aborted) },
];
