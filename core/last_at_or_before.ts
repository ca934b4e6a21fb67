// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode lastAtOrBefore}: a binary search over an ascending array, for
 * "the sample (moment, keyframe) in effect at this time". Shared by the
 * recording's states and the dashboard's charts.
 *
 * @module
 */

/**
 * The index of the last value at or before `value` in an ascending array,
 * or -1 when every value is after it. O(log n).
 *
 * @param values Ascending numbers (times, sequence numbers).
 * @param value The value to look up.
 * @returns The index, or -1.
 *
 * @example Usage
 * ```ts
 * import { lastAtOrBefore } from "./last_at_or_before.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(lastAtOrBefore([10, 20, 30], 25), 1);
 * assert.equal(lastAtOrBefore([10, 20, 30], 30), 2);
 * assert.equal(lastAtOrBefore([10, 20, 30], 5), -1);
 * ```
 */
export function lastAtOrBefore(values: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! <= value) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}
