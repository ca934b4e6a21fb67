// Copyright 2026 the slabscope authors. MIT license.
/**
 * Collecting a slab's per-slot picture incrementally: only the chunks of
 * 1,024 slots whose change epochs moved since the last collection are read
 * again, so a slab where nothing changed costs O(lanes × chunks / 1,024 of
 * its slots) plain reads, about 1 µs per 100,000 slots, instead of a full
 * scan. Internal to `collect.ts` and `open_handle_list.ts`.
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
 * Within a chunk that moved, each slot's word (state and generation) and,
 * in a slab that records owners, its meta word (owner, time of the last
 * state change) are compared with what the last collection read (4 bytes
 * per slot remembered, 8 with owners). A slot that differs was touched:
 * its picture and counts are updated, and it goes into the collection's
 * {@linkcode TouchRecord}, from which deltas list the slots that cycled
 * (allocated and freed, or through states and back, between two
 * snapshots). A free bumps the generation, so an allocation that was
 * freed again is always seen. A state left and come back without a free is
 * seen by its time, which changes unless it all happened within one
 * reading of the slab's clock (1 ms; 10 ms while a server holds the clock)
 * of the slot's previous change. In a plain slab without owners the meta
 * word is not read: there, `setState()` changes nothing but the time.
 *
 * Snapshots share arrays: an unchanged slab's snapshot carries the previous
 * snapshot's `bitmap`/`states`/`owners`/`cached_slots` and `summary`
 * objects themselves, and a changed one gets copies with the changed slots
 * rewritten. Treat snapshots as immutable.
 *
 * @module
 */

import { HandleState } from "../allocator/handle_state.ts";
import { type SlabAllocator, slabViews } from "../allocator/slab.ts";
import {
  CHUNK_SHIFT,
  CHUNK_SLOTS,
  GENERATION_SHIFT,
  LANE_COUNT,
  NO_OWNER,
  STATE_MASK,
  W_LANES_USED,
} from "../allocator/slab_layout.ts";
import type { SlabViews } from "../allocator/slab_views.ts";
import { CACHED_STATE, SLOT_STATE_COUNT } from "../wire/slot_states.ts";
import type { TouchRecord } from "../wire/slot_touches.ts";
import type { SlabSummary, StateCounts } from "../wire/types.ts";

