// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Run-length text encodings of per-slot states and owners.
 *
 * - States: `<letter><count>` runs, count always written, as in the seed
 *   (`"F16A3I2"`); a decoder accepts a missing count as 1.
 * - Owners: comma-separated `<index>*<count>` runs, `<index>` alone for a
 *   run of 1, `-` for "no owner" (`"0*3,-*5,1"`).
 *
 * @module
 */

import { STATE_COUNT, STATE_LETTERS } from "../allocator/handle_state.ts";

const NO_OWNER = 0xffff;
const STATE_OF = new Int8Array(128).fill(-1);
for (let s = 0; s < STATE_COUNT; s++) STATE_OF[STATE_LETTERS.charCodeAt(s)] = s;

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
    parts.push(STATE_LETTERS[run]! + length);
    run = state;
    length = 1;
  }
  parts.push(STATE_LETTERS[run]! + length);
  return parts.join("");
}

/**
 * Decodes letter runs into exactly `count` state codes.
 *
 * @throws {SyntaxError} On an unknown letter, a bad count, or a total that
 * is not `count`.
 */
export function decodeStateRuns(text: string, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let pos = 0;
  let filled = 0;
  while (pos < text.length) {
    const code = text.charCodeAt(pos);
    const state = code < 128 ? STATE_OF[code]! : -1;
    if (state < 0) {
      throw new SyntaxError(
        `Cannot decode states: ${JSON.stringify(text[pos])} at ${pos} is not a state letter`,
      );
    }
    pos++;
    let length = 0;
    const start = pos;
    while (pos < text.length) {
      const digit = text.charCodeAt(pos) - 48;
      if (digit < 0 || digit > 9) break;
      length = length * 10 + digit;
      pos++;
      if (pos - start > 8) {
        throw new SyntaxError(`Cannot decode states: run length at ${start} is too long`);
      }
    }
    if (pos === start) length = 1;
    if (length === 0 || filled + length > count) {
      throw new SyntaxError(
        `Cannot decode states: run at ${start - 1} covers ${length} slots, ${
          count - filled
        } remain of ${count}`,
      );
    }
    out.fill(state, filled, filled + length);
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

const OWNER_RUN_REGEXP = /^(-|0|[1-9][0-9]{0,4})(?:\*([1-9][0-9]{0,7}))?$/;

/**
 * Decodes owner runs into exactly `count` owner indexes.
 *
 * @throws {SyntaxError} On a malformed run, an owner above 65,534, or a
 * total that is not `count`.
 */
export function decodeOwnerRuns(text: string, count: number): Uint16Array {
  const out = new Uint16Array(count);
  if (count === 0) {
    if (text !== "") throw new SyntaxError("Cannot decode owners: expected no runs for 0 slots");
    return out;
  }
  let filled = 0;
  for (const run of text.split(",")) {
    const match = OWNER_RUN_REGEXP.exec(run);
    if (match === null) {
      throw new SyntaxError(
        `Cannot decode owners: ${JSON.stringify(run.slice(0, 32))} is not a run`,
      );
    }
    const owner = match[1] === "-" ? NO_OWNER : Number(match[1]);
    if (match[1] !== "-" && owner >= NO_OWNER) {
      throw new SyntaxError(
        `Cannot decode owners: owner ${owner} is above 65534 (use "-" for none)`,
      );
    }
    const length = match[2] === undefined ? 1 : Number(match[2]);
    if (filled + length > count) {
      throw new SyntaxError(`Cannot decode owners: runs cover more than ${count} slots`);
    }
    out.fill(owner, filled, filled + length);
    filled += length;
  }
  if (filled !== count) {
    throw new SyntaxError(`Cannot decode owners: runs cover ${filled} of ${count} slots`);
  }
  return out;
}
