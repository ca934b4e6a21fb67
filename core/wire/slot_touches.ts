// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Which slots were written between two snapshots of one slab, for the
 * `cycled` lists of deltas. Internal to the collector, which records what
 * each collection found, and the delta encoder, which asks for the slots
 * touched between the two snapshots it compares.
 *
 * A collection that read a slab records the slots whose slot word (state
 * and generation) or meta word (owner and time of the last state change)
 * differed from what the collection before it read: a {@linkcode
 * TouchRecord}, linked to the record of that collection. A snapshot maps to
 * the record of the collection that made it (a `WeakMap`, so that snapshots
 * stay plain data: equal snapshots compare equal, and nothing of this is
 * ever encoded). The slots touched between snapshots `a` and `b` are the
 * union of the records after `a`'s, up to `b`'s: exact whoever else
 * collected in between (a `/metrics` scrape between two stream ticks takes
 * nothing away from the stream's deltas).
 *
 * @module
 */

import type { SlabSnapshot } from "./types.ts";

/** What one collection of a slab found written since the one before. */
export interface TouchRecord {
  /** The slots whose slot or meta word changed, ascending. */
  readonly slots: Uint32Array;
  /**
   * For each of `slots`, how many times it was freed since the collection
   * before: the advance of its generation (the high 24 bits of its slot
   * word, bumped by every free), modulo 2^24.
   */
  readonly cycles: Uint32Array;
  /** The record of the collection before, while it is kept (see the collector). */
  previous: TouchRecord | undefined;
}

const records = new WeakMap<SlabSnapshot, TouchRecord>();

/** Says that `slab` was made by the collection that found `record`. */
export function recordTouches(slab: SlabSnapshot, record: TouchRecord): void {
  records.set(slab, record);
}

/**
 * The slots written between snapshots `a` and `b` of one slab, ascending;
 * `undefined` when that is not known: either snapshot came from elsewhere
 * (a decoder), from another slab, or `a` is older than the records kept.
 */
export function touchedBetween(a: SlabSnapshot, b: SlabSnapshot): Uint32Array | undefined {
  const between = recordsBetween(a, b);
  return between === undefined ? undefined : slotsOf(between);
}

/** The slots of `records`, ascending and without repeats (one record's own list when only one has any). */
export function slotsOf(records: readonly TouchRecord[]): Uint32Array {
  const lists: Uint32Array[] = [];
  for (const record of records) if (record.slots.length > 0) lists.push(record.slots);
  if (lists.length <= 1) return lists[0] ?? new Uint32Array(0);
  return union(lists);
}

/**
 * The records of the collections after `a`'s up to `b`'s, newest first
 * (empty when both snapshots came from one collection); `undefined` when
 * that is not known, as for {@linkcode touchedBetween}.
 */
export function recordsBetween(a: SlabSnapshot, b: SlabSnapshot): TouchRecord[] | undefined {
  const from = records.get(a);
  let record = records.get(b);
  if (from === undefined || record === undefined) return undefined;
  const between: TouchRecord[] = [];
  while (record !== from) {
    if (record === undefined) return undefined;
    between.push(record);
    record = record.previous;
  }
  return between;
}

/** The union of ascending lists, ascending and without repeats. */
function union(lists: Uint32Array[]): Uint32Array {
  let total = 0;
  for (const list of lists) total += list.length;
  const all = new Uint32Array(total);
  let at = 0;
  for (const list of lists) {
    all.set(list, at);
    at += list.length;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i]!;
  return all.subarray(0, n);
}
