// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Deltas: what changed between two snapshots, as the data of a
 * `diagnostics-delta` event. Field by field in `docs/wire-format.md`.
 *
 * Every changed scalar is sent, and nothing is ever truncated: when a
 * slab's changes would take more text than the slab itself, the slab is
 * sent whole. Slots written between the two snapshots whose letter and
 * owner came back as they were are listed as `cycled`, when the snapshots
 * came from the collector (`slot_touches.ts`). The decoder
 * (`apply_delta.ts`) accepts exactly the forms written here.
 *
 * @module
 */

import { encodeBase64 } from "./base64.ts";
import { ARENA_FIELDS, HEAP_FIELDS, SLAB_SCALARS, STREAM_FIELDS } from "./fields.ts";
import { slabToWire } from "./keyframe.ts";
import { slotListToWire } from "./records.ts";
import { diffOpenHandles } from "./open_handles.ts";
import { diffSites } from "./allocation_sites.ts";
import { COST_MEMBERS, sameCost } from "./stream_cost.ts";
import { diffLints } from "./lints.ts";
import { encodeSlotList } from "./rice.ts";
import { diffRequests } from "./request_delta.ts";
import { encodeOwnerRuns, encodeStateRuns } from "./rle.ts";
import { cycledSlots } from "./cycled_slots.ts";
import { SLOT_LETTERS } from "./slot_states.ts";
import { sameSummary } from "./summary.ts";
import type { ArenaSnapshot, HeapSnapshot, MemorySnapshot, SlabSnapshot } from "./types.ts";
import type { JsonObject } from "./validate.ts";

/**
 * Encodes what changed from `prev` to `next` as delta JSON, or returns
 * `null` when nothing did. `ts`, `seq` and the stream's own figures never
 * count as a change: they ride along when something else changed (counting
 * the stream's own bytes as a change would make every tick a change, and
 * the stream would never fall quiet).
 *
 * @param prev The state the client has.
 * @param next The state to bring it to.
 * @returns The data of a `diagnostics-delta` event (`base` = `prev.seq`,
 * `seq` = `next.seq`), or `null`.
 *
 * @example Round trip through a delta
 * ```ts
 * import { applyDelta, encodeDelta } from "@slabscope/slabscope/wire";
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 64 }));
 * const before = { ...registry.snapshot(), seq: 1 };
 * slab.alloc();
 * const after = { ...registry.snapshot({ sampleHeap: false }), seq: 2 };
 *
 * const delta = encodeDelta(before, after)!;
 * assert.deepEqual(applyDelta(before, delta), after);
 * assert.equal(encodeDelta(after, { ...after, seq: 3 }), null); // nothing changed
 * ```
 */
export function encodeDelta(prev: MemorySnapshot, next: MemorySnapshot): string | null {
  const delta = deltaObject(prev, next);
  return delta === null ? null : JSON.stringify(delta);
}

/** {@linkcode encodeDelta} before `JSON.stringify`. */
export function deltaObject(prev: MemorySnapshot, next: MemorySnapshot): JsonObject | null {
  const delta: JsonObject = { v: next.v, seq: next.seq, base: prev.seq, ts: next.ts };
  let changed = false;

  const slabs = diffList(prev.slabs, next.slabs, diffSlab);
  if (slabs.patches.length > 0) delta.slabs = slabs.patches;
  if (slabs.removed.length > 0) delta.removed_slabs = slabs.removed;
  if (slabs.order !== undefined) delta.slab_order = slabs.order;
  changed ||= slabs.changed;

  const arenas = diffList(prev.arenas, next.arenas, diffArena);
  if (arenas.patches.length > 0) delta.arenas = arenas.patches;
  if (arenas.removed.length > 0) delta.removed_arenas = arenas.removed;
  if (arenas.order !== undefined) delta.arena_order = arenas.order;
  changed ||= arenas.changed;

  if (!sameList(prev.owner_map, next.owner_map)) {
    delta.owner_map = next.owner_map;
    changed = true;
  }
  if (!sameList(prev.owner_kinds, next.owner_kinds)) {
    delta.owner_kinds = next.owner_kinds;
    changed = true;
  }
  const openHandles = diffOpenHandles(prev.open_handles, next.open_handles);
  if (openHandles !== undefined) {
    delta.open_handles = openHandles;
    changed = true;
  }
  const heap = prev.heap === next.heap ? undefined : diffHeap(prev.heap, next.heap);
  if (heap !== undefined) {
    delta.heap = heap;
    changed = true;
  }
  const requests = diffRequests(prev.requests, next.requests);
  if (requests !== undefined) {
    delta.requests = requests;
    changed = true;
  }
  const sites = diffSites(prev.sites, next.sites);
  if (sites !== undefined) {
    delta.sites = sites;
    changed = true;
  }
  const lints = diffLints(prev.lints, next.lints);
  if (lints !== undefined) {
    delta.lints = lints;
    changed = true;
  }
  if (!changed) return null;
  const stream = diffStream(prev.stream, next.stream);
  if (stream !== undefined) delta.stream = stream;
  return delta;
}

