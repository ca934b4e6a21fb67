// Copyright 2026 the slabscope authors. MIT license.
/**
 * Every open handle of one handle slab in age order, kept up to date from
 * the slots each collection touched: for a slab whose oldest handles keep
 * closing (requests that end in the order they came, connections that time
 * out oldest first), where a bounded set of the oldest runs out at every
 * tick and would send the open-handle list back to reading every slot.
 * Internal to `open_handle_list.ts`.
 *
 * An entry is a handle: its slot and the stamp of its first-seen-open time
 * (`SlotHistory.opened`, which changes only when the slot holds a new
 * handle). Entries are never removed when a handle closes; an entry is
 * live while its slot is open with that stamp, and the oldest are read
 * from the front, where dead entries are dropped as they are met. New
 * handles are appended: they are the youngest, so the order holds (a batch
 * that is not, from a Worker's clock a little behind, is merged in). When
 * dead entries outnumber live ones the arrays are compacted. Memory: 16
 * bytes per entry (at most about twice the open handles) and 5 per slot.
 *
 * The alternative rejected, a heap over all open handles, pays O(log n) for
 * every new handle; here an append is O(1) and a dead entry is read once.
 *
 * @module
 */

import { slotTime } from "../allocator/slot_time.ts";
import type { SlotHistory } from "./slab_memory.ts";

/** Whether a state code is an open handle's: N, A, I or C (not F, nor K). */
export function isOpenCode(code: number): boolean {
  return code >= 2 && code <= 5;
}

/** All open handles of a slab, oldest first (by first-seen time, then slot). */
export class OpenHandleIndex {
  #times: Float64Array;
  #slots: Uint32Array;
  #stamps: Int32Array;
  #head = 0;
  #tail = 0;
  /** Per slot: the stamp of its last entry, when `#entered` says it has one. */
  #stampOf: Int32Array;
  #entered: Uint8Array;

