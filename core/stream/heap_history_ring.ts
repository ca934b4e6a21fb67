// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode HeapHistoryRing}: the stream's last 3 minutes of heap samples,
 * in a fixed ring, so that a client's first keyframe can be followed by the
 * history its heap sparklines start with.
 *
 * @module
 */

import {
  HEAP_HISTORY_FIGURES as FIGURES,
  HEAP_HISTORY_MAX_SAMPLES,
  HEAP_HISTORY_WINDOW,
  type HeapHistory,
} from "../wire/heap_history.ts";
import type { HeapSnapshot } from "../wire/types.ts";

/** The figures of a heap sample the ring keeps: those a history carries. */
export type HeapSample = Pick<HeapSnapshot, (typeof FIGURES)[number]>;

/**
 * Heap samples of the last {@linkcode HEAP_HISTORY_WINDOW} ms, at most
 * {@linkcode HEAP_HISTORY_MAX_SAMPLES} of them (the oldest go first), with
 * strictly ascending times. Its memory is fixed: about 14 KiB.
 *
 * @example Usage
 * ```ts
 * import { HeapHistoryRing } from "./heap_history_ring.ts";
 * import assert from "node:assert/strict";
 *
 * const ring = new HeapHistoryRing();
 * const heap = { rss: 90, heap_used: 10, heap_total: 20, external: 1 };
 * ring.add(1_000, heap);
 * ring.add(2_000, { ...heap, heap_used: 12 });
 * ring.add(200_000, heap); // 3 minutes later: the first two are too old
 * assert.deepEqual(ring.history().times, [200_000]);
 * ```
 */
export class HeapHistoryRing {
  /** Sample times, ms since the Unix epoch, by slot. */
  #times = new Float64Array(HEAP_HISTORY_MAX_SAMPLES);
  /** The figures of each slot, `FIGURES.length` per slot. */
  #figures = new Float64Array(HEAP_HISTORY_MAX_SAMPLES * FIGURES.length);
  /** The slot of the oldest sample. */
  #head = 0;
  /** Samples held. */
  #size = 0;
  /** Bumped with every change, so that an encoding of the ring can be reused until the next. */
  #version = 0;

  /** Samples held now. */
  get size(): number {
    return this.#size;
  }

  /** A number that changes whenever the samples held change. */
  get version(): number {
    return this.#version;
  }

  /**
   * Adds the newest sample and drops those more than
   * {@linkcode HEAP_HISTORY_WINDOW} older than it. A sample at the newest's
   * time replaces it; one before it (a clock set back) starts the ring over,
   * since times before and after the jump do not compare.
   *
   * @param time When it was taken, integer ms since the Unix epoch.
   * @param heap Its figures, in bytes.
   */
  add(time: number, heap: HeapSample): void {
    this.#version++;
    const newest = this.#size === 0 ? -Infinity : this.#times[this.#slot(this.#size - 1)]!;
    if (time < newest) this.#size = 0;
    else if (time === newest) this.#size--;
    if (this.#size === HEAP_HISTORY_MAX_SAMPLES) this.#drop(1);
    const slot = this.#slot(this.#size++);
    this.#times[slot] = time;
    for (let f = 0; f < FIGURES.length; f++) {
      this.#figures[slot * FIGURES.length + f] = heap[FIGURES[f]!];
    }
    this.trim(time);
  }

  /**
   * Drops the samples more than {@linkcode HEAP_HISTORY_WINDOW} before `now`.
   *
   * @param now Integer ms since the Unix epoch.
   */
  trim(now: number): void {
    let old = 0;
    while (old < this.#size && this.#times[this.#slot(old)]! < now - HEAP_HISTORY_WINDOW) old++;
    if (old > 0) {
      this.#version++;
      this.#drop(old);
    }
  }

  /**
   * The samples held, oldest first, as the `heap-history` event carries them.
   *
   * @returns New arrays.
   */
  history(): HeapHistory {
    const history: HeapHistory = {
      times: [],
      rss: [],
      heap_used: [],
      heap_total: [],
      external: [],
    };
    for (let i = 0; i < this.#size; i++) {
      const slot = this.#slot(i);
      history.times.push(this.#times[slot]!);
      for (let f = 0; f < FIGURES.length; f++) {
        history[FIGURES[f]!].push(this.#figures[slot * FIGURES.length + f]!);
      }
    }
    return history;
  }

  /** The slot of the `i`-th oldest sample. */
  #slot(i: number): number {
    return (this.#head + i) % HEAP_HISTORY_MAX_SAMPLES;
  }

  /** Forgets the `n` oldest samples. */
  #drop(n: number): void {
    this.#head = this.#slot(n);
    this.#size -= n;
  }
}
