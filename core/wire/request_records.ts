// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Decoding request records (a keyframe's `requests`, a full patch) and the
 * checks every record passes, whole or patched: the counters agree with each
 * other, every histogram adds up to its count, every sum of durations lies
 * within what its buckets can hold, and the history is complete seconds
 * only. Field by field in `docs/wire-format.md`.
 *
 * @module
 */

import { bucketRange, DURATION_BUCKETS } from "./durations.ts";
import { MEMBERS, REQUEST_CLASS_FIELDS, REQUEST_SCALARS } from "./fields.ts";
import {
  HISTORY_SECONDS,
  type RequestClassSnapshot,
  type RequestSnapshot,
  type RequestsSnapshot,
  STATUS_CLASSES,
  type StatusClass,
} from "./types.ts";
import { array, count, fail, member, object, onlyFields, shown, string } from "./validate.ts";

/** A bucket index as a key: 0 to 71, no leading zeros. */
const BUCKET_KEY = /^(0|[1-9][0-9]?)$/;
/** Owner names are 1 to 256 characters (`OwnerRegistry`). */
const MAX_NAME_LENGTH = 256;
const CLASS_SET: ReadonlySet<string> = new Set(STATUS_CLASSES);

/** Decodes a keyframe's `requests`: both lists, each sorted by name, every record checked. */
export function requestsFromWire(value: unknown, path: string, ts: number): RequestsSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.requests, path, "the requests");
  return {
    server: recordList(o.server, `${path}.server`, ts),
    client: recordList(o.client, `${path}.client`, ts),
  };
}

function recordList(value: unknown, path: string, ts: number): RequestSnapshot[] {
  const records = array(value, path).map((item, i) => requestFromWire(item, `${path}[${i}]`, ts));
  checkOrder(records, path);
  return records;
}

/** Checks that records are sorted by name (code-unit order) with no name twice. */
export function checkOrder(records: readonly { name: string }[], path: string): void {
  for (let i = 1; i < records.length; i++) {
    if (!(records[i - 1]!.name < records[i]!.name)) {
      fail(
        path,
        `records are sorted by name with each name once; ${
          JSON.stringify(records[i]!.name.slice(0, 64))
        } comes after ${JSON.stringify(records[i - 1]!.name.slice(0, 64))}`,
      );
    }
  }
}

/** Decodes and checks one whole request record. */
export function requestFromWire(value: unknown, path: string, ts: number): RequestSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.request, path, "a request record");
  const record = { name: requestName(o.name, `${path}.name`) } as RequestSnapshot;
  for (const field of REQUEST_SCALARS) record[field] = count(o[field], `${path}.${field}`);
  record.classes = classesFromWire(o.classes, `${path}.classes`);
  record.second = count(o.second, `${path}.second`);
  record.history = historyFromWire(o.history, `${path}.history`);
  checkRequest(record, path, ts);
  return record;
}

/** Reads a record's name: 1 to 256 characters, like an owner name. */
export function requestName(value: unknown, path: string): string {
  const name = string(value, path);
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    fail(path, `expected 1 to ${MAX_NAME_LENGTH} characters, received ${name.length}`);
  }
  return name;
}

/**
 * Decodes `classes`: any of `1xx` … `5xx`, each checked. With `base` (a
 * patch), a class's `buckets` lists only the buckets that grew, and merges
 * into the class `base` has.
 */
export function classesFromWire(
  value: unknown,
  path: string,
  base?: Partial<Record<StatusClass, RequestClassSnapshot>>,
): Partial<Record<StatusClass, RequestClassSnapshot>> {
  const o = object(value, path);
  const classes: Partial<Record<StatusClass, RequestClassSnapshot>> = {};
  for (const key of Object.keys(o)) {
    if (!CLASS_SET.has(key)) fail(member(path, key), "not a status class (1xx to 5xx)");
  }
  // In wire order whatever order the text had, so that equal records compare equal.
  for (const key of STATUS_CLASSES) {
    if (o[key] !== undefined) classes[key] = classFromWire(o[key], `${path}.${key}`, base?.[key]);
  }
  return classes;
}

