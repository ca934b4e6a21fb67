// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Sorted slot indexes as base64 VLQ gaps: the changed-slot lists of deltas.
 *
 * Each number is written as base64 digits of 5 data bits, least significant
 * group first, with 32 added to every digit but the last (the encoding of
 * source maps, without their sign bit). A list of strictly increasing
 * indexes is written as gaps: the first index, then `index - previous - 1`.
 * At 1 % churn on a large slab the mean gap is about 100, so most indexes
 * cost two characters: about a quarter of "offset:letters" text.
 *
 * @module
 */

const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < DIGITS.length; i++) VALUES[DIGITS.charCodeAt(i)] = i;

/** Encodes strictly increasing non-negative integers (the first `count` of `indexes`). */
export function encodeIndexGaps(
  indexes: ArrayLike<number>,
  count: number = indexes.length,
): string {
  const parts: string[] = [];
  let chunk = "";
  let previous = -1;
  for (let k = 0; k < count; k++) {
    const index = indexes[k]!;
    let gap = index - previous - 1;
    previous = index;
    while (gap >= 32) {
      chunk += DIGITS[32 | (gap & 31)];
      gap >>>= 5;
    }
    chunk += DIGITS[gap];
    if (chunk.length > 4096) {
      parts.push(chunk);
      chunk = "";
    }
  }
  parts.push(chunk);
  return parts.join("");
}

/**
 * Decodes `count` indexes written by {@linkcode encodeIndexGaps}, each of
 * which must be below `limit`.
 *
 * @throws {SyntaxError} On a bad digit, a truncated or over-long list, or an
 * index not below `limit`.
 */
export function decodeIndexGaps(text: string, count: number, limit: number): Uint32Array {
  const out = new Uint32Array(count);
  let pos = 0;
  let previous = -1;
  for (let k = 0; k < count; k++) {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (pos >= text.length) {
        throw new SyntaxError(
          `Cannot decode slot list: it ends after ${k} of ${count} indexes`,
        );
      }
      const code = text.charCodeAt(pos++);
      const digit = code < 128 ? VALUES[code]! : -1;
      if (digit < 0) {
        throw new SyntaxError(
          `Cannot decode slot list: ${JSON.stringify(text[pos - 1])} at ${
            pos - 1
          } is not a base64 digit`,
        );
      }
      if (shift > 30) {
        throw new SyntaxError(`Cannot decode slot list: number at ${pos - 1} is too long`);
      }
      value += (digit & 31) * 2 ** shift;
      shift += 5;
      if (digit < 32) break;
    }
    const index = previous + 1 + value;
    if (index >= limit) {
      throw new SyntaxError(
        `Cannot decode slot list: index ${index} is not below the slot count ${limit}`,
      );
    }
    out[k] = index;
    previous = index;
  }
  if (pos !== text.length) {
    throw new SyntaxError(
      `Cannot decode slot list: ${text.length - pos} characters left after ${count} indexes`,
    );
  }
  return out;
}
