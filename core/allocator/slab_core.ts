// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The contract of a slab core: what `SlabAllocator` calls, in the
 * WebAssembly core (`wasm/slab_core.wat`) and the JavaScript core
 * (`slab_js_core.ts`) alike. Internal.
 *
 * @module
 */

/** One allocator instance's core. */
export interface SlabCore {
  /** Fast path: a handle; {@linkcode EMPTY} when no slot is free; other negatives: call `allocSlow()`. */
  alloc(): number;
  /** A handle, or {@linkcode EMPTY} when no slot is free. `owner` 65,535 means none. */
  allocSlow(owner: number, state: number): number;
  /** Fast path, for a handle from 1 to 2^31 - 1: 0 freed, else call `freeSlow()`. */
  free(handle: number): number;
  /** 0 freed, 1 rejected (see `rejected()`), 2 out of range. */
  freeSlow(handle: number): number;
  /** 0 done, 1 rejected (see `rejected()`), 2 out of range; owner -1 keeps it. */
  setState(handle: number, state: number, owner: number): number;
  /** The slot word that made the last free() or setState() fail. */
  rejected(): number;
  /** Returns every cached slot to the shared free list. */
  flushAll(): void;
  /** The next allocation to sample (see {@linkcode SAMPLE}) comes after `n` more. */
  sampleAfter(n: number): void;
  /** Counts an allocation made with `allocSlow()` alone; 1 when it is the one to sample. */
  sampleDue(): number;
}

/** What `alloc()` and `allocSlow()` return when no slot is free (counted as an overflow). */
export const EMPTY = -1;
/** What `alloc()` returns when the slow path must do this allocation. */
export const SLOW = -2;
/**
 * What `alloc()` of a slab that samples allocation sites returns, instead
 * of allocating, when this allocation is the one in N to sample.
 */
export const SAMPLE = -3;
