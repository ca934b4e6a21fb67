// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Checks for the options of the stream, the access guard, the handlers and
 * the fleet: a fallback when absent, a `RangeError` naming the option, the
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

/** A path prefix: segments of URL-safe characters, no trailing slash. */
const PREFIX_REGEXP = /^(\/[A-Za-z0-9._~-]+)*$/;

/**
 * Returns the path prefix `value`, or `fallback` when it is undefined.
 *
 * @throws {RangeError} Unless `value` is `""` (when `emptyAllowed`) or
 * looks like `/debug`: segments of letters, digits and `._~-`, no
 * trailing slash.
 */
export function prefixOption(
  value: string | undefined,
  fallback: string,
  action: string,
  emptyAllowed: boolean,
): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !PREFIX_REGEXP.test(value) || (!emptyAllowed && !value)) {
    throw new RangeError(
      `Cannot ${action}: prefix must look like "/debug" (no trailing slash), received ${
        JSON.stringify(value)
      }`,
    );
  }
  return value;
}
