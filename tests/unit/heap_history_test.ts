// Copyright 2026 the slabscope authors. MIT license.
// The heap history's wire text (core/wire/heap_history.ts): what the encoder
// writes the decoder reads back exactly, and the decoder refuses every
// malformed payload with a SyntaxError naming the field.
import assert from "node:assert/strict";
import {
  decodeHeapHistory,
  encodeHeapHistory,
  HEAP_HISTORY_MAX_SAMPLES,
  HEAP_HISTORY_WINDOW,
  type HeapHistory,
} from "../../wire.ts";

const START = 1_795_000_000_000;

/** `n` samples `gap` ms apart, with figures of a real process's size. */
function samples(n: number, gap = 1000): HeapHistory {
  const history: HeapHistory = { times: [], rss: [], heap_used: [], heap_total: [], external: [] };
  for (let i = 0; i < n; i++) {
    history.times.push(START + i * gap);
    history.rss.push(104_857_600 + i * 4096);
    history.heap_used.push(25_165_824 + ((i * 7919) % 65_536));
    history.heap_total.push(33_554_432);
    history.external.push(2_097_152 + i);
  }
  return history;
}

/** The wire object of two samples, with `change` applied. */
function wire(change: Record<string, unknown> = {}): string {
  return JSON.stringify({
    v: 1,
    start: START,
    t: [0, 1000],
    rss: [10, 11],
    heap_used: [5, 6],
    heap_total: [8, 8],
    external: [1, 1],
    ...change,
  });
}

function refused(text: string, message: string): void {
  assert.throws(() => decodeHeapHistory(text), { name: "SyntaxError", message });
}

Deno.test("heap history: a round trip gives back exactly the samples, empty and full included", () => {
  for (const n of [0, 1, 2, 180, HEAP_HISTORY_MAX_SAMPLES]) {
    const history = samples(n, Math.floor(HEAP_HISTORY_WINDOW / Math.max(1, n)));
    assert.deepEqual(decodeHeapHistory(encodeHeapHistory(history)), history, `${n} samples`);
  }
  const text = encodeHeapHistory(samples(2));
  assert.equal(JSON.parse(text).start, START);
  assert.deepEqual(JSON.parse(text).t, [0, 1000]);
  assert.equal(
    encodeHeapHistory(samples(0)),
    wire({ start: 0, t: [], rss: [], heap_used: [], heap_total: [], external: [] }),
  );
});

Deno.test("heap history: 3 minutes of one sample a second weigh about 8 KB", () => {
  const bytes = new TextEncoder().encode(encodeHeapHistory(samples(180))).length;
  assert.ok(bytes > 5_000 && bytes < 10_000, `${bytes} B`);
});

