// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode ArenaPool}: a slab of arenas, one acquired per unit of work.
 *
 * @module
 */

import { Arena, type ArenaStats, pooledArena, retireArena } from "./arena.ts";
import { describe, typeName } from "./describe.ts";
import { MAX_CAPACITY, MAX_SLOT_SIZE } from "./slab_layout.ts";
import { SlabAllocator } from "./slab.ts";

/** Options for {@linkcode ArenaPool}. */
export interface ArenaPoolOptions {
  /** Name of the pool, shown as a slab and as an arena in snapshots. */
  name: string;
  /** Bytes per arena: an integer from 1 to 16,777,216. */
  arenaCapacity: number;
  /** Number of arenas: an integer from 1 to 4,194,304. */
  count: number;
}

/** Totals over a pool's arenas, as returned by {@linkcode ArenaPool.prototype.stats}. */
export interface ArenaPoolStats {
  /** The pool's name. */
  name: string;
  /** Number of arenas. */
  count: number;
  /** Bytes per arena. */
  arenaCapacity: number;
  /** Arenas acquired and not yet released. */
  inUse: number;
  /** Most arenas ever acquired at once. */
  peak: number;
  /** `acquire()` calls that found every arena taken and returned `null`. */
  exhausted: number;
  /** Bytes in use across acquired arenas. */
  used: number;
  /** Total arena bytes: `count × arenaCapacity`. */
  capacity: number;
  /** The largest high-water mark of any one arena: how big an arena ever needed to be. */
  hwm: number;
  /** Allocations across all arenas. */
  allocations: number;
  /** Resets across all arenas (one per release). */
  resets: number;
  /** Requests across all arenas that did not fit and were served from the heap. */
  overflowFallbacks: number;
  /** Bytes served from the heap by those fallbacks. */
  overflowBytes: number;
}

/**
 * A fixed set of equally sized arenas, carved from one {@linkcode SlabAllocator}
 * (per-request "stream arenas", for example). Acquire an arena for a unit of
 * work, bump-allocate from it, and release it when the work ends: the
 * release resets it for the next user.
 *
 * When every arena is taken, `acquire()` returns `null` and the pool's slab
 * counts an overflow, exactly like an empty slab.
 *
 * Each `acquire()` returns a new `Arena` object over the slot it took. Once
 * released, that object refuses `alloc()` and `reset()`, and releasing it
 * again is a `RangeError`, even after the slot went to someone else.
 *
 * @example One arena per request
 * ```ts
 * import { ArenaPool } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const pool = new ArenaPool({ name: "stream_arenas", arenaCapacity: 1024, count: 2 });
 * const arena = pool.acquire()!;
 * arena.alloc(100);
 * assert.equal(pool.stats().used, 100);
 * pool.release(arena);
 * assert.equal(pool.stats().inUse, 0);
 * ```
 */
export class ArenaPool {
  #name: string;
  #slab: SlabAllocator;
  #arenaCapacity: number;
  /** Arenas acquired and not yet released, with their slab handles. */
  #live = new Map<Arena, number>();
  // Totals of released arenas, so that stats() covers every acquisition.
  #hwm = 0;
  #allocations = 0;
  #resets = 0;
  #overflowFallbacks = 0;
  #overflowBytes = 0;

