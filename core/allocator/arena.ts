// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode Arena}: a bump allocator with a high-water mark and a heap
 * fallback for requests that do not fit.
 *
 * @module
 */

/** Options for {@linkcode Arena}. */
export interface ArenaOptions {
  /** Name shown in snapshots and error messages. */
  name: string;
  /** Bytes of arena memory: an integer from 1 to 2^31 - 1. */
  capacity: number;
  /**
   * Memory to carve allocations from, instead of a fresh `ArrayBuffer`.
   * Its length must equal `capacity`. The arena zeroes it on construction,
   * so that memory handed out reads as zero, and owns it from then on.
   */
  memory?: Uint8Array;
}

/** Counters of one arena, as returned by {@linkcode Arena.prototype.stats}. */
export interface ArenaStats {
  /** The arena's name. */
  name: string;
  /** Bytes handed out since the last reset, alignment padding included. */
  used: number;
  /** Bytes of arena memory. */
  capacity: number;
  /** High-water mark of `used`. It survives {@linkcode Arena.prototype.reset}. */
  hwm: number;
  /** Successful `alloc()` calls, fallbacks included. */
  allocations: number;
  /** Calls to `reset()`. */
  resets: number;
  /** Requests that did not fit and were served from the ordinary heap. */
  overflowFallbacks: number;
  /** Bytes served from the ordinary heap by those fallbacks. */
  overflowBytes: number;
}

/** Largest arena and largest single request: 2^31 - 1 bytes. */
const MAX_BYTES = 2 ** 31 - 1;
/** Largest supported alignment. */
const MAX_ALIGN = 4096;

// Private construction and retirement paths for ArenaPool (see the end of
// this file): class fields are only reachable from inside the class.
let retire: (arena: Arena, pool: string) => void;
let memoryIsZero = false;

/**
 * A bump allocator over one block of memory: `alloc()` hands out the next
 * `size` bytes (aligned), `reset()` takes everything back at once. Ideal for
 * per-request scratch space whose lifetime ends with the request.
 *
 * A request that does not fit is still served, from the ordinary heap, and
 * counted as an overflow fallback: the caller always gets memory, and the
 * counters say the arena is too small. Memory handed out reads as zero.
 *
 * Views returned before a `reset()` alias later allocations; drop them at
 * the reset. An arena belongs to one thread.
 *
 * @example Per-request scratch space
 * ```ts
 * import { Arena } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const arena = new Arena({ name: "scratch", capacity: 64 });
 * const header = arena.alloc(10);
 * const body = arena.alloc(16, 16); // 16-byte aligned: starts at offset 16
 * assert.equal(body.byteOffset, 16);
 * const big = arena.alloc(100); // does not fit: served from the heap
 * assert.equal(big.length, 100);
 * arena.reset();
 * const { used, hwm, overflowFallbacks } = arena.stats();
 * assert.deepEqual([used, hwm, overflowFallbacks], [0, 32, 1]);
 * header.fill(1); // stale view: aliases whatever is allocated next
 * ```
 */
export class Arena {
  #name: string;
  #memory: Uint8Array;
  #used = 0;
  #hwm = 0;
  #allocations = 0;
  #resets = 0;
  #overflowFallbacks = 0;
  #overflowBytes = 0;
  /** Set when an `ArenaPool` took the arena back: the pool's name. */
  #releasedTo: string | undefined;

