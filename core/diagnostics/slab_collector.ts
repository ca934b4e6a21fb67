// Copyright 2026 the slabscope authors. MIT license.
/**
 * Collecting a slab's per-slot picture incrementally: only the chunks of
 * 1,024 slots whose change epochs moved since the last collection are read
 * again, so a slab where nothing changed costs O(lanes × chunks / 1,024 of
 * its slots) plain reads, about 1 µs per 100,000 slots, instead of a full
 * scan. Internal to `collect.ts`.
 *
 * Every instance that changes a slot word or a slot's meta word bumps its
 * lane's epoch of that slot's chunk afterwards, with a seq_cst store (see
 * `CounterLanes.touch()` and `$touch` in `wasm/slab_core.wat`). The collector
 * remembers every (lane, chunk) epoch it saw; a chunk whose epoch differs in
 * any lane is read again. Epochs are never consumed, so any number of
 * collectors (threads, registries) can watch one slab.
 *
 * The epochs are read with plain loads: an `Atomics.load` costs about 10 ns
 * here and there are `lanes × chunks` of them per tick. On x86 a plain load
 * is an acquire, so a new epoch read implies the slot words written before
 * it. On hardware that may reorder loads (ARM), a slot word read before the
 * epoch that announced it could be stale; so a chunk seen changed is read
 * once more at the next collection, after a tick's worth of seq_cst
 * operations (the counters' reads) in between.
 *
 * Snapshots share arrays: an unchanged slab's snapshot carries the previous
 * snapshot's `bitmap`/`states`/`owners` and `summary` objects themselves,
 * and a changed one gets copies with the changed chunks rewritten. Treat
 * snapshots as immutable.
 *
 * @module
 */

import { HandleState, STATE_LETTERS } from "../allocator/handle_state.ts";
import { type SlabAllocator, slabViews } from "../allocator/slab.ts";
import {
  CHUNK_SHIFT,
  CHUNK_SLOTS,
  LANE_COUNT,
  NO_OWNER,
  W_LANES_USED,
} from "../allocator/slab_layout.ts";
import { scanBitmap, scanOwners, scanStates } from "../allocator/slab_scan.ts";
import type { SlabViews } from "../allocator/slab_views.ts";
import type { SlabSummary, StateCounts } from "../wire/types.ts";

const STATES = STATE_LETTERS.length;

/** Bits set per byte value, for counting used slots in a bitmap. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;
/** Past `chunks / REBUILD_FRACTION` changed chunks, a collection starts over. */
const REBUILD_FRACTION = 8;
const USED = HandleState.Used;

/** The per-slot part of a slab snapshot. */
export interface SlabPicture {
  /** Plain slabs: the used bitmap. */
  bitmap?: Uint8Array;
  /** Handle slabs: one state per slot (cached slots read as Free). */
  states?: Uint8Array;
  /** Owners, when the slab records them. */
  owners?: Uint16Array;
  /** Counts of the picture's non-free slots. */
  summary: SlabSummary;
  /** Non-free slots in the picture: the summary's total. */
  used: number;
}

/** What one collector remembers about one slab. */
interface Remembered {
  views: SlabViews;
  withOwners: boolean;
  /** Epochs seen, `LANE_COUNT × epochStride`. */
  epochs: Int32Array;
  /** 1 for chunks to read again at the next collection (see the module doc). */
  settle: Uint8Array;
  picture: SlabPicture;
  /** Per-state totals and per-owner counts of `picture`, kept in step with it. */
  totals: Float64Array;
  perOwner: (Float64Array | undefined)[];
}

const remembered = new WeakMap<SlabAllocator, Remembered>();

/** Reads the slab's per-slot picture, reusing what has not changed. */
export function collectPicture(slab: SlabAllocator): SlabPicture {
  const withOwners = slab.hasOwners;
  let memory = remembered.get(slab);
  if (memory === undefined || memory.withOwners !== withOwners) {
    memory = fullScan(slab, withOwners);
    remembered.set(slab, memory);
    return memory.picture;
  }
  const { views: v, epochs, settle } = memory;
  const chunks = v.regions.chunks;
  const stride = v.regions.epochStride;
  // 1 = an epoch moved (read now and again next time), 2 = settling only.
  const dirty = new Uint8Array(chunks);
  let changed = 0;
  const lanes = Math.min(Atomics.load(v.words, W_LANES_USED), LANE_COUNT);
  const live = v.epochs;
  for (let lane = 0, row = 0; lane < lanes; lane++, row += stride) {
    for (let c = 0; c < chunks; c++) {
      const e = live[row + c]!; // plain: see the module doc
      if (e !== epochs[row + c]) {
        epochs[row + c] = e;
        if (dirty[c] === 0) changed++;
        dirty[c] = 1;
      }
    }
  }
  for (let c = 0; c < chunks; c++) {
    if (settle[c] === 1 && dirty[c] === 0) {
      dirty[c] = 2;
      changed++;
    }
    settle[c] = dirty[c] === 1 ? 1 : 0;
  }
  if (changed === 0) return memory.picture;
  if (changed > chunks / REBUILD_FRACTION) {
    // Most chunks moved (1 % churn of a big slab touches them all): one
    // pass over fresh arrays beats subtracting and re-adding chunk by chunk.
    const rebuilt = fullScan(slab, withOwners);
    for (let c = 0; c < chunks; c++) rebuilt.settle[c] = dirty[c] === 1 ? 1 : 0;
    remembered.set(slab, rebuilt);
    return rebuilt.picture;
  }

  const old = memory.picture;
  const next: SlabPicture = { summary: old.summary, used: 0 };
  if (old.states !== undefined) next.states = old.states.slice();
  if (old.bitmap !== undefined) next.bitmap = old.bitmap.slice();
  if (old.owners !== undefined) next.owners = old.owners.slice();
  for (let c = 0; c < chunks; c++) {
    if (dirty[c] === 0) continue;
    const from = c << CHUNK_SHIFT;
    const to = Math.min(from + CHUNK_SLOTS, v.capacity);
    count(memory, old, from, to, -1);
    readChunk(v, next, from, to);
    count(memory, next, from, to, 1);
  }
  finish(memory, next);
  memory.picture = next;
  return next;
}