const FREE = HandleState.Free;
const USED = HandleState.Used;
/** Bits set per byte value, for counting used slots in a bitmap. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;
/** Touch records kept per slab: deltas reach this many collections back. */
const KEPT_RECORDS = 16;

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
interface Remembered {
  views: SlabViews;
  withOwners: boolean;
  /** Epochs seen, `LANE_COUNT × epochStride`. */
  epochs: Int32Array;
  /** 1 for chunks to read again at the next collection (see the module doc). */
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

const remembered = new WeakMap<SlabAllocator, Remembered>();

/** Reads the slab's per-slot picture, reusing what has not changed. */
export function collectPicture(slab: SlabAllocator): SlabPicture {
  const withOwners = slab.hasOwners;
  const memory = remembered.get(slab);
  if (memory === undefined || memory.withOwners !== withOwners) {
    // The first collection, or a plain slab that started to record owners:
    // read everything (the second compares slot words with what it knew).
    const scanned = fullScan(slab, withOwners, memory);
    remembered.set(slab, scanned);
    return scanned.picture;
  }
  const dirty = movedChunks(memory);
  if (dirty === undefined) return memory.picture;
  return readChanged(memory, dirty);
}

/** What the collector last read of `slab`, or `undefined` before its first collection. */
export function slotHistory(slab: SlabAllocator): SlotHistory | undefined {
  const memory = remembered.get(slab);
  if (memory === undefined) return undefined;
  const { views, words, times, opened, picture } = memory;
  return { views, words, times, opened, picture };
}

/**
 * Compares the live epochs with the ones seen: 1 per chunk to read (an
 * epoch moved, or it settles), or `undefined` when there is none.
 */
function movedChunks(memory: Remembered): Uint8Array | undefined {
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
  return changed === 0 ? undefined : dirty;
}

/** The wire code of a slot word: its state, cached included; a plain slab's in-use states are U. */
function codeOf(word: number, plain: boolean): number {
  const s = word & STATE_MASK;
  return plain && s !== FREE && s !== CACHED_STATE ? USED : s;
}

/** Whether a code is an open (in-use) state: neither free nor cached. */
function isOpen(code: number): boolean {
  return code !== FREE && code !== CACHED_STATE;
}

/** Growable scratch for the touched slots of one collection. */
let touchedScratch: Uint32Array = new Uint32Array(1024);
let cachedScratch: Uint32Array = new Uint32Array(64);

function push(list: Uint32Array, n: number, value: number): Uint32Array {
  if (n === list.length) {
    const grown = new Uint32Array(list.length * 2);
    grown.set(list);
    list = grown;
  }
  list[n] = value;
  return list;
}

/** Reads the chunks marked in `dirty`, slot by slot against what was read before. */
function readChanged(memory: Remembered, dirty: Uint8Array): SlabPicture {
  const { views: v, words, times, opened, withOwners } = memory;
  const plain = v.kind === "plain";
  const slots = v.slots;
  const meta = v.meta;
  const old = memory.picture;
  let bitmap = old.bitmap;
  let states = old.states;
  let owners = old.owners;
  let copied = false;
  let touched = 0;
  let toggled = 0; // slots that became or stopped being cached
  for (let c = 0; c < dirty.length; c++) {
    if (dirty[c] === 0) continue;
    const from = c << CHUNK_SHIFT;
    const to = Math.min(from + CHUNK_SLOTS, v.capacity);
    for (let i = from; i < to; i++) {
      // Skip what did not change in tight loops (plain reads: tear-free,
      // see the module doc); most slots of a moved chunk did not.
      if (withOwners) {
        const o = owners!;
        while (
          i < to && slots[i] === words[i] && meta[2 * i + 1] === times[i] &&
          (meta[2 * i]! & 0xffff) === o[i]
        ) i++;
      } else {
        while (i < to && slots[i] === words[i]) i++;
      }
      if (i === to) break;
      const word = slots[i]!;
      let time = 0;
      let owner = NO_OWNER;
      if (withOwners) {
        owner = meta[2 * i]! & 0xffff;
        time = meta[2 * i + 1]!;
      }
      touchedScratch = push(touchedScratch, touched++, i);
      const before = codeOf(words[i]!, plain);
      const after = codeOf(word, plain);
      const ownerBefore = withOwners ? owners![i]! : NO_OWNER;
      if (before !== after || ownerBefore !== owner) {
        if (!copied) {
          // Copy on first write: the previous snapshot keeps its arrays.
          copied = true;
          bitmap = bitmap?.slice();
          states = states?.slice();
          owners = owners?.slice();
        }
        count(memory, before, ownerBefore, -1);
        count(memory, after, owner, 1);
        if (states !== undefined) states[i] = after;
        else if (after === USED) bitmap![i >> 3]! |= 1 << (i & 7);
        else bitmap![i >> 3]! &= ~(1 << (i & 7));
        if (owners !== undefined) owners[i] = owner;
        if (plain && (before === CACHED_STATE) !== (after === CACHED_STATE)) {
          cachedScratch = push(cachedScratch, toggled++, i);
        }
      }
      if (
        !plain && isOpen(after) &&
        (!isOpen(before) || (word >>> GENERATION_SHIFT) !== (words[i]! >>> GENERATION_SHIFT))
      ) {
        opened[i] = time; // a new handle: first seen open now
      }
      words[i] = word;
      if (withOwners) times[i] = time;
    }
  }
  // Nothing differed (a chunk settling, or a write that changed nothing):
  // the previous picture stands, arrays, summary and touches alike.
  if (touched === 0) return old;
  const next: SlabPicture = {
    summary: old.summary,
    used: old.used,
    touches: newRecord(memory, touchedScratch.slice(0, touched)),
  };
  if (bitmap !== undefined) next.bitmap = bitmap;
  if (states !== undefined) next.states = states;
  if (owners !== undefined) next.owners = owners;
  const cached = toggled === 0
    ? old.cachedSlots
    : toggle(old.cachedSlots, cachedScratch.subarray(0, toggled));
  if (cached !== undefined && cached.length > 0) next.cachedSlots = cached;
  if (copied) finish(memory, next);
  memory.picture = next;
  return next;
}

/** `list` with the membership of each (ascending) slot of `flips` reversed. */
function toggle(list: Uint32Array | undefined, flips: Uint32Array): Uint32Array {
  const a = list ?? new Uint32Array(0);
  const out = new Uint32Array(a.length + flips.length);
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < flips.length) {
    if (j === flips.length || (i < a.length && a[i]! < flips[j]!)) out[n++] = a[i++]!;
    else if (i === a.length || flips[j]! < a[i]!) out[n++] = flips[j++]!;
    else {
      i++; // in both: no longer cached
      j++;
    }
  }
  return out.slice(0, n);
}

