// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The slab grid's keyboard: a key, the cursor and the grid's geometry in,
 * what to do out. Nothing here touches the DOM, so every rule is tested
 * without a browser; `GridCanvas` only applies the answer.
 *
 * | key | action |
 * | --- | --- |
 * | ← → | the cursor to the previous or next slot, across row ends (Alt: 10 slots) |
 * | ↑ ↓ | the cursor one row up or down (Alt: 10 rows); beyond the first or last row it stops at the first or last slot |
 * | Shift + arrows | pan by an eighth of the visible width, within the grid |
 * | `+` `=` / `-` `_` | zoom in / out by {@linkcode ZOOM_STEP} about the centre, within fit and `MAX_ZOOM` |
 * | `0` | fit the whole slab |
 * | Enter, Space | select the slot under the cursor (its row in the open-handle list) |
 * | Escape | hide the cursor |
 *
 * With no cursor yet, an arrow moves from the slot at the canvas's top-left
 * corner (the last slot when that corner is past the end), so the first press
 * lands next to what is on screen. A cursor move pans just enough to show the
 * slot. Keys held with Ctrl or Meta are never taken: `Ctrl` + `+` is the
 * browser's page zoom, which a focused grid must not steal.
 *
 * @module
 */

import { clampView, type GridView, reveal, zoomAt } from "./grid_view.ts";

/** Zoom factor of one `+` (and of the `+` button): `-` divides by it. */
export const ZOOM_STEP = 1.5;
/** Slots (or rows) one Alt + arrow moves the cursor. */
export const ALT_STRIDE = 10;
/** A Shift + arrow pans by the visible width divided by this (at least one slot). */
export const PAN_DIVISOR = 8;

/** What the keyboard needs to know about a grid and its canvas. */
export interface GridGeometry {
  /** Slots in the slab. */
  readonly total: number;
  /** Slots per row. */
  readonly columns: number;
  /** Rows (the last one may be partly filled). */
  readonly rows: number;
  /** Canvas width, CSS pixels. */
  readonly width: number;
  /** Canvas height, CSS pixels. */
  readonly height: number;
  /** The zoom that shows the whole slab: the least zoom allowed. */
  readonly fit: number;
}

/** The part of a `KeyboardEvent` the grid reads. */
export interface GridKey {
  /** `KeyboardEvent.key`. */
  readonly key: string;
  /** Shift held: arrows pan. */
  readonly shiftKey?: boolean;
  /** Alt held: arrows move ten at a time. */
  readonly altKey?: boolean;
  /** Ctrl held: the key is left to the browser. */
  readonly ctrlKey?: boolean;
  /** Meta held: the key is left to the browser. */
  readonly metaKey?: boolean;
}

/** What a key does to the grid. Anything but `"ignore"` consumes the key. */
export type GridKeyAction =
  /** Not a grid key: let the browser have it. */
  | { readonly kind: "ignore" }
  /** Show `view` (pan, zoom or fit); the cursor stays. */
  | { readonly kind: "view"; readonly view: GridView }
  /**
   * Put the cursor on slot `cursor` and show `view`, which has it in sight;
   * `anchor` is the slot's bottom-right corner on the canvas (CSS pixels), where
   * its tooltip goes.
   */
  | {
    readonly kind: "cursor";
    readonly cursor: number;
    readonly view: GridView;
    readonly anchor: { readonly x: number; readonly y: number };
  }
  /** Remove the cursor and its tooltip. */
  | { readonly kind: "hide-cursor" }
  /** Select slot `slot` (the one under the cursor), or clear the selection if it is selected. */
  | { readonly kind: "select"; readonly slot: number };

const IGNORE: GridKeyAction = { kind: "ignore" };
const HIDE_CURSOR: GridKeyAction = { kind: "hide-cursor" };

/** Column and row steps of the arrow keys. */
const ARROWS: Readonly<Record<string, readonly [number, number]>> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

/**
 * Above this a view coordinate counts as the next whole slot: zoom arithmetic
 * leaves `2.9999999` where `3` was meant.
 */
const EPSILON = 1e-6;

/**
 * Decides what a key press does to a grid.
 *
 * @param key The key (a `KeyboardEvent` will do).
 * @param view The view shown now.
 * @param cursor The slot under the keyboard cursor, or -1 for none.
 * @param geometry The grid and its canvas.
 * @returns The action; its views are always within the grid.
 *
 * @example Moving the cursor and zooming
 * ```ts
 * import { gridKeyAction } from "./grid_keys.ts";
 * import assert from "node:assert/strict";
 *
 * const geometry = { total: 64, columns: 8, rows: 8, width: 128, height: 128, fit: 16 };
 * const view = { zoom: 16, x: 0, y: 0 };
 * const right = gridKeyAction({ key: "ArrowRight" }, view, 7, geometry);
 * assert.deepEqual(right, { kind: "cursor", cursor: 8, view, anchor: { x: 16, y: 32 } });
 * const zoomed = gridKeyAction({ key: "+" }, view, 8, geometry);
 * assert.equal(zoomed.kind === "view" && zoomed.view.zoom, 24);
 * assert.equal(gridKeyAction({ key: "+", ctrlKey: true }, view, 8, geometry).kind, "ignore");
 * ```
 */
