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

import type { SlabAllocator } from "../allocator/slab.ts";
import {
  CHUNK_SHIFT,
  CHUNK_SLOTS,
  GENERATION_SHIFT,
  LANE_COUNT,
  NO_OWNER,
  W_LANES_USED,
} from "../allocator/slab_layout.ts";
import { CACHED_STATE } from "../wire/slot_states.ts";
import type { TouchRecord } from "../wire/slot_touches.ts";
import { fullScan } from "./slab_full_scan.ts";
import {
  codeOf,
  count,
  finish,
  generationsBetween,
  isOpen,
  type SlabMemory,
  type SlabPicture,
  type SlotHistory,
  USED,
} from "./slab_memory.ts";

export type { SlabPicture, SlotHistory } from "./slab_memory.ts";

/** Touch records kept per slab: deltas reach this many collections back. */
const KEPT_RECORDS = 16;

const remembered = new WeakMap<SlabAllocator, SlabMemory>();

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
function movedChunks(memory: SlabMemory): Uint8Array | undefined {
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

/** Growable scratch for the touched slots of one collection, and their cycles. */
let touchedScratch: Uint32Array = new Uint32Array(1024);
let cyclesScratch: Uint32Array = new Uint32Array(1024);
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
function readChanged(memory: SlabMemory, dirty: Uint8Array): SlabPicture {
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
      cyclesScratch = push(cyclesScratch, touched, generationsBetween(words[i]!, word));
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
    touches: newRecord(memory, touchedScratch.slice(0, touched), cyclesScratch.slice(0, touched)),
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
function newRecord(memory: SlabMemory, slots: Uint32Array, cycles: Uint32Array): TouchRecord {
  const record: TouchRecord = { slots, cycles, previous: memory.picture.touches };
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
