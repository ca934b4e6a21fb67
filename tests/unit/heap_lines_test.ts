// Copyright 2026 the slabscope authors. MIT license.
// How the heap panel's lines start with the server's history
// (client/heap_lines.ts): its samples, then the page's own after them,
// without a sample twice at the joint.
import assert from "node:assert/strict";
import {
  emptyHeapLines,
  HEAP_LINES,
  type HeapLines,
  seedHeapLines,
} from "../../client/heap_lines.ts";
import type { HeapHistory } from "../../wire.ts";

const WINDOW = 180_000;

function sent(times: number[], rss: number[]): HeapHistory {
  const ones = times.map(() => 1);
  return { times, rss, heap_used: ones, heap_total: ones, external: ones };
}

function held(times: number[], rss: number[]): HeapLines {
  const lines = emptyHeapLines();
  for (const { key } of HEAP_LINES) {
    lines[key] = { times: [...times], values: key === "rss" ? [...rss] : times.map(() => 1) };
  }
  return lines;
}

Deno.test("heap lines: the keyframe's sample, which the history ends with, is not drawn twice", () => {
  // The keyframe came first (its state is 400 ms younger than its heap sample).
  const lines = seedHeapLines(
    held([5_400], [30]),
    sent([1_000, 3_000, 5_000], [10, 20, 30]),
    WINDOW,
  );
  for (const { key } of HEAP_LINES) {
    assert.deepEqual(lines[key].times, [1_000, 3_000, 5_000], key);
  }
  assert.deepEqual(lines.rss.values, [10, 20, 30]);
});

Deno.test("heap lines: the page's samples after the history's last follow it; earlier ones go", () => {
  const lines = seedHeapLines(
    held([2_000, 5_000, 6_000, 7_000], [99, 30, 40, 50]),
    sent([1_000, 3_000, 5_000], [10, 20, 30]),
    WINDOW,
  );
  assert.deepEqual(lines.rss.times, [1_000, 3_000, 5_000, 6_000, 7_000]);
  assert.deepEqual(lines.rss.values, [10, 20, 30, 40, 50]);
  assert.deepEqual(lines.heap_used.times, lines.rss.times);
});

Deno.test("heap lines: an empty history leaves the page's samples; the window still holds", () => {
  assert.deepEqual(seedHeapLines(held([7_000], [5]), sent([], []), WINDOW).rss, {
    times: [7_000],
    values: [5],
  });
  // One sample before the window stays, where the line enters it.
  const lines = seedHeapLines(held([], []), sent([0, 10_000, 200_000], [1, 2, 3]), WINDOW);
  assert.deepEqual(lines.rss.times, [10_000, 200_000]);
});
