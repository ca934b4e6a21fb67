// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The request-duration histogram's buckets, shared by the recorder, the wire
 * format and the exporters: log-linear, ten buckets per decade from 10 µs to
 * 100 s, with every bound of OpenTelemetry's advice for
 * `http.server.request.duration` (5 ms … 10 s) among them, so a Prometheus or
 * OpenTelemetry histogram with those bounds is an exact sum of these buckets.
 * Field by field in `docs/wire-format.md`.
 *
 * Durations are whole microseconds. A duration `d` falls in the first bucket
 * whose bound is at least `d` (Prometheus' `le`); past the last bound it falls
 * in the overflow bucket.
 *
 * @module
 */

/** The steps of one decade: at most 33 % apart, and 2.5, 5 and 7.5 among them. */
const MANTISSAS = [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5] as const;
/** The first bound is 10 µs (10^1), the last 100 s (10^8 µs). */
const FIRST_DECADE = 1;
const LAST_DECADE = 8;

function bounds(): readonly number[] {
  const list: number[] = [];
  for (let decade = FIRST_DECADE; decade < LAST_DECADE; decade++) {
    for (const mantissa of MANTISSAS) list.push(mantissa * 10 ** decade);
  }
  list.push(10 ** LAST_DECADE);
  return Object.freeze(list);
}

/**
 * Upper bounds of the buckets, in microseconds, ascending: 10, 12.5, 15, 20,
 * …, 75,000,000, 100,000,000. Bucket `i` holds durations in
 * `(DURATION_BOUNDS_US[i - 1], DURATION_BOUNDS_US[i]]` (from 0 for `i` = 0).
 */
export const DURATION_BOUNDS_US: readonly number[] = bounds();

/** Number of buckets: one per bound, and the overflow bucket (over 100 s). */
export const DURATION_BUCKETS: number = DURATION_BOUNDS_US.length + 1;

/**
 * OpenTelemetry's advised bucket bounds for `http.server.request.duration`
 * and `http.client.request.duration`, in seconds: what `/metrics` and the
 * OpenTelemetry histograms use.
 */
export const OTEL_DURATION_BOUNDS_S: readonly number[] = Object.freeze([
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
]);

const BOUNDS = Float64Array.from(DURATION_BOUNDS_US);

/**
 * The bucket of a duration.
 *
 * @param us Whole microseconds, at least 0.
 * @returns The bucket index, 0 to `DURATION_BUCKETS - 1`.
 *
 * @example Usage
 * ```ts
 * import { bucketOf, DURATION_BOUNDS_US } from "./durations.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(bucketOf(0), 0);
 * assert.equal(bucketOf(10), 0); // bounds are inclusive, like Prometheus' le
 * assert.equal(bucketOf(11), 1);
 * assert.equal(DURATION_BOUNDS_US[bucketOf(5_000)], 5_000); // 5 ms
 * assert.equal(bucketOf(1e9), DURATION_BOUNDS_US.length); // past 100 s
 * ```
 */
export function bucketOf(us: number): number {
  // Binary search over 71 bounds: seven comparisons, no allocation.
  let lo = 0;
  let hi = BOUNDS.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (BOUNDS[mid]! < us) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The smallest and largest whole microseconds bucket `i` can hold (the
 * largest is `Infinity` for the overflow bucket). The decoder checks a sum of
 * durations against these.
 *
 * @param i A bucket index.
 * @returns `[min, max]`.
 *
 * @example Usage
 * ```ts
 * import { bucketRange } from "./durations.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(bucketRange(0), [0, 10]);
 * assert.deepEqual(bucketRange(1), [11, 12]); // (10, 12.5] in whole microseconds
 * assert.deepEqual(bucketRange(71), [100_000_001, Infinity]);
 * ```
 */
export function bucketRange(i: number): readonly [min: number, max: number] {
  const min = i === 0 ? 0 : Math.floor(DURATION_BOUNDS_US[i - 1]!) + 1;
  const max = i < DURATION_BOUNDS_US.length ? Math.floor(DURATION_BOUNDS_US[i]!) : Infinity;
  return [min, max];
}

/**
 * Estimates a quantile from bucket counts the way Prometheus'
 * `histogram_quantile` does: the bucket holding the rank, then linear
 * interpolation inside it (the overflow bucket answers its lower bound).
 *
 * @param counts Counts per bucket (`DURATION_BUCKETS` of them).
 * @param total The sum of `counts`.
 * @param q The quantile, from 0 to 1.
 * @returns Whole microseconds; 0 when `total` is 0.
 *
 * @example Usage
 * ```ts
 * import { bucketOf, DURATION_BUCKETS, quantileUs } from "./durations.ts";
 * import assert from "node:assert/strict";
 *
 * const counts = new Float64Array(DURATION_BUCKETS);
 * for (let i = 0; i < 100; i++) counts[bucketOf(1000)]++; // 100 requests of 1 ms
 * // All in the bucket (750 µs, 1 ms]: the median is its middle.
 * assert.equal(quantileUs(counts, 100, 0.5), 875);
 * assert.equal(quantileUs(counts, 0, 0.5), 0);
 * ```
 */
export function quantileUs(counts: ArrayLike<number>, total: number, q: number): number {
  if (total <= 0) return 0;
  const rank = Math.max(1, q * total);
  let below = 0;
  for (let i = 0; i < DURATION_BUCKETS; i++) {
    const n = counts[i]!;
    if (n > 0 && below + n >= rank) {
      const lower = i === 0 ? 0 : DURATION_BOUNDS_US[i - 1]!;
      if (i === DURATION_BOUNDS_US.length) return lower;
      const upper = DURATION_BOUNDS_US[i]!;
      return Math.round(lower + ((upper - lower) * (rank - below)) / n);
    }
    below += n;
  }
  return DURATION_BOUNDS_US[DURATION_BOUNDS_US.length - 1]!;
}
