// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The diagnostics' own CPU time on the wire: the stream object's
 * `cpu_us_per_s` and `cpu_us_total`, one number per phase of
 * `COST_PHASES`. Field by field in `docs/wire-format.md`.
 *
 * @module
 */

import { COST_PHASES, MEMBERS } from "./fields.ts";
import type { CostPhase, StreamSnapshot } from "./types.ts";
import { count, object, onlyFields } from "./validate.ts";

/** The stream members that hold CPU time per phase. */
export const COST_MEMBERS = ["cpu_us_per_s", "cpu_us_total"] as const;

/** Decodes one per-phase map: known phases only, each a count; any of them may be absent. */
export function costFromWire(value: unknown, path: string): Partial<Record<CostPhase, number>> {
  const o = object(value, path);
  onlyFields(o, MEMBERS.cost, path, "the diagnostics' phases");
  const cost: Partial<Record<CostPhase, number>> = {};
  for (const phase of COST_PHASES) {
    if (o[phase] !== undefined) cost[phase] = count(o[phase], `${path}.${phase}`);
  }
  return cost;
}

/** Whether two per-phase maps hold the same figures. */
export function sameCost(
  a: Partial<Record<CostPhase, number>> | undefined,
  b: Partial<Record<CostPhase, number>> | undefined,
): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  for (const phase of COST_PHASES) if (a[phase] !== b[phase]) return false;
  return true;
}

/** Reads the optional per-phase maps of a wire stream object into `stream`. */
export function readCostMembers(
  o: Record<string, unknown>,
  stream: StreamSnapshot,
  path: string,
): void {
  for (const field of COST_MEMBERS) {
    if (o[field] !== undefined) stream[field] = costFromWire(o[field], `${path}.${field}`);
  }
}