/** A record of the slots this collection touched, linked to the last one, the chain cut short. */
function newRecord(memory: Remembered, slots: Uint32Array): TouchRecord {
  const record: TouchRecord = { slots, previous: memory.picture.touches };
  // Keep KEPT_RECORDS records and at most about two slabs' worth of slots.
  let kept = record;
  let total = slots.length;
  for (let k = 1; kept.previous !== undefined; k++) {
    total += kept.previous.slots.length;
    if (k >= KEPT_RECORDS || total > 2 * memory.views.capacity) {
      kept.previous = undefined;
      break;
    }
    kept = kept.previous;
  }
  return record;
}

/**
 * Reads every slot. With `previous` (a plain slab that started to record
 * owners), slot words are compared with the ones it read, so that the
 * touches of this collection are still known.
 */
function fullScan(
  slab: SlabAllocator,
  withOwners: boolean,
  previous: Remembered | undefined,
): Remembered {
  const v = slabViews(slab);
  const chunks = v.regions.chunks;
  const capacity = v.capacity;
  const plain = v.kind === "plain";
  const epochs = new Int32Array(LANE_COUNT * v.regions.epochStride);
  // Epochs first, words after: a change after this read shows up as a
  // moved epoch at the next collection.
  const lanes = Math.min(Atomics.load(v.words, W_LANES_USED), LANE_COUNT);
  for (let i = 0; i < lanes * v.regions.epochStride; i++) epochs[i] = Atomics.load(v.epochs, i);
  // One plain copy of the slot words (each Int32 is read tear-free); the
  // picture comes from the copy, so the two agree.
  const words = new Int32Array(v.slots);
  const times = new Int32Array(withOwners ? capacity : 0);
  const opened = previous?.opened ?? new Int32Array(plain ? 0 : capacity);
  const picture: SlabPicture = {
    summary: emptySummary(),
    used: 0,
    touches: { slots: new Uint32Array(0), previous: undefined },
  };
  if (plain) picture.bitmap = new Uint8Array(Math.ceil(capacity / 8));
  else picture.states = new Uint8Array(capacity);
  if (withOwners) picture.owners = new Uint16Array(capacity);
  const memory: Remembered = {
    views: v,
    withOwners,
    epochs,
    settle: new Uint8Array(chunks),
    words,
    times,
    opened,
    picture,
    totals: new Float64Array(SLOT_STATE_COUNT),
    perOwner: [],
  };
  // Tight passes, one per array: a full scan of a million slots is a few
  // copies, not a million calls.
  const { bitmap, states, owners } = picture;
  const totals = memory.totals;
  if (withOwners) readMeta(v.meta, owners!, times);
  if (bitmap !== undefined) {
    const cached: number[] = [];
    totals[USED] = scanPlain(words, bitmap, cached);
    if (cached.length > 0) picture.cachedSlots = new Uint32Array(cached);
    totals[CACHED_STATE] = cached.length;
    if (owners !== undefined) {
      for (let byte = 0; byte < bitmap.length; byte++) {
        for (let bits = bitmap[byte]!; bits !== 0; bits &= bits - 1) {
          const owner = owners[byte * 8 + 31 - Math.clz32(bits & -bits)]!;
          if (owner !== NO_OWNER) {
            (memory.perOwner[owner] ??= new Float64Array(SLOT_STATE_COUNT))[USED]!++;
          }
        }
      }
    }
  } else {
    const s = states!;
    for (let i = 0; i < capacity; i++) s[i] = words[i]! & STATE_MASK;
    for (let i = 0; i < capacity; i++) {
      const code = s[i]!;
      if (code === FREE) continue;
      count(memory, code, owners![i]!, 1);
      if (isOpen(code) && (previous === undefined || previous.words[i] !== words[i])) {
        opened[i] = times[i]!;
      }
    }
  }
  if (previous !== undefined) {
    const before = previous.words;
    const touched: number[] = [];
    for (let i = 0; i < capacity; i++) if (before[i] !== words[i]) touched.push(i);
    picture.touches = { slots: new Uint32Array(touched), previous: previous.picture.touches };
  }
  finish(memory, picture);
  return memory;
}

