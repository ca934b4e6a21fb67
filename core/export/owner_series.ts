// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * What the metric exporters share: state names, per-state slot counts, and
 * per-owner counts with a bounded number of owners. Internal to
 * `prometheus.ts` and `otel.ts`.
 *
 * @module
 */

import { describe } from "../allocator/describe.ts";
import type { SlabSnapshot, StateCounts } from "../wire/types.ts";

/** Default for the exporters' `maxOwnersPerPool`. */
export const DEFAULT_MAX_OWNERS = 50;
/** Most owners a registry can hold, so the largest useful `maxOwnersPerPool`. */
const MAX_OWNERS_LIMIT = 65_535;
/** The owner label of the owners folded together past `maxOwnersPerPool`. */
export const OTHER_OWNER = "other";
/** The owner label of slots whose owner index is no longer registered. */
export const UNREGISTERED_OWNER = "unregistered";

/** A non-free state: its full name and its letter in a {@linkcode StateCounts}. */
export type StateName = readonly [name: string, letter: keyof StateCounts];

/** The states a plain slab's slots can be in, besides free. */
const PLAIN_STATES: readonly StateName[] = [["used", "U"]];
/** The states a handle slab's slots can be in, besides free. */
const HANDLE_STATES: readonly StateName[] = [
  ["connecting", "N"],
  ["active", "A"],
  ["idle", "I"],
  ["closing", "C"],
];

/** The non-free states a slab of this kind reports, always all of them (zeros included). */
export function busyStates(slab: SlabSnapshot): readonly StateName[] {
  return slab.kind === "handle" ? HANDLE_STATES : PLAIN_STATES;
}

/**
 * Slots per state, `"free"` first. The free count is what the per-slot
 * states leave of the capacity, so the counts of one snapshot always add up
 * to `total` (the `used` counter can run a little ahead of the states while
 * Workers allocate).
 */
export function slotsByState(slab: SlabSnapshot): [state: string, slots: number][] {
  const states = busyStates(slab);
  const out: [string, number][] = [["free", 0]];
  let busy = 0;
  for (const [name, letter] of states) {
    const n = slab.summary[letter];
    busy += n;
    out.push([name, n]);
  }
  out[0]![1] = Math.max(0, slab.total - busy);
  return out;
}

/**
 * Checks a `maxOwnersPerPool` option.
 *
 * @throws {TypeError} If it is not a number.
 * @throws {RangeError} If it is not an integer from 0 to 65,535.
 */
export function checkMaxOwners(value: unknown, action: string): number {
  if (value === undefined) return DEFAULT_MAX_OWNERS;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action}: maxOwnersPerPool must be a number, received ${typeof value}`,
    );
  }
  if (!Number.isInteger(value) || value < 0 || value > MAX_OWNERS_LIMIT) {
    throw new RangeError(
      `Cannot ${action}: maxOwnersPerPool must be an integer from 0 to ${MAX_OWNERS_LIMIT}, received ${
        describe(value)
      }`,
    );
  }
  return value;
}

/**
 * Slots per owner name of one slab, with at most `maxOwners` names.
 *
 * Every registered owner (every name of `ownerMap`) has an entry in a slab
 * that records owners (a handle slab, or a plain slab given owners), with
 * zeros when it holds no slot: a series that goes to 0 stays a series.
 * Owners are keyed by name (two registered owners with one name share a
 * series, so a series is never repeated). When more than `maxOwners` names
 * hold slots, the `maxOwners - 1` holding the most (ties by name) keep their
 * names and the rest are summed under {@linkcode OTHER_OWNER} (an owner
 * really named so, if it is among the first `maxOwners`, keeps its place and
 * takes the rest). Names come out in code-unit order, a new
 * {@linkcode OTHER_OWNER} last. `maxOwners` 0 gives no owners at all.
 */
export function ownerSeries(
  slab: SlabSnapshot,
  ownerMap: readonly (string | null)[],
  maxOwners: number,
): Map<string, StateCounts> {
  const byName = new Map<string, StateCounts>();
  if (maxOwners === 0) return byName;
  for (const [key, counts] of Object.entries(slab.summary.by_owner)) {
    const name = ownerMap[Number(key)] ?? UNREGISTERED_OWNER;
    const entry = byName.get(name);
    if (entry === undefined) byName.set(name, { ...counts });
    else addCounts(entry, counts);
  }
  if (slab.kind === "handle" || slab.owners !== undefined) {
    for (const name of ownerMap) {
      if (name !== null && !byName.has(name)) byName.set(name, { U: 0, N: 0, A: 0, I: 0, C: 0 });
    }
  }
  if (byName.size <= maxOwners) return new Map([...byName].sort(compareNames));
  const ranked = [...byName].sort((a, b) => held(b[1]) - held(a[1]) || compareNames(a, b));
  // An owner really named "other" among the first `maxOwners` keeps its
  // place and takes the folded owners (names stay unique and within the
  // cap); otherwise the last place goes to a new "other".
  const realOther = ranked.slice(0, maxOwners).find(([name]) => name === OTHER_OWNER);
  const keep = realOther === undefined ? maxOwners - 1 : maxOwners;
  const kept = ranked.slice(0, keep).sort(compareNames);
  const other: StateCounts = realOther?.[1] ?? { U: 0, N: 0, A: 0, I: 0, C: 0 };
  for (const [, counts] of ranked.slice(keep)) addCounts(other, counts);
  if (realOther === undefined) kept.push([OTHER_OWNER, other]);
  return new Map(kept);
}

function addCounts(target: StateCounts, counts: StateCounts): void {
  target.U += counts.U;
  target.N += counts.N;
  target.A += counts.A;
  target.I += counts.I;
  target.C += counts.C;
}

function held(counts: StateCounts): number {
  return counts.U + counts.N + counts.A + counts.I + counts.C;
}

function compareNames(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
