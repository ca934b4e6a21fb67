// Copyright 2026 the slabscope authors. MIT license.
/**
 * What the snapshot collector remembers about one slab: the picture it
 * last made, the slot words (and meta words) it last read, and the counts
 * it keeps in step with the picture. Shared by `slab_collector.ts` (ticks)
 * and `slab_full_scan.ts` (first reads). Internal to the collector.
 *
 * @module
 */

import { HandleState } from "../allocator/handle_state.ts";
import { GENERATION_SHIFT, NO_OWNER, STATE_MASK } from "../allocator/slab_layout.ts";
import type { SlabViews } from "../allocator/slab_views.ts";
import { CACHED_STATE, SLOT_STATE_COUNT } from "../wire/slot_states.ts";
import type { TouchRecord } from "../wire/slot_touches.ts";
import type { SlabSummary, StateCounts } from "../wire/types.ts";

/** The state code of a free slot. */
export const FREE = HandleState.Free;
/** The state code of a plain slab's slot in use. */
export const USED = HandleState.Used;
/** Bits set per byte value, for counting used slots in a bitmap. */
export const POPCOUNT: Uint8Array = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/** The per-slot part of a slab snapshot. */
export interface SlabPicture {
  /** Plain slabs: the used bitmap. */
  bitmap?: Uint8Array;
  /** Handle slabs: one state code per slot, 6 for a cached slot. */
  states?: Uint8Array;
  /** Owners, when the slab records them. */
  owners?: Uint16Array;
  /** Plain slabs: the cached slots, ascending, when there are any. */
  cachedSlots?: Uint32Array;
  /** Counts of the picture's non-free slots. */
  summary: SlabSummary;
  /** Slots in use in the picture (cached ones are not): the summary's U‥C. */
  used: number;
  /** What the collection that made this picture found touched. */
  touches: TouchRecord;
}

/** What the collector read of each slot, for the open-handle list. */
export interface SlotHistory {
  /** The slab's views (geometry, epoch of its times). */
  views: SlabViews;
  /** Slot words as last read: state and generation. */
  words: Int32Array;
  /** Meta high words as last read: ms after the slab's epoch of the last state change. */
  times: Int32Array;
  /**
   * Handle slabs: for each open slot, the time (as `times`) of the state it
   * was in when a collection first saw it open.
   */
  opened: Int32Array;
  /** The picture those arrays belong to. */
  picture: SlabPicture;
}

/** What one collector remembers about one slab. */
export interface SlabMemory {
  views: SlabViews;
  withOwners: boolean;
  /** Epochs seen, `LANE_COUNT × epochStride`. */
  epochs: Int32Array;
  /** 1 for chunks to read again at the next collection (see `slab_collector.ts`). */
  settle: Uint8Array;
  /** Slot words as last read. */
  words: Int32Array;
  /** Meta high words as last read (slabs with owners; empty otherwise). */
  times: Int32Array;
  /** Handle slabs: first-seen-open times (empty otherwise). */
  opened: Int32Array;
  picture: SlabPicture;
  /** Per-state totals and per-owner counts of `picture`, kept in step with it. */
  totals: Float64Array;
  perOwner: (Float64Array | undefined)[];
}

/** The wire code of a slot word: its state, cached included; a plain slab's in-use states are U. */
export function codeOf(word: number, plain: boolean): number {
  const s = word & STATE_MASK;
  return plain && s !== FREE && s !== CACHED_STATE ? USED : s;
}

/** Generations wrap at 2^24. */
const GENERATION_MASK = 0xffffff;

/**
 * How many times a slot was freed between two readings of its slot word:
 * the advance of its generation, modulo 2^24.
 */
export function generationsBetween(before: number, after: number): number {
  return ((after >>> GENERATION_SHIFT) - (before >>> GENERATION_SHIFT)) & GENERATION_MASK;
}

/** Whether a code is an open (in-use) state: neither free nor cached. */
export function isOpen(code: number): boolean {
  return code !== FREE && code !== CACHED_STATE;
}

/** Adds (`sign` 1) or removes (`sign` -1) one slot of state `code` held by `owner`. */
export function count(memory: SlabMemory, code: number, owner: number, sign: number): void {
  if (code === FREE || code >= SLOT_STATE_COUNT) return;
  memory.totals[code]! += sign;
  if (code === CACHED_STATE || owner === NO_OWNER) return;
  (memory.perOwner[owner] ??= new Float64Array(SLOT_STATE_COUNT))[code]! += sign;
}

export function finish(memory: SlabMemory, picture: SlabPicture): void {
  const summary = emptySummary();
  fill(summary, memory.totals);
  const cached = memory.totals[CACHED_STATE]!;
  if (cached > 0) summary.K = cached;
  memory.perOwner.forEach((counts, owner) => {
    if (counts === undefined) return;
    let any = 0;
    for (let s = 1; s < CACHED_STATE; s++) any += counts[s]!;
    if (any === 0) {
      memory.perOwner[owner] = undefined;
      return;
    }
    const entry: StateCounts = { U: 0, N: 0, A: 0, I: 0, C: 0 };
    fill(entry, counts);
    summary.by_owner[String(owner)] = entry;
  });
  picture.summary = summary;
  picture.used = summary.U + summary.N + summary.A + summary.I + summary.C;
}

export function emptySummary(): SlabSummary {
  return { U: 0, N: 0, A: 0, I: 0, C: 0, by_owner: {} };
}

/** Copies per-state counts into a summary entry. */
export function fill(target: StateCounts, counts: Float64Array): void {
  target.U = counts[USED]!;
  target.N = counts[HandleState.Connecting]!;
  target.A = counts[HandleState.Active]!;
  target.I = counts[HandleState.Idle]!;
  target.C = counts[HandleState.Closing]!;
}