interface ListDiff {
  patches: JsonObject[];
  removed: string[];
  order: string[] | undefined;
  changed: boolean;
}

function diffList<T extends { name: string }>(
  prev: T[],
  next: T[],
  diff: (a: T, b: T) => JsonObject | undefined,
): ListDiff {
  const before = new Map(prev.map((entry) => [entry.name, entry]));
  const after = new Set(next.map((entry) => entry.name));
  const result: ListDiff = { patches: [], removed: [], order: undefined, changed: false };
  for (const entry of prev) if (!after.has(entry.name)) result.removed.push(entry.name);
  const added: string[] = [];
  for (const entry of next) {
    const old = before.get(entry.name);
    const patch = old === undefined ? diff(undefined as unknown as T, entry) : diff(old, entry);
    if (old === undefined) added.push(entry.name);
    if (patch !== undefined) result.patches.push(patch);
  }
  // Applying appends new entries after the survivors; say the order only
  // when that does not reproduce it (an entry removed and re-added).
  const expected = prev.map((e) => e.name).filter((name) => after.has(name)).concat(added);
  if (!sameList(expected, next.map((e) => e.name))) result.order = next.map((e) => e.name);
  result.changed = result.patches.length > 0 || result.removed.length > 0 ||
    result.order !== undefined;
  return result;
}

function diffArena(a: ArenaSnapshot | undefined, b: ArenaSnapshot): JsonObject | undefined {
  if (a === undefined) return { full: true, ...b };
  const patch: JsonObject = { name: b.name };
  let changed = false;
  for (const field of ARENA_FIELDS) {
    if (a[field] !== b[field]) {
      patch[field] = b[field];
      changed = true;
    }
  }
  if (
    a.pool?.count !== b.pool?.count || a.pool?.in_use !== b.pool?.in_use ||
    a.pool?.arena_capacity !== b.pool?.arena_capacity
  ) {
    if (b.pool === undefined) return { full: true, ...b };
    patch.pool = b.pool;
    changed = true;
  }
  return changed ? patch : undefined;
}

function diffSlab(a: SlabSnapshot | undefined, b: SlabSnapshot): JsonObject | undefined {
  if (
    a === undefined || a.kind !== b.kind || a.total !== b.total ||
    a.slot_size !== b.slot_size || (a.owners !== undefined && b.owners === undefined)
  ) {
    return { full: true, ...slabToWire(b) };
  }
  const patch: JsonObject = { name: b.name };
  let changed = false;
  for (const field of SLAB_SCALARS) {
    if (a[field] !== b[field]) {
      patch[field] = b[field];
      changed = true;
    }
  }
  if (a.summary !== b.summary && !sameSummary(a.summary, b.summary)) {
    patch.summary = b.summary;
    changed = true;
  }
  if (a.bitmap === b.bitmap && a.states === b.states && a.owners === b.owners) {
    // The same arrays (a collector reuses an unchanged slab's): no slot
    // changed, and there is nothing to compare.
  } else if (b.kind === "plain" && b.owners === undefined) {
    changed = diffBitmap(a.bitmap!, b.bitmap!, patch) || changed;
  } else if (a.owners === undefined) {
    // A plain slab that just started recording owners: send both whole, once.
    patch.bitmap = encodeBase64(b.bitmap!);
    patch.owners = encodeOwnerRuns(b.owners!);
    changed = true;
  } else {
    changed = diffSlots(a, b, patch) || changed;
  }
  if (b.kind === "plain" && !sameSlots(a.cached_slots, b.cached_slots)) {
    patch.cached_slots = slotListToWire(b.cached_slots ?? []);
    changed = true;
  }
  const cycled = cycledSlots(a, b);
  if (cycled.length > 0) {
    patch.cycled = slotListToWire(cycled);
    changed = true;
    // A patch stays no longer than the slab sent whole: past that (most of
    // the slab cycled), the slab is sent whole and its cycles go unflashed.
    // The exact lengths are worth computing only when the slots' text
    // could reach the whole slab's.
    const length = slotTextLength(patch) + (patch.cycled as { at: string }).at.length;
    if (length >= wholeLowerBound(b)) {
      const full = { full: true, ...slabToWire(b) };
      if (JSON.stringify(full).length < JSON.stringify(patch).length) return full;
    }
  }
  return changed ? patch : undefined;
}

