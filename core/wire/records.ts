// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Decoders of the records a keyframe is made of (and a full patch carries):
 * slabs, arenas, the heap and the stream. Each checks every field, refuses
 * fields the format does not define, and names the first one that is wrong.
 *
 * @module
 */

import { MAX_CAPACITY, NO_OWNER } from "../allocator/slab_layout.ts";
import { decodeBase64 } from "./base64.ts";
import {
  ARENA_FIELDS,
  COUNT_FIELDS,
  HEAP_FIELDS,
  MEMBERS,
  OPTIONAL_STREAM_FIELDS,
  POOL_FIELDS,
  SLAB_SCALARS,
  SPACE_FIELDS,
  STREAM_FIELDS,
} from "./fields.ts";
import { decodeSlotList, encodeSlotList, MAX_RICE_PARAMETER } from "./rice.ts";
import { decodeOwnerRuns, decodeStateRuns } from "./rle.ts";
import { sameSummary, summarizeSlots, summaryDifference } from "./summary.ts";
import type {
  ArenaPoolSnapshot,
  ArenaSnapshot,
  HeapSnapshot,
  HeapSpaceSnapshot,
  SlabSnapshot,
  SlabSummary,
  StateCounts,
  StreamSnapshot,
} from "./types.ts";
import {
  array,
  count,
  fail,
  nested,
  nullableStrings,
  object,
  onlyFields,
  shown,
  string,
} from "./validate.ts";
import { readCostMembers } from "./stream_cost.ts";

/** Owner indexes run from 0 to 65,534: the next value, NO_OWNER, means none. */
const OWNER_LIMIT = NO_OWNER;
const OWNER_KEY = /^(0|[1-9][0-9]{0,4})$/;

/** Decodes and checks one slab record, its summary against its slots included. */
export function slabFromWire(value: unknown, path: string): SlabSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.slab, path, "a slab");
  const name = string(o.name, `${path}.name`);
  const kind = o.kind;
  if (kind !== "plain" && kind !== "handle") {
    fail(`${path}.kind`, `expected "plain" or "handle", received ${shown(kind)}`);
  }
  const slotSize = count(o.slot_size, `${path}.slot_size`);
  const total = count(o.total, `${path}.total`);
  if (total < 1 || total > MAX_CAPACITY) {
    fail(`${path}.total`, `expected 1 to ${MAX_CAPACITY} slots, received ${total}`);
  }
  const slab = { name, kind, slot_size: slotSize, total } as SlabSnapshot;
  for (const field of SLAB_SCALARS) slab[field] = count(o[field], `${path}.${field}`);
  if (kind === "plain") {
    if (o.states !== undefined) fail(`${path}.states`, "a plain slab carries a bitmap, not states");
    slab.bitmap = bitmapFromWire(o.bitmap, total, `${path}.bitmap`);
    if (o.cached_slots !== undefined) {
      const cached = slotListFromWire(o.cached_slots, total, `${path}.cached_slots`, false);
      checkCachedSlots(cached, slab.bitmap, `${path}.cached_slots`);
      slab.cached_slots = cached;
    }
  } else {
    if (o.bitmap !== undefined) {
      fail(`${path}.bitmap`, "a handle slab carries states, not a bitmap");
    }
    if (o.cached_slots !== undefined) {
      fail(`${path}.cached_slots`, "a handle slab's cached slots are K in its states");
    }
    slab.states = statesFromWire(o.states, total, `${path}.states`);
    if (o.owners === undefined) fail(`${path}.owners`, "a handle slab carries owners");
  }
  if (o.owners !== undefined) slab.owners = ownersFromWire(o.owners, total, `${path}.owners`);
  slab.summary = checkedSummary(summaryFromWire(o.summary, `${path}.summary`), slab, path);
  return slab;
}

/**
 * Returns `declared` if it counts exactly what the slots of `slab` hold;
 * otherwise names the first count that differs.
 */
