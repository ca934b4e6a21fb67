// Copyright 2026 the slabscope authors. MIT license.
/**
 * Reading every slot's state at once, for snapshots. Internal to
 * `SlabAllocator`.
 *
 * Reads are plain: a snapshot is a best-effort picture of a moving pool, and
 * each Int32 read is tear-free, so no state is ever invented. They come from
 * the per-slot state words `alloc()` and `free()` keep current, never from
 * walking the free list (which is neither linearizable nor bounded while
 * other threads change it).
 *
 * @module
 */

import { CACHED, STATE_MASK } from "./slab_layout.ts";

/** Copies each slot's state code into `into`; a cached slot reads as Free (0). */
export function scanStates(slots: Int32Array, into: Uint8Array): Uint8Array {
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i]! & STATE_MASK;
    into[i] = s === CACHED ? 0 : s;
  }
  return into;
}

/**
 * Writes the LSB-first used bitmap into `into`: 1 for an allocated slot, 0
 * for a free or cached one. Padding bits are 0.
 */
export function scanBitmap(slots: Int32Array, into: Uint8Array): Uint8Array {
  const n = slots.length;
  const whole = n >>> 3;
  for (let byte = 0, i = 0; byte < whole; byte++) {
    let bits = 0;
    for (let bit = 0; bit < 8; bit++, i++) {
      // Branch-free: (s + 255) has bit 8 set for every state but Free, and
      // ((s ^ 6) + 255) for every state but Cached.
      const s = slots[i]! & STATE_MASK;
      bits |= (((s + STATE_MASK) & ((s ^ CACHED) + STATE_MASK)) >>> 8) << bit;
    }
    into[byte] = bits;
  }
  if (whole * 8 < n) {
    let bits = 0;
    for (let i = whole * 8, bit = 0; i < n; i++, bit++) {
      const s = slots[i]! & STATE_MASK;
      if (s !== 0 && s !== CACHED) bits |= 1 << bit;
    }
    into[whole] = bits;
  }
  return into;
}

/** Copies each slot's owner index out of the meta words (`[2i] & 0xFFFF`). */
export function scanOwners(meta: Int32Array, into: Uint16Array): Uint16Array {
  const n = meta.length >>> 1;
  for (let i = 0; i < n; i++) into[i] = meta[2 * i]!;
  return into;
}
