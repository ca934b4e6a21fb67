// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode diffMoments}: what happened between two moments of a
 * recording. The cells whose state or owner differs between them, and, per
 * slab and owner, the allocations, frees and state changes seen tick by
 * tick on the way (each recorded delta applied, its changed slots compared
 * before and after). A slot allocated and freed within one tick is never
 * seen, so the slab's own counters (`allocs`, `frees`) are given beside.
 *
 * @module
 */

import { NO_OWNER } from "../core/allocator/slab_layout.ts";
import type { RecordingEvent } from "../core/stream/recording_format.ts";
import { applyDelta } from "../core/wire/apply_delta.ts";
import { decodeSlotList } from "../core/wire/rice.ts";
import type { MemorySnapshot, SlabSnapshot } from "../core/wire/types.ts";

/** What one owner did to one slab between the two moments. */
export interface OwnerChanges {
  /** The owner's index; -1 for slots without an owner. */
  readonly owner: number;
  /** Slots that went from free to taken, owned by it. */
  allocs: number;
  /** Slots of it that went back to free. */
  frees: number;
  /** Its slots that changed state (Active to Idle, say) without being freed. */
  changes: number;
}

/** One slab between the two moments. */
export interface SlabDiff {
  /** The slab. */
  readonly name: string;
  /** Its kind at the later moment. */
  readonly kind: "plain" | "handle";
  /** Its slots at the later moment. */
  readonly total: number;
  /** The slots whose state or owner differs between the two moments, ascending. */
  readonly cells: Uint32Array;
  /** Per owner, most active first. */
  readonly owners: OwnerChanges[];
  /** Allocations and frees by the slab's own counters (every one, within ticks too). */
  readonly counted: { readonly allocs: number; readonly frees: number };
}

/** What happened between two moments. */
export interface MomentDiff {
  /** The earlier moment. */
  readonly from: { readonly seq: number; readonly ts: number };
  /** The later moment. */
  readonly to: { readonly seq: number; readonly ts: number };
  /** Every slab of the later moment. */
  readonly slabs: SlabDiff[];
  /** Owner names at the later moment (by index). */
  readonly ownerMap: (string | null)[];
  /** Recorded deltas walked. */
  readonly ticks: number;
}

/** What the walk needs of a recording. */
export interface DiffSource {
  /** The recording's events, in order. */
  readonly events: readonly RecordingEvent[];
  /** The state at a moment. */
  stateAt(seq: number): MemorySnapshot;
}

/** Options for {@linkcode diffMoments}. */
export interface DiffOptions {
  /** Stops the walk (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Called with the share done, 0 to 1, between slices of work. */
  onProgress?: (done: number) => void;
  /** Milliseconds of work between two yields to the event loop. @default {12} */
  slice?: number;
}

/**
 * Compares two moments of a recording and walks the ticks between them.
 *
 * @param source The recording.
 * @param a One moment's seq.
 * @param b The other's (either order).
 * @param options Cancellation, progress and slicing.
 * @returns The differences, from the earlier moment to the later.
 */
export async function diffMoments(
  source: DiffSource,
  a: number,
  b: number,
  options: DiffOptions = {},
): Promise<MomentDiff> {
  const [fromSeq, toSeq] = a <= b ? [a, b] : [b, a];
  const slice = options.slice ?? 12;
  const before = source.stateAt(fromSeq);
  const after = source.stateAt(toSeq);
  const tallies = new Map<string, Map<number, OwnerChanges>>();
  const events = source.events;
  let position = events.findLastIndex((event) => event.seq === fromSeq);
  const last = events.findLastIndex((event) => event.seq === toSeq);
  const first = position;
  let state = before;
  let ticks = 0;
  let sliceStart = performance.now();
  for (position++; position <= last; position++) {
    const event = events[position]!;
    if (event.event !== "diagnostics-delta") continue;
    const next = applyDelta(state, event.data);
    tallyDelta(state, next, event.data, tallies);
    state = next;
    ticks++;
    if (performance.now() - sliceStart > slice) {
      options.onProgress?.((position - first) / Math.max(1, last - first));
      await new Promise((resolve) => setTimeout(resolve, 0));
      options.signal?.throwIfAborted();
      sliceStart = performance.now();
    }
  }
  const slabs = after.slabs.map((slab): SlabDiff => {
    const old = before.slabs.find((s) => s.name === slab.name);
    const owners = [...(tallies.get(slab.name)?.values() ?? [])]
      .filter((o) => o.allocs + o.frees + o.changes > 0)
      .sort((x, y) => y.allocs + y.frees + y.changes - (x.allocs + x.frees + x.changes));
    return {
      name: slab.name,
      kind: slab.kind,
      total: slab.total,
      cells: differingCells(old, slab),
      owners,
      counted: {
        allocs: slab.allocs - (old?.allocs ?? 0),
        frees: slab.frees - (old?.frees ?? 0),
      },
    };
  });
  options.onProgress?.(1);
  return {
    from: { seq: fromSeq, ts: before.ts },
    to: { seq: toSeq, ts: after.ts },
    slabs,
    ownerMap: after.owner_map,
    ticks,
  };
}