export function checkedSummary(
  declared: SlabSummary,
  slab: Pick<SlabSnapshot, "kind" | "total" | "bitmap" | "states" | "owners" | "cached_slots">,
  path: string,
  actual: SlabSummary = summarizeSlots(slab),
): SlabSummary {
  if (!sameSummary(declared, actual)) fail(`${path}.summary`, summaryDifference(declared, actual)!);
  return declared;
}

/** Decodes a bitmap of `total` slots; padding bits must be 0. */
export function bitmapFromWire(value: unknown, total: number, path: string): Uint8Array {
  const text = string(value, path);
  const bytes = nested(path, () => decodeBase64(text));
  const expected = Math.ceil(total / 8);
  if (bytes.length !== expected) {
    fail(path, `${bytes.length} bytes, expected ${expected} for ${total} slots`);
  }
  if (total % 8 !== 0 && (bytes[expected - 1]! >> (total % 8)) !== 0) {
    fail(path, "padding bits after the last slot are set");
  }
  return bytes;
}

/**
 * Decodes a slot list object `{n, k, at}` (`cached_slots`, `cycled`): `n`
 * strictly increasing slot indexes below `total`, Rice-coded in `at`. With
 * `empty`, `n` may be 0 (then `k` is 0 and `at` is `""`).
 */
export function slotListFromWire(
  value: unknown,
  total: number,
  path: string,
  empty: boolean,
): Uint32Array {
  const o = object(value, path);
  onlyFields(o, MEMBERS.slotList, path, "a slot list");
  const n = count(o.n, `${path}.n`);
  if (n === 0 && !empty) fail(`${path}.n`, "a slot list here names at least one slot");
  if (n > total) fail(`${path}.n`, `${n} slots listed for ${total} slots`);
  const k = count(o.k, `${path}.k`);
  if (k > MAX_RICE_PARAMETER) {
    fail(`${path}.k`, `expected 0 to ${MAX_RICE_PARAMETER}, received ${k}`);
  }
  if (n === 0 && k !== 0) fail(`${path}.k`, "an empty list has k 0");
  const at = string(o.at, `${path}.at`);
  return nested(`${path}.at`, () => decodeSlotList(at, k, n, total));
}

/** A slot list object `{n, k, at}` of the first `count` of strictly increasing indexes. */
export function slotListToWire(
  indexes: ArrayLike<number>,
  count: number = indexes.length,
): { n: number; k: number; at: string } {
  const list = encodeSlotList(indexes, count);
  return { n: count, k: list.k, at: list.at };
}

/** Checks that no cached slot of a plain slab is marked in use in its bitmap. */
export function checkCachedSlots(cached: Uint32Array, bitmap: Uint8Array, path: string): void {
  for (const i of cached) {
    if (((bitmap[i >> 3]! >> (i & 7)) & 1) !== 0) {
      fail(path, `slot ${i} is cached and in use at once (its bitmap bit is 1)`);
    }
  }
}

/** Decodes the state runs of a handle slab of `total` slots. */
export function statesFromWire(value: unknown, total: number, path: string): Uint8Array {
  const text = string(value, path);
  return nested(path, () => decodeStateRuns(text, total));
}

/** Decodes owner runs over `total` slots. */
export function ownersFromWire(value: unknown, total: number, path: string): Uint16Array {
  const text = string(value, path);
  return nested(path, () => decodeOwnerRuns(text, total));
}

/** Decodes per-state counts. */
function countsFromWire(value: unknown, path: string): StateCounts {
  const o = object(value, path);
  onlyFields(o, MEMBERS.counts, path, "state counts");
  const counts = {} as StateCounts;
  for (const letter of COUNT_FIELDS) counts[letter] = count(o[letter], `${path}.${letter}`);
  return counts;
}

