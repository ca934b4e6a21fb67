/**
 * Instantiating the WebAssembly slab core (`wasm/slab_core.wat`) for one
 * allocator instance over a slab's shared memory. Internal to `SlabAllocator`.
 *
 * @module
 */

import type { SlabCore } from "./slab_core.ts";
import { SLAB_CORE_WASM } from "./wasm/slab_core_wasm.ts";

/** What the core imports besides its memory. */
export interface CoreImports {
  /** Milliseconds since the slab's epoch. */
  clock(): number;
  /** Test hook, called inside a pop while `configure(…, 1)` is in force. */
  race(slot: number): void;
}

/** The core's exports; see `wasm/slab_core.wat` for each contract. */
export interface WasmSlabCore {
  init(
    capacity: number,
    indexBits: number,
    generationBits: number,
    links: number,
    slots: number,
    meta: number,
    state: number,
    clockCalls: number,
  ): void;
  /** Counts in `lane` (a byte offset), with a cache unless `shared` is 1. */
  useLane(lane: number, shared: number, cache: number, cacheSize: number, epochs: number): void;
  configure(tagBits: number, hook: number): void;
  /** Fast path: a handle, or -2 (call `allocSlow()`). */
  alloc(): number;
  /** `alloc()` without a cache: a handle, or -1 when no slot is free. */
  allocFresh(): number;
  /** `alloc()` or `allocFresh()` that returns -3 instead for the allocation to sample. */
  allocSampled(): number;
  /** The next allocation to sample comes after `n` more. */
  sampleAfter(n: number): void;
  /** Counts an allocation made outside `allocSampled()`; 1 when it is the one to sample. */
  sampleDue(): number;
  /** A handle, or -1 when no slot is free. */
  allocSlow(owner: number, state: number): number;
  /** Fast path, for a handle from 1 to 2^31 - 1: 0 freed, or 3 (call `freeSlow()`). */
  free(handle: number): number;
  /** 0 freed, 1 rejected (see `rejected()`), 2 out of range. */
  freeSlow(handle: number): number;
  /** 0 done, 1 rejected (see `rejected()`), 2 out of range; owner -1 keeps it. */
  setState(handle: number, state: number, owner: number): number;
  /** The slot word that made the last free() or setState() fail. */
  rejected(): number;
  /** Returns every cached slot to the shared free list. */
  flushAll(): void;
  /** Makes the next operation read the clock. */
  expireClock(): void;
}

/** Pages of 64 KiB: the unit of WebAssembly memory. */
export const WASM_PAGE = 65_536;
/** The largest WebAssembly memory (4 GiB); bigger slabs use the JavaScript core. */
export const MAX_WASM_BYTES = 65_536 * WASM_PAGE;

let compiled: WebAssembly.Module | undefined;

/** A new core instance over `memory`; call its `init()` and `useLane()` next. */
export function instantiateCore(memory: WebAssembly.Memory, imports: CoreImports): WasmSlabCore {
  // Compiled once per thread (about 0.1 ms); each instance has its own
  // globals: geometry, lane, cache and clock.
  compiled ??= new WebAssembly.Module(SLAB_CORE_WASM as Uint8Array<ArrayBuffer>);
  const instance = new WebAssembly.Instance(compiled, {
    env: { memory, clock: imports.clock, race: imports.race },
  });
  return instance.exports as unknown as WasmSlabCore;
}

/**
 * The {@linkcode SlabCore} of a WebAssembly core: its fast paths when it has
 * a cache, else the functions that do the whole work in one call; the
 * sampling `alloc()` when the slab samples allocation sites. A plain object
 * of one shape for every instance: an exports object's hidden class differs
 * from instance to instance, which would make every property load on the hot
 * paths polymorphic.
 */
export function wasmSlabCore(core: WasmSlabCore, cached: boolean, sampled: boolean): SlabCore {
  return {
    alloc: sampled ? core.allocSampled : cached ? core.alloc : core.allocFresh,
    allocSlow: core.allocSlow,
    free: cached ? core.free : core.freeSlow,
    freeSlow: core.freeSlow,
    setState: core.setState,
    rejected: core.rejected,
    flushAll: core.flushAll,
    sampleAfter: core.sampleAfter,
    sampleDue: core.sampleDue,
  };
}

/**
 * Every slab memory this thread created or attached, by its buffer, so that
 * `attach(slab.buffer)` finds the memory the WebAssembly core needs. A
 * buffer posted to another thread arrives there as a new object that no
 * such map knows: a `WebAssembly.Memory` cannot be made from it, which is
 * why a Worker must be sent `slab.memory`. (`memory.buffer` is the same
 * object on every read as long as the memory does not grow; a slab's never
 * does.)
 */
const memories = new WeakMap<SharedArrayBuffer, WebAssembly.Memory>();

/** Remembers `memory` for {@linkcode memoryOf}. */
export function rememberMemory(memory: WebAssembly.Memory): void {
  memories.set(memory.buffer as unknown as SharedArrayBuffer, memory);
}

/** The memory whose buffer `buffer` is, when this thread created or attached it. */
export function memoryOf(buffer: SharedArrayBuffer): WebAssembly.Memory | undefined {
  return memories.get(buffer);
}

/**
 * Shared WebAssembly memory of at least `bytes`, or `undefined` when the
 * slab is too big for one (or the engine refuses): then the slab lives in
 * a plain SharedArrayBuffer and runs the JavaScript core.
 */
export function sharedWasmMemory(bytes: number): WebAssembly.Memory | undefined {
  if (bytes > MAX_WASM_BYTES) return undefined;
  const pages = Math.ceil(bytes / WASM_PAGE);
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return undefined; // address space exhausted: the JavaScript core still works
  }
  rememberMemory(memory);
  return memory;
}
