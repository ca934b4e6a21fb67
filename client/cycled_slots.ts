// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The slots that cycled on the way to a state, per slab: what a delta's
 * `cycled` lists (touched, yet back to their letter and owner), kept beside
 * the state object that delta produced rather than in it, so that states
 * stay what a keyframe decodes to. The connection notes them; the grids
 * flash them with the slots that changed.
 *
 * @module
 */

import type { MemorySnapshot } from "../core/wire/types.ts";

const cycles = new WeakMap<MemorySnapshot, ReadonlyMap<string, Uint32Array>>();

/** Notes the slots that cycled on the way to `state` (from `applyDeltaTransition`). */
export function noteCycled(state: MemorySnapshot, cycled: ReadonlyMap<string, Uint32Array>): void {
  if (cycled.size > 0) cycles.set(state, cycled);
}

/** The slots of slab `name` that cycled on the way to `state`, if any. */
export function cycledSlots(state: MemorySnapshot, name: string): Uint32Array | undefined {
  return cycles.get(state)?.get(name);
}