/**
 * Writes a plain slab's bitmap (1 for a slot in use; free and cached slots
 * 0, padding 0) from its slot words, lists its cached slots in `cached`,
 * and returns how many slots are in use. Branch-free per slot: `s + 255`
 * has bit 8 set for every state but Free, `(s ^ 6) + 255` for every state
 * but Cached, and `((s ^ 6) − 1) >>> 31` is 1 exactly for Cached.
 */
function scanPlain(words: Int32Array, bitmap: Uint8Array, cached: number[]): number {
  const n = words.length;
  const whole = n >>> 3;
  let used = 0;
  for (let byte = 0, i = 0; byte <= whole && i < n; byte++) {
    const slots = byte < whole ? 8 : n - i;
    let bits = 0;
    let caches = 0;
    for (let bit = 0; bit < slots; bit++, i++) {
      const state = words[i]! & STATE_MASK;
      const other = state ^ CACHED_STATE;
      bits |= (((state + STATE_MASK) & (other + STATE_MASK)) >>> 8) << bit;
      caches |= ((other - 1) >>> 31) << bit;
    }
    bitmap[byte] = bits;
    used += POPCOUNT[bits]!;
    for (; caches !== 0; caches &= caches - 1) {
      cached.push(byte * 8 + 31 - Math.clz32(caches & -caches));
    }
  }
  return used;
}

/** Copies owners (`[2i] & 0xFFFF`) and times (`[2i + 1]`) out of the meta words. */
function readMeta(meta: Int32Array, owners: Uint16Array, times: Int32Array): void {
  for (let i = 0; i < owners.length; i++) {
    owners[i] = meta[2 * i]!;
    times[i] = meta[2 * i + 1]!;
  }
}

/** Adds (`sign` 1) or removes (`sign` -1) one slot of state `code` held by `owner`. */
function count(memory: Remembered, code: number, owner: number, sign: number): void {
  if (code === FREE || code >= SLOT_STATE_COUNT) return;
  memory.totals[code]! += sign;
  if (code === CACHED_STATE || owner === NO_OWNER) return;
  (memory.perOwner[owner] ??= new Float64Array(SLOT_STATE_COUNT))[code]! += sign;
}

function finish(memory: Remembered, picture: SlabPicture): void {
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
