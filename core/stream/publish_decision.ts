// Copyright 2026 the slabscope authors. MIT license.
/**
 * The stream's decisions for one tick, before any client: whether to sample
 * the heap, and what of a new state to publish. Pure: the clock and the
 * delta come in, a decision goes out; `DiagnosticsStream` does the I/O.
 *
 * @module
 */

import type { JsonObject } from "../wire/validate.ts";
import type { StreamSettings } from "./stream_settings.ts";

/** When the stream last published what (`performance.now()` milliseconds). */
export interface PublishClock {
  /** Now. */
  readonly now: number;
  /** The last published state that carried a new heap sample. */
  readonly lastHeapPublish: number;
  /** The last published state that carried new heap spaces. */
  readonly lastSpacesPublish: number;
}

/**
 * What to publish of a new state:
 *
 * - `"nothing"`: no change, or only the heap changed and a heap delta went
 *   out less than `heapQuietInterval` ago. The state is not published; what
 *   changed rides along with the next delta.
 * - `"delta"`: pools changed (slabs, arenas, owners): publish the delta as
 *   it is, the stream's own figures and any new heap sample with it.
 * - `"heap"`: only the heap changed: publish it lean, without the stream's
 *   figures and without the heap spaces (which went out less than
 *   `keyframeInterval` ago).
 * - `"heap-and-spaces"`: as `"heap"`, with the heap spaces.
 */
export type PublishDecision = "nothing" | "delta" | "heap" | "heap-and-spaces";

/** A delta the stream published: every client holding `base` is sent it. */
export interface PublishedDelta {
  /** The state it applies to. */
  readonly base: number;
  /** The state it brings a client to. */
  readonly seq: number;
  /** Whether it carries pool changes (rather than only the heap). */
  readonly poolChange: boolean;
}

/** Keys of a delta that are not pool changes. */
const QUIET_KEYS: ReadonlySet<string> = new Set(["v", "seq", "base", "ts", "heap", "stream"]);

/**
 * Whether a delta changes a pool: a slab, an arena, their order or the
 * owners. A delta of only the heap (and the stream's own figures) does not.
 *
 * @example
 * ```ts
 * import { isPoolChange } from "./publish_decision.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isPoolChange({ v: 1, seq: 2, base: 1, ts: 0, heap: { used: 1 } }), false);
 * assert.equal(isPoolChange({ v: 1, seq: 2, base: 1, ts: 0, slabs: [] }), true);
 * ```
 */
export function isPoolChange(delta: JsonObject): boolean {
  for (const key in delta) if (!QUIET_KEYS.has(key)) return true;
  return false;
}

/**
 * Decides what to publish of a new state, given the delta from the state
 * published last to it (`null` when nothing changed).
 *
 * @example
 * ```ts
 * import { decidePublish } from "./publish_decision.ts";
 * import { STREAM_DEFAULTS } from "./stream_settings.ts";
 * import assert from "node:assert/strict";
 *
 * const heapOnly = { v: 1, seq: 9, base: 8, ts: 0, heap: { used: 1 } };
 * const clock = { now: 10_000, lastHeapPublish: 9_000, lastSpacesPublish: 0 };
 * assert.equal(decidePublish(heapOnly, clock, STREAM_DEFAULTS), "nothing"); // 1 s < 5 s
 * assert.equal(decidePublish(null, clock, STREAM_DEFAULTS), "nothing");
 * ```
 */
export function decidePublish(
  delta: JsonObject | null,
  clock: PublishClock,
  settings: Pick<StreamSettings, "heapQuietInterval" | "keyframeInterval">,
): PublishDecision {
  if (delta === null) return "nothing";
  if (isPoolChange(delta)) return "delta";
  if (clock.now - clock.lastHeapPublish < settings.heapQuietInterval) return "nothing";
  return clock.now - clock.lastSpacesPublish < settings.keyframeInterval
    ? "heap"
    : "heap-and-spaces";
}

/**
 * Whether this tick's snapshot samples the heap (V8's statistics cost more
 * than a slab walk, so they are sampled every `heapInterval`).
 *
 * @param now Now (`performance.now()` milliseconds).
 * @param lastSample When the heap was last sampled; `-Infinity` for never.
 *
 * @example
 * ```ts
 * import { heapSampleDue } from "./publish_decision.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(heapSampleDue(5, -Infinity, { heapInterval: 1000 }), true);
 * assert.equal(heapSampleDue(1004, 5, { heapInterval: 1000 }), false);
 * assert.equal(heapSampleDue(1005, 5, { heapInterval: 1000 }), true);
 * ```
 */
export function heapSampleDue(
  now: number,
  lastSample: number,
  settings: Pick<StreamSettings, "heapInterval">,
): boolean {
  return now - lastSample >= settings.heapInterval;
}