  /** Every open handle of the slab as `history` read it, sorted once. */
  constructor(history: SlotHistory, now: number) {
    const { picture, opened, views } = history;
    const states = picture.states!;
    const capacity = states.length;
    this.#stampOf = new Int32Array(capacity);
    this.#entered = new Uint8Array(capacity);
    const slots: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < capacity; i++) {
      if (!isOpenCode(states[i]!)) continue;
      slots.push(i);
      times.push(slotTime(opened[i]!, views.epoch, now));
    }
    const sorted = sortByAge(slots, times, views.indexBits);
    const n = sorted.slots.length;
    this.#times = new Float64Array(Math.max(64, 2 * n));
    this.#slots = new Uint32Array(this.#times.length);
    this.#stamps = new Int32Array(this.#times.length);
    for (let k = 0; k < n; k++) {
      const slot = sorted.slots[k]!;
      this.#push(slot, sorted.times[k]!, opened[slot]!);
    }
  }

  /**
   * Adds the handles first seen open since the last call: those of the
   * touched slots (ascending) that are open with a stamp they had no entry
   * for.
   */
  update(history: SlotHistory, touched: ArrayLike<number>, now: number): void {
    const { picture, opened, views } = history;
    const states = picture.states!;
    const slots: number[] = [];
    const times: number[] = [];
    for (let t = 0; t < touched.length; t++) {
      const slot = touched[t]!;
      if (!isOpenCode(states[slot]!)) continue;
      if (this.#entered[slot] === 1 && this.#stampOf[slot] === opened[slot]) continue;
      slots.push(slot);
      times.push(slotTime(opened[slot]!, views.epoch, now));
    }
    if (slots.length === 0) return;
    const joining = sortByAge(slots, times, views.indexBits);
    const last = this.#tail - 1;
    if (
      last >= this.#head &&
      before(joining.times[0]!, joining.slots[0]!, this.#times[last]!, this.#slots[last]!)
    ) {
      this.#merge(joining, opened);
      return;
    }
    for (let k = 0; k < joining.slots.length; k++) {
      const slot = joining.slots[k]!;
      this.#push(slot, joining.times[k]!, opened[slot]!);
    }
  }

  /** The `n` oldest live handles; dead entries met at the front are dropped. */
  oldest(history: SlotHistory, n: number): { opened: number[]; slots: number[] } {
    const states = history.picture.states!;
    const opened = history.opened;
    const live = (k: number) => {
      const slot = this.#slots[k]!;
      return isOpenCode(states[slot]!) && opened[slot] === this.#stamps[k];
    };
    while (this.#head < this.#tail && !live(this.#head)) this.#head++;
    const times: number[] = [];
    const slots: number[] = [];
    for (let k = this.#head; k < this.#tail && slots.length < n; k++) {
      if (!live(k)) continue;
      times.push(this.#times[k]!);
      slots.push(this.#slots[k]!);
    }
    return { opened: times, slots };
  }

  /** Drops dead entries when they outnumber the `count` live ones. */
  compact(history: SlotHistory, count: number): void {
    if (this.#tail - this.#head <= 2 * count + 64) return;
    const { opened: times, slots } = this.oldest(history, Infinity);
    this.#head = this.#tail = 0;
    for (let k = 0; k < slots.length; k++) {
      this.#push(slots[k]!, times[k]!, history.opened[slots[k]!]!);
    }
  }

  /** Appends an entry; `newest`: the slot's latest handle (an older entry moved keeps its slot's). */
  #push(slot: number, time: number, stamp: number, newest = true): void {
    if (this.#tail === this.#times.length) this.#grow();
    this.#times[this.#tail] = time;
    this.#slots[this.#tail] = slot;
    this.#stamps[this.#tail] = stamp;
    this.#tail++;
    if (!newest) return;
    this.#stampOf[slot] = stamp;
    this.#entered[slot] = 1;
  }

  /** Room for more entries: the live part moved to the front, or the arrays doubled. */
  #grow(): void {
    const used = this.#tail - this.#head;
    const size = used * 2 > this.#times.length ? this.#times.length * 2 : this.#times.length;
    const move = <T extends Float64Array | Uint32Array | Int32Array>(from: T, to: T): T => {
      to.set(from.subarray(this.#head, this.#tail));
      return to;
    };
    this.#times = move(this.#times, new Float64Array(size));
    this.#slots = move(this.#slots, new Uint32Array(size));
    this.#stamps = move(this.#stamps, new Int32Array(size));
    this.#head = 0;
    this.#tail = used;
  }

  /**
   * Merges `joining` (sorted) into the entries: a batch not younger than
   * the youngest entry. Only the entries from the first that comes after
   * the batch's oldest are moved (a binary search finds it): a batch a
   * millisecond behind merges with the last few entries, not all of them.
   */
  #merge(joining: Sorted, opened: Int32Array): void {
    let low = this.#head;
    let high = this.#tail;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (
        before(this.#times[middle]!, this.#slots[middle]!, joining.times[0]!, joining.slots[0]!)
      ) {
        low = middle + 1;
      } else high = middle;
    }
    const rest = {
      times: this.#times.slice(low, this.#tail),
      slots: this.#slots.slice(low, this.#tail),
      stamps: this.#stamps.slice(low, this.#tail),
    };
    this.#tail = low;
    let j = 0;
    const join = () => {
      const slot = joining.slots[j]!;
      this.#push(slot, joining.times[j++]!, opened[slot]!);
    };
    for (let k = 0; k < rest.slots.length; k++) {
      while (
        j < joining.slots.length &&
        before(joining.times[j]!, joining.slots[j]!, rest.times[k]!, rest.slots[k]!)
      ) join();
      this.#push(rest.slots[k]!, rest.times[k]!, rest.stamps[k]!, false);
    }
    while (j < joining.slots.length) join();
  }
}

/** Handles in age order: parallel lists of slots and first-seen times. */
interface Sorted {
  slots: number[];
  times: number[];
}

/** Whether (time a, slot a) comes before (time b, slot b). */
function before(timeA: number, slotA: number, timeB: number, slotB: number): boolean {
  return timeA < timeB || (timeA === timeB && slotA < slotB);
}

/**
 * `slots` with their `times` ordered by time, then slot. One number per
 * handle when the times span less than 2^53 / 2^indexBits ms (about 24
 * days at a million slots): (time − earliest) · 2^indexBits + slot, sorted
 * natively; otherwise a comparison sort.
 */
function sortByAge(slots: number[], times: number[], indexBits: number): Sorted {
  const n = slots.length;
  let earliest = Infinity;
  let latest = -Infinity;
  for (const time of times) {
    earliest = Math.min(earliest, time);
    latest = Math.max(latest, time);
  }
  const scale = 2 ** indexBits;
  if (n === 0 || (latest - earliest + 1) * scale >= Number.MAX_SAFE_INTEGER) {
    const order = slots.map((_, k) => k).sort((a, b) =>
      times[a]! - times[b]! || slots[a]! - slots[b]!
    );
    return { slots: order.map((k) => slots[k]!), times: order.map((k) => times[k]!) };
  }
  const keys = new Float64Array(n);
  for (let k = 0; k < n; k++) keys[k] = Math.round(times[k]! - earliest) * scale + slots[k]!;
  keys.sort();
  const sorted: Sorted = { slots: new Array(n), times: new Array(n) };
  for (let k = 0; k < n; k++) {
    const offset = Math.floor(keys[k]! / scale);
    sorted.slots[k] = keys[k]! - offset * scale;
    sorted.times[k] = earliest + offset;
  }
  return sorted;
}
