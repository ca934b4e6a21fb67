// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The states a slot shows on the wire: the six {@linkcode HandleState}s
 * (`F U N A I C`, codes 0‥5) and `K`, code 6, a free slot held in one
 * instance's cache (`SlabAllocatorOptions.cache`), which is neither free to
 * every thread nor in use. Code 6 is the slab layout's own slot-word state
 * for cached slots, so a slot word's low byte is its wire code.
 *
 * @module
 */

import { STATE_LETTERS, type StateLetter } from "../allocator/handle_state.ts";
import { CACHED } from "../allocator/slab_layout.ts";

/** A slot state's letter on the wire: a handle state's, or `K` for a cached slot. */
export type SlotLetter = StateLetter | "K";

/** Letters indexed by wire code: `"FUNAICK"`. */
export const SLOT_LETTERS: string = STATE_LETTERS + "K";

/** The wire code of a cached slot: 6, the slot-word state of the slab layout. */
export const CACHED_STATE: number = CACHED;

/** Number of wire codes: `0 … SLOT_STATE_COUNT - 1`. */
export const SLOT_STATE_COUNT: number = SLOT_LETTERS.length;
