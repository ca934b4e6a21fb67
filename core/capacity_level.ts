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

/**
 * The level of a pool from its fill and its overflows. A slab's overflow is
 * an allocation it refused: critical. An arena's overflow is an allocation
 * it served from the heap instead, which is what an arena plans for when it
 * is full: a warning, whatever the fill. Either way a fill at or above
 * {@linkcode CRITICAL_RATIO} is critical.
 *
 * @param kind `"slab"` or `"arena"`.
 * @param ratio Used over capacity, from 0 to 1.
 * @param overflow Overflows so far.
 * @returns The level.
 *
 * @example
 * ```ts
 * import { poolLevel } from "./capacity_level.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(poolLevel("slab", 0.02, 1), "critical");
 * assert.equal(poolLevel("arena", 0.02, 1), "warning");
 * assert.equal(poolLevel("arena", 0.96, 1), "critical");
 * assert.equal(poolLevel("arena", 0.5, 0), "ok");
 * ```
 */
export function poolLevel(kind: "slab" | "arena", ratio: number, overflow: number): CapacityLevel {
  const level = capacityLevel(ratio);
  if (overflow === 0 || level === "critical") return level;
  return kind === "slab" ? "critical" : "warning";
}