export function gridKeyAction(
  key: GridKey,
  view: GridView,
  cursor: number,
  geometry: GridGeometry,
): GridKeyAction {
  if (key.ctrlKey === true || key.metaKey === true) return IGNORE;
  const arrow = ARROWS[key.key];
  if (arrow !== undefined) {
    if (key.shiftKey === true) return { kind: "view", view: pan(view, arrow, geometry) };
    return moveCursor(view, cursor, arrow, key.altKey === true ? ALT_STRIDE : 1, geometry);
  }
  switch (key.key) {
    case "+":
    case "=":
      return { kind: "view", view: zoomView(view, ZOOM_STEP, geometry) };
    case "-":
    case "_":
      return { kind: "view", view: zoomView(view, 1 / ZOOM_STEP, geometry) };
    case "0":
      return { kind: "view", view: fitView(geometry) };
    case "Escape":
      return HIDE_CURSOR;
    case "Enter":
    case " ":
      // Without a cursor there is nothing to select: the key is the page's.
      return cursor >= 0 && cursor < geometry.total ? { kind: "select", slot: cursor } : IGNORE;
    default:
      return IGNORE;
  }
}

/**
 * Zooms by `factor` keeping the slot under canvas point (`px`, `py`) in place
 * (the centre by default), within fit and `MAX_ZOOM` and within the
 * grid. The `+`/`-` keys, the toolbar buttons and Ctrl + wheel all zoom here.
 *
 * @example Zooming in about the centre
 * ```ts
 * import { zoomView } from "./grid_keys.ts";
 * import assert from "node:assert/strict";
 *
 * const geometry = { total: 64, columns: 8, rows: 8, width: 128, height: 128, fit: 16 };
 * assert.deepEqual(zoomView({ zoom: 16, x: 0, y: 0 }, 2, geometry), { zoom: 32, x: 2, y: 2 });
 * ```
 */
export function zoomView(
  view: GridView,
  factor: number,
  geometry: GridGeometry,
  px: number = geometry.width / 2,
  py: number = geometry.height / 2,
): GridView {
  return within(zoomAt(view, factor, px, py, geometry.fit), geometry);
}

/**
 * The view that shows the whole slab.
 *
 * @example
 * ```ts
 * import { fitView } from "./grid_keys.ts";
 * import assert from "node:assert/strict";
 *
 * const geometry = { total: 64, columns: 8, rows: 8, width: 128, height: 128, fit: 16 };
 * assert.deepEqual(fitView(geometry), { zoom: 16, x: 0, y: 0 });
 * ```
 */
export function fitView(geometry: GridGeometry): GridView {
  return { zoom: geometry.fit, x: 0, y: 0 };
}

function pan(view: GridView, [dx, dy]: readonly [number, number], geometry: GridGeometry) {
  const step = Math.max(1, Math.round(geometry.width / view.zoom / PAN_DIVISOR));
  return within({ zoom: view.zoom, x: view.x + dx * step, y: view.y + dy * step }, geometry);
}

function moveCursor(
  view: GridView,
  cursor: number,
  [dx, dy]: readonly [number, number],
  stride: number,
  geometry: GridGeometry,
): GridKeyAction {
  const { total, columns } = geometry;
  if (total < 1) return IGNORE;
  const from = cursor >= 0 && cursor < total ? cursor : topLeftSlot(view, geometry);
  // Slot order: left and right run on across row ends; up and down are
  // `columns` slots away, so past the first or last row they stop at the
  // first or last slot (the last row may be shorter than the others).
  const next = Math.min(total - 1, Math.max(0, from + (dx + dy * columns) * stride));
  const column = next % columns;
  const row = Math.floor(next / columns);
  const shown = within(reveal(view, column, row, geometry.width, geometry.height), geometry);
  return {
    kind: "cursor",
    cursor: next,
    view: shown,
    anchor: { x: (column - shown.x + 1) * shown.zoom, y: (row - shown.y + 1) * shown.zoom },
  };
}

/** The slot at the canvas's top-left corner; the last slot if that is past the end. */
function topLeftSlot(view: GridView, { total, columns, rows }: GridGeometry): number {
  const column = Math.min(columns - 1, Math.max(0, Math.floor(view.x + EPSILON)));
  const row = Math.min(rows - 1, Math.max(0, Math.floor(view.y + EPSILON)));
  return Math.min(total - 1, row * columns + column);
}

function within(view: GridView, geometry: GridGeometry): GridView {
  return clampView(view, geometry.columns, geometry.rows, geometry.width, geometry.height);
}