Deno.test("heap history: the decoder refuses text that is not a heap history", () => {
  assert.throws(() => decodeHeapHistory("{"), {
    name: "SyntaxError",
    message: /^Cannot decode heap_history: not JSON \(/,
  });
  refused("[]", "Cannot decode heap_history: expected an object, received an array");
  refused(wire({ spaces: [] }), "Cannot decode heap_history.spaces: not a field of a heap history");
  refused(wire({ v: 2 }), "Cannot decode heap_history.v: expected wire version 1, received 2");
});

Deno.test("heap history: the decoder refuses wrong types, naming the field", () => {
  refused(
    wire({ start: "0" }),
    'Cannot decode heap_history.start: expected a non-negative integer, received "0"',
  );
  refused(
    wire({ start: 1.5 }),
    "Cannot decode heap_history.start: expected a non-negative integer, received 1.5",
  );
  refused(
    wire({ t: "0,1000" }),
    "Cannot decode heap_history.t: expected an array, received a string",
  );
  refused(
    wire({ t: [0, null] }),
    "Cannot decode heap_history.t[1]: expected a non-negative integer, received null",
  );
  refused(
    wire({ rss: undefined }),
    "Cannot decode heap_history.rss: expected an array, received nothing",
  );
  refused(
    wire({ heap_used: [5, "6"] }),
    'Cannot decode heap_history.heap_used[1]: expected a non-negative integer, received "6"',
  );
  refused(
    wire({ external: [1, 0.5] }),
    "Cannot decode heap_history.external[1]: expected a non-negative integer, received 0.5",
  );
});

Deno.test("heap history: the decoder refuses negative values", () => {
  refused(
    wire({ start: -1 }),
    "Cannot decode heap_history.start: expected a non-negative integer, received -1",
  );
  refused(
    wire({ t: [0, -1000] }),
    "Cannot decode heap_history.t[1]: expected a non-negative integer, received -1000",
  );
  refused(
    wire({ rss: [10, -11] }),
    "Cannot decode heap_history.rss[1]: expected a non-negative integer, received -11",
  );
  refused(
    wire({ heap_total: [-8, 8] }),
    "Cannot decode heap_history.heap_total[0]: expected a non-negative integer, received -8",
  );
});

Deno.test("heap history: the decoder refuses lengths that disagree", () => {
  refused(
    wire({ rss: [10] }),
    "Cannot decode heap_history.rss: expected 2 values, one per time, received 1",
  );
  refused(
    wire({ heap_used: [5, 6, 7] }),
    "Cannot decode heap_history.heap_used: expected 2 values, one per time, received 3",
  );
  refused(
    wire({ external: [] }),
    "Cannot decode heap_history.external: expected 2 values, one per time, received 0",
  );
});

Deno.test("heap history: the decoder refuses times that do not ascend from 0", () => {
  refused(
    wire({ t: [1000, 2000] }),
    "Cannot decode heap_history.t[0]: expected 0 (the first sample is at start), received 1000",
  );
  refused(
    wire({ t: [0, 0] }),
    "Cannot decode heap_history.t[1]: expected times in ascending order, received 0 after 0",
  );
  refused(
    wire({
      t: [0, 2000, 1000],
      rss: [1, 1, 1],
      heap_used: [1, 1, 1],
      heap_total: [1, 1, 1],
      external: [1, 1, 1],
    }),
    "Cannot decode heap_history.t[2]: expected times in ascending order, received 1000 after 2000",
  );
  refused(
    wire({ start: 5, t: [], rss: [], heap_used: [], heap_total: [], external: [] }),
    "Cannot decode heap_history.start: expected 0 for a history without samples, received 5",
  );
});

Deno.test("heap history: the decoder refuses more samples, or a longer span, than the format allows", () => {
  refused(
    wire({ t: [0, HEAP_HISTORY_WINDOW + 1] }),
    `Cannot decode heap_history.t[1]: expected at most ${HEAP_HISTORY_WINDOW} ms after the first, received ${
      HEAP_HISTORY_WINDOW + 1
    }`,
  );
  const n = HEAP_HISTORY_MAX_SAMPLES + 1;
  const many = Array.from({ length: n }, (_, i) => i);
  refused(
    wire({ t: many, rss: many, heap_used: many, heap_total: many, external: many }),
    `Cannot decode heap_history.t: expected at most ${HEAP_HISTORY_MAX_SAMPLES} samples, received ${n}`,
  );
});

Deno.test("heap history: the encoder refuses what the decoder would", () => {
  const history = samples(3);
  assert.throws(() => encodeHeapHistory({ ...history, rss: [1, 2] }), {
    name: "TypeError",
    message: "Cannot encode heap history: expected 3 rss values, one per time, received 2",
  });
  assert.throws(() => encodeHeapHistory({ ...history, external: [1, -2, 3] }), {
    name: "RangeError",
    message:
      "Cannot encode heap history: expected external to be non-negative integers, received -2",
  });
  assert.throws(() => encodeHeapHistory({ ...history, times: [START, START + 0.5, START + 1] }), {
    name: "RangeError",
    message: `Cannot encode heap history: expected times to be non-negative integers, received ${
      START + 0.5
    }`,
  });
  assert.throws(() => encodeHeapHistory({ ...history, times: [START, START + 2, START + 1] }), {
    name: "RangeError",
    message: `Cannot encode heap history: expected times in ascending order, received ${
      START + 1
    } after ${START + 2}`,
  });
  assert.throws(() => encodeHeapHistory(samples(2, HEAP_HISTORY_WINDOW + 1)), {
    name: "RangeError",
    message:
      `Cannot encode heap history: expected samples within ${HEAP_HISTORY_WINDOW} ms, received ${
        HEAP_HISTORY_WINDOW + 1
      } ms between the first and the last`,
  });
  assert.throws(() => encodeHeapHistory(samples(HEAP_HISTORY_MAX_SAMPLES + 1, 10)), {
    name: "RangeError",
    message:
      `Cannot encode heap history: expected at most ${HEAP_HISTORY_MAX_SAMPLES} samples, received ${
        HEAP_HISTORY_MAX_SAMPLES + 1
      }`,
  });
});
