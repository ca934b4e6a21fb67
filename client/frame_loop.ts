// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * One `requestAnimationFrame` loop for the whole page. It runs only while
 * something wants to animate (a flash fading, a new state to draw) and never
 * while the tab is hidden (browsers pause rAF there); on return to the tab
 * everything is drawn once, at once.
 *
 * It also keeps the last frames' costs for the frame-time benchmark and the
 * browser tests (`globalThis.__slabscope`).
 *
 * @module
 */

/** Something the loop draws. */
export interface Drawable {
  /**
   * Draws if needed. Returns `true` to be called again next frame (an
   * animation in progress), `false` to sleep until {@linkcode requestDraw}.
   */
  frame(now: number): boolean;
}

/** Frame statistics exposed to tests and benchmarks. */
export interface FrameStats {
  /** Work time of the most recent frames, ms (ring buffer of 4096). */
  frames: Float64Array;
  /** rAF timestamps of the same frames, ms: their spacing is the frame rate achieved. */
  stamps: Float64Array;
  /** Frames recorded so far (the ring's write position is `count % 4096`). */
  count: number;
  /** Time spent applying each new state to the grids, ms (ring of 4096). */
  updates: Float64Array;
  /** Updates recorded so far. */
  updateCount: number;
  /** The grids on the page by slab name, for tests that read their pixels. */
  grids: Record<string, unknown>;
  /** The diff overlays on the grids by slab name, likewise. */
  overlays: Record<string, unknown>;
}

const RING = 4096;
const awake = new Set<Drawable>();
const all = new Set<Drawable>();
let scheduled = false;

/** Frame and update costs, readable from tests as `globalThis.__slabscope`. */
export const frameStats: FrameStats = {
  frames: new Float64Array(RING),
  stamps: new Float64Array(RING),
  count: 0,
  updates: new Float64Array(RING),
  updateCount: 0,
  grids: {},
  overlays: {},
};
(globalThis as { __slabscope?: FrameStats }).__slabscope = frameStats;

/** Records how long applying one state update took. */
export function recordUpdate(ms: number): void {
  frameStats.updates[frameStats.updateCount++ % RING] = ms;
}

function loop(now: number): void {
  scheduled = false;
  if (awake.size === 0) return;
  const started = performance.now();
  for (const drawable of [...awake]) {
    if (!drawable.frame(now)) awake.delete(drawable);
  }
  frameStats.stamps[frameStats.count % RING] = now;
  frameStats.frames[frameStats.count++ % RING] = performance.now() - started;
  if (awake.size > 0) schedule();
}

function schedule(): void {
  if (scheduled || globalThis.document?.hidden) return;
  scheduled = true;
  requestAnimationFrame(loop);
}

/** Registers a drawable (for redraws on tab return); call the result to unregister. */
export function register(drawable: Drawable): () => void {
  all.add(drawable);
  return () => {
    all.delete(drawable);
    awake.delete(drawable);
  };
}

/** Asks for `drawable` to be drawn on the next frame. */
export function requestDraw(drawable: Drawable): void {
  awake.add(drawable);
  schedule();
}

globalThis.document?.addEventListener("visibilitychange", () => {
  if (document.hidden) return;
  for (const drawable of all) awake.add(drawable);
  schedule();
});
