// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Run-length text encodings of per-slot states and owners. Both have one
 * text per array: runs are maximal (a run never continues the one before
 * it) and numbers have no leading zeros, and the decoders refuse anything
 * else.
 *
 * - States of a handle slab: `<letter><count>` runs, the count always
 *   written (`"F16A3I2"`); letters `F N A I C K` (`U` is a plain slab's, and
 *   plain slabs travel as a bitmap).
 * - Owners: comma-separated `<index>*<count>` runs, `<index>` alone for a
 *   run of 1, `-` for "no owner" (`"0*3,-*5,1"`).
 *
 * @module
 */

import { HandleState } from "../allocator/handle_state.ts";
import { NO_OWNER } from "../allocator/slab_layout.ts";
import { SLOT_LETTERS, SLOT_STATE_COUNT } from "./slot_states.ts";

const STATE_OF = new Int8Array(128).fill(-1);
for (let s = 0; s < SLOT_STATE_COUNT; s++) STATE_OF[SLOT_LETTERS.charCodeAt(s)] = s;
/** Most digits a run's count may have: more than the largest slab (4,194,304 slots) needs. */
const MAX_DIGITS = 8;

/** Encodes the first `count` state codes as letter runs. */
export function encodeStateRuns(states: Uint8Array, count: number = states.length): string {
  if (count === 0) return "";
  const parts: string[] = [];
  let run = states[0]!;
  let length = 1;
  for (let i = 1; i < count; i++) {
    const state = states[i]!;
    if (state === run) {
      length++;
      continue;
    }
    parts.push(SLOT_LETTERS[run]! + length);
    run = state;
    length = 1;
  }
  parts.push(SLOT_LETTERS[run]! + length);
  return parts.join("");
}

/**
 * Decodes the state runs of a handle slab into exactly `count` state codes.
 *
 * @throws {SyntaxError} On a letter that is not a handle state, a missing,
 * zero or zero-led count, a run that continues the one before it, or runs
 * that do not cover exactly `count` slots.
 */
export function decodeStateRuns(text: string, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let pos = 0;
  let filled = 0;
  let previous = -1;
  while (pos < text.length) {
    const code = text.charCodeAt(pos);
    const state = code < 128 ? STATE_OF[code]! : -1;
    if (state < 0 || state === HandleState.Used) {
      throw new SyntaxError(
        `Cannot decode states: ${JSON.stringify(text[pos])} at ${pos} is not a handle state${
          state === HandleState.Used ? " (a plain slab's slots travel as a bitmap)" : ""
        }`,
      );
    }
    if (state === previous) {
      throw new SyntaxError(
        `Cannot decode states: the run at ${pos} continues the run before it (runs are maximal)`,
      );
    }
    previous = state;
    const start = ++pos;
    pos = digitsEnd(text, start);
    if (pos === start) {
      throw new SyntaxError(
        `Cannot decode states: expected a count at ${start}, after ${
          JSON.stringify(text[start - 1])
        }`,
      );
    }
    if (pos - start > MAX_DIGITS) {
      throw new SyntaxError(`Cannot decode states: the count at ${start} is too long`);
    }
    if (!canonicalNumber(text, start, pos, MAX_DIGITS)) {
      throw new SyntaxError(
        `Cannot decode states: the count ${text.slice(start, pos)} at ${start} has a leading zero`,
      );
    }
    const length = decimal(text, start, pos);
    if (length === 0 || filled + length > count) {
      throw new SyntaxError(
        `Cannot decode states: the run at ${start - 1} covers ${length} slots, ${
          count - filled
        } remain of ${count}`,
      );
    }
    // A run of one is a plain store: cheaper than a call to fill().
    if (length === 1) out[filled] = state;
    else out.fill(state, filled, filled + length);
    filled += length;
  }
  if (filled !== count) {
    throw new SyntaxError(`Cannot decode states: runs cover ${filled} of ${count} slots`);
  }
  return out;
}

/** Encodes the first `count` owner indexes as runs. */
export function encodeOwnerRuns(owners: Uint16Array, count: number = owners.length): string {
  if (count === 0) return "";
  // Chunks of a few KB joined at the end: cheaper than one growing string
  // or one array entry per run when there are 100,000 runs.
  const chunks: string[] = [];
  let text = "";
  let run = owners[0]!;
  let length = 1;
  for (let i = 1; i <= count; i++) {
    const owner = i < count ? owners[i]! : -1;
    if (owner === run) {
      length++;
      continue;
    }
    if (text.length > 0) text += ",";
    text += run === NO_OWNER ? "-" : run;
    if (length > 1) text += "*" + length;
    if (text.length > 4096) {
      chunks.push(text);
      text = "";
    }
    run = owner;
    length = 1;
  }
  if (text.length > 0) chunks.push(text);
  return chunks.join(",");
}

