// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * How error messages show the values they reject.
 *
 * @module
 */

/** A value as an error message quotes it: strings in quotes, the rest as `String()`. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  return Object.is(value, -0) ? "-0" : String(value);
}

/** The type of a value as an error message names it: `"string"`, `"null"`, `"ArrayBuffer"`… */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") {
    return (value as object).constructor?.name ?? "object";
  }
  return typeof value;
}