/** Decodes a slab summary's shape (its agreement with the slots is checked by the caller). */
export function summaryFromWire(value: unknown, path: string): SlabSummary {
  const o = object(value, path);
  onlyFields(o, MEMBERS.summary, path, "a summary");
  const summary = {} as SlabSummary;
  for (const letter of COUNT_FIELDS) summary[letter] = count(o[letter], `${path}.${letter}`);
  if (o.K !== undefined) {
    summary.K = count(o.K, `${path}.K`);
    if (summary.K === 0) fail(`${path}.K`, "written only when slots are cached");
  }
  summary.by_owner = {};
  const byOwner = object(o.by_owner, `${path}.by_owner`);
  for (const [owner, counts] of Object.entries(byOwner)) {
    if (!OWNER_KEY.test(owner) || Number(owner) >= OWNER_LIMIT) {
      fail(`${path}.by_owner`, `${JSON.stringify(owner.slice(0, 64))} is not an owner index`);
    }
    summary.by_owner[owner] = countsFromWire(counts, `${path}.by_owner.${owner}`);
  }
  return summary;
}

/** Decodes one arena record. */
export function arenaFromWire(value: unknown, path: string): ArenaSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.arena, path, "an arena");
  const arena = { name: string(o.name, `${path}.name`) } as ArenaSnapshot;
  for (const field of ARENA_FIELDS) arena[field] = count(o[field], `${path}.${field}`);
  if (o.pool !== undefined) arena.pool = poolFromWire(o.pool, `${path}.pool`);
  return arena;
}

/** Decodes an arena pool's `pool` object. */
export function poolFromWire(value: unknown, path: string): ArenaPoolSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.pool, path, "a pool");
  const pool = {} as ArenaPoolSnapshot;
  for (const field of POOL_FIELDS) pool[field] = count(o[field], `${path}.${field}`);
  return pool;
}

/** Decodes the heap object. */
export function heapFromWire(value: unknown, path: string): HeapSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.heap, path, "the heap");
  const heap = {} as HeapSnapshot;
  for (const field of HEAP_FIELDS) heap[field] = count(o[field], `${path}.${field}`);
  heap.spaces = spacesFromWire(o.spaces, `${path}.spaces`);
  return heap;
}

/** Decodes the heap's spaces. */
export function spacesFromWire(value: unknown, path: string): HeapSpaceSnapshot[] {
  return array(value, path).map((item, i) => {
    const at = `${path}[${i}]`;
    const o = object(item, at);
    onlyFields(o, MEMBERS.space, at, "a heap space");
    const space = { name: string(o.name, `${at}.name`) } as HeapSpaceSnapshot;
    for (const field of SPACE_FIELDS) space[field] = count(o[field], `${at}.${field}`);
    return space;
  });
}

/** Decodes the stream's own figures. */
export function streamFromWire(value: unknown, path: string): StreamSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.stream, path, "the stream");
  const stream = {} as StreamSnapshot;
  for (const field of STREAM_FIELDS) {
    stream[field] = o[field] === undefined && OPTIONAL_STREAM_FIELDS.has(field)
      ? 0
      : count(o[field], `${path}.${field}`);
  }
  readCostMembers(o, stream, path);
  return stream;
}

/** Decodes `owner_map` or `owner_kinds`: at most one entry per owner index. */
export function ownerListFromWire(value: unknown, path: string): (string | null)[] {
  const list = nullableStrings(value, path);
  if (list.length > OWNER_LIMIT) {
    fail(path, `${list.length} entries, but owner indexes end at ${OWNER_LIMIT - 1}`);
  }
  return list;
}

/** Checks that `owner_map` and `owner_kinds` are indexed alike. */
export function checkOwnerLists(
  names: (string | null)[],
  kinds: (string | null)[],
  path: string,
): void {
  if (names.length !== kinds.length) {
    fail(
      path,
      `owner_map has ${names.length} entries and owner_kinds ${kinds.length}: they are indexed alike`,
    );
  }
}

/** Checks that names are unique within a list. */
export function unique(entries: { name: string }[], path: string): void {
  const seen = new Set<string>();
  for (const { name } of entries) {
    if (seen.has(name)) fail(path, `the name ${JSON.stringify(name)} appears twice`);
    seen.add(name);
  }
}