  /**
   * Creates a pool of `count` arenas of `arenaCapacity` bytes each.
   *
   * @param options Name, arena capacity and count.
   * @throws {RangeError} If `arenaCapacity` or `count` is out of range.
   * @throws {TypeError} If the name is not a string.
   */
  constructor(options: ArenaPoolOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Cannot create arena pool: expected an options object");
    }
    const { name, arenaCapacity, count } = options;
    if (typeof name !== "string") {
      throw new TypeError(
        `Cannot create arena pool: name must be a string, received ${typeName(name)}`,
      );
    }
    checkOption(name, "arenaCapacity", arenaCapacity, MAX_SLOT_SIZE);
    checkOption(name, "count", count, MAX_CAPACITY);
    this.#slab = new SlabAllocator({ name, slotSize: arenaCapacity, capacity: count });
    this.#name = name;
    this.#arenaCapacity = arenaCapacity;
  }

  /** The pool's name. */
  get name(): string {
    return this.#name;
  }

  /** The slab the arenas are carved from: one slot per arena. */
  get slab(): SlabAllocator {
    return this.#slab;
  }

  /**
   * Takes a free arena, empty and ready to allocate from.
   *
   * @returns An arena, or `null` when all are in use (counted as an overflow
   * of {@linkcode ArenaPool.prototype.slab}).
   *
   * @example Usage
   * ```ts
   * import { ArenaPool } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const pool = new ArenaPool({ name: "p", arenaCapacity: 64, count: 1 });
   * const arena = pool.acquire();
   * assert.notEqual(arena, null);
   * assert.equal(pool.acquire(), null);
   * assert.equal(pool.stats().exhausted, 1);
   * ```
   */
  acquire(): Arena | null {
    const handle = this.#slab.alloc();
    if (handle === null) return null;
    const index = this.#slab.indexOf(handle);
    const arena = pooledArena(`${this.#name}[${index}]`, this.#slab.bytes(handle));
    this.#live.set(arena, handle);
    return arena;
  }

  /**
   * Resets an arena and returns it to the pool.
   *
   * @param arena An arena acquired from this pool and not yet released.
   * @throws {RangeError} If `arena` is not currently acquired from this pool
   * (already released, or from another pool).
   *
   * @example Usage
   * ```ts
   * import { ArenaPool } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const pool = new ArenaPool({ name: "p", arenaCapacity: 64, count: 1 });
   * const arena = pool.acquire()!;
   * pool.release(arena);
   * assert.throws(() => pool.release(arena), RangeError);
   * ```
   */
  release(arena: Arena): void {
    const handle = this.#live.get(arena);
    if (handle === undefined) {
      const name = arena instanceof Arena ? `"${arena.name}"` : String(arena);
      throw new RangeError(
        `Cannot release arena ${name} to pool "${this.#name}": it is not acquired from this pool (released twice, or from another pool)`,
      );
    }
    this.#live.delete(arena);
    arena.reset(); // zeroes what was used: the slot's next arena reads as zero
    const s = arena.stats();
    if (s.hwm > this.#hwm) this.#hwm = s.hwm;
    this.#allocations += s.allocations;
    this.#resets += s.resets;
    this.#overflowFallbacks += s.overflowFallbacks;
    this.#overflowBytes += s.overflowBytes;
    retireArena(arena, this.#name);
    this.#slab.free(handle);
  }

  /**
   * Returns totals over the pool's arenas.
   *
   * @returns Arenas in use, bytes in use, the largest arena high-water mark
   * and summed counters.
   *
   * @example Usage
   * ```ts
   * import { ArenaPool } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const pool = new ArenaPool({ name: "p", arenaCapacity: 64, count: 4 });
   * pool.acquire()!.alloc(40);
   * assert.equal(pool.stats().hwm, 40);
   * ```
   */
  stats(): ArenaPoolStats {
    const slab = this.#slab.stats();
    let used = 0, hwm = this.#hwm, allocations = this.#allocations, resets = this.#resets;
    let overflowFallbacks = this.#overflowFallbacks, overflowBytes = this.#overflowBytes;
    for (const arena of this.#live.keys()) {
      const s: ArenaStats = arena.stats();
      used += s.used;
      if (s.hwm > hwm) hwm = s.hwm;
      allocations += s.allocations;
      resets += s.resets;
      overflowFallbacks += s.overflowFallbacks;
      overflowBytes += s.overflowBytes;
    }
    return {
      name: this.#name,
      count: slab.capacity,
      arenaCapacity: this.#arenaCapacity,
      inUse: slab.used,
      peak: slab.peak,
      exhausted: slab.overflow,
      used,
      capacity: slab.capacity * this.#arenaCapacity,
      hwm,
      allocations,
      resets,
      overflowFallbacks,
      overflowBytes,
    };
  }
}

function checkOption(pool: string, option: string, value: unknown, max: number): void {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create arena pool "${pool}": ${option} must be a number, received ${typeName(value)}`,
    );
  }
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(
      `Cannot create arena pool "${pool}": ${option} must be an integer from 1 to ${max}, received ${
        describe(value)
      }`,
    );
  }
}
