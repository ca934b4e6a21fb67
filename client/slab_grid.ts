// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode SlabGrid}: one slab drawn as an image with one pixel per slot,
 * scaled onto a canvas, with changed cells flashing.
 *
 * The pixels live in an `ImageData` (a `Uint32Array` view, one word per
 * slot). A new state touches only the pixels of slots that changed, and each
 * frame re-colours only the slots still flashing, so the cost follows the
 * churn, not the slab size, up to the `putImageData` of the rows that
 * changed and one scaled `drawImage`.
 *
 * @module
 */

import { HandleState } from "../core/allocator/handle_state.ts";
import { CACHED_STATE } from "../core/wire/slot_states.ts";
import type { SlabSnapshot } from "../core/wire/types.ts";
import { columnsFor, type GridView } from "./grid_view.ts";
import { FLASH_MS, FLASH_STEPS, isUsed, type PixelPalette, pixelPalette } from "./palette.ts";

const STEP_MS = FLASH_MS / FLASH_STEPS;
const NOT_FLASHING = 255;

/** The pixel model of one slab. */
export class SlabGrid {
  /** Slots. */
  readonly total: number;
  /** Image width in slots. */
  readonly columns: number;
  /** Image height in slots. */
  readonly rows: number;
  /** `"plain"` or `"handle"`. */
  readonly kind: "plain" | "handle";
  #palette: PixelPalette = pixelPalette();
  /** The state drawn for each slot. */
  #states: Uint8Array;
  #bitmap: Uint8Array | undefined;
  /** A plain slab's cached slots as last drawn. */
  #cached: Uint32Array | undefined;
  /** Owners as last seen: a slot whose owner changed flashes too. */
  #owners: Uint16Array | undefined;
  #lastStates: Uint8Array | undefined;
  #image: ImageData;
  #pixels: Uint32Array;
  #source: OffscreenCanvas;
  #sourceContext: OffscreenCanvasRenderingContext2D;
  /** Per slot: flash start (ms) and the fade step last painted (255 = none). */
  #flashStart: Float64Array;
  #flashStep: Uint8Array;
  /** Slots flashing now (unordered; `#flashStep` says who is in it). */
  #active: Int32Array;
  #activeCount = 0;
  #dirtyFrom = Infinity;
  #dirtyTo = -1;
  #highlight = -1;
  #used = 0;

  /** @param total Slots. @param kind The slab kind. */
  constructor(total: number, kind: "plain" | "handle") {
    this.total = total;
    this.kind = kind;
    this.columns = columnsFor(total);
    this.rows = Math.ceil(total / this.columns);
    this.#states = new Uint8Array(total);
    this.#image = new ImageData(this.columns, this.rows);
    this.#pixels = new Uint32Array(this.#image.data.buffer);
    this.#source = new OffscreenCanvas(this.columns, this.rows);
    this.#sourceContext = this.#source.getContext("2d")!;
    this.#flashStart = new Float64Array(total);
    this.#flashStep = new Uint8Array(total).fill(NOT_FLASHING);
    this.#active = new Int32Array(Math.min(total, 1 << 16));
    this.#paintAll();
  }

  /** Slots drawn as in use. */
  get usedCells(): number {
    return this.#used;
  }

  /** Whether any slot data arrived yet (until then the grid shows no states). */
  get hasSlots(): boolean {
    return this.#bitmap !== undefined || this.#lastStates !== undefined;
  }

  /** Slots flashing right now. */
  get flashing(): number {
    return this.#activeCount;
  }

  /** The state drawn for slot `index`. */
  stateOf(index: number): number {
    return this.#states[index] ?? 0;
  }

  /** The image (one pixel per slot) as last flushed; for tests. */
  get source(): OffscreenCanvas {
    return this.#source;
  }

  /**
   * Takes a new state of the slab. Slots whose state changed are repainted
   * and, when `flash` is set, start flashing; so do slots whose owner
   * changed, and the slots in `cycled` (touched on the way to this state,
   * though their state and owner are the same): together, every slot
   * touched.
   *
   * @returns How many slots changed or cycled.
   */
  update(slab: SlabSnapshot, now: number, flash: boolean, cycled?: Uint32Array): number {
    // The first slot data (the page carries none; the stream's keyframe
    // does) is the first picture, never a change.
    if (!this.hasSlots) flash = false;
    let changed = 0;
    const states = this.#states;
    const mark = (index: number, state: number) => {
      if (states[index] === state) return;
      this.#used += (isUsed(state) ? 1 : 0) - (isUsed(states[index]!) ? 1 : 0);
      states[index] = state;
      changed++;
      if (flash) this.#startFlash(index, now);
      else this.#paint(index);
    };
    if (slab.bitmap !== undefined) {
      const next = slab.bitmap;
      const previous = this.#bitmap;
      const cached = slab.cached_slots;
      const before = this.#cached;
      if (next !== previous || cached !== before) {
        // A slot not in use is K when listed in cached_slots, F otherwise.
        const listed = cached === undefined ? undefined : new Set(cached);
        const stateOf = (index: number) =>
          ((next[index >> 3]! >> (index & 7)) & 1) === 1
            ? HandleState.Used
            : listed?.has(index)
            ? CACHED_STATE
            : HandleState.Free;
        if (next !== previous) {
          for (let byte = 0; byte < next.length; byte++) {
            let diff = next[byte]! ^ (previous === undefined ? 0 : previous[byte]!);
            if (previous === undefined) diff = 0xff;
            while (diff !== 0) {
              const bit = 31 - Math.clz32(diff & -diff);
              diff &= diff - 1;
              const index = byte * 8 + bit;
              if (index < this.total) mark(index, stateOf(index));
            }
          }
        }
        if (cached !== before) {
          for (const index of before ?? []) mark(index, stateOf(index));
          for (const index of cached ?? []) mark(index, stateOf(index));
        }
        this.#bitmap = next;
        this.#cached = cached;
      }
    } else if (slab.states !== undefined) {
      const next = slab.states;
      if (next !== this.#lastStates) {
        for (let i = 0; i < this.total; i++) if (states[i] !== next[i]) mark(i, next[i]!);
        this.#lastStates = next;
      }
    }
    const owners = slab.owners;
    const before = this.#owners;
    if (flash && owners !== undefined && before !== undefined && owners !== before) {
      for (let i = 0; i < this.total; i++) {
        if (owners[i] === before[i]) continue;
        this.#startFlash(i, now);
        changed++;
      }
    }
    this.#owners = owners;
    if (flash && cycled !== undefined) {
      for (const index of cycled) {
        if (index >= this.total) continue;
        this.#startFlash(index, now);
        changed++;
      }
    }
    return changed;
  }

