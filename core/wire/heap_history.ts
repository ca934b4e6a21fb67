// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The heap's recent samples as JSON text, and back: the data of the
 * `heap-history` event that follows a client's first keyframe, so that a
 * dashboard's heap sparklines start with the minutes before it connected.
 * Field by field in `docs/wire-format.md`.
 *
 * @module
 */

import { WIRE_VERSION } from "./types.ts";
import { array, count, fail, object, onlyFields, parseJson, shown } from "./validate.ts";

/** The heap's samples, oldest first: four figures per sample, in bytes. */
export interface HeapHistory {
  /** When each sample was taken, integer ms since the Unix epoch, strictly ascending. */
  times: number[];
  /** Resident set size of the process. */
  rss: number[];
  /** V8 heap in use. */
  heap_used: number[];
  /** V8 heap reserved. */
  heap_total: number[];
  /** Memory held by JS objects outside the V8 heap. */
  external: number[];
}

/** How far back a heap history reaches from its newest sample: 3 minutes, in ms. */
export const HEAP_HISTORY_WINDOW = 180_000;

/** The most samples a heap history holds: 3 minutes of two a second. */
export const HEAP_HISTORY_MAX_SAMPLES = 360;

/** The figures of a sample, in the order the event carries them. */
export const HEAP_HISTORY_FIGURES = ["rss", "heap_used", "heap_total", "external"] as const;
const FIGURES = HEAP_HISTORY_FIGURES;
const FIELDS: ReadonlySet<string> = new Set(["v", "start", "t", ...FIGURES]);

/**
 * Encodes a heap history: `start` is the first sample's time, `t` every
 * sample's offset from it in ms (the first 0), and one array per figure.
 *
 * @param history The samples, oldest first.
 * @returns JSON text: the data of a `heap-history` event.
 * @throws {TypeError} If the arrays disagree in length.
 * @throws {RangeError} If a time or figure is not a non-negative integer,
 * the times do not ascend, or the samples exceed
 * {@linkcode HEAP_HISTORY_MAX_SAMPLES} or span more than
 * {@linkcode HEAP_HISTORY_WINDOW}.
 *
 * @example Usage
 * ```ts
 * import { encodeHeapHistory } from "@slabscope/slabscope/wire";
 * import assert from "node:assert/strict";
 *
 * const text = encodeHeapHistory({
 *   times: [1795000000000, 1795000001000],
 *   rss: [90, 92],
 *   heap_used: [10, 12],
 *   heap_total: [20, 20],
 *   external: [1, 1],
 * });
 * assert.equal(
 *   text,
 *   '{"v":1,"start":1795000000000,"t":[0,1000],"rss":[90,92],"heap_used":[10,12],"heap_total":[20,20],"external":[1,1]}',
 * );
 * ```
 */
export function encodeHeapHistory(history: HeapHistory): string {
  const { times } = history;
  const n = times.length;
  for (const figure of FIGURES) {
    if (history[figure].length !== n) {
      throw new TypeError(
        `Cannot encode heap history: expected ${n} ${figure} values, one per time, received ${
          history[figure].length
        }`,
      );
    }
    for (const value of history[figure]) checkInteger(value, figure);
  }
  if (n > HEAP_HISTORY_MAX_SAMPLES) {
    throw new RangeError(
      `Cannot encode heap history: expected at most ${HEAP_HISTORY_MAX_SAMPLES} samples, received ${n}`,
    );
  }
  const start = n === 0 ? 0 : times[0]!;
  const offsets = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const time = checkInteger(times[i]!, "times");
    if (i > 0 && time <= times[i - 1]!) {
      throw new RangeError(
        `Cannot encode heap history: expected times in ascending order, received ${time} after ${
          times[i - 1]
        }`,
      );
    }
    offsets[i] = time - start;
  }
  if (n > 0 && offsets[n - 1]! > HEAP_HISTORY_WINDOW) {
    throw new RangeError(
      `Cannot encode heap history: expected samples within ${HEAP_HISTORY_WINDOW} ms, received ${
        offsets[n - 1]
      } ms between the first and the last`,
    );
  }
  const wire: Record<string, unknown> = { v: WIRE_VERSION, start, t: offsets };
  for (const figure of FIGURES) wire[figure] = history[figure];
  return JSON.stringify(wire);
}