/** Whether two ascending slot lists (absent = empty) are the same. */
function sameSlots(a: Uint32Array | undefined, b: Uint32Array | undefined): boolean {
  if (a === b) return true;
  if ((a?.length ?? 0) !== (b?.length ?? 0)) return false;
  for (let i = 0; i < a!.length; i++) if (a![i] !== b![i]) return false;
  return true;
}

/** Characters a patch spends on slots: whole arrays, changes and cached slots. */
function slotTextLength(patch: JsonObject): number {
  let length = 0;
  for (const key of ["bitmap", "states", "owners"]) {
    if (typeof patch[key] === "string") length += (patch[key] as string).length;
  }
  const changes = patch.changes as Record<string, string> | undefined;
  if (changes !== undefined) {
    length += changes.at.length + (changes.states?.length ?? 0) + (changes.owners?.length ?? 0);
  }
  const cached = patch.cached_slots as { at: string } | undefined;
  return length + (cached?.at.length ?? 0);
}

/** Reusable scratch for changed indexes. */
let scratch = new Uint32Array(1024);

function record(n: number, index: number): void {
  if (n === scratch.length) {
    const grown = new Uint32Array(scratch.length * 2);
    grown.set(scratch);
    scratch = grown;
  }
  scratch[n] = index;
}

/** Plain slab without owners: list the flipped bits, or send the bitmap. */
function diffBitmap(a: Uint8Array, b: Uint8Array, patch: JsonObject): boolean {
  const full = Math.ceil(b.length / 3) * 4; // base64 length of the bitmap
  let n = 0;
  // Compare four bytes at a time where alignment allows, the rest byte-wise.
  const words = a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 ? b.length >>> 2 : 0;
  const a32 = new Int32Array(a.buffer, a.byteOffset, words);
  const b32 = new Int32Array(b.buffer, b.byteOffset, words);
  for (let w = 0; w < words; w++) {
    let x = a32[w]! ^ b32[w]!;
    while (x !== 0) {
      const bit = 31 - Math.clz32(x & -x);
      record(n++, w * 32 + bit);
      x &= x - 1;
    }
    // Each index costs at least one character: past `full` changes the
    // whole bitmap is certainly shorter, so stop listing.
    if (n > full) break;
  }
  for (let byte = words * 4; byte < b.length && n <= full; byte++) {
    let x = a[byte]! ^ b[byte]!;
    while (x !== 0) {
      const bit = 31 - Math.clz32(x & -x);
      record(n++, byte * 8 + bit);
      x &= x - 1;
    }
  }
  if (n === 0) return false;
  const list = n > full ? undefined : encodeSlotList(scratch, n);
  if (list === undefined || list.at.length >= full) {
    patch.bitmap = encodeBase64(b);
  } else {
    patch.changes = { n, k: list.k, at: list.at };
  }
  return true;
}

/** Slabs with owners (and all handle slabs): new state and owner per changed slot. */
function diffSlots(a: SlabSnapshot, b: SlabSnapshot, patch: JsonObject): boolean {
  const n = changedSlots(a, b);
  if (n === 0) return false;
  const bOwners = b.owners!;
  const letters: string[] = [];
  const owners = new Uint16Array(n);
  for (let k = 0; k < n; k++) {
    const i = scratch[k]!;
    const state = b.kind === "handle" ? b.states![i]! : (b.bitmap![i >> 3]! >> (i & 7)) & 1;
    letters.push(SLOT_LETTERS[state]!);
    owners[k] = bOwners[i]!;
  }
  const list = encodeSlotList(scratch, n);
  const changes = {
    n,
    k: list.k,
    at: list.at,
    states: letters.join(""),
    owners: encodeOwnerRuns(owners),
  };
  const changesLength = changes.at.length + changes.states.length + changes.owners.length;
  // Encoding the whole slab costs more than diffing it, so it is done only
  // when a cheap lower bound of its length says it could be shorter.
  if (changesLength >= wholeLowerBound(b)) {
    const whole = b.kind === "handle"
      ? { states: encodeStateRuns(b.states!), owners: encodeOwnerRuns(bOwners) }
      : { bitmap: encodeBase64(b.bitmap!), owners: encodeOwnerRuns(bOwners) };
    const wholeLength = Object.values(whole).reduce((sum, text) => sum + text.length, 0);
    if (wholeLength <= changesLength) {
      Object.assign(patch, whole);
      return true;
    }
  }
  patch.changes = changes;
  return true;
}

/**
 * Records into `scratch` every slot whose state or owner differs, in order.
 * Compares four states or two owners per 32-bit word where the arrays are
 * aligned (they are, unless a caller hands in views of its own).
 */
