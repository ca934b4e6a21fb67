// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * A wall clock cheap enough for the allocator's hot path.
 *
 * `Date.now()` costs about 45 ns in Deno 2.9, more than a whole slab
 * alloc+free pair. Slots only need "when did this state start" to the
 * precision a human reads in a tooltip, so the clock is read once per
 * event-loop task and again every {@linkcode REFRESH_EVERY} calls within a
 * task. The microtask that marks the reading stale runs when the current
 * task's synchronous code ends, so work arriving in a later task (a new
 * request, a timer, a message) always sees a fresh reading; a long
 * synchronous loop sees one at least every 1,024 calls.
 *
 * The WebAssembly core keeps the reading and the countdown in its own
 * globals and calls {@linkcode clockReader}'s function to read; the
 * JavaScript core keeps a {@linkcode CoarseClock} per instance (a field of
 * the instance is cheaper to read and count down than module state shared by
 * every slab: about 8 ns per alloc+free pair less, measured).
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
let holders = 0;
let ticker: ReturnType<typeof setInterval> | undefined;

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
  if (ticker !== undefined) return reading;
  return fresh && ++calls < REFRESH_EVERY ? reading : refresh();
}

/**
 * One slab instance's view of the coarse clock: milliseconds since the
 * slab's epoch, as of this task, re-read every {@linkcode REFRESH_EVERY}
 * calls; while {@linkcode holdClock} is held, the held reading.
 */
export class CoarseClock {
  #epoch: number;
  #reading = 0;
  /** Calls left before the next real read; 0 forces one. */
  #left = 0;
  #queued = false;
  #stale = (): void => {
    this.#left = 0;
    this.#queued = false;
  };

  /** A clock counting from `epoch` (ms since the Unix epoch). */
  constructor(epoch: number) {
    this.#epoch = epoch;
  }

  /** Milliseconds since the epoch (hot path: one field decrement). */
  now(): number {
    return --this.#left > 0 ? this.#reading : this.#refresh();
  }

  #refresh(): number {
    if (ticker !== undefined) return reading - this.#epoch; // held: no countdown
    this.#left = REFRESH_EVERY;
    if (!this.#queued) {
      // Stale again once this task's synchronous code ends.
      this.#queued = true;
      queueMicrotask(this.#stale);
    }
    return this.#reading = Date.now() - this.#epoch;
  }
}

/**
 * The cores that read the held clock since its last tick: each tick makes
 * them read again, then forgets them (a core joins again at its next read).
 */
let heldReaders: (() => void)[] = [];

/**
 * The clock read of one WebAssembly core (its `clock` import): milliseconds
 * since `epoch`. Unheld, each reading is `Date.now()` and `expire` is queued
 * to run once the current task's synchronous code ends, so that the core
 * reads again in the next task. Held (see {@linkcode holdClock}), the held
 * reading, and `expire` runs at the next tick instead: a server taking one
 * request per task queues no microtask and crosses from WebAssembly into
 * JavaScript once per tick, not once per request. Either way the core also
 * reads again every {@linkcode REFRESH_EVERY} operations.
 *
 * @param epoch Milliseconds since the Unix epoch that readings count from.
 * @param expire Makes the core read again at its next operation.
 * @returns The function the core imports.
 */
export function clockReader(epoch: number, expire: () => void): () => number {
  let queued = false;
  let waiting = false;
  const stale = (): void => {
    queued = false;
    expire();
  };
  const ticked = (): void => {
    waiting = false;
    expire();
  };
  return () => {
    if (ticker !== undefined) {
      if (!waiting) {
        waiting = true;
        heldReaders.push(ticked);
      }
      return reading - epoch;
    }
    if (!queued) {
      queued = true;
      queueMicrotask(stale);
    }
    return Date.now() - epoch;
  };
}

/** A tick of the held clock, and its release: the waiting cores read again. */
function expireHeldReaders(): void {
  const readers = heldReaders;
  heldReaders = [];
  for (const expire of readers) expire();
}

/** Milliseconds between readings while the clock is held. */
export const HELD_RESOLUTION = 10;

/**
 * Keeps the clock ticking on its own (every 10 ms, on a timer that does not
 * keep the process alive) until the returned function is called. A server
 * handling thousands of requests per second holds it, so that no request
 * pays for a clock read. Holds nest; the timer runs while any is held.
 *
 * @returns A function that releases this hold (idempotent).
 */
export function holdClock(): () => void {
  if (holders++ === 0) {
    reading = Date.now();
    ticker = setInterval(() => {
      reading = Date.now();
      expireHeldReaders();
    }, HELD_RESOLUTION);
    (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(
      ticker as unknown as number,
    );
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders === 0) {
      clearInterval(ticker);
      ticker = undefined;
      // Unheld from here: the next reading of every core is a fresh one.
      expireHeldReaders();
    }
  };
}
