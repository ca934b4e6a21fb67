// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * What a request record's history says about rates: requests completed per
 * second over the last 1, 10 and 60 complete seconds. Shared by the
 * dashboard and `slabscope top`.
 *
 * @module
 */

import { HISTORY_SECONDS, type RequestSnapshot } from "./types.ts";

/** Completed requests per second over the last 1, 10 and 60 seconds. */
export interface RequestRates {
  /** In the last complete second. */
  last1: number;
  /** Mean of the last 10 seconds. */
  last10: number;
  /** Mean of the last 60 seconds. */
  last60: number;
}

/**
 * The rates of a record. Its history ends with its `second`, the last
 * complete second (or, once it has been idle for a minute, a second after
 * which nothing completed), so these are the rates as of that second.
 *
 * @param record A request record.
 * @returns Requests per second.
 *
 * @example Usage
 * ```ts
 * import { requestRates } from "./request_rates.ts";
 * import assert from "node:assert/strict";
 *
 * const history = new Array(60).fill(0);
 * history[59] = 12;
 * history[50] = 8;
 * const rates = requestRates({ history } as Parameters<typeof requestRates>[0]);
 * assert.deepEqual(rates, { last1: 12, last10: 2, last60: 20 / 60 });
 * ```
 */
export function requestRates(record: Pick<RequestSnapshot, "history">): RequestRates {
  const history = record.history;
  let last10 = 0;
  let last60 = 0;
  for (let i = 0; i < HISTORY_SECONDS; i++) {
    const n = history[i] ?? 0;
    last60 += n;
    if (i >= HISTORY_SECONDS - 10) last10 += n;
  }
  return {
    last1: history[HISTORY_SECONDS - 1] ?? 0,
    last10: last10 / 10,
    last60: last60 / HISTORY_SECONDS,
  };
}
