// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * A slab's `summary` as the decoder checks it: counted from the slots of a
 * keyframe or a whole array, and tallied slot by slot from the previous
 * summary for `changes`, so that a delta costs what changed, not what the
 * slab holds.
 *
 * @module
 */

import { HandleState, STATE_LETTERS } from "../allocator/handle_state.ts";
import { NO_OWNER } from "../allocator/slab_layout.ts";
import { COUNT_FIELDS } from "./fields.ts";
import { CACHED_STATE, SLOT_STATE_COUNT } from "./slot_states.ts";
import type { SlabSnapshot, SlabSummary, StateCounts } from "./types.ts";

/** Counts of one owner (or of the whole slab) per state code. */
type Tally = Float64Array;

/**
 * Non-free slots per state, in total and per owner, kept as numbers per
 * state code so that moving one slot from one state or owner to another is
 * two array writes. Cached slots (`K`) count in the totals only: a cached
 * slot belongs to no owner.
 */
export class SummaryTally {
  #totals: Tally = new Float64Array(SLOT_STATE_COUNT);
  /** Per owner index; a sparse array, as owner indexes are small integers. */
  #owners: Tally[] = [];

  /** A tally that starts from `summary`. */
  static of(summary: SlabSummary): SummaryTally {
    const tally = new SummaryTally();
    read(summary, tally.#totals);
    tally.#totals[CACHED_STATE] = summary.K ?? 0;
    for (const [owner, counts] of Object.entries(summary.by_owner)) {
      read(counts, tally.#of(Number(owner)));
    }
    return tally;
  }

  /** Counts the slots of a slab (its `summary` field is not read). */
  static ofSlots(
    slab: Pick<SlabSnapshot, "kind" | "total" | "bitmap" | "states" | "owners" | "cached_slots">,
  ): SummaryTally {
    const tally = new SummaryTally();
    const totals = tally.#totals;
    const owners = slab.owners;
    if (slab.kind === "handle") {
      const states = slab.states!;
      for (let i = 0; i < slab.total; i++) {
        const state = states[i]!;
        if (state === HandleState.Free) continue;
        totals[state]!++;
        if (state === CACHED_STATE) continue;
        const owner = owners![i]!;
        if (owner !== NO_OWNER) tally.#of(owner)[state]!++;
      }
      return tally;
    }
    const bitmap = slab.bitmap!;
    let used = 0;
    for (let byte = 0; byte < bitmap.length; byte++) used += POPCOUNT[bitmap[byte]!]!;
    totals[HandleState.Used] = used;
    totals[CACHED_STATE] = slab.cached_slots?.length ?? 0;
    if (owners === undefined) return tally;
    for (let byte = 0; byte < bitmap.length; byte++) {
      for (let bits = bitmap[byte]!; bits !== 0; bits &= bits - 1) {
        const owner = owners[byte * 8 + 31 - Math.clz32(bits & -bits)]!;
        if (owner !== NO_OWNER) tally.#of(owner)[HandleState.Used]!++;
      }
    }
    return tally;
  }

  /** Adds `by` (1 or −1) slots in `state` held by `owner`; free slots are not counted. */
  count(state: number, owner: number, by: number): void {
    if (state === HandleState.Free) return;
    this.#totals[state]! += by;
    if (owner !== NO_OWNER && state !== CACHED_STATE) this.#of(owner)[state]! += by;
  }

  /** The summary as the wire carries it: owners holding no slot are left out, `K` when 0. */
  summary(): SlabSummary {
    const summary = { ...write(this.#totals), by_owner: {} } as SlabSummary;
    const cached = this.#totals[CACHED_STATE]!;
    if (cached !== 0) summary.K = cached;
    this.#owners.forEach((counts, owner) => {
      if (counts.some((n) => n !== 0)) summary.by_owner[String(owner)] = write(counts);
    });
    return summary;
  }

  #of(owner: number): Tally {
    return this.#owners[owner] ??= new Float64Array(SLOT_STATE_COUNT);
  }
}

function read(counts: StateCounts, into: Tally): void {
  for (const letter of COUNT_FIELDS) into[STATE_LETTERS.indexOf(letter)] = counts[letter];
}

function write(tally: Tally): StateCounts {
  return {
    U: tally[HandleState.Used]!,
    N: tally[HandleState.Connecting]!,
    A: tally[HandleState.Active]!,
    I: tally[HandleState.Idle]!,
    C: tally[HandleState.Closing]!,
  };
}

/** Bits set per byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/** Counts the summary of a slab's slots (its `summary` field is not read). */
export function summarizeSlots(
  slab: Pick<SlabSnapshot, "kind" | "total" | "bitmap" | "states" | "owners" | "cached_slots">,
): SlabSummary {
  return SummaryTally.ofSlots(slab).summary();
}

/** Whether two summaries hold the same counts (the encoder's test, once per slab per tick). */
export function sameSummary(a: SlabSummary, b: SlabSummary): boolean {
  if (!sameCounts(a, b) || (a.K ?? 0) !== (b.K ?? 0)) return false;
  const aKeys = Object.keys(a.by_owner);
  if (aKeys.length !== Object.keys(b.by_owner).length) return false;
  for (const key of aKeys) {
    const y = b.by_owner[key];
    if (y === undefined || !sameCounts(a.by_owner[key]!, y)) return false;
  }
  return true;
}

function sameCounts(a: StateCounts, b: StateCounts): boolean {
  return a.U === b.U && a.N === b.N && a.A === b.A && a.I === b.I && a.C === b.C;
}

/**
 * Says how `declared` differs from `actual` (the first count that differs,
 * totals first, then owners in index order), or `undefined` if it does not.
 */
export function summaryDifference(declared: SlabSummary, actual: SlabSummary): string | undefined {
  for (const letter of COUNT_FIELDS) {
    if (declared[letter] !== actual[letter]) {
      return `${letter} is ${declared[letter]}, the slots hold ${actual[letter]}`;
    }
  }
  if ((declared.K ?? 0) !== (actual.K ?? 0)) {
    return `K is ${declared.K ?? 0}, the slots hold ${actual.K ?? 0}`;
  }
  const owners = new Set([...Object.keys(declared.by_owner), ...Object.keys(actual.by_owner)]);
  for (const owner of [...owners].sort((a, b) => Number(a) - Number(b))) {
    const d = declared.by_owner[owner];
    const a = actual.by_owner[owner];
    for (const letter of COUNT_FIELDS) {
      if ((d?.[letter] ?? 0) !== (a?.[letter] ?? 0)) {
        return `by_owner.${owner}.${letter} is ${d?.[letter] ?? 0}, the slots hold ${
          a?.[letter] ?? 0
        }`;
      }
    }
    if (d === undefined || a === undefined) {
      return `by_owner.${owner} holds no slot, so it is not listed`;
    }
  }
  return undefined;
}
