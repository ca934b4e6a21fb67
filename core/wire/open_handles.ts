// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The open-handle list on the wire (`open_handles`): decoded and checked
 * against the slabs it lists handles of, and patched by deltas, entry by
 * entry, keyed by slab and slot. Field by field in `docs/wire-format.md`.
 *
 * @module
 */

import { NO_OWNER } from "../allocator/slab_layout.ts";
import { MEMBERS, OPEN_HANDLE_FIELDS } from "./fields.ts";
import { SLOT_LETTERS } from "./slot_states.ts";
import type { OpenHandle, OpenHandlesSnapshot, SlabSnapshot } from "./types.ts";
import { slabOrder } from "./_slab_order.ts";
import {
  array,
  count,
  fail,
  type JsonObject,
  object,
  onlyFields,
  shown,
  string,
} from "./validate.ts";

/** Most entries a list may hold (`DiagnosticsRegistryOptions.openHandles`). */
export const MAX_OPEN_HANDLES = 1000;
/** Longest method on the wire. */
const METHOD_LIMIT = 16;
/** Longest path or origin on the wire. */
const TEXT_LIMIT = 80;
const OPEN_LETTERS = new Set(["N", "A", "I", "C"]);

/** The key of an entry within one list: its slab and slot. */
function keyOf(slab: string, slot: number): string {
  return `${slot}\u0000${slab}`;
}

/**
 * Orders entries oldest first: by `opened`, then by their slab's place in
 * `slabs`, then by slot.
 */
export function compareOpenHandles(
  order: ReadonlyMap<string, number>,
): (a: OpenHandle, b: OpenHandle) => number {
  return (a, b) =>
    a.opened - b.opened || order.get(a.slab)! - order.get(b.slab)! || a.slot - b.slot;
}

/**
 * The list in the order of `slabs`: what a delta without `open_handles`
 * leaves a state whose slabs it reordered (ties of `opened` go by slab).
 *
 * @param list The state's list.
 * @param slabs The new state's slabs.
 * @returns `list` when already in that order, else a reordered copy.
 */
export function openHandlesInSlabOrder(
  list: OpenHandlesSnapshot,
  slabs: readonly SlabSnapshot[],
): OpenHandlesSnapshot {
  const order = slabOrder(slabs);
  if (list.oldest.some((entry) => !order.has(entry.slab))) return list; // the check names it
  const compare = compareOpenHandles(order);
  const sorted = list.oldest.every((entry, i) =>
    i === 0 || compare(list.oldest[i - 1]!, entry) < 0
  );
  return sorted ? list : { ...list, oldest: [...list.oldest].sort(compare) };
}

/** Decodes a keyframe's `open_handles`, checked against the state's slabs. */
export function openHandlesFromWire(
  value: unknown,
  slabs: readonly SlabSnapshot[],
  path: string,
): OpenHandlesSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.openHandles, path, "the open-handle list");
  const list: OpenHandlesSnapshot = {
    limit: limitFromWire(o.limit, `${path}.limit`),
    count: count(o.count, `${path}.count`),
    oldest: array(o.oldest, `${path}.oldest`).map((e, i) =>
      entryFromWire(e, `${path}.oldest[${i}]`)
    ),
  };
  checkOpenHandles(list, slabs, path);
  return list;
}

function limitFromWire(value: unknown, path: string): number {
  const limit = count(value, path);
  if (limit < 1 || limit > MAX_OPEN_HANDLES) {
    fail(path, `expected 1 to ${MAX_OPEN_HANDLES}, received ${limit}`);
  }
  return limit;
}

