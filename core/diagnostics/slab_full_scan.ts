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
  generationsBetween,
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
  // picture comes from the copy, so the two agree. `slice()` copies the
  // shared memory in one block (a non-shared result); `new Int32Array(view)`
  // copies element by element, three times slower here.
  const words = v.slots.slice();
  const times = new Int32Array(withOwners ? capacity : 0);
  const opened = previous?.opened ?? new Int32Array(plain ? 0 : capacity);
  const picture: SlabPicture = {
    summary: emptySummary(),
    used: 0,
    touches: { slots: new Uint32Array(0), cycles: new Uint32Array(0), previous: undefined },
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
    const cycles: number[] = [];
    for (let i = 0; i < capacity; i++) {
      if (before[i] === words[i]) continue;
      touched.push(i);
      cycles.push(generationsBetween(before[i]!, words[i]!));
    }
    picture.touches = {
      slots: new Uint32Array(touched),
      cycles: new Uint32Array(cycles),
      previous: previous.picture.touches,
    };
  }
  finish(memory, picture);
  return memory;
}

/**
 * Writes a plain slab's bitmap (1 for a slot in use; free and cached slots
 * 0, padding 0) from its slot words, lists its cached slots in `cached`,
 * and returns how many slots are in use. Eight slots at a time, without a
 * branch per slot: bit 8 of `s + 255` is set for every state but Free, and
 * none of the states below 4 is Cached (6), so a byte whose eight states
 * have bit 2 clear needs nothing else. A byte with one of them set (a
 * cached slot, or a handle state in a plain slab) is read slot by slot.
 * The alternative rejected, one formula per slot telling Free and Cached
 * apart, costs twice the time where no slot is cached, the common case.
 */
function scanPlain(words: Int32Array, bitmap: Uint8Array, cached: number[]): number {
  const n = words.length;
  const whole = n >>> 3;
  const m = STATE_MASK;
  let used = 0;
  for (let byte = 0, i = 0; byte < whole; byte++, i += 8) {
    const s0 = words[i]! & m, s1 = words[i + 1]! & m, s2 = words[i + 2]! & m;
    const s3 = words[i + 3]! & m, s4 = words[i + 4]! & m, s5 = words[i + 5]! & m;
    const s6 = words[i + 6]! & m, s7 = words[i + 7]! & m;
    const bits = ((s0 | s1 | s2 | s3 | s4 | s5 | s6 | s7) & 4) === 0
      ? ((s0 + m) >>> 8) | (((s1 + m) >>> 8) << 1) | (((s2 + m) >>> 8) << 2) |
        (((s3 + m) >>> 8) << 3) | (((s4 + m) >>> 8) << 4) | (((s5 + m) >>> 8) << 5) |
        (((s6 + m) >>> 8) << 6) | (((s7 + m) >>> 8) << 7)
      : slotBySlot(words, i, 8, cached);
    bitmap[byte] = bits;
    used += POPCOUNT[bits]!;
  }
  const rest = n - (whole << 3);
  if (rest > 0) {
    const bits = slotBySlot(words, whole << 3, rest, cached);
    bitmap[whole] = bits;
    used += POPCOUNT[bits]!;
  }
  return used;
}

/** The bitmap byte of `slots` slots from `from`, each cached one pushed to `cached`. */
function slotBySlot(words: Int32Array, from: number, slots: number, cached: number[]): number {
  let bits = 0;
  for (let bit = 0; bit < slots; bit++) {
    const state = words[from + bit]! & STATE_MASK;
    if (state === CACHED_STATE) cached.push(from + bit);
    else if (state !== FREE) bits |= 1 << bit;
  }
  return bits;
}

/** Copies owners (`[2i] & 0xFFFF`) and times (`[2i + 1]`) out of the meta words. */
function readMeta(meta: Int32Array, owners: Uint16Array, times: Int32Array): void {
  for (let i = 0; i < owners.length; i++) {
    owners[i] = meta[2 * i]!;
    times[i] = meta[2 * i + 1]!;
  }
}
