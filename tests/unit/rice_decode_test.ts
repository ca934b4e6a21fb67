// Copyright 2026 the slabscope authors. MIT license.
// The Rice slot-list decoder, which reads a byte at a time, against the
// format's definition read one bit at a time: the same indexes for every
// list, and the same refusal, word for word, for every malformed one.
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeSlotList, encodeSlotList } from "../../core/wire/rice.ts";
import { decodeBase64, encodeBase64 } from "../../core/wire/base64.ts";

/** docs/wire-format.md "Slot lists", bit by bit. */
function reference(text: string, k: number, count: number, limit: number): Uint32Array {
  const bytes = decodeBase64(text);
  const total = bytes.length * 8;
  const out = new Uint32Array(count);
  let pos = 0;
  let previous = -1;
  const bit = () => (bytes[pos >> 3]! >> (7 - (pos++ & 7))) & 1;
  for (let i = 0; i < count; i++) {
    let quotient = 0;
    for (;;) {
      if (pos >= total) {
        throw new SyntaxError(`Cannot decode slot list: it ends after ${i} of ${count} indexes`);
      }
      if (bit() === 0) break;
      if (++quotient * 2 ** k >= limit) {
        throw new SyntaxError(
          `Cannot decode slot list: index ${i} is not below the slot count ${limit}`,
        );
      }
    }
    if (pos + k > total) {
      throw new SyntaxError(`Cannot decode slot list: it ends after ${i} of ${count} indexes`);
    }
    let remainder = 0;
    for (let b = 0; b < k; b++) remainder = remainder * 2 + bit();
    const index = previous + 1 + quotient * 2 ** k + remainder;
    if (index >= limit) {
      throw new SyntaxError(
        `Cannot decode slot list: index ${index} is not below the slot count ${limit}`,
      );
    }
    out[i] = index;
    previous = index;
  }
  if (total - pos >= 8 || (pos < total && (bytes[pos >> 3]! & (0xff >> (pos & 7))) !== 0)) {
    throw new SyntaxError(
      `Cannot decode slot list: ${total - pos} bits left after ${count} indexes`,
    );
  }
  return out;
}

function outcome(decode: typeof reference, text: string, k: number, count: number, limit: number) {
  try {
    return { indexes: [...decode(text, k, count, limit)] };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

Deno.test("decodeSlotList reads back every list encodeSlotList writes, as the definition does", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 1 << 22 }), { maxLength: 300 }),
      (values) => {
        const sorted = values.sort((a, b) => a - b);
        const { k, at } = encodeSlotList(sorted);
        const limit = (sorted.at(-1) ?? 0) + 1;
        assert.deepEqual([...decodeSlotList(at, k, sorted.length, limit)], sorted);
        assert.deepEqual([...reference(at, k, sorted.length, limit)], sorted);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("decodeSlotList refuses exactly what the definition refuses, with the same words", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 24 }),
      fc.integer({ min: 0, max: 30 }),
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 1, max: 1 << 22 }),
      (bytes, k, count, limit) => {
        const text = encodeBase64(bytes);
        assert.deepEqual(
          outcome(decodeSlotList, text, k, count, limit),
          outcome(reference, text, k, count, limit),
        );
      },
    ),
    { numRuns: 5000 },
  );
});
