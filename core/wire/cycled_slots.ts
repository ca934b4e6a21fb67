// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The `cycled` slots of a slab patch: the slots written between two
 * snapshots (`slot_touches.ts`) whose letter and owner are the same in
 * both, so that comparing the two cannot find them: allocated and freed,
 * or through states and back. Internal to the delta encoder.
 *
 * @module
 */

import { HandleState } from "../allocator/handle_state.ts";
import { NO_OWNER } from "../allocator/slab_layout.ts";
import { CACHED_STATE } from "./slot_states.ts";
import { touchedBetween } from "./slot_touches.ts";
import type { SlabSnapshot } from "./types.ts";

/**
 * The slots written between `a` and `b` whose letter and owner are the same
 * in both: allocated and freed, or gone through states and back.
 */
export function cycledSlots(a: SlabSnapshot, b: SlabSnapshot): Uint32Array {
  const touched = touchedBetween(a, b);
  if (touched === undefined || touched.length === 0) return new Uint32Array(0);
  const out = new Uint32Array(touched.length);
  let n = 0;
  const stateA = stateReader(a);
  const stateB = stateReader(b);
  const ownersA = a.owners;
  const ownersB = b.owners;
  for (const i of touched) {
    if (stateA(i) !== stateB(i)) continue;
    // A slab without owners holds none: NO_OWNER for every slot.
    if ((ownersA?.[i] ?? NO_OWNER) !== (ownersB?.[i] ?? NO_OWNER)) continue;
    out[n++] = i;
  }
  return out.subarray(0, n);
}

/**
 * Reads slot states for ascending indexes: the handle state, or for a
 * plain slab U, K (cached) or F. Cached slots are looked up by walking the
 * ascending list beside the ascending indexes.
 */
function stateReader(slab: SlabSnapshot): (i: number) => number {
  const states = slab.states;
  if (states !== undefined) return (i) => states[i]!;
  const bitmap = slab.bitmap!;
  const cached = slab.cached_slots ?? new Uint32Array(0);
  let c = 0;
  return (i) => {
    if (((bitmap[i >> 3]! >> (i & 7)) & 1) !== 0) return HandleState.Used;
    while (c < cached.length && cached[c]! < i) c++;
    return cached[c] === i ? CACHED_STATE : HandleState.Free;
  };
}
