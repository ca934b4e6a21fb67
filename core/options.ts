// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Checks for the numeric options of the stream, the access guard and the
 * fleet: a fallback when absent, a `RangeError` naming the option, the
 * value and what was wanted otherwise.
 *
 * @module
 */

/**
 * Returns `value`, or `fallback` when it is undefined.
 *
 * @throws {RangeError} Unless `value` is a positive finite number.
 */
export function positiveOption(
  value: number | undefined,
  fallback: number,
  name: string,
  action: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be a positive number, received ${String(value)}`,
    );
  }
  return value;
}

/**
 * Returns `value`, or `fallback` when it is undefined.
 *
 * @throws {RangeError} Unless `value` is a positive integer.
 */
export function positiveIntegerOption(
  value: number | undefined,
  fallback: number,
  name: string,
  action: string,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot ${action}: ${name} must be a positive integer, received ${String(value)}`,
    );
  }
  return value;
}
