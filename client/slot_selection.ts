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
}

/** Whether `selection` names slot `slot` of slab `slab`. */
export function isSelected(
  selection: SlotSelection | null,
  slab: string,
  slot: number,
): boolean {
  return selection !== null && selection.slab === slab && selection.slot === slot;
}
