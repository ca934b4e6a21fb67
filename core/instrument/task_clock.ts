// Copyright 2026 the slabscope authors. MIT license.
/**
 * A monotonic clock for request durations, cheap enough for the request
 * path. Internal to the instrumentation.
 *
 * `performance.now()` costs about 100 ns in Deno 2.9 (an op call), more than
 * everything else request metrics do per request, and a request needs two
 * readings. Under load `Deno.serve` hands several requests to JavaScript in
 * one event-loop turn, and settles several `completed` promises in one, all
 * of which happened before the turn began. So the clock is read once per
 * turn and again every {@linkcode REREAD_EVERY} readings within a turn: a
 * request's start is the reading taken for the first request its turn
 * handled (at most 7 before it), its end likewise for the turn that settles
 * its `completed`. Reading the clock at every call would not be more exact:
 * it would leave out the wait behind the earlier requests of the turn, and
 * count as part of the request the time JavaScript took to notice that its
 * response was long delivered.
 *
 * The microtask that marks the reading stale runs when the turn's
 * synchronous work and the microtasks queued before it are done, so work in
 * a later turn (a new request, a timer) always reads the clock afresh.
 *
 * @module
 */

/** Readings within one turn between two real clock reads. */
export const REREAD_EVERY = 8;

let reading = 0;
let fresh = false;
let uses = 0;

function markStale(): void {
  fresh = false;
}

/** The slow path, kept out of `taskNow()` so that it inlines. */
function reread(): number {
  uses = 0;
  if (!fresh) {
    fresh = true;
    queueMicrotask(markStale);
  }
  return reading = performance.now();
}

/**
 * `performance.now()` as of this event-loop turn, re-read every 8 readings.
 *
 * @returns Milliseconds, on `performance.now()`'s time line.
 */
export function taskNow(): number {
  return fresh && ++uses < REREAD_EVERY ? reading : reread();
}