function fullScan(slab: SlabAllocator, withOwners: boolean): Remembered {
  const v = slabViews(slab);
  const chunks = v.regions.chunks;
  const epochs = new Int32Array(LANE_COUNT * v.regions.epochStride);
  // Epochs first, words after: a change after this read shows up as a
  // moved epoch at the next collection.
  const lanes = Math.min(Atomics.load(v.words, W_LANES_USED), LANE_COUNT);
  for (let i = 0; i < lanes * v.regions.epochStride; i++) epochs[i] = Atomics.load(v.epochs, i);
  const picture: SlabPicture = { summary: emptySummary(), used: 0 };
  if (v.kind === "handle") picture.states = new Uint8Array(v.capacity);
  else picture.bitmap = new Uint8Array(Math.ceil(v.capacity / 8));
  if (withOwners) picture.owners = new Uint16Array(v.capacity);
  const memory: Remembered = {
    views: v,
    withOwners,
    epochs,
    settle: new Uint8Array(chunks),
    picture,
    totals: new Float64Array(STATES),
    perOwner: [],
  };
  readChunk(v, picture, 0, v.capacity);
  count(memory, picture, 0, v.capacity, 1);
  finish(memory, picture);
  return memory;
}

/** Rewrites slots `from‥to` (`from` a multiple of 8) of `picture`. */
function readChunk(v: SlabViews, picture: SlabPicture, from: number, to: number): void {
  const whole = from === 0 && to === v.capacity;
  const slots = whole ? v.slots : v.slots.subarray(from, to);
  if (picture.states !== undefined) {
    scanStates(slots, whole ? picture.states : picture.states.subarray(from, to));
  } else {
    const bitmap = picture.bitmap!;
    scanBitmap(slots, whole ? bitmap : bitmap.subarray(from >> 3, Math.ceil(to / 8)));
  }
  const owners = picture.owners;
  if (owners !== undefined) {
    scanOwners(
      whole ? v.meta : v.meta.subarray(2 * from, 2 * to),
      whole ? owners : owners.subarray(from, to),
    );
  }
}

/** Adds (`sign` 1) or removes (`sign` -1) the counts of slots `from‥to`. */
function count(
  memory: Remembered,
  picture: SlabPicture,
  from: number,
  to: number,
  sign: number,
): void {
  const { totals, perOwner } = memory;
  const owners = picture.owners;
  const states = picture.states;
  if (states !== undefined) {
    for (let i = from; i < to; i++) {
      const state = states[i]!;
      if (state === HandleState.Free || state >= STATES) continue;
      totals[state]! += sign;
      if (owners === undefined) continue;
      const owner = owners[i]!;
      if (owner !== NO_OWNER) (perOwner[owner] ??= new Float64Array(STATES))[state]! += sign;
    }
    return;
  }
  const bitmap = picture.bitmap!;
  const end = Math.ceil(to / 8);
  if (owners === undefined) {
    let used = 0;
    for (let byte = from >> 3; byte < end; byte++) used += POPCOUNT[bitmap[byte]!]!;
    totals[USED]! += sign * used;
    return;
  }
  for (let byte = from >> 3; byte < end; byte++) {
    let bits = bitmap[byte]!;
    while (bits !== 0) {
      const bit = 31 - Math.clz32(bits & -bits);
      bits &= bits - 1;
      totals[USED]! += sign;
      const owner = owners[byte * 8 + bit]!;
      if (owner !== NO_OWNER) (perOwner[owner] ??= new Float64Array(STATES))[USED]! += sign;
    }
  }
}

function finish(memory: Remembered, picture: SlabPicture): void {
  const summary = emptySummary();
  fill(summary, memory.totals);
  memory.perOwner.forEach((counts, owner) => {
    if (counts === undefined) return;
    let any = 0;
    for (let s = 1; s < STATES; s++) any += counts[s]!;
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

function emptySummary(): SlabSummary {
  return { U: 0, N: 0, A: 0, I: 0, C: 0, by_owner: {} };
}

function fill(target: StateCounts, counts: Float64Array): void {
  target.U = counts[USED]!;
  target.N = counts[HandleState.Connecting]!;
  target.A = counts[HandleState.Active]!;
  target.I = counts[HandleState.Idle]!;
  target.C = counts[HandleState.Closing]!;
}
