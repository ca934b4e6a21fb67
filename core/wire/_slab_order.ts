// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
// Each slab's place in a state's slab order, for the records that are
// ordered by it (open handles, site lists).
import type { SlabSnapshot } from "./types.ts";

/** Each slab's index in `slabs`, by name. */
export function slabOrder(slabs: readonly SlabSnapshot[]): Map<string, number> {
  const order = new Map<string, number>();
  slabs.forEach((slab, i) => order.set(slab.name, i));
  return order;
}
