// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Capturing the call site of a sampled allocation, within a time budget.
 * Internal to `SlabAllocator`.
 *
 * A site is the caller's own frames of `new Error().stack`: the allocator's
 * frames above it (everything above the public method called) and the
 * runtime's (`ext:` and `node:` frames) are cut, and at most
 * {@linkcode SITE_FRAMES} remain, one per line. Capturing and formatting a
 * stack is the expensive part of sampling (in Deno 2.9 on the reference
 * machine, about 2 µs to capture and 20 to 60 µs to format with source
 * maps), so each instance spends at most a fraction of its thread's time on
 * it ({@linkcode CaptureBudget}); samples beyond that are skipped and
 * counted, never taken late or from another site, so the sites' shares of
 * the samples stay unbiased.
 *
 * @module
 */

/** Caller frames kept per site. */
export const SITE_FRAMES = 4;
/** A frame of the runtime rather than of the caller's code. */
const RUNTIME_FRAME = /\((?:ext|node):|^at (?:ext|node):/;
/**
 * Milliseconds of capture a budget can hold: what an instance may spend at
 * once after a quiet period, before the fraction applies.
 */
export const BUDGET_BURST_MS = 10;
/** The fraction of a thread's time an instance spends capturing, unless told otherwise. */
export const DEFAULT_SAMPLE_BUDGET = 0.01;

/**
 * The caller's frames of the current stack, below `above` (the public
 * method the caller called), or `""` when none is left.
 */
export function captureCallSite(above: (...args: never[]) => unknown): string {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  try {
    // A few more than we keep: runtime frames at the bottom are cut.
    Error.stackTraceLimit = SITE_FRAMES + 4;
    Error.captureStackTrace(holder, above);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const lines = (holder.stack ?? "").split("\n");
  const frames: string[] = [];
  for (let i = 1; i < lines.length && frames.length < SITE_FRAMES; i++) {
    const frame = lines[i]!.trim();
    if (!frame.startsWith("at ")) continue;
    if (RUNTIME_FRAME.test(frame)) continue;
    frames.push(frame);
  }
  return frames.join("\n");
}

/**
 * A token bucket of capture time: starts full ({@linkcode BUDGET_BURST_MS})
 * and refills at `fraction` of the time that passes.
 */
export class CaptureBudget {
  #fraction: number;
  #tokens = BUDGET_BURST_MS;
  #last = performance.now();

  /** A budget of `fraction` (0 < fraction ≤ 1) of the thread's time. */
  constructor(fraction: number) {
    this.#fraction = fraction;
  }

  /**
   * Whether a capture may start at `now` (a `performance.now()` reading);
   * then charge what it took with {@linkcode CaptureBudget.prototype.spend}.
   */
  allows(now: number): boolean {
    if (this.#fraction >= 1) return true;
    this.#tokens = Math.min(BUDGET_BURST_MS, this.#tokens + (now - this.#last) * this.#fraction);
    this.#last = now;
    return this.#tokens > 0;
  }

  /** Charges a capture that took `ms`. */
  spend(ms: number): void {
    this.#tokens -= ms;
  }
}
