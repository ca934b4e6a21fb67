// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The heap panel's lines: which figures it draws, and how the history the
 * server sends after its first keyframe (`heap-history`) seeds them.
 *
 * @module
 */

import type { HeapHistory } from "../core/wire/heap_history.ts";
import { pushSample, type Series } from "../components/sparkline.tsx";

/** A heap figure the panel draws a line of. */
export type HeapLine = "heap_used" | "heap_total" | "external" | "rss";

/** The lines, top to bottom, with their labels. */
export const HEAP_LINES: readonly { key: HeapLine; label: string }[] = [
  { key: "heap_used", label: "heap used" },
  { key: "heap_total", label: "heap total" },
  { key: "external", label: "external" },
  { key: "rss", label: "RSS" },
];

/** Every line's samples; the lines share their times. */
export type HeapLines = Record<HeapLine, Series>;

/**
 * Lines without samples.
 *
 * @returns New, empty lines.
 */
export function emptyHeapLines(): HeapLines {
  return {
    heap_used: { times: [], values: [] },
    heap_total: { times: [], values: [] },
    external: { times: [], values: [] },
    rss: { times: [], values: [] },
  };
}

/**
 * The lines the server's history seeds: its samples, then those the page
 * holds from after its last one. A sample that repeats the figures of the
 * one before it adds no point, so the keyframe's sample, which the history
 * usually ends with, is not there twice. Samples more than `window` before
 * the newest go, but for the last of them (where the line enters the window).
 *
 * @param held What the page holds (the keyframe's sample, say).
 * @param sent The server's history.
 * @param window How far back the lines reach, ms.
 * @returns New lines.
 *
 * @example Usage
 * ```ts
 * import { emptyHeapLines, seedHeapLines } from "./heap_lines.ts";
 * import assert from "node:assert/strict";
 *
 * const held = emptyHeapLines();
 * for (const key of ["heap_used", "heap_total", "external", "rss"] as const) {
 *   held[key] = { times: [3_000], values: [key === "rss" ? 9 : 1] };
 * }
 * const sent = {
 *   times: [1_000, 2_000, 3_000],
 *   rss: [7, 8, 9],
 *   heap_used: [1, 1, 1],
 *   heap_total: [1, 1, 1],
 *   external: [1, 1, 1],
 * };
 * const lines = seedHeapLines(held, sent, 180_000);
 * assert.deepEqual(lines.rss, { times: [1_000, 2_000, 3_000], values: [7, 8, 9] });
 * ```
 */
export function seedHeapLines(held: HeapLines, sent: HeapHistory, window: number): HeapLines {
  const lines = emptyHeapLines();
  const add = (time: number, figure: (key: HeapLine) => number) => {
    const times = lines.rss.times;
    const last = times.length - 1;
    if (last >= 0 && time <= times[last]!) return;
    if (last >= 0 && HEAP_LINES.every(({ key }) => lines[key].values[last] === figure(key))) return;
    for (const { key } of HEAP_LINES) pushSample(lines[key], time, figure(key), window);
  };
  sent.times.forEach((time, i) => add(time, (key) => sent[key][i]!));
  held.rss.times.forEach((time, i) => add(time, (key) => held[key].values[i]!));
  return lines;
}
