// Copyright 2026 the slabscope authors. MIT license.
/**
 * The open-handle list of a snapshot: the oldest open handles of every
 * handle slab, like tokio-console's task list, bounded so that a stream
 * never carries every handle of a big slab. Internal to the registry.
 *
 * A handle's age runs from when a collection first saw it open (see
 * `SlotHistory.opened`); its state, owner and time in state come from the
 * same collection as the slab's snapshot, so the list always agrees with
 * the slots (the decoder checks that it does). A slab whose picture did not
 * change keeps its candidates, and a snapshot where no handle slab changed
 * keeps the previous list object itself: an idle process sends no list.
 *
 * @module
 */

import type { SlabAllocator } from "../allocator/slab.ts";
import { GENERATION_SHIFT, handleGenerationBits, NO_OWNER } from "../allocator/slab_layout.ts";
import { slotTime } from "../allocator/slot_time.ts";
import { SLOT_LETTERS } from "../wire/slot_states.ts";
import { slotsOf, type TouchRecord } from "../wire/slot_touches.ts";
import type { OpenHandle, OpenHandlesSnapshot } from "../wire/types.ts";
import { existingLabels } from "./handle_labels.ts";
import { isOpenCode, OpenHandleIndex } from "./open_handle_index.ts";
import { type SlabPicture, type SlotHistory, slotHistory } from "./slab_collector.ts";

/** Open handles a snapshot lists by default: the oldest 50. */
export const DEFAULT_OPEN_HANDLES = 50;

/**
 * One slab's oldest open slots, as of one picture: a prefix of all its open
 * handles in age order, up to a reserve of `2 × limit` (at least `limit +
 * 64`), so that handles closing seldom make the slab be read whole again.
 */
interface Candidates {
  picture: SlabPicture;
  /** The labels' version when the entries were made. */
  labels: number;
  /** Open handles in the picture. */
  count: number;
  /** First-seen times (ms since the Unix epoch) and slots, oldest first. */
  opened: number[];
  slots: number[];
  /** Whether these are all the slab's open handles (else the oldest ones). */
  complete: boolean;
}

/** The open-handle lists of one registry's snapshots. */
export class OpenHandleList {
  #limit: number;
  #reserve: number;
  #candidates = new WeakMap<SlabAllocator, Candidates>();
  /** Slabs whose oldest handles ran out: every open handle of theirs, in age order. */
  #indexes = new WeakMap<SlabAllocator, OpenHandleIndex>();
  #last: { slabs: SlabAllocator[]; inputs: Candidates[]; list: OpenHandlesSnapshot } | undefined;

  /** Lists at most `limit` handles. */
  constructor(limit: number) {
    this.#limit = limit;
    this.#reserve = Math.max(2 * limit, limit + 64);
  }