/**
 * Decodes heap history JSON, checking every field.
 *
 * @param text The data of a `heap-history` event.
 * @returns The samples, oldest first.
 * @throws {SyntaxError} Naming the first field that is missing or
 * malformed: a value that is not a non-negative integer, arrays whose
 * lengths disagree, times that do not ascend, more samples or a longer
 * span than the format allows.
 *
 * @example Usage
 * ```ts
 * import { decodeHeapHistory, encodeHeapHistory } from "@slabscope/slabscope/wire";
 * import assert from "node:assert/strict";
 *
 * const history = {
 *   times: [1795000000000, 1795000005000],
 *   rss: [90, 92],
 *   heap_used: [10, 12],
 *   heap_total: [20, 20],
 *   external: [1, 1],
 * };
 * assert.deepEqual(decodeHeapHistory(encodeHeapHistory(history)), history);
 * assert.throws(
 *   () => decodeHeapHistory('{"v":1,"start":0,"t":[0,5],"rss":[1],"heap_used":[1,1],"heap_total":[1,1],"external":[1,1]}'),
 *   { name: "SyntaxError", message: "Cannot decode heap_history.rss: expected 2 values, one per time, received 1" },
 * );
 * ```
 */
export function decodeHeapHistory(text: string): HeapHistory {
  const o = object(parseJson(text, "heap_history"), "heap_history");
  onlyFields(o, FIELDS, "heap_history", "a heap history");
  if (o.v !== WIRE_VERSION) {
    fail("heap_history.v", `expected wire version ${WIRE_VERSION}, received ${shown(o.v)}`);
  }
  const start = count(o.start, "heap_history.start");
  const offsets = array(o.t, "heap_history.t");
  const n = offsets.length;
  if (n > HEAP_HISTORY_MAX_SAMPLES) {
    fail("heap_history.t", `expected at most ${HEAP_HISTORY_MAX_SAMPLES} samples, received ${n}`);
  }
  if (n === 0 && start !== 0) {
    fail("heap_history.start", `expected 0 for a history without samples, received ${start}`);
  }
  const times = new Array<number>(n);
  let previous = -1;
  for (let i = 0; i < n; i++) {
    const path = `heap_history.t[${i}]`;
    const offset = count(offsets[i], path);
    if (i === 0 && offset !== 0) {
      fail(path, `expected 0 (the first sample is at start), received ${offset}`);
    }
    if (i > 0 && offset <= previous) {
      fail(path, `expected times in ascending order, received ${offset} after ${previous}`);
    }
    if (offset > HEAP_HISTORY_WINDOW) {
      fail(path, `expected at most ${HEAP_HISTORY_WINDOW} ms after the first, received ${offset}`);
    }
    times[i] = count(start + offset, path);
    previous = offset;
  }
  const figure = (name: (typeof FIGURES)[number]): number[] => {
    const path = `heap_history.${name}`;
    const values = array(o[name], path);
    if (values.length !== n) {
      fail(path, `expected ${n} values, one per time, received ${values.length}`);
    }
    return values.map((value, i) => count(value, `${path}[${i}]`));
  };
  return {
    times,
    rss: figure("rss"),
    heap_used: figure("heap_used"),
    heap_total: figure("heap_total"),
    external: figure("external"),
  };
}

/** A time or figure the encoder can write: an integer from 0 to 2^53 − 1. */
function checkInteger(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `Cannot encode heap history: expected ${field} to be non-negative integers, received ${value}`,
    );
  }
  return value;
}