/** A slot's state (0 free) and owner (-1 none) in a slab. */
function slot(slab: SlabSnapshot, index: number): [state: number, owner: number] {
  const state = slab.states !== undefined
    ? slab.states[index]!
    : (slab.bitmap![index >> 3]! >> (index & 7)) & 1;
  const owner = slab.owners?.[index];
  return [state, owner === undefined || owner === NO_OWNER ? -1 : owner];
}

/** Whether two slabs have the same slots (so that slot `i` is the same slot in both). */
function sameShape(a: SlabSnapshot | undefined, b: SlabSnapshot): a is SlabSnapshot {
  return a !== undefined && a.kind === b.kind && a.total === b.total;
}

/** Counts, per owner, what one delta did to the slots it lists (or to all, for whole arrays). */
function tallyDelta(
  prev: MemorySnapshot,
  next: MemorySnapshot,
  data: Record<string, unknown>,
  tallies: Map<string, Map<number, OwnerChanges>>,
): void {
  const patches = data.slabs as { name: string; full?: true; changes?: Changes }[] | undefined;
  for (const patch of patches ?? []) {
    const after = next.slabs.find((slab) => slab.name === patch.name)!;
    const old = prev.slabs.find((slab) => slab.name === patch.name);
    const whole = patch.full === true || !sameShape(old, after) ||
      "bitmap" in patch || "states" in patch;
    if (!whole && patch.changes === undefined) continue; // scalars only
    let tally = tallies.get(after.name);
    if (tally === undefined) tallies.set(after.name, tally = new Map());
    const count = (index: number) => {
      const [s0, o0] = sameShape(old, after) ? slot(old, index) : [0, -1];
      const [s1, o1] = slot(after, index);
      if ((s0 === 0 && s1 === 0) || (s0 === s1 && o0 === o1)) return;
      if (s0 === 0) return void owner(tally, o1).allocs++;
      if (s1 === 0) return void owner(tally, o0).frees++;
      if (o0 !== o1) {
        // Freed and taken again by another owner within one tick.
        owner(tally, o0).frees++;
        owner(tally, o1).allocs++;
        return;
      }
      owner(tally, o1).changes++;
    };
    if (whole) {
      for (let i = 0; i < after.total; i++) count(i);
    } else {
      const c = patch.changes!;
      for (const index of decodeSlotList(c.at, c.k, c.n, after.total)) count(index);
    }
  }
}

interface Changes {
  n: number;
  k: number;
  at: string;
}

function owner(tally: Map<number, OwnerChanges>, index: number): OwnerChanges {
  let entry = tally.get(index);
  if (entry === undefined) {
    entry = { owner: index, allocs: 0, frees: 0, changes: 0 };
    tally.set(index, entry);
  }
  return entry;
}

/** The slots whose state or owner differs between two moments of a slab. */
function differingCells(old: SlabSnapshot | undefined, slab: SlabSnapshot): Uint32Array {
  const cells: number[] = [];
  if (!sameShape(old, slab)) {
    for (let i = 0; i < slab.total; i++) if (slot(slab, i)[0] !== 0) cells.push(i);
    return Uint32Array.from(cells);
  }
  if (slab.bitmap !== undefined && slab.owners === undefined && old.owners === undefined) {
    const a = old.bitmap!;
    const b = slab.bitmap;
    if (a === b) return new Uint32Array();
    for (let byte = 0; byte < b.length; byte++) {
      let x = a[byte]! ^ b[byte]!;
      while (x !== 0) {
        const bit = 31 - Math.clz32(x & -x);
        cells.push(byte * 8 + bit);
        x &= x - 1;
      }
    }
    return Uint32Array.from(cells);
  }
  const same = old.states === slab.states && old.bitmap === slab.bitmap &&
    old.owners === slab.owners;
  if (same) return new Uint32Array();
  for (let i = 0; i < slab.total; i++) {
    const [s0, o0] = slot(old, i);
    const [s1, o1] = slot(slab, i);
    if (s0 !== s1 || (s1 !== 0 && o0 !== o1)) cells.push(i);
  }
  return Uint32Array.from(cells);
}
