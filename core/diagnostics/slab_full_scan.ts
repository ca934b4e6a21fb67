// Copyright 2026 the slabscope authors. MIT license.
/**
 * A slab's first collection (or the one after a plain slab started to
 * record owners): every slot read, in a few tight passes over one copy of
 * the slot words. Internal to `slab_collector.ts`.
 *
 * @module
 */

import { type SlabAllocator, slabViews } from "../allocator/slab.ts";
import { LANE_COUNT, NO_OWNER, STATE_MASK, W_LANES_USED } from "../allocator/slab_layout.ts";
import { CACHED_STATE, SLOT_STATE_COUNT } from "../wire/slot_states.ts";
import {
  count,
  emptySummary,
  finish,
  FREE,
  isOpen,
  POPCOUNT,
  type SlabMemory,
  type SlabPicture,
  USED,
} from "./slab_memory.ts";

/**
 * Reads every slot. With `previous` (a plain slab that started to record
 * owners), slot words are compared with the ones it read, so that the
 * touches of this collection are still known.
 */
export function fullScan(
  slab: SlabAllocator,
  withOwners: boolean,
  previous: SlabMemory | undefined,
): SlabMemory {
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
  const memory: SlabMemory = {
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