  static {
    retire = (arena, pool) => (arena.#releasedTo = pool);
  }

  /**
   * Creates an arena.
   *
   * @param options Name and capacity (and optionally the memory to use).
   * @throws {TypeError} If the name is not a string or `memory` is not a
   * `Uint8Array`.
   * @throws {RangeError} If `capacity` is not an integer from 1 to 2^31 - 1,
   * or does not match `memory.length`.
   */
  constructor(options: ArenaOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("Cannot create arena: expected an options object");
    }
    const { name, capacity, memory } = options;
    if (typeof name !== "string" || name.length === 0) {
      throw new TypeError(
        `Cannot create arena: name must be a non-empty string, received ${
          JSON.stringify(name) ?? String(name)
        }`,
      );
    }
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_BYTES) {
      throw new RangeError(
        `Cannot create arena "${name}": capacity must be an integer from 1 to ${MAX_BYTES}, received ${
          String(capacity)
        }`,
      );
    }
    if (memory !== undefined) {
      if (!(memory instanceof Uint8Array)) {
        throw new TypeError(
          `Cannot create arena "${name}": memory must be a Uint8Array`,
        );
      }
      if (memory.length !== capacity) {
        throw new RangeError(
          `Cannot create arena "${name}": memory is ${memory.length} bytes but capacity is ${capacity}`,
        );
      }
    }
    this.#name = name;
    if (memory !== undefined && !memoryIsZero) memory.fill(0);
    this.#memory = memory ?? new Uint8Array(capacity);
  }

  /** The arena's name. */
  get name(): string {
    return this.#name;
  }

  /** Bytes of arena memory. */
  get capacity(): number {
    return this.#memory.length;
  }

  /** Bytes handed out since the last reset. */
  get used(): number {
    return this.#used;
  }

  /**
   * Hands out `size` bytes whose offset in the arena is a multiple of
   * `align`. When they do not fit, returns fresh heap memory instead and
   * counts an overflow fallback.
   *
   * @param size Bytes wanted: an integer from 1 to 2^31 - 1.
   * @param align Alignment: a power of two from 1 to 4096.
   * @returns A zero-filled view of exactly `size` bytes.
   * @throws {RangeError} If `size` or `align` is out of range, or the arena
   * was released to its `ArenaPool`.
   *
   * @example Usage
   * ```ts
   * import { Arena } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const arena = new Arena({ name: "a", capacity: 32 });
   * assert.equal(arena.alloc(3).length, 3);
   * assert.equal(arena.alloc(8).byteOffset, 8);
   * assert.throws(() => arena.alloc(0), RangeError);
   * ```
   */
  alloc(size: number, align = 8): Uint8Array {
    if (this.#releasedTo !== undefined) throw this.#released("allocate from");
    if (!Number.isInteger(size) || size < 1 || size > MAX_BYTES) {
      throw new RangeError(
        `Cannot allocate ${
          String(size)
        } bytes from arena "${this.#name}": size must be an integer from 1 to ${MAX_BYTES}`,
      );
    }
    if (
      !Number.isInteger(align) || align < 1 || align > MAX_ALIGN ||
      (align & (align - 1)) !== 0
    ) {
      throw new RangeError(
        `Cannot allocate from arena "${this.#name}": alignment must be a power of two from 1 to ${MAX_ALIGN}, received ${
          String(align)
        }`,
      );
    }
    this.#allocations++;
    const start = Math.ceil(this.#used / align) * align;
    const end = start + size;
    const memory = this.#memory;
    if (end > memory.length) {
      this.#overflowFallbacks++;
      this.#overflowBytes += size;
      return new Uint8Array(size);
    }
    this.#used = end;
    if (end > this.#hwm) this.#hwm = end;
    return memory.subarray(start, end);
  }

  /**
   * Takes back every allocation at once. The high-water mark is kept.
   *
   * @throws {RangeError} If the arena was released to its `ArenaPool`.
   *
   * @example Usage
   * ```ts
   * import { Arena } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const arena = new Arena({ name: "r", capacity: 16 });
   * arena.alloc(12);
   * arena.reset();
   * assert.equal(arena.stats().used, 0);
   * assert.equal(arena.stats().hwm, 12);
   * ```
   */
  reset(): void {
    if (this.#releasedTo !== undefined) throw this.#released("reset");
    const used = this.#used;
    // Zero on reset rather than on alloc: one fill over what was used, and
    // the promise "memory reads as zero" holds for every later allocation.
    this.#memory.fill(0, 0, used);
    this.#used = 0;
    this.#resets++;
  }

  /**
   * Returns the arena's counters as a plain object.
   *
   * @returns Used, capacity, high-water mark, allocations, resets and
   * overflow fallbacks.
   *
   * @example Usage
   * ```ts
   * import { Arena } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const arena = new Arena({ name: "s", capacity: 8 });
   * arena.alloc(8);
   * arena.alloc(1);
   * assert.equal(arena.stats().overflowBytes, 1);
   * ```
   */
  stats(): ArenaStats {
    return {
      name: this.#name,
      used: this.#used,
      capacity: this.#memory.length,
      hwm: this.#hwm,
      allocations: this.#allocations,
      resets: this.#resets,
      overflowFallbacks: this.#overflowFallbacks,
      overflowBytes: this.#overflowBytes,
    };
  }

  #released(action: string): RangeError {
    return new RangeError(
      `Cannot ${action} arena "${this.#name}": it was released to pool "${this.#releasedTo}"; acquire a new arena`,
    );
  }
}

/**
 * Internal to `ArenaPool`: an arena over slot memory the pool keeps zeroed
 * (fresh slab memory, and every release resets what was used), so that
 * acquiring one does not zero the whole slot again.
 */
export function pooledArena(name: string, memory: Uint8Array): Arena {
  memoryIsZero = true;
  try {
    return new Arena({ name, capacity: memory.length, memory });
  } finally {
    memoryIsZero = false;
  }
}

/**
 * Internal to `ArenaPool`: marks an arena released, so that a stale
 * reference can neither allocate from nor reset the slot's next user.
 */
export function retireArena(arena: Arena, pool: string): void {
  retire(arena, pool);
}
