// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * How full is too full: the one set of thresholds every view of a pool uses
 * (the dashboard's gauges and banner, the fleet list, `deno task top`).
 *
 * @module
 */

/** A pool at or above this share of its capacity is a warning. */
export const WARNING_RATIO = 0.8;
/** A pool at or above this share of its capacity is critical. */
export const CRITICAL_RATIO = 0.95;

/** How a pool's fill reads: fine, worth a look, or about to fail. */
export type CapacityLevel = "ok" | "warning" | "critical";

/**
 * The level of a pool from its fill ratio: critical at or above
 * {@linkcode CRITICAL_RATIO}, a warning at or above {@linkcode WARNING_RATIO}.
 *
 * @param ratio Used over capacity, from 0 to 1.
 * @returns The level.
 */
export function capacityLevel(ratio: number): CapacityLevel {
  return ratio >= CRITICAL_RATIO ? "critical" : ratio >= WARNING_RATIO ? "warning" : "ok";
}
