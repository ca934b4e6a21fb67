// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * A wall clock cheap enough for the allocator's hot path.
 *
 * `Date.now()` costs about 45 ns in Deno 2.9, as much as a whole slab
 * alloc+free pair. Slots only need "when did this state start" to the
 * precision a human reads in a tooltip, so the clock is read once per
 * event-loop task and again every {@linkcode REFRESH_EVERY} calls within a
 * task. The microtask that marks the reading stale runs when the current
 * task's synchronous code ends, so work arriving in a later task (a new
 * request, a timer, a message) always sees a fresh reading; a long
 * synchronous loop sees one at least every 1,024 calls.
 *
 * Microtasks are not async ops, so this never trips `deno test`'s sanitizers
 * and keeps no timer alive.
 *
 * @module
 */

/** Calls within one task between two real clock reads. */
export const REFRESH_EVERY = 1024;

let reading = 0;
let fresh = false;
let calls = 0;

function markStale(): void {
  fresh = false;
}

/** The slow path, kept out of `coarseNow()` so that it inlines. */
function refresh(): number {
  calls = 0;
  if (!fresh) {
    fresh = true;
    queueMicrotask(markStale);
  }
  return reading = Date.now();
}

/**
 * Returns `Date.now()` as of this task, re-read every 1,024 calls.
 *
 * @returns Milliseconds since the Unix epoch.
 */
export function coarseNow(): number {
  return fresh && ++calls < REFRESH_EVERY ? reading : refresh();
}
