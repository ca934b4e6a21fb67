// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The `requests` member of a delta: what changed in the request records,
 * and applying it. A record patch carries the changed counters, the status
 * classes that changed (with only the buckets that grew), and for the
 * history only the seconds that came after the previous `second`. Field by field in
 * `docs/wire-format.md`.
 *
 * @module
 */

import { MEMBERS, REQUEST_SCALARS } from "./fields.ts";
import {
  checkOrder,
  checkRequest,
  classesFromWire,
  requestFromWire,
  requestName,
} from "./request_records.ts";
import {
  HISTORY_SECONDS,
  type RequestClassSnapshot,
  type RequestSnapshot,
  type RequestsSnapshot,
  STATUS_CLASSES,
} from "./types.ts";
import { array, count, fail, type JsonObject, object, onlyFields, string } from "./validate.ts";

const KINDS = ["server", "client"] as const;
const REMOVED = { server: "removed_server", client: "removed_client" } as const;
const EMPTY: RequestsSnapshot = { server: [], client: [] };

/**
 * The `requests` member of a delta from `prev` to `next`, or `undefined`
 * when nothing changed. A state without request metrics counts as empty
 * lists: the first delta to one that has them says so with `requests`.
 */
export function diffRequests(
  prev: RequestsSnapshot | undefined,
  next: RequestsSnapshot | undefined,
): JsonObject | undefined {
  if (next === undefined || prev === next) return undefined;
  const delta: JsonObject = {};
  let changed = prev === undefined;
  for (const kind of KINDS) {
    const before = new Map((prev ?? EMPTY)[kind].map((record) => [record.name, record]));
    const patches: JsonObject[] = [];
    for (const record of next[kind]) {
      const old = before.get(record.name);
      before.delete(record.name);
      if (old === record) continue;
      const patch = old === undefined ? fullPatch(record) : diffRecord(old, record);
      if (patch !== undefined) patches.push(patch);
    }
    if (patches.length > 0) delta[kind] = patches;
    if (before.size > 0) delta[REMOVED[kind]] = [...before.keys()];
    changed ||= patches.length > 0 || before.size > 0;
  }
  return changed ? delta : undefined;
}

function fullPatch(record: RequestSnapshot): JsonObject {
  return { full: true, ...record };
}

/** The patch from `a` to `b` (one name), or `undefined` when they are equal. */
function diffRecord(a: RequestSnapshot, b: RequestSnapshot): JsonObject | undefined {
  // Counters only grow while a record lives: one that went back is a new record.
  if (b.started < a.started || b.completed < a.completed) return fullPatch(b);
  const patch: JsonObject = { name: b.name };
  let changed = false;
  for (const field of REQUEST_SCALARS) {
    if (a[field] !== b[field]) {
      patch[field] = b[field];
      changed = true;
    }
  }
  const classes: JsonObject = {};
  let classesChanged = false;
  for (const key of STATUS_CLASSES) {
    const x = a.classes[key];
    const y = b.classes[key];
    if (y === undefined) {
      // Classes never go away while a record lives; a record that lost one is new.
      if (x !== undefined) return fullPatch(b);
      continue;
    }
    if (x === y || (x !== undefined && sameClass(x, y))) continue;
    if (x === undefined) {
      classes[key] = y;
    } else {
      // A class only grows: its count, and the buckets that grew, are the patch.
      if (y.count <= x.count) return fullPatch(b);
      const grown: Record<string, number> = {};
      for (const [bucket, n] of Object.entries(y.buckets)) {
        const before = x.buckets[bucket] ?? 0;
        if (n < before) return fullPatch(b);
        if (n > before) grown[bucket] = n;
      }
      if (Object.keys(x.buckets).some((bucket) => y.buckets[bucket] === undefined)) {
        return fullPatch(b);
      }
      classes[key] = { count: y.count, sum_us: y.sum_us, buckets: grown };
    }
    classesChanged = true;
  }
  if (classesChanged) {
    patch.classes = classes;
    changed = true;
  }
  if (a.second !== b.second || a.history !== b.history) {
    const tail = historyTail(a, b);
    if (tail === undefined) return fullPatch(b);
    if (a.second !== b.second) {
      patch.second = b.second;
      if (tail.length > 0) patch.history_tail = tail;
      changed = true;
    }
  }
  return changed ? patch : undefined;
}

/**
 * The seconds of `b.history` that came after `a.second`, without leading
 * zeros; `undefined` when `b` does not continue `a` (a second went back, or a
 * past second changed), which only a full patch can say.
 */
function historyTail(a: RequestSnapshot, b: RequestSnapshot): number[] | undefined {
  const gap = b.second - a.second;
  if (gap < 0) return undefined;
  const fresh = Math.min(gap, HISTORY_SECONDS);
  for (let i = 0; i < HISTORY_SECONDS - fresh; i++) {
    if (b.history[i] !== a.history[i + gap]) return undefined;
  }
  let first = HISTORY_SECONDS - fresh;
  while (first < HISTORY_SECONDS && b.history[first] === 0) first++;
  return b.history.slice(first);
}

