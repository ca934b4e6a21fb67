// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode RedrawThrottle}: at most one redraw per interval, however many
 * reasons to redraw arrive.
 *
 * @module
 */

/**
 * Coalesces redraw requests: the first request after a quiet interval draws
 * at once; later ones within `interval` ms of the last draw are merged into
 * one draw at the end of the interval.
 *
 * @example Usage
 * ```ts
 * import { RedrawThrottle } from "./throttle.ts";
 * import assert from "node:assert/strict";
 *
 * let draws = 0;
 * const throttle = new RedrawThrottle(250, () => draws++);
 * for (let i = 0; i < 100; i++) throttle.request();
 * assert.equal(draws, 1); // the rest waits for the interval
 * throttle.stop();
 * ```
 */
export class RedrawThrottle {
  #interval: number;
  #draw: () => void;
  #clock: () => number;
  #lastDraw = -Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #draws = 0;

  /**
   * Creates a throttle.
   *
   * @param interval Minimum ms between two draws.
   * @param draw Draws a frame.
   * @param clock Milliseconds now.
   * @throws {RangeError} If `interval` is not a non-negative number.
   */
  constructor(interval: number, draw: () => void, clock: () => number = () => performance.now()) {
    if (!Number.isFinite(interval) || interval < 0) {
      throw new RangeError(
        `Cannot create redraw throttle: interval must be a non-negative number, received ${interval}`,
      );
    }
    this.#interval = interval;
    this.#draw = draw;
    this.#clock = clock;
  }

  /** Frames drawn so far. */
  get draws(): number {
    return this.#draws;
  }

  /** Asks for a redraw: now, or at the end of the current interval. */
  request(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    const wait = this.#lastDraw + this.#interval - this.#clock();
    if (wait <= 0) return this.#run();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, wait);
  }

  /** Cancels a pending draw; later requests are ignored. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #run(): void {
    if (this.#stopped) return;
    this.#lastDraw = this.#clock();
    this.#draws++;
    this.#draw();
  }
}