function entryFromWire(value: unknown, path: string): OpenHandle {
  const o = object(value, path);
  onlyFields(o, MEMBERS.openHandle, path, "an open handle");
  const state = string(o.state, `${path}.state`);
  if (!OPEN_LETTERS.has(state)) {
    fail(`${path}.state`, `expected N, A, I or C, received ${shown(state)}`);
  }
  let owner: number | null = null;
  if (o.owner !== null) {
    owner = count(o.owner, `${path}.owner`);
    if (owner >= NO_OWNER) fail(`${path}.owner`, `${owner} is not an owner index (null is none)`);
  }
  const entry: OpenHandle = {
    slab: string(o.slab, `${path}.slab`),
    slot: count(o.slot, `${path}.slot`),
    state: state as OpenHandle["state"],
    owner,
    since: count(o.since, `${path}.since`),
    opened: count(o.opened, `${path}.opened`),
  };
  if (o.method !== undefined) entry.method = text(o.method, METHOD_LIMIT, `${path}.method`);
  if (o.path !== undefined) entry.path = text(o.path, TEXT_LIMIT, `${path}.path`);
  if (o.origin !== undefined) entry.origin = text(o.origin, TEXT_LIMIT, `${path}.origin`);
  if (entry.path !== undefined && entry.origin !== undefined) {
    fail(`${path}.origin`, "a handle serves a request (path) or makes one (origin), not both");
  }
  if ((entry.method === undefined) !== (entry.path === undefined && entry.origin === undefined)) {
    fail(`${path}.method`, "comes with a path or an origin, and they with it");
  }
  return entry;
}

function text(value: unknown, limit: number, path: string): string {
  const s = string(value, path);
  if (s.length < 1 || s.length > limit) {
    fail(path, `expected 1 to ${limit} characters, received ${s.length}`);
  }
  return s;
}

/**
 * Checks a list against the slabs of its state: each entry names a slot of
 * a handle slab holding that letter and owner, once; the entries are in
 * order; `count` is what the slabs' summaries hold open; and the list holds
 * `min(count, limit)` entries.
 */
export function checkOpenHandles(
  list: OpenHandlesSnapshot,
  slabs: readonly SlabSnapshot[],
  path: string,
): void {
  const order = new Map<string, number>();
  let open = 0;
  slabs.forEach((slab, i) => {
    if (slab.kind !== "handle") return;
    order.set(slab.name, i);
    const s = slab.summary;
    open += s.N + s.A + s.I + s.C;
  });
  if (list.count !== open) {
    fail(`${path}.count`, `${list.count}, the handle slabs hold ${open} open`);
  }
  const expected = Math.min(list.count, list.limit);
  if (list.oldest.length !== expected) {
    fail(`${path}.oldest`, `${list.oldest.length} entries, expected ${expected}`);
  }
  const byName = new Map(slabs.map((slab) => [slab.name, slab]));
  const compare = compareOpenHandles(order);
  list.oldest.forEach((entry, i) => {
    const at = `${path}.oldest[${i}]`;
    const slab = byName.get(entry.slab);
    if (slab === undefined || slab.kind !== "handle") {
      fail(`${at}.slab`, `${JSON.stringify(entry.slab.slice(0, 64))} is not a handle slab`);
    }
    if (entry.slot >= slab.total) {
      fail(`${at}.slot`, `${entry.slot} is not below the slab's ${slab.total} slots`);
    }
    const letter = SLOT_LETTERS[slab.states![entry.slot]!];
    if (letter !== entry.state) {
      fail(`${at}.state`, `${entry.state}, the slot holds ${letter}`);
    }
    const owner = slab.owners![entry.slot]!;
    if ((owner === NO_OWNER ? null : owner) !== entry.owner) {
      fail(
        `${at}.owner`,
        `${entry.owner}, the slot's owner is ${owner === NO_OWNER ? null : owner}`,
      );
    }
    if (i > 0 && compare(list.oldest[i - 1]!, entry) >= 0) {
      fail(at, "out of order (oldest first: opened, then slab order, then slot), or listed twice");
    }
  });
}

