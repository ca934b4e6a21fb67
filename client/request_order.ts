// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Which request records the Requests panel shows, in which order: every
 * server first, then the busiest fetch targets of the last minute, at most
 * {@linkcode MAX_SHOWN_REQUESTS} in all. The page's first paint carries
 * exactly these, so that a client calling thousands of origins does not
 * weigh on the page.
 *
 * @module
 */

import { requestRates } from "../core/wire/request_rates.ts";
import type { RequestSnapshot, RequestsSnapshot } from "../core/wire/types.ts";

/** Most request records the panel shows; the rest are counted. */
export const MAX_SHOWN_REQUESTS = 12;

/** A record and its side. */
export type SidedRecord = readonly [kind: "server" | "client", record: RequestSnapshot];

/**
 * The records in the panel's order: servers by name, then fetch targets by
 * their rate over the last 60 s (busiest first), then by name.
 *
 * @param requests A snapshot's request records.
 * @returns Every record, with its side.
 */
export function orderedRequests(requests: RequestsSnapshot | undefined): SidedRecord[] {
  if (requests === undefined) return [];
  const clients = requests.client.map((r) => ({ r, rate: requestRates(r).last60 }));
  clients.sort((a, b) => b.rate - a.rate);
  return [
    ...requests.server.map((r): SidedRecord => ["server", r]),
    ...clients.map(({ r }): SidedRecord => ["client", r]),
  ];
}

/**
 * The records the panel shows, as request records again (each list sorted
 * by name, as the wire has them): what the first paint needs.
 *
 * @param requests A snapshot's request records.
 * @returns The shown ones.
 */
export function shownRequests(requests: RequestsSnapshot): RequestsSnapshot {
  const shown = new Set(
    orderedRequests(requests).slice(0, MAX_SHOWN_REQUESTS).map(([, record]) => record),
  );
  return {
    server: requests.server.filter((r) => shown.has(r)),
    client: requests.client.filter((r) => shown.has(r)),
  };
}
