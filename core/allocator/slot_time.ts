// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Slot times as wall-clock times. A slot's meta word keeps the time of its
 * last state change as a Uint32 count of milliseconds after the slab's
 * epoch (its creation), which wraps every 49.7 days. Read-only helper for
 * readers of slot times outside the allocator (the snapshot collector);
 * `SlabAllocator.slotInfo()` does the same.
 *
 * @module
 */

/**
 * How far before its slab's epoch a stamp may be: while a server holds the
 * clock (`holdClock()`), a slab made between two of its readings (10 ms
 * apart) stamps its first slots with the reading before its own epoch, a
 * negative offset that the Uint32 stamp wraps.
 */
const BEFORE_EPOCH = 60_000;

/**
 * The time, in ms since the Unix epoch, of a slot stamp: the latest wrap of
 * `stamp` after `epoch` that is not after `now`, or, for a stamp taken a
 * moment before the epoch (see `BEFORE_EPOCH`), that moment.
 *
 * @param stamp The meta word's high word (read as Int32 or Uint32).
 * @param epoch The slab's epoch, ms since the Unix epoch.
 * @param now The present, ms since the Unix epoch.
 * @returns Milliseconds since the Unix epoch.
 *
 * @example Usage
 * ```ts
 * import { slotTime } from "./slot_time.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(slotTime(250, 1_000, 2_000), 1_250);
 * assert.equal(slotTime(-1, 0, 2 ** 33), 2 ** 33 - 1); // 0xFFFFFFFF, one wrap later
 * assert.equal(slotTime(-3, 1_000, 1_010), 997); // a reading 3 ms before the epoch
 * ```
 */
export function slotTime(stamp: number, epoch: number, now: number): number {
  let time = epoch + (stamp >>> 0);
  if (time > now && time - 2 ** 32 >= epoch - BEFORE_EPOCH) return time - 2 ** 32;
  while (time + 2 ** 32 <= now) time += 2 ** 32;
  return time;
}
