// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode InstanceSummary}: what every instance of a fleet publishes
 * every few seconds, a few hundred bytes, and how it is computed from a
 * snapshot and checked when read back.
 *
 * @module
 */

import type { MemorySnapshot } from "../wire/types.ts";

/**
 * Version of the summary format, carried as `v`. Version 2 added `trust`;
 * readers skip every other version, so an instance of an older slabscope
 * (which neither says how it is protected nor checks who asks) is never
 * listed by a newer one, nor the other way round.
 */
export const SUMMARY_VERSION = 2;

/** The fullest pool of an instance. */
export interface WorstPool {
  /** The pool's name. */
  pool: string;
  /** Its fill ratio, 0 to 1: slots used over slots, or bytes used over capacity. */
  ratio: number;
}

/**
 * One instance of a fleet, as listed by `listInstances()`: who it is, and
 * the few figures a fleet table shows. Times are milliseconds since the Unix
 * epoch on the instance's clock; sizes are bytes.
 */
export interface InstanceSummary {
  /** The instance id: random unless given, unique in the fleet. */
  id: string;
  /** A display name (the host name unless given). */
  name: string;
  /** The host name, `"unknown"` without permission to read it. */
  host: string;
  /** The process id, when the runtime has one. */
  pid?: number;
  /** When the process started. */
  started: number;
  /** When this summary was written. */
  updated: number;
  /** Milliseconds from `started` to `updated`. */
  uptime: number;
  /**
   * Milliseconds after `updated` when the entry expires. KV deletes expired
   * entries some time later; readers skip them from this moment on.
   */
  expireIn: number;
  /** The fullest pool, `null` when none is registered. */
  worst: WorstPool | null;
  /** Number of pools (slabs, arenas and arena pools, by name). */
  pools: number;
  /** Refused or heap-served allocations, summed over every pool. */
  overflow: number;
  /** V8 heap in use. */
  heapUsed: number;
  /** Resident set size of the process. */
  rss: number;
  /**
   * The fingerprint of the token that protects the instance (see
   * `trustFingerprint()`), `null` when it has none. Readers serve only the
   * instances of their own trust domain.
   */
  trust: string | null;
  /** Summary format version: 2. */
  v: number;
}

/** The figures of a summary that come from a snapshot. */
export type SnapshotFigures = Pick<
  InstanceSummary,
  "worst" | "pools" | "overflow" | "heapUsed" | "rss"
>;

/** Reads the fleet figures out of a snapshot. */
export function summarizeSnapshot(snapshot: MemorySnapshot): SnapshotFigures {
  let worst: WorstPool | null = null;
  const consider = (pool: string, used: number, total: number) => {
    const ratio = total > 0 ? Math.round((used / total) * 10_000) / 10_000 : 0;
    if (worst === null || ratio > worst.ratio) worst = { pool, ratio };
  };
  const names = new Set<string>();
  let overflow = 0;
  for (const slab of snapshot.slabs) {
    names.add(slab.name);
    overflow += slab.overflow;
    consider(slab.name, slab.used, slab.total);
  }
  for (const arena of snapshot.arenas) {
    names.add(arena.name);
    overflow += arena.overflow;
    consider(arena.name, arena.used, arena.capacity);
  }
  return {
    worst,
    pools: names.size,
    overflow,
    heapUsed: snapshot.heap.heap_used,
    rss: snapshot.heap.rss,
  };
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= 256;
}

/**
 * Checks a value read from KV; `undefined` for anything that is not a
 * summary of this version (another writer, an older or newer slabscope).
 */
export function parseSummary(value: unknown): InstanceSummary | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const o = value as Record<string, unknown>;
  if (o.v !== SUMMARY_VERSION) return undefined;
  if (!isText(o.id) || !isText(o.name) || !isText(o.host)) return undefined;
  for (const field of ["started", "updated", "uptime", "expireIn", "pools", "overflow"]) {
    if (!isCount(o[field])) return undefined;
  }
  if (!isCount(o.heapUsed) || !isCount(o.rss)) return undefined;
  if (o.pid !== undefined && !isCount(o.pid)) return undefined;
  if (o.trust !== null && !(typeof o.trust === "string" && /^[A-Za-z0-9_-]{43}$/.test(o.trust))) {
    return undefined;
  }
  let worst: WorstPool | null = null;
  if (o.worst !== null) {
    const w = o.worst as Record<string, unknown> | undefined;
    if (typeof w !== "object" || typeof w.pool !== "string") return undefined;
    if (typeof w.ratio !== "number" || !(w.ratio >= 0)) return undefined;
    worst = { pool: w.pool, ratio: w.ratio };
  }
  const summary: InstanceSummary = {
    id: o.id,
    name: o.name,
    host: o.host,
    started: o.started as number,
    updated: o.updated as number,
    uptime: o.uptime as number,
    expireIn: o.expireIn as number,
    worst,
    pools: o.pools as number,
    overflow: o.overflow as number,
    heapUsed: o.heapUsed,
    rss: o.rss,
    trust: o.trust as string | null,
    v: SUMMARY_VERSION,
  };
  if (o.pid !== undefined) summary.pid = o.pid;
  return summary;
}
