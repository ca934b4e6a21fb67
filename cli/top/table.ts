// Copyright 2026 the slabscope authors. MIT license.
/**
 * The table model of `slabscope top`: one row per slab and per arena, the
 * header's totals, and the sort keys (slabtop's letters where they exist).
 *
 * @module
 */

import type { ArenaSnapshot, MemorySnapshot, SlabSnapshot } from "../../core/wire/types.ts";

/** A column to sort by. */
export type SortKey = "objs" | "active" | "use" | "size" | "hwm" | "overflow" | "name";

/**
 * Sort keys by their letter: `o` OBJS, `a` ACTIVE, `u` USE, `s` SLOT SIZE,
 * `h` HWM, `v` OVERFLOW, `n` NAME.
 */
export const SORT_KEYS: Readonly<Record<string, SortKey>> = Object.freeze({
  o: "objs",
  a: "active",
  u: "use",
  s: "size",
  h: "hwm",
  v: "overflow",
  n: "name",
});

/** The slab table's column titles, by sort key. */
export const SORT_TITLES: Readonly<Record<SortKey, string>> = Object.freeze({
  objs: "OBJS",
  active: "ACTIVE",
  use: "USE",
  size: "SLOT SIZE",
  hwm: "HWM",
  overflow: "OVERFLOW",
  name: "NAME",
});

/** An order: a column, and whether it is reversed from its natural direction. */
export interface Sort {
  /** The column. */
  key: SortKey;
  /**
   * Reversed: numbers ascending, names Z to A. The natural direction puts
   * the largest numbers first and names A to Z.
   */
  reverse: boolean;
}

/**
 * The order after a key press: the same letter again reverses the order,
 * another sort letter sorts by its column, anything else changes nothing.
 *
 * @param sort The current order.
 * @param letter The key pressed.
 * @returns The new order.
 */
export function nextSort(sort: Sort, letter: string): Sort {
  const key = SORT_KEYS[letter];
  if (key === undefined) return sort;
  return key === sort.key ? { key, reverse: !sort.reverse } : { key, reverse: false };
}

/** One line of the slab table. */
export interface SlabRow {
  /** The slab's name. */
  name: string;
  /** Slots in total (slabtop's OBJS). */
  objs: number;
  /** Slots in use (slabtop's ACTIVE). */
  active: number;
  /** `active / objs`. */
  use: number;
  /** Payload bytes per slot. */
  slotSize: number;
  /** High-water mark of `active`. */
  hwm: number;
  /** Allocations refused because the slab was full. */
  overflow: number;
}

/** One line of the arena table. Sizes in bytes. */
export interface ArenaRow {
  /** The arena's or pool's name. */
  name: string;
  /** Bytes in use. */
  used: number;
  /** Bytes of arena memory. */
  capacity: number;
  /** `used / capacity`. */
  use: number;
  /** High-water mark of `used`. */
  hwm: number;
  /** Requests served from the heap because they did not fit. */
  overflow: number;
  /** Bytes per arena for a pool, else the capacity: what `s` sorts by. */
  unit: number;
}

/** The header's figures. */
export interface Totals {
  /** Number of slabs. */
  slabs: number;
  /** Number of arenas (pools count once). */
  arenas: number;
  /** Slots in use over all slabs. */
  activeSlots: number;
  /** Slots over all slabs. */
  totalSlots: number;
  /** Bytes of slots in use (`used × slot_size`, summed). */
  activeBytes: number;
  /** Bytes of slots (`total × slot_size`, summed). */
  totalBytes: number;
  /** Overflow of all slabs. */
  slabOverflow: number;
  /** Overflow of all arenas. */
  arenaOverflow: number;
  /** V8 heap in use. */
  heapUsed: number;
  /** Resident set size. */
  rss: number;
}

/**
 * The header's totals of a snapshot.
 *
 * @param snapshot The state.
 * @returns Its totals.
 */