/** Most digits an owner index has (65534). */
const OWNER_DIGITS = 5;
const COMMA = 44;
const STAR = 42;
const DASH = 45;
const ZERO = 48;

/**
 * Decodes owner runs into exactly `count` owner indexes, in one pass over
 * the characters (a large handle slab's owners can be 100,000 runs).
 *
 * @throws {SyntaxError} On a malformed run (leading zeros included), an
 * owner above 65,534, a run of 1 written with a count, a run that
 * continues the one before it, or runs that do not cover exactly `count`
 * slots.
 */
export function decodeOwnerRuns(text: string, count: number): Uint16Array {
  const out = new Uint16Array(count);
  if (count === 0) {
    if (text !== "") throw new SyntaxError("Cannot decode owners: expected no runs for 0 slots");
    return out;
  }
  let filled = 0;
  let previous = -1;
  let pos = 0;
  for (let run = 0;; run++) {
    const start = pos;
    let owner = NO_OWNER;
    if (text.charCodeAt(pos) === DASH) {
      pos++;
    } else {
      const end = digitsEnd(text, pos);
      if (!canonicalNumber(text, pos, end, OWNER_DIGITS)) {
        refuseOwnerRun(text, run, start, "is not a run");
      }
      owner = decimal(text, pos, end);
      if (owner >= NO_OWNER) {
        refuseOwnerRun(
          text,
          run,
          start,
          `names owner ${owner}, above ${NO_OWNER - 1} (use "-" for none)`,
        );
      }
      pos = end;
    }
    let length = 1;
    if (text.charCodeAt(pos) === STAR) {
      const end = digitsEnd(text, ++pos);
      if (!canonicalNumber(text, pos, end, MAX_DIGITS)) {
        refuseOwnerRun(text, run, start, "is not a run");
      }
      length = decimal(text, pos, end);
      if (length === 0) refuseOwnerRun(text, run, start, "is not a run");
      if (length === 1) {
        refuseOwnerRun(text, run, start, "is a run of 1, which is written without a count");
      }
      pos = end;
    }
    if (pos < text.length && text.charCodeAt(pos) !== COMMA) {
      refuseOwnerRun(text, run, start, "is not a run");
    }
    if (owner === previous) {
      refuseOwnerRun(text, run, start, "continues the run before it (runs are maximal)");
    }
    previous = owner;
    if (filled + length > count) {
      throw new SyntaxError(`Cannot decode owners: runs cover more than ${count} slots`);
    }
    // A run of one is a plain store: cheaper than a call to fill().
    if (length === 1) out[filled] = owner;
    else out.fill(owner, filled, filled + length);
    filled += length;
    if (pos === text.length) break;
    pos++; // the comma
  }
  if (filled !== count) {
    throw new SyntaxError(`Cannot decode owners: runs cover ${filled} of ${count} slots`);
  }
  return out;
}

function refuseOwnerRun(text: string, run: number, start: number, detail: string): never {
  const end = text.indexOf(",", start);
  const shown = text.slice(
    start,
    end < 0 ? Math.min(text.length, start + 32) : Math.min(end, start + 32),
  );
  throw new SyntaxError(`Cannot decode owners: run ${run} (${JSON.stringify(shown)}) ${detail}`);
}

/** The index after the decimal digits that start at `pos`. */
function digitsEnd(text: string, pos: number): number {
  let end = pos;
  while (end < text.length) {
    const digit = text.charCodeAt(end) - ZERO;
    if (digit < 0 || digit > 9) break;
    end++;
  }
  return end;
}

/** Whether `text[pos, end)` is 1 to `limit` digits without a leading zero. */
function canonicalNumber(text: string, pos: number, end: number, limit: number): boolean {
  return end > pos && end - pos <= limit && (end - pos === 1 || text.charCodeAt(pos) !== ZERO);
}

/** The value of the digits `text[pos, end)`. */
function decimal(text: string, pos: number, end: number): number {
  let value = 0;
  for (let i = pos; i < end; i++) value = value * 10 + text.charCodeAt(i) - ZERO;
  return value;
}
