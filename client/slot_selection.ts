// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The slot selected on the page: a cell of a grid and, when it holds one of
 * the listed open handles, a row of the open-handle list. One signal of
 * this type is shared by the grids and the list (as the page shares its
 * state): selecting either side selects the other.
 *
 * @module
 */

/** A selected slot: the slab's name and the slot index. */
export interface SlotSelection {
  /** The slab. */
  slab: string;
  /** The slot index. */
  slot: number;
  /**
   * Other slots of the same slab marked with it: a lint's slots (ascending,
   * `slot` among them), selected from the lints panel.
   */
  slots?: readonly number[];
  /** The lint (`rule` and pool) that selected them, for the lints panel. */
  lint?: string;
}

/** Whether `selection` names slot `slot` of slab `slab`. */
export function isSelected(
  selection: SlotSelection | null,
  slab: string,
  slot: number,
): boolean {
  return selection !== null && selection.slab === slab && selection.slot === slot;
}