  /** Shows only slots in `state` at full colour (others dimmed); -1 for all. */
  highlight(state: number): void {
    if (this.#highlight === state) return;
    this.#highlight = state;
    this.#paintAll();
  }

  /**
   * Advances the flashes to `now`, repainting slots whose fade step changed.
   *
   * @returns `true` while any slot is still flashing.
   */
  step(now: number): boolean {
    const active = this.#active;
    const starts = this.#flashStart;
    const steps = this.#flashStep;
    for (let k = 0; k < this.#activeCount;) {
      const index = active[k]!;
      // A frame's timestamp is when the frame began, which can be before a
      // flash an event handler of the same frame started: that flash is at
      // its first step (a negative step would read as NOT_FLASHING and let
      // the slot be listed twice).
      const step = Math.max(0, Math.floor((now - starts[index]!) / STEP_MS));
      if (step >= FLASH_STEPS) {
        steps[index] = NOT_FLASHING;
        this.#paint(index);
        active[k] = active[--this.#activeCount]!;
        continue;
      }
      if (steps[index] !== step) {
        steps[index] = step;
        this.#paint(index);
      }
      k++;
    }
    return this.#activeCount > 0;
  }

  /** Copies repainted rows into the source image. Returns whether any were. */
  flush(): boolean {
    if (this.#dirtyTo < 0) return false;
    const from = this.#dirtyFrom;
    const height = this.#dirtyTo - from + 1;
    this.#sourceContext.putImageData(this.#image, 0, 0, 0, from, this.columns, height);
    this.#dirtyFrom = Infinity;
    this.#dirtyTo = -1;
    return true;
  }

  /**
   * Draws the visible part of the image onto `context` (already scaled for
   * the device pixel ratio), `width` × `height` CSS pixels.
   */
  render(context: CanvasRenderingContext2D, width: number, height: number, view: GridView): void {
    context.clearRect(0, 0, width, height);
    // Below one pixel per slot, average (a density map, flashes included);
    // above, keep every cell crisp.
    context.imageSmoothingEnabled = view.zoom < 1;
    const sx = Math.max(0, view.x);
    const sy = Math.max(0, view.y);
    const sw = Math.min(this.columns - sx, width / view.zoom);
    const sh = Math.min(this.rows - sy, height / view.zoom);
    if (sw <= 0 || sh <= 0) return;
    context.drawImage(
      this.#source,
      sx,
      sy,
      sw,
      sh,
      (sx - view.x) * view.zoom,
      (sy - view.y) * view.zoom,
      sw * view.zoom,
      sh * view.zoom,
    );
  }

  /** The slot under a canvas point (CSS pixels), or -1. */
  hitTest(x: number, y: number, view: GridView): number {
    const column = Math.floor(view.x + x / view.zoom);
    const row = Math.floor(view.y + y / view.zoom);
    if (column < 0 || row < 0 || column >= this.columns || row >= this.rows) return -1;
    const index = row * this.columns + column;
    return index < this.total ? index : -1;
  }

  #startFlash(index: number, now: number): void {
    this.#flashStart[index] = now;
    if (this.#flashStep[index] === NOT_FLASHING) {
      if (this.#activeCount === this.#active.length) this.#growActive();
      this.#active[this.#activeCount++] = index;
    }
    this.#flashStep[index] = 0;
    this.#paint(index);
  }

  #growActive(): void {
    const grown = new Int32Array(Math.min(this.total, this.#active.length * 2));
    grown.set(this.#active);
    this.#active = grown;
  }

  #paint(index: number): void {
    const state = this.#states[index]!;
    const step = this.#flashStep[index]!;
    const dimmed = this.#highlight >= 0 && state !== this.#highlight;
    this.#pixels[index] = step !== NOT_FLASHING
      ? this.#palette.flash[step]![state]!
      : dimmed
      ? this.#palette.dimmed[state]!
      : this.#palette.base[state]!;
    const row = (index / this.columns) | 0;
    if (row < this.#dirtyFrom) this.#dirtyFrom = row;
    if (row > this.#dirtyTo) this.#dirtyTo = row;
  }

  #paintAll(): void {
    for (let i = 0; i < this.total; i++) this.#paint(i);
    // Cells past the last slot (the image is a rectangle) stay transparent.
  }
}