export function totals(snapshot: MemorySnapshot): Totals {
  const t: Totals = {
    slabs: snapshot.slabs.length,
    arenas: snapshot.arenas.length,
    activeSlots: 0,
    totalSlots: 0,
    activeBytes: 0,
    totalBytes: 0,
    slabOverflow: 0,
    arenaOverflow: 0,
    heapUsed: snapshot.heap.heap_used,
    rss: snapshot.heap.rss,
  };
  for (const slab of snapshot.slabs) {
    t.activeSlots += slab.used;
    t.totalSlots += slab.total;
    t.activeBytes += slab.used * slab.slot_size;
    t.totalBytes += slab.total * slab.slot_size;
    t.slabOverflow += slab.overflow;
  }
  for (const arena of snapshot.arenas) t.arenaOverflow += arena.overflow;
  return t;
}

/** A slab's row. */
export function slabRow(slab: SlabSnapshot): SlabRow {
  return {
    name: slab.name,
    objs: slab.total,
    active: slab.used,
    use: slab.total > 0 ? slab.used / slab.total : 0,
    slotSize: slab.slot_size,
    hwm: slab.hwm,
    overflow: slab.overflow,
  };
}

/** An arena's row. */
export function arenaRow(arena: ArenaSnapshot): ArenaRow {
  return {
    name: arena.name,
    used: arena.used,
    capacity: arena.capacity,
    use: arena.capacity > 0 ? arena.used / arena.capacity : 0,
    hwm: arena.hwm,
    overflow: arena.overflow,
    unit: arena.pool?.arena_capacity ?? arena.capacity,
  };
}

const SLAB_VALUE: Record<Exclude<SortKey, "name">, (row: SlabRow) => number> = {
  objs: (row) => row.objs,
  active: (row) => row.active,
  use: (row) => row.use,
  size: (row) => row.slotSize,
  hwm: (row) => row.hwm,
  overflow: (row) => row.overflow,
};

const ARENA_VALUE: Record<Exclude<SortKey, "name">, (row: ArenaRow) => number> = {
  objs: (row) => row.capacity,
  active: (row) => row.used,
  use: (row) => row.use,
  size: (row) => row.unit,
  hwm: (row) => row.hwm,
  overflow: (row) => row.overflow,
};

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function sortRows<T extends { name: string }>(
  rows: T[],
  sort: Sort,
  values: Record<Exclude<SortKey, "name">, (row: T) => number>,
): T[] {
  const sign = sort.reverse ? -1 : 1;
  if (sort.key === "name") return rows.sort((a, b) => sign * byName(a, b));
  const value = values[sort.key];
  // Ties go by name, A to Z, whichever the direction.
  return rows.sort((a, b) => sign * (value(b) - value(a)) || byName(a, b));
}

/**
 * The slab table: one row per slab, sorted.
 *
 * @param snapshot The state.
 * @param sort The order.
 * @returns The rows.
 *
 * @example Usage
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
 * import { slabRows } from "./table.ts";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "small", slotSize: 8, capacity: 8 }));
 * registry.addSlab(new SlabAllocator({ name: "big", slotSize: 8, capacity: 64 }));
 * const rows = slabRows(registry.snapshot(), { key: "objs", reverse: false });
 * assert.deepEqual(rows.map((row) => row.name), ["big", "small"]);
 * ```
 */
export function slabRows(snapshot: MemorySnapshot, sort: Sort): SlabRow[] {
  return sortRows(snapshot.slabs.map(slabRow), sort, SLAB_VALUE);
}

/**
 * The arena table: one row per arena or arena pool, sorted. Letters map to
 * the arena columns: `o` CAPACITY, `a` USED, `u` USE, `s` bytes per arena,
 * `h` HWM, `v` OVERFLOW, `n` NAME.
 *
 * @param snapshot The state.
 * @param sort The order.
 * @returns The rows.
 */
export function arenaRows(snapshot: MemorySnapshot, sort: Sort): ArenaRow[] {
  return sortRows(snapshot.arenas.map(arenaRow), sort, ARENA_VALUE);
}
