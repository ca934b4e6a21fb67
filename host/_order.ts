// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.

/** Locale-independent string order (by UTF-16 code unit). */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
