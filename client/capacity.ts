// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The capacity banner's rules (`core/capacity_level.ts`): warning at ≥ 80 %
 * used or on an arena's heap fallback, critical at ≥ 95 % or on a slab's
 * overflow; at most three messages, then "+N more".
 *
 * @module
 */

import type { MemorySnapshot } from "../core/wire/types.ts";
import { poolLevel } from "../core/capacity_level.ts";
import { formatCount, formatPercent } from "./format.ts";

/** One line of the banner. */
export interface CapacityMessage {
  level: "warning" | "critical";
  pool: string;
  text: string;
}

/** What the banner shows. */
export interface CapacityReport {
  /** The worst level, or `"none"` when every pool is fine. */
  level: "none" | "warning" | "critical";
  /** At most `limit` messages, critical ones first. */
  messages: CapacityMessage[];
  /** Messages beyond the limit. */
  more: number;
}

/** Builds the banner's report for a snapshot. */
export function capacityReport(snapshot: MemorySnapshot | null, limit = 3): CapacityReport {
  const all: CapacityMessage[] = [];
  const pools = [
    ...(snapshot?.slabs ?? []).map((s) => ({
      kind: "slab" as const,
      name: s.name,
      used: s.used,
      total: s.total,
      overflow: s.overflow,
      unit: "slots",
    })),
    ...(snapshot?.arenas ?? []).map((a) => ({
      kind: "arena" as const,
      name: a.name,
      used: a.used,
      total: a.capacity,
      overflow: a.overflow,
      unit: "bytes",
    })),
  ];
  for (const pool of pools) {
    const ratio = pool.total === 0 ? 0 : pool.used / pool.total;
    const level = poolLevel(pool.kind, ratio, pool.overflow);
    if (level === "ok") continue;
    const fill = `${pool.name} at ${formatPercent(ratio)} of ${
      formatCount(pool.total)
    } ${pool.unit}`;
    const overflows = pool.kind === "slab"
      ? `${formatCount(pool.overflow)} overflow${pool.overflow === 1 ? "" : "s"}`
      : `${formatCount(pool.overflow)} heap fallback${pool.overflow === 1 ? "" : "s"}`;
    all.push({
      level,
      pool: pool.name,
      text: pool.overflow === 0
        ? fill
        : `${pool.name}: ${overflows} (${formatPercent(ratio)} used)`,
    });
  }
  all.sort((a, b) => (a.level === b.level ? 0 : a.level === "critical" ? -1 : 1));
  const level = all.length === 0 ? "none" : all[0]!.level;
  return { level, messages: all.slice(0, limit), more: Math.max(0, all.length - limit) };
}
