// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode DiffOverlay}: the cells that differ between two moments, drawn
 * over a slab's grid: one pixel per slot like the grid itself, every other
 * slot veiled, the differing ones in a colour no state uses. It is drawn
 * with the grid's own view, so zoom, pan and hover line up.
 *
 * @module
 */

import { columnsFor, type GridView } from "./grid_view.ts";

/** A differing cell: magenta, a colour no slot state has (ABGR for a little-endian `Uint32Array`). */
const MARK = 0xffba78f7;
/** Every other slot: the page's background at 70 %. */
const VEIL = 0xb3171113;

/** The overlay of one slab. */
export class DiffOverlay {
  /** Slots. */
  readonly total: number;
  /** Slots marked. */
  readonly marked: number;
  readonly #columns: number;
  readonly #rows: number;
  readonly #source: OffscreenCanvas;

  /**
   * @param total The slab's slots.
   * @param cells The slots that differ, each below `total`.
   */
  constructor(total: number, cells: Uint32Array) {
    this.total = total;
    this.#columns = columnsFor(total);
    this.#rows = Math.ceil(total / this.#columns);
    const image = new ImageData(this.#columns, this.#rows);
    const pixels = new Uint32Array(image.data.buffer);
    pixels.fill(VEIL, 0, total); // cells past the last slot stay transparent
    let marked = 0;
    for (const cell of cells) {
      if (cell < total) {
        pixels[cell] = MARK;
        marked++;
      }
    }
    this.marked = marked;
    this.#source = new OffscreenCanvas(this.#columns, this.#rows);
    this.#source.getContext("2d")!.putImageData(image, 0, 0);
  }

  /** The image, one pixel per slot; for tests. */
  get source(): OffscreenCanvas {
    return this.#source;
  }

  /**
   * Draws the visible part over the grid, with the grid's view (as
   * `SlabGrid.render` does).
   */
  render(context: CanvasRenderingContext2D, width: number, height: number, view: GridView): void {
    const sx = Math.max(0, view.x);
    const sy = Math.max(0, view.y);
    const sw = Math.min(this.#columns - sx, width / view.zoom);
    const sh = Math.min(this.#rows - sy, height / view.zoom);
    if (sw <= 0 || sh <= 0) return;
    // Below one pixel per slot, average (as the grid does): skipping pixels
    // instead would drop marks at random; averaging tints a region by how
    // many of its slots differ. Above, every cell stays crisp.
    context.imageSmoothingEnabled = view.zoom < 1;
    context.imageSmoothingQuality = "high";
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
}
