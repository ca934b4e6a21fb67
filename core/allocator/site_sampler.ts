// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * One allocator instance's side of a slab's site table: when to sample, and
 * recording a sampled stack or a label for a slot. Internal to
 * `SlabAllocator`; the table itself is `site_table.ts`.
 *
 * @module
 */

import { CaptureBudget, captureCallSite } from "./site_capture.ts";
import { internSite, recordSite, SITE_LABEL, SITE_STACK, siteBytes } from "./site_table.ts";
import {
  SITE_TEXT_BYTES,
  W64_CAPTURE_NS,
  W_SITES_DROPPED,
  W_SITES_SKIPPED,
} from "./site_layout.ts";
import { HEADER_BYTES } from "./slab_layout.ts";
import type { SlabViews } from "./slab_views.ts";

const encoder = new TextEncoder();

/** Texts this instance found the table full for, remembered at most (then forgotten). */
const DROPPED_MEMORY = 1024;
/** Most sample points passed over at once while the capture budget stays spent. */
export const MAX_SKIP_JUMP = 256;

/** Samples and records allocation sites for one instance. */
export class SiteSampler {
  #views: SlabViews;
  #budget: CaptureBudget;
  /** The header as 64-bit words, for the capture time shared by all instances. */
  #header64: BigInt64Array;
  /** Site ids this instance interned, by text, one map per kind: each site is probed once. */
  #stackIds = new Map<string, number>();
  #labelIds = new Map<string, number>();
  #dropped = new Set<string>();
  /** Samples skipped in a row (the budget spent each time); 0 after a capture. */
  #skipRun = 0;
  /** Sample points the next interval is to pass over. */
  #jump = 0;
  /** Sample points the current interval passes over: skipped, counted at its end. */
  #passed = 0;

  /** A sampler over the slab's table, spending at most `budget` of the thread's time. */
  constructor(v: SlabViews, budget: number) {
    this.#views = v;
    this.#budget = new CaptureBudget(budget);
    this.#header64 = new BigInt64Array(v.buffer, 0, HEADER_BYTES / 8);
  }

  /** One allocation in this many is sampled; 0 when sites are labels only. */
  get sampleEvery(): number {
    return this.#views.sites!.sampleEvery;
  }

  /**
   * Allocations until the next sample: uniform from 1 to 2N − 1 (mean N), so
   * that a periodic pattern of allocations cannot keep hitting one site;
   * the sum of several such intervals after skips in a row.
   */
  nextInterval(): number {
    if (this.#passed > 0) {
      // A sample point was reached: the points the interval that ended
      // passed over are behind us.
      Atomics.add(this.#views.words, W_SITES_SKIPPED, this.#passed);
      this.#passed = 0;
    }
    const every = this.sampleEvery;
    let interval = 1 + Math.floor(Math.random() * (2 * every - 1));
    // The countdown is an i32: at most 2^31 − 1 allocations ahead.
    const jump = Math.min(this.#jump, Math.floor((0x7fffffff - 2 * every) / every));
    this.#jump = 0;
    if (jump > 0) {
      // The budget stayed spent: pass over `jump` sample points (their mean
      // span; the random part of this interval keeps the points irregular)
      // without reading the clock for each (a clock read costs about as
      // much as 20 pairs); they count as skipped once passed. Which points
      // are captured does not depend on the site, so the sites' shares of
      // the samples stay unbiased.
      interval += jump * every;
      this.#passed = jump;
    }
    return interval;
  }

  /**
   * Records the caller's stack for slot `index` (slot word `word`, at
   * `time` ms since the slab's epoch), unless the capture budget is spent
   * (then counts a skipped sample). `above` is the public method called.
   * The time it takes (capture, formatting, interning) is charged to the
   * budget and added to the slab's capture time, which diagnostics report
   * as their own cost.
   */
  recordStack(
    index: number,
    word: number,
    time: number,
    above: (...args: never[]) => unknown,
  ): void {
    const start = performance.now();
    if (!this.#budget.allows(start)) {
      Atomics.add(this.#views.words, W_SITES_SKIPPED, 1);
      // Skips in a row pass over more and more points: 1, 2, 4 … at most
      // MAX_SKIP_JUMP, so a spent budget costs few clock reads.
      this.#jump = Math.min(2 ** this.#skipRun, MAX_SKIP_JUMP);
      this.#skipRun++;
      return;
    }
    this.#skipRun = 0;
    const id = this.#idOf(SITE_STACK, captureCallSite(above));
    if (id !== 0) recordSite(this.#views, index, word, id, time);
    const spent = performance.now() - start;
    this.#budget.spend(spent);
    Atomics.add(this.#header64, W64_CAPTURE_NS, BigInt(Math.round(spent * 1e6)));
  }

  /** Records label `label` (checked by {@linkcode labelProblem}) for slot `index`. */
  recordLabel(index: number, word: number, time: number, label: string): void {
    const id = this.#idOf(SITE_LABEL, label);
    if (id !== 0) recordSite(this.#views, index, word, id, time);
  }

  #idOf(kind: number, text: string): number {
    // Looked up by the text itself: a key made by concatenation would be a
    // new string to hash on every labelled allocation.
    const ids = kind === SITE_LABEL ? this.#labelIds : this.#stackIds;
    const known = ids.get(text);
    if (known !== undefined) return known;
    const key = kind === SITE_LABEL ? "l" + text : "s" + text;
    if (this.#dropped.has(key)) {
      Atomics.add(this.#views.words, W_SITES_DROPPED, 1);
      return 0;
    }
    const id = internSite(this.#views, siteBytes(text), kind);
    if (id !== 0) {
      ids.set(text, id);
    } else {
      if (this.#dropped.size >= DROPPED_MEMORY) this.#dropped.clear();
      this.#dropped.add(key);
    }
    return id;
  }
}

/**
 * The reason `label` cannot be a site label, or `undefined`: a string of 1
 * to {@linkcode SITE_TEXT_BYTES} UTF-8 bytes.
 */
export function labelProblem(label: unknown): string | undefined {
  if (typeof label !== "string") return `expected a string`;
  // At most 3 bytes per UTF-16 unit: a short label needs no encoding (the
  // common case, once per labelled allocation).
  if (label.length > 0 && label.length * 3 <= SITE_TEXT_BYTES) return undefined;
  const length = encoder.encode(label).length;
  if (length === 0 || length > SITE_TEXT_BYTES) {
    return `expected 1 to ${SITE_TEXT_BYTES} UTF-8 bytes, received ${length}`;
  }
  return undefined;
}