function changedSlots(a: SlabSnapshot, b: SlabSnapshot): number {
  const total = b.total;
  const ao = a.owners!;
  const bo = b.owners!;
  let n = 0;
  const aligned = ao.byteOffset % 4 === 0 && bo.byteOffset % 4 === 0;
  const pairs = aligned ? total >>> 1 : 0;
  const ao32 = new Uint32Array(ao.buffer, ao.byteOffset, pairs);
  const bo32 = new Uint32Array(bo.buffer, bo.byteOffset, pairs);
  if (b.kind === "handle") {
    const as = a.states!;
    const bs = b.states!;
    const statesAligned = as.byteOffset % 4 === 0 && bs.byteOffset % 4 === 0;
    const quads = statesAligned ? total >>> 2 : 0;
    const as32 = new Uint32Array(as.buffer, as.byteOffset, quads);
    const bs32 = new Uint32Array(bs.buffer, bs.byteOffset, quads);
    for (let q = 0; q < quads; q++) {
      // Four slots at once: states in one word, owners in two.
      if (
        as32[q] === bs32[q] && ao32[2 * q] === bo32[2 * q] && ao32[2 * q + 1] === bo32[2 * q + 1]
      ) continue;
      for (let i = q * 4; i < q * 4 + 4; i++) {
        if (as[i] !== bs[i] || ao[i] !== bo[i]) record(n++, i);
      }
    }
    for (let i = quads * 4; i < total; i++) if (as[i] !== bs[i] || ao[i] !== bo[i]) record(n++, i);
  } else {
    const ab = a.bitmap!;
    const bb = b.bitmap!;
    const whole = total >>> 3;
    for (let byte = 0; byte < whole; byte++) {
      // Eight slots at once: one bitmap byte, four owner words.
      const w = byte * 4;
      if (
        ab[byte] === bb[byte] &&
        (pairs === 0 || (ao32[w] === bo32[w] && ao32[w + 1] === bo32[w + 1] &&
          ao32[w + 2] === bo32[w + 2] && ao32[w + 3] === bo32[w + 3]))
      ) continue;
      const flips = ab[byte]! ^ bb[byte]!;
      for (let bit = 0, i = byte * 8; bit < 8; bit++, i++) {
        if (((flips >> bit) & 1) !== 0 || ao[i] !== bo[i]) record(n++, i);
      }
    }
    for (let i = whole * 8; i < total; i++) {
      if ((((ab[i >> 3]! ^ bb[i >> 3]!) >> (i & 7)) & 1) !== 0 || ao[i] !== bo[i]) record(n++, i);
    }
  }
  return n;
}

/**
 * A lower bound of the whole slab's text: base64 of the bitmap (exact), or
 * two characters per state run; plus one character per owner run.
 */
function wholeLowerBound(b: SlabSnapshot): number {
  const owners = b.owners;
  let ownerRuns = owners === undefined ? 0 : 1;
  for (let i = 1; i < (owners?.length ?? 0); i++) if (owners![i] !== owners![i - 1]) ownerRuns++;
  if (b.kind === "plain") return Math.ceil(b.bitmap!.length / 3) * 4 + ownerRuns;
  const states = b.states!;
  let stateRuns = 1;
  for (let i = 1; i < states.length; i++) if (states[i] !== states[i - 1]) stateRuns++;
  return 2 * stateRuns + ownerRuns;
}

/** The heap fields that changed; `spaces` whole when any space changed. */
function diffHeap(a: HeapSnapshot, b: HeapSnapshot): JsonObject | undefined {
  const patch = diffFields(a, b, HEAP_FIELDS) ?? {};
  if (a.spaces !== b.spaces && JSON.stringify(a.spaces) !== JSON.stringify(b.spaces)) {
    patch.spaces = b.spaces;
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}

/** The listed fields of `b` that differ from `a` (all of them when `a` is missing). */
/** The stream's changed figures: its numbers, and its per-phase maps whole when they changed. */
function diffStream(
  a: MemorySnapshot["stream"],
  b: MemorySnapshot["stream"],
): JsonObject | undefined {
  if (b === undefined) return undefined;
  let patch = diffFields(a, b, STREAM_FIELDS);
  for (const field of COST_MEMBERS) {
    if (b[field] !== undefined && (a === undefined || !sameCost(a[field], b[field]))) {
      patch ??= {};
      patch[field] = b[field];
    }
  }
  return patch;
}

function diffFields<T extends object>(
  a: T | undefined,
  b: T | undefined,
  fields: readonly (keyof T)[],
): JsonObject | undefined {
  if (b === undefined) return undefined;
  const patch: JsonObject = {};
  let changed = false;
  for (const field of fields) {
    if (a === undefined || a[field] !== b[field]) {
      patch[field as string] = b[field];
      changed = true;
    }
  }
  return changed ? patch : undefined;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