  /**
   * The list for handle slabs `slabs` (in snapshot order), each collected
   * just before; `now` dates slot times.
   */
  collect(slabs: SlabAllocator[], now: number): OpenHandlesSnapshot {
    const inputs = slabs.map((slab) => this.#candidatesOf(slab, now));
    const last = this.#last;
    if (
      last !== undefined && last.slabs.length === slabs.length &&
      last.slabs.every((slab, i) => slab === slabs[i] && last.inputs[i] === inputs[i])
    ) {
      return last.list;
    }
    // Merge the slabs' oldest: by first-seen time, then slab order, then slot.
    const heads = inputs.map(() => 0);
    const oldest: OpenHandle[] = [];
    let count = 0;
    for (const input of inputs) count += input.count;
    while (oldest.length < this.#limit) {
      let best = -1;
      for (let s = 0; s < inputs.length; s++) {
        const k = heads[s]!;
        if (k >= inputs[s]!.slots.length) continue;
        if (best < 0 || inputs[s]!.opened[k]! < inputs[best]!.opened[heads[best]!]!) best = s;
      }
      if (best < 0) break;
      const k = heads[best]!++;
      oldest.push(entry(slabs[best]!, inputs[best]!.slots[k]!, inputs[best]!.opened[k]!, now));
    }
    const list: OpenHandlesSnapshot = { limit: this.#limit, count, oldest };
    this.#last = { slabs, inputs, list };
    return list;
  }

  /**
   * The candidates of `slab` for its latest picture: at first the oldest
   * from a read of every slot, then those brought up to date from the slots
   * touched since (O(touched)). When that cannot tell (too many candidates
   * closed: the oldest handles keep closing first; or the touches of the
   * pictures between are no longer kept), the slab gets an index of every
   * open handle in age order, kept up to date the same way, so that it is
   * not read whole at every tick.
   */
  #candidatesOf(slab: SlabAllocator, now: number): Candidates {
    const history = slotHistory(slab)!;
    const picture = history.picture;
    const labels = existingLabels(slab)?.version ?? 0;
    const known = this.#candidates.get(slab);
    if (known !== undefined && known.picture === picture && known.labels === labels) return known;
    let index = this.#indexes.get(slab);
    let candidates: Candidates | undefined;
    if (index === undefined) {
      candidates = known === undefined
        ? this.#scan(history, now)
        : this.#update(known, history, now);
    } else {
      const touched = touchedSince(picture, known!.picture);
      if (touched === undefined) index = undefined; // build it again
      else index.update(history, touched, now);
    }
    if (candidates === undefined) {
      if (index === undefined) {
        index = new OpenHandleIndex(history, now);
        this.#indexes.set(slab, index);
      }
      candidates = this.#fromIndex(index, history);
    }
    candidates.labels = labels;
    this.#candidates.set(slab, candidates);
    return candidates;
  }

  /** The candidates an index gives: the slab's oldest open handles, up to the limit. */
  #fromIndex(index: OpenHandleIndex, history: SlotHistory): Candidates {
    const { picture } = history;
    const count = picture.summary.N + picture.summary.A + picture.summary.I + picture.summary.C;
    index.compact(history, count);
    const { opened, slots } = index.oldest(history, this.#limit);
    return { picture, labels: 0, count, opened, slots, complete: slots.length === count };
  }

  /** Reads every slot of the slab: its oldest open handles, up to the reserve. */
  #scan(history: SlotHistory, now: number): Candidates {
    const { picture, opened, views } = history;
    const states = picture.states!;
    const heap = new OldestHeap(this.#reserve);
    let count = 0;
    for (let i = 0; i < states.length; i++) {
      if (!isOpenCode(states[i]!)) continue;
      count++;
      heap.offer(slotTime(opened[i]!, views.epoch, now), i);
    }
    const sorted = heap.sorted();
    return {
      picture,
      labels: 0,
      count,
      opened: sorted.opened,
      slots: sorted.slots,
      complete: count <= this.#reserve,
    };
  }

  /**
   * `known` brought up to the latest picture through the slots touched
   * since: a touched candidate that closed or holds another handle now
   * leaves; a touched slot holding a handle first seen since joins when it
   * is older than the youngest candidate, or when the candidates are all
   * the slab's open handles. Untouched slots did not change. `undefined`
   * when the touches are not known or too few candidates are left.
   */
  #update(known: Candidates, history: SlotHistory, now: number): Candidates | undefined {
    const { picture, opened, views } = history;
    const touched = touchedSince(picture, known.picture);
    if (touched === undefined) return undefined;
    const states = picture.states!;
    const count = picture.summary.N + picture.summary.A + picture.summary.I + picture.summary.C;
    const position = new Map(known.slots.map((slot, k) => [slot, k]));
    const keep = new Uint8Array(known.slots.length).fill(1);
    const joining: { time: number; slot: number }[] = [];
    // Outside a complete set, a handle younger than every candidate cannot
    // join (below); most touched slots hold new handles, so they are left
    // out here already rather than collected and sorted for nothing.
    const last = known.slots.length - 1;
    const youngestKnown = known.complete || last < 0 ? Infinity : known.opened[last]!;
    for (let t = 0; t < touched.length; t++) {
      const slot = touched[t]!;
      const open = isOpenCode(states[slot]!);
      const time = open ? slotTime(opened[slot]!, views.epoch, now) : 0;
      const k = position.get(slot);
      if (k !== undefined) {
        if (open && known.opened[k] === time) continue; // the same handle: state or owner moved
        keep[k] = 0; // closed, or another handle of the slot now
      }
      if (open && time <= youngestKnown) joining.push({ time, slot });
    }
    const times: number[] = [];
    const slots: number[] = [];
    for (let k = 0; k < known.slots.length; k++) {
      if (keep[k] === 0) continue;
      times.push(known.opened[k]!);
      slots.push(known.slots[k]!);
    }
    let complete = known.complete;
    const youngest = times.length === 0 ? -Infinity : times[times.length - 1]!;
    joining.sort((a, b) => a.time - b.time || a.slot - b.slot);
    for (const { time, slot } of joining) {
      // Outside a complete set, a handle younger than every candidate may
      // have older ones outside beside it: it cannot join.
      if (!complete && (time > youngest || (time === youngest && slot > slots.at(-1)!))) continue;
      let at = times.length;
      while (
        at > 0 && (times[at - 1]! > time || (times[at - 1] === time && slots[at - 1]! > slot))
      ) {
        at--;
      }
      times.splice(at, 0, time);
      slots.splice(at, 0, slot);
    }
    if (times.length > this.#reserve) {
      times.length = slots.length = this.#reserve;
      complete = false;
    }
    if (!complete && times.length < this.#limit) return undefined; // read the slab again
    if (complete && times.length !== count) return undefined; // cannot be: read it again
    return { picture, labels: 0, count, opened: times, slots, complete };
  }
}

/**
 * The slots touched between two pictures of a slab, ascending, from the
 * collector's touch records; `undefined` when `from`'s record is no longer
 * in the chain.
 */
function touchedSince(to: SlabPicture, from: SlabPicture): Uint32Array | undefined {
  const records: TouchRecord[] = [];
  for (let record = to.touches; record !== from.touches; record = record.previous!) {
    if (record === undefined) return undefined;
    records.push(record);
  }
  return slotsOf(records);
}

/** The list entry of slot `slot` of `slab`, as its last collection read it. */
function entry(slab: SlabAllocator, slot: number, opened: number, now: number): OpenHandle {
  const { views, words, times, picture } = slotHistory(slab)!;
  const owner = picture.owners![slot]!;
  const item: OpenHandle = {
    slab: slab.name,
    slot,
    state: SLOT_LETTERS[picture.states![slot]!] as OpenHandle["state"],
    owner: owner === NO_OWNER ? null : owner,
    since: slotTime(times[slot]!, views.epoch, now),
    opened,
  };
  // The handle the slot holds now, as alloc() returned it: a label set for
  // an earlier handle of the slot is not this one's.
  const mask = 2 ** handleGenerationBits(views.indexBits) - 1;
  const handle = (((words[slot]! >>> GENERATION_SHIFT) & mask) << views.indexBits) | slot;
  const label = existingLabels(slab)?.get(slot, handle);
  if (label !== undefined) {
    item.method = label.method;
    if (label.path !== undefined) item.path = label.path;
    if (label.origin !== undefined) item.origin = label.origin;
  }
  return item;
}

/** The `limit` smallest (time, slot) pairs offered: a max-heap on the largest kept. */
class OldestHeap {
  #limit: number;
  #times: number[] = [];
  #slots: number[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  offer(time: number, slot: number): void {
    const times = this.#times;
    const slots = this.#slots;
    if (times.length < this.#limit) {
      times.push(time);
      slots.push(slot);
      this.#up(times.length - 1);
    } else if (this.#before(time, slot, 0)) {
      times[0] = time;
      slots[0] = slot;
      this.#down(0);
    }
  }

  /** The pairs kept, oldest first. */
  sorted(): { opened: number[]; slots: number[] } {
    const order = this.#times.map((_, i) => i).sort((a, b) =>
      this.#times[a]! - this.#times[b]! || this.#slots[a]! - this.#slots[b]!
    );
    return { opened: order.map((i) => this.#times[i]!), slots: order.map((i) => this.#slots[i]!) };
  }

  /** Whether (time, slot) comes before the pair at `i`. */
  #before(time: number, slot: number, i: number): boolean {
    const t = this.#times[i]!;
    return time < t || (time === t && slot < this.#slots[i]!);
  }

  #swap(i: number, j: number): void {
    const times = this.#times;
    const slots = this.#slots;
    [times[i], times[j]] = [times[j]!, times[i]!];
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(this.#times[parent]!, this.#slots[parent]!, i)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#times.length;
    for (;;) {
      let largest = i;
      for (const child of [2 * i + 1, 2 * i + 2]) {
        if (child < n && this.#before(this.#times[largest]!, this.#slots[largest]!, child)) {
          largest = child;
        }
      }
      if (largest === i) return;
      this.#swap(i, largest);
      i = largest;
    }
  }
}
