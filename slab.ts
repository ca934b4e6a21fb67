// Copyright 2026 the slabscope authors. MIT license.
/**
 * Slabs and arenas, alone: what a Worker that shares a slab needs, and
 * nothing else (this entry loads no npm package).
 *
 * - {@linkcode SlabAllocator}: fixed-size slots in one `SharedArrayBuffer`,
 *   with a lock-free free list (a Treiber stack with an ABA-safe tagged
 *   head) that several Workers can use at once; double frees and stale
 *   handles are caught and counted ({@linkcode HandleError}).
 * - {@linkcode Arena} and {@linkcode ArenaPool}: bump allocators with
 *   high-water marks and a heap fallback when a request does not fit.
 * - {@linkcode HandleState}: Free, Used, Connecting, Active, Idle, Closing.
 *
 * @example In a Worker, on a slab the main thread posted
 * ```ts
 * import { SlabAllocator } from "@slabscope/slabscope/slab";
 * import assert from "node:assert/strict";
 *
 * const slab = new SlabAllocator({ name: "shared", slotSize: 32, capacity: 1024 });
 * // worker.postMessage(slab.memory); (the memory, not slab.buffer: over the
 * // buffer alone a Worker runs the slower JavaScript core) then, in the Worker:
 * const mine = SlabAllocator.attach(slab.memory!);
 * assert.equal(mine.core, "webassembly");
 * const handle = mine.alloc()!;
 * assert.equal(slab.stats().used, 1);
 * mine.free(handle);
 * ```
 *
 * @module
 */

export { Arena, type ArenaOptions, type ArenaStats } from "./core/allocator/arena.ts";
export {
  ArenaPool,
  type ArenaPoolOptions,
  type ArenaPoolStats,
} from "./core/allocator/arena_pool.ts";
export {
  HandleError,
  type HandleErrorOptions,
  type HandleErrorReason,
} from "./core/allocator/handle_error.ts";
export {
  HandleState,
  isHandleState,
  stateFromLetter,
  type StateLetter,
  stateLetter,
} from "./core/allocator/handle_state.ts";
export {
  type SiteCounters,
  type SiteInfo,
  SlabAllocator,
  type SlabAllocatorOptions,
  type SlabAttachOptions,
  type SlabCoreKind,
  type SlabKind,
  type SlabRecoveryResult,
  type SlabSites,
  type SlabStats,
  type SlabVerifyResult,
  type SlotInfo,
} from "./core/allocator/slab.ts";
