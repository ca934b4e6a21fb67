// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The slab grid's geometry: its columns, and the zoom and pan arithmetic of
 * its canvas.
 *
 * @module
 */

/** What part of the slab the canvas shows. */
export interface GridView {
  /** CSS pixels per slot. */
  zoom: number;
  /** Slot column at the canvas's left edge (may be fractional). */
  x: number;
  /** Slot row at the canvas's top edge. */
  y: number;
}

/** Columns for a slab: small ones square, large ones about 2.5 times wider than tall. */
export function columnsFor(total: number): number {
  if (total <= 64) return Math.ceil(Math.sqrt(total));
  return Math.ceil(Math.sqrt(total * 2.5));
}

/** Largest zoom: CSS pixels per slot. */
export const MAX_ZOOM = 48;
/** Tallest a grid canvas gets, in CSS pixels, before it scrolls by panning. */
export const MAX_HEIGHT = 360;
/** Zoom at which cells show their state letter. */
export const LETTER_ZOOM = 14;

/** The zoom that shows the whole slab in `width` CSS pixels, at most 16 px per slot. */
export function fitZoom(columns: number, rows: number, width: number): number {
  return Math.min(width / columns, MAX_HEIGHT / rows, 16);
}

/** Canvas height for a grid shown at `zoom` (whole rows, at least 24 px). */
export function canvasHeight(rows: number, zoom: number): number {
  return Math.max(24, Math.min(MAX_HEIGHT, Math.ceil(rows * zoom)));
}

/** Keeps the view inside the image (with no margin beyond its edges). */
export function clampView(
  view: GridView,
  columns: number,
  rows: number,
  width: number,
  height: number,
): GridView {
  const maxX = Math.max(0, columns - width / view.zoom);
  const maxY = Math.max(0, rows - height / view.zoom);
  return {
    zoom: view.zoom,
    x: Math.min(Math.max(0, view.x), maxX),
    y: Math.min(Math.max(0, view.y), maxY),
  };
}

/** Zooms by `factor` keeping the slot under canvas point (`px`, `py`) in place. */
export function zoomAt(
  view: GridView,
  factor: number,
  px: number,
  py: number,
  minZoom: number,
): GridView {
  const zoom = Math.min(MAX_ZOOM, Math.max(minZoom, view.zoom * factor));
  const slotX = view.x + px / view.zoom;
  const slotY = view.y + py / view.zoom;
  return { zoom, x: slotX - px / zoom, y: slotY - py / zoom };
}

/** Pans so that slot (`column`, `row`) is visible, if it is not. */
export function reveal(
  view: GridView,
  column: number,
  row: number,
  width: number,
  height: number,
): GridView {
  const visibleX = width / view.zoom;
  const visibleY = height / view.zoom;
  let { x, y } = view;
  if (column < x) x = column;
  else if (column + 1 > x + visibleX) x = column + 1 - visibleX;
  if (row < y) y = row;
  else if (row + 1 > y + visibleY) y = row + 1 - visibleY;
  return { zoom: view.zoom, x, y };
}
