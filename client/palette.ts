// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The dashboard's colours, as CSS strings and as packed RGBA pixels for
 * the canvas grids.
 *
 * @module
 */

import { HandleState } from "../core/allocator/handle_state.ts";
import { CACHED_STATE } from "../core/wire/slot_states.ts";

/** Panel background the grids are drawn on (`--bg-panel`). */
export const PANEL_BACKGROUND = "#161b22";

/** CSS colour per state, indexed by wire code (`HandleState`, and 6 for cached). */
export const STATE_COLORS: readonly string[] = [
  "#505459", // Free: rgba(255, 255, 255, 0.25) over the panel background
  "#3fb950", // Used
  "#58a6ff", // Connecting
  "#3fb950", // Active
  "#1f6feb", // Idle
  "#d29922", // Closing
  "#a371f7", // Cached: neither the grey of free nor the colours of use
];

/** Human names per state, indexed like {@linkcode STATE_COLORS}. */
export const STATE_NAMES: readonly string[] = [
  "Free",
  "Used",
  "Connecting",
  "Active",
  "Idle",
  "Closing",
  "Cached",
];

/**
 * A changed cell flashes white, then fades into its new colour over 300 ms.
 * White, not amber: amber is already the Closing colour.
 */
export const FLASH_COLOR = "#ffffff";
export const FLASH_MS = 300;
/** The fade has this many steps, so a grid redraws at most every 100 ms for it. */
export const FLASH_STEPS = 3;

/** Colours for owners in breakdowns, cycled. */
export const OWNER_COLORS: readonly string[] = [
  "#58a6ff",
  "#3fb950",
  "#a371f7",
  "#d29922",
  "#db61a2",
  "#39d4d4",
  "#f85149",
  "#8b949e",
];

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Packs a colour into a little-endian RGBA pixel for a `Uint32Array` over `ImageData`. */
export function pixel(r: number, g: number, b: number): number {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Mixes `a` toward `b` by `t` (0‥1), as a pixel. */
export function mix(a: string, b: string, t: number): number {
  const x = rgb(a);
  const y = rgb(b);
  return pixel(
    Math.round(x[0] + (y[0] - x[0]) * t),
    Math.round(x[1] + (y[1] - x[1]) * t),
    Math.round(x[2] + (y[2] - x[2]) * t),
  );
}

/** Pixel colours per state: `base[state]`, and `flash[step][state]` for each fade step. */
export interface PixelPalette {
  base: Uint32Array;
  dimmed: Uint32Array;
  flash: Uint32Array[];
}

/** Builds the pixel palette. */
export function pixelPalette(): PixelPalette {
  const count = STATE_COLORS.length;
  const base = new Uint32Array(count);
  const dimmed = new Uint32Array(count);
  const flash = Array.from({ length: FLASH_STEPS }, () => new Uint32Array(count));
  for (let state = 0; state < count; state++) {
    base[state] = mix(STATE_COLORS[state]!, STATE_COLORS[state]!, 0);
    dimmed[state] = mix(STATE_COLORS[state]!, PANEL_BACKGROUND, 0.75);
    for (let step = 0; step < FLASH_STEPS; step++) {
      flash[step]![state] = mix(STATE_COLORS[state]!, FLASH_COLOR, 1 - step / FLASH_STEPS);
    }
  }
  return { base, dimmed, flash };
}

/** True for states drawn as "in use": neither free nor cached. */
export function isUsed(state: number): boolean {
  return state !== HandleState.Free && state !== CACHED_STATE;
}
