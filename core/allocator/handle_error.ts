// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The error thrown for a handle that does not name a live slot.
 *
 * @module
 */

/**
 * Why a handle was rejected.
 *
 * - `"not-a-handle"`: not an integer from 0 to 2^31 - 1 (NaN, 1.5, -1, …).
 * - `"out-of-range"`: its slot index is not below the slab's capacity.
 * - `"double-free"`: the slot was freed with this very handle already.
 * - `"stale"`: the slot was freed and handed out again since, or the handle
 *   belongs to another slab.
 * - `"free-slot"`: the slot is free and the handle's generation does not say
 *   more (a handle from another slab, or one that was never issued).
 */
export type HandleErrorReason =
  | "not-a-handle"
  | "out-of-range"
  | "double-free"
  | "stale"
  | "free-slot";

/** Options for {@linkcode HandleError}. */
export interface HandleErrorOptions {
  /** The slab's name. */
  slab: string;
  /** The rejected handle, as given. */
  handle: unknown;
  /** Why it was rejected. */
  reason: HandleErrorReason;
}

/**
 * Thrown by {@linkcode SlabAllocator} methods for a handle that does not
 * name a live slot of that slab: double frees, stale handles, handles of
 * another slab, and numbers that are not handles at all.
 *
 * It is a `RangeError`, so `catch (e) { if (e instanceof RangeError) … }`
 * keeps working; `reason`, `slab` and `handle` say exactly what happened.
 * The slab counts each one in `stats().invalidFrees` and leaves its free
 * list untouched.
 *
 * @example Catching a double free
 * ```ts
 * import { HandleError, SlabAllocator } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const slab = new SlabAllocator({ name: "demo", slotSize: 16, capacity: 4 });
 * const handle = slab.alloc()!;
 * slab.free(handle);
 * assert.throws(() => slab.free(handle), (error: unknown) =>
 *   error instanceof HandleError && error.reason === "double-free"
 * );
 * assert.equal(slab.stats().invalidFrees, 1);
 * ```
 */
export class HandleError extends RangeError {
  /** The slab's name. */
  readonly slab: string;
  /** The rejected handle, as given. */
  readonly handle: unknown;
  /** Why it was rejected. */
  readonly reason: HandleErrorReason;

  /**
   * Constructs a new instance.
   *
   * @param message The error message.
   * @param options The slab, handle and reason.
   */
  constructor(message: string, options: HandleErrorOptions) {
    super(message);
    this.name = "HandleError";
    this.slab = options.slab;
    this.handle = options.handle;
    this.reason = options.reason;
  }
}