function sameClass(a: RequestClassSnapshot, b: RequestClassSnapshot): boolean {
  if (a.count !== b.count || a.sum_us !== b.sum_us) return false;
  const ak = Object.keys(a.buckets);
  if (ak.length !== Object.keys(b.buckets).length) return false;
  for (const key of ak) if (a.buckets[key] !== b.buckets[key]) return false;
  return true;
}

/**
 * Applies a delta's `requests` to the records a state holds (none: empty
 * lists). The input is not modified; records the delta does not name are
 * shared with it.
 */
export function applyRequests(
  base: RequestsSnapshot | undefined,
  value: unknown,
  path: string,
  ts: number,
): RequestsSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.requestsDelta, path, "a requests patch");
  const state = base ?? EMPTY;
  const next = { ...state };
  for (const kind of KINDS) {
    next[kind] = applyList(
      state[kind],
      o[kind],
      o[REMOVED[kind]],
      `${path}.${kind}`,
      `${path}.${REMOVED[kind]}`,
      ts,
    );
  }
  return next;
}

function applyList(
  records: RequestSnapshot[],
  patches: unknown,
  removed: unknown,
  path: string,
  removedPath: string,
  ts: number,
): RequestSnapshot[] {
  if (patches === undefined && removed === undefined) return records;
  const byName = new Map(records.map((record) => [record.name, record]));
  if (removed !== undefined) {
    array(removed, removedPath).forEach((item, i) => {
      const name = string(item, `${removedPath}[${i}]`);
      if (!byName.delete(name)) {
        fail(`${removedPath}[${i}]`, `there is no record named ${JSON.stringify(name)}`);
      }
    });
  }
  if (patches !== undefined) {
    const patched = new Set<string>();
    array(patches, path).forEach((item, i) => {
      const at = `${path}[${i}]`;
      const o = object(item, at);
      const name = requestName(o.name, `${at}.name`);
      if (patched.has(name)) fail(`${at}.name`, `${JSON.stringify(name)} is patched twice`);
      patched.add(name);
      if (o.full === true) {
        const { full: _, ...whole } = o;
        byName.set(name, requestFromWire(whole, at, ts));
        return;
      }
      if (o.full !== undefined) fail(`${at}.full`, "expected true or no field");
      const old = byName.get(name);
      if (old === undefined) {
        fail(at, `patches ${JSON.stringify(name)}, which the state does not have`);
      }
      byName.set(name, patchRecord(old, o, at, ts));
    });
  }
  const result = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  checkOrder(result, path);
  return result;
}

/** Applies one record patch: counters, changed classes, and the history moved on. */
function patchRecord(
  old: RequestSnapshot,
  o: JsonObject,
  path: string,
  ts: number,
): RequestSnapshot {
  onlyFields(o, MEMBERS.requestPatch, path, "a request patch");
  const record: RequestSnapshot = { ...old };
  for (const field of REQUEST_SCALARS) {
    if (o[field] !== undefined) record[field] = count(o[field], `${path}.${field}`);
  }
  if (o.classes !== undefined) {
    record.classes = {
      ...old.classes,
      ...classesFromWire(o.classes, `${path}.classes`, old.classes),
    };
  }
  if (o.second !== undefined) {
    const second = count(o.second, `${path}.second`);
    if (second <= old.second) {
      fail(`${path}.second`, `${second} does not come after ${old.second}`);
    }
    record.second = second;
    record.history = movedHistory(old.history, second - old.second, o.history_tail, path);
  } else if (o.history_tail !== undefined) {
    fail(`${path}.history_tail`, "the history moves on only with a new second");
  }
  checkRequest(record, path, ts);
  return record;
}

/** The history `gap` seconds later: shifted, zeros for the new seconds, then `tail` at the end. */
function movedHistory(history: number[], gap: number, tail: unknown, path: string): number[] {
  const fresh = Math.min(gap, HISTORY_SECONDS);
  const values = tail === undefined
    ? []
    : array(tail, `${path}.history_tail`).map((n, i) => count(n, `${path}.history_tail[${i}]`));
  if (tail !== undefined && (values.length === 0 || values[0] === 0)) {
    fail(
      `${path}.history_tail`,
      "starts with its first non-zero second, and is left out when none",
    );
  }
  if (values.length > fresh) {
    fail(
      `${path}.history_tail`,
      `${values.length} seconds, but only ${fresh} came after the previous second`,
    );
  }
  const moved = history.slice(fresh);
  for (let i = values.length; i < fresh; i++) moved.push(0);
  moved.push(...values);
  return moved;
}
