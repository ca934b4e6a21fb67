// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Instantiating the WebAssembly slab core (`wasm/slab_core.wat`) over a
 * slab's shared memory. Internal to `SlabAllocator`.
 *
 * @module
 */

import { SLAB_CORE_WASM } from "./wasm/slab_core_wasm.ts";

/** The core's exports; see `wasm/slab_core.wat` for each contract. */
export interface WasmSlabCore {
  init(
    capacity: number,
    indexBits: number,
    generationBits: number,
    links: number,
    slots: number,
    meta: number,
    lane: number,
    shared: number,
    cache: number,
    cacheSize: number,
    epochs: number,
  ): void;
  configure(tagBits: number, hook: number): void;
  /** Fast path: a handle, or -2 (call `allocSlow()`). */
  alloc(owner: number, state: number, time: number): number;
  /** A handle, or -1 when no slot is free. */
  allocSlow(owner: number, state: number, time: number): number;
  /** Fast path: 0 freed, or 3 (call `freeSlow()`). */
  free(handle: number, time: number): number;
  /** 0 freed, 1 rejected (see `rejected()`), 2 out of range. */
  freeSlow(handle: number, time: number): number;
  /** 0 done, 1 rejected (see `rejected()`), 2 out of range; owner -1 keeps it. */
  setState(handle: number, state: number, owner: number, time: number): number;
  /** The slot word that made the last free() or setState() fail. */
  rejected(): number;
  /** Returns every cached slot to the shared free list. */
  flushAll(): void;
  /** Counts in the shared lane 0 from now on, without a cache. */
  useSharedLane(lane: number, epochs: number): void;
}

/** Pages of 64 KiB: the unit of WebAssembly memory. */
export const WASM_PAGE = 65_536;
/** The largest WebAssembly memory (4 GiB); bigger slabs use the JavaScript core. */
export const MAX_WASM_BYTES = 65_536 * WASM_PAGE;

let compiled: WebAssembly.Module | undefined;

/**
 * A new core instance over `memory`. `race` is the test hook called inside
 * a pop while `configure(…, 1)` is in force.
 */
export function instantiateCore(
  memory: WebAssembly.Memory,
  race: (slot: number) => void,
): WasmSlabCore {
  // Compiled once per thread (about 0.1 ms); each instance has its own
  // globals: geometry, lane and cache.
  compiled ??= new WebAssembly.Module(SLAB_CORE_WASM as Uint8Array<ArrayBuffer>);
  const instance = new WebAssembly.Instance(compiled, { env: { memory, race } });
  return instance.exports as unknown as WasmSlabCore;
}

/**
 * Shared WebAssembly memory of at least `bytes`, or `undefined` when the
 * slab is too big for one (or the engine refuses): then the slab lives in
 * a plain SharedArrayBuffer and runs the JavaScript core.
 */
export function sharedWasmMemory(bytes: number): WebAssembly.Memory | undefined {
  if (bytes > MAX_WASM_BYTES) return undefined;
  const pages = Math.ceil(bytes / WASM_PAGE);
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return undefined; // address space exhausted: the JavaScript core still works
  }
}