function classFromWire(
  value: unknown,
  path: string,
  base: RequestClassSnapshot | undefined,
): RequestClassSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.requestClass, path, "a status class");
  const [countField, sumField] = REQUEST_CLASS_FIELDS;
  const total = count(o[countField], `${path}.${countField}`);
  const sum = count(o[sumField], `${path}.${sumField}`);
  if (total === 0) fail(`${path}.count`, "a status class is listed only once a request had it");
  if (base !== undefined && total <= base.count) {
    fail(`${path}.count`, `${total}: a patched class has more requests than its ${base.count}`);
  }
  const bucketsPath = `${path}.buckets`;
  const raw = object(o.buckets, bucketsPath);
  const buckets: Record<string, number> = base === undefined ? {} : { ...base.buckets };
  for (const [key, n] of Object.entries(raw)) {
    if (!BUCKET_KEY.test(key) || Number(key) >= DURATION_BUCKETS) {
      fail(member(bucketsPath, key), `not a bucket index (0 to ${DURATION_BUCKETS - 1})`);
    }
    const at = `${bucketsPath}.${key}`;
    const value = count(n, at);
    if (value === 0) fail(at, "a bucket is listed only when it holds a request");
    if (base !== undefined && value <= (base.buckets[key] ?? 0)) {
      fail(at, `${value}: a patch lists only the buckets that grew (it had ${base.buckets[key]})`);
    }
    buckets[key] = value;
  }
  const ordered: Record<string, number> = {};
  let held = 0;
  let min = 0;
  let max = 0;
  // Bucket keys in ascending order (integer keys enumerate so), whatever the merge.
  for (const [key, value] of Object.entries(buckets)) {
    ordered[key] = value;
    held += value;
    const [low, high] = bucketRange(Number(key));
    min += value * low;
    max += value * high;
  }
  if (held !== total) fail(bucketsPath, `the buckets hold ${held} requests, count is ${total}`);
  if (sum < min || sum > max) {
    fail(
      `${path}.sum_us`,
      `${sum} µs cannot be the sum of the durations in these buckets (${min} to ${
        max === Infinity ? "unbounded" : max
      } µs)`,
    );
  }
  return { count: total, sum_us: sum, buckets: ordered };
}

/** Decodes a history: exactly 60 per-second counts. */
export function historyFromWire(value: unknown, path: string): number[] {
  const list = array(value, path);
  if (list.length !== HISTORY_SECONDS) {
    fail(path, `expected ${HISTORY_SECONDS} seconds, received ${list.length}`);
  }
  return list.map((n, i) => count(n, `${path}[${i}]`));
}

/**
 * Checks what a record's fields say about each other; the decoder runs it on
 * every record it builds, keyframe or patch.
 */
export function checkRequest(record: RequestSnapshot, path: string, ts: number): void {
  let completed = 0;
  for (const key of STATUS_CLASSES) completed += record.classes[key]?.count ?? 0;
  if (completed !== record.completed) {
    fail(`${path}.completed`, `${record.completed}, but the status classes hold ${completed}`);
  }
  const open = record.started - record.completed - record.aborted;
  if (open !== record.in_flight) {
    fail(
      `${path}.in_flight`,
      `${record.in_flight}, but started - completed - aborted is ${open}`,
    );
  }
  const recent = record.history.reduce((sum, n) => sum + n, 0);
  if (recent > record.completed) {
    fail(`${path}.history`, `${recent} requests, more than the ${record.completed} completed`);
  }
  if (record.second >= Math.floor(ts / 1000)) {
    fail(
      `${path}.second`,
      `${record.second} is not a complete second at ts ${ts}: the history holds past seconds only`,
    );
  }
  const { p50_us: p50, p95_us: p95, p99_us: p99 } = record;
  if (p50 > p95 || p95 > p99) {
    fail(`${path}.p95_us`, `percentiles must not decrease: p50 ${p50}, p95 ${p95}, p99 ${p99}`);
  }
  if (recent === 0 && p99 !== 0) {
    fail(`${path}.p99_us`, `${shown(p99)} with no request in the history: expected 0`);
  }
}