/** The `open_handles` member of a delta from `a` to `b`, or `undefined` when nothing changed. */
export function diffOpenHandles(
  a: OpenHandlesSnapshot | undefined,
  b: OpenHandlesSnapshot | undefined,
): JsonObject | undefined {
  if (a === b || b === undefined) return undefined;
  const patch: JsonObject = {};
  if (a?.limit !== b.limit) patch.limit = b.limit;
  if (a?.count !== b.count) patch.count = b.count;
  const before = new Map((a?.oldest ?? []).map((e) => [keyOf(e.slab, e.slot), e]));
  const set: OpenHandle[] = [];
  for (const entry of b.oldest) {
    const key = keyOf(entry.slab, entry.slot);
    const old = before.get(key);
    before.delete(key);
    if (old === undefined || !sameEntry(old, entry)) set.push(entry);
  }
  if (set.length > 0) patch.set = set.map(entryToWire);
  if (before.size > 0) patch.drop = [...before.values()].map((e) => [e.slab, e.slot]);
  return Object.keys(patch).length === 0 ? undefined : patch;
}

function sameEntry(a: OpenHandle, b: OpenHandle): boolean {
  for (const field of OPEN_HANDLE_FIELDS) if (a[field] !== b[field]) return false;
  return true;
}

/** An entry's wire object: fields in wire order, absent ones left out. */
export function entryToWire(entry: OpenHandle): JsonObject {
  const wire: JsonObject = {};
  for (const field of OPEN_HANDLE_FIELDS) {
    if (entry[field] !== undefined) wire[field] = entry[field];
  }
  return wire;
}

/** A list's wire object. */
export function openHandlesToWire(list: OpenHandlesSnapshot): JsonObject {
  return { limit: list.limit, count: list.count, oldest: list.oldest.map(entryToWire) };
}

/**
 * Applies a delta's `open_handles` to `base` (the list of the state it
 * applies to; a state without one starts from an empty list, and then the
 * patch gives `limit` and `count`), checked against the new state's slabs.
 */
export function patchOpenHandles(
  base: OpenHandlesSnapshot | undefined,
  value: unknown,
  slabs: readonly SlabSnapshot[],
  path: string,
): OpenHandlesSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.openHandlesPatch, path, "an open-handle list patch");
  if (base === undefined && (o.limit === undefined || o.count === undefined)) {
    fail(path, "the first list of a state that had none gives its limit and count");
  }
  const list: OpenHandlesSnapshot = {
    limit: o.limit === undefined ? base!.limit : limitFromWire(o.limit, `${path}.limit`),
    count: o.count === undefined ? base!.count : count(o.count, `${path}.count`),
    oldest: [],
  };
  const entries = new Map((base?.oldest ?? []).map((e) => [keyOf(e.slab, e.slot), e]));
  const dropped = new Set<string>();
  if (o.drop !== undefined) {
    array(o.drop, `${path}.drop`).forEach((pair, i) => {
      const at = `${path}.drop[${i}]`;
      const [slab, slot, ...rest] = array(pair, at);
      if (rest.length > 0) fail(at, "expected [slab, slot]");
      const key = keyOf(string(slab, `${at}[0]`), count(slot, `${at}[1]`));
      if (!entries.delete(key)) fail(at, "names no entry of the list");
      dropped.add(key);
    });
  }
  if (o.set !== undefined) {
    const set = new Set<string>();
    array(o.set, `${path}.set`).forEach((value, i) => {
      const at = `${path}.set[${i}]`;
      const entry = entryFromWire(value, at);
      const key = keyOf(entry.slab, entry.slot);
      if (set.has(key)) fail(at, "sets an entry twice");
      if (dropped.has(key)) fail(at, "sets an entry the patch drops");
      set.add(key);
      entries.set(key, entry);
    });
  }
  const order = slabOrder(slabs);
  for (const entry of entries.values()) {
    if (!order.has(entry.slab)) {
      fail(path, `lists slab ${JSON.stringify(entry.slab.slice(0, 64))}, which the state has not`);
    }
  }
  list.oldest = [...entries.values()].sort(compareOpenHandles(order));
  checkOpenHandles(list, slabs, path);
  return list;
}
