// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode heapStats}: process and V8 heap figures in one object.
 *
 * @module
 */

import v8 from "node:v8";

/** One V8 heap space. Every size is in bytes. */
export interface HeapSpaceStats {
  /** V8's name for the space, such as `"old_space"` or `"new_space"`. */
  name: string;
  /** Bytes reserved for the space. */
  size: number;
  /** Bytes of live objects in it (as of the last GC, plus new allocations). */
  used: number;
  /** Bytes still free in it. */
  available: number;
  /** Bytes of the space backed by physical memory. */
  physical: number;
}

/** Process and V8 heap figures. Every size is in bytes. */
export interface HeapStats {
  /** Resident set size of the whole process (all isolates, native memory). */
  rss: number;
  /** V8 heap bytes in use by JavaScript objects. */
  heapUsed: number;
  /** V8 heap bytes reserved (in use plus free within the heap's pages). */
  heapTotal: number;
  /** The most the V8 heap may grow to before it runs out of memory. */
  heapLimit: number;
  /** Bytes of memory outside the V8 heap held by JS objects (ArrayBuffers, SharedArrayBuffers…). */
  external: number;
  /** Bytes V8 itself allocated with malloc. */
  malloced: number;
  /** Peak of `malloced`. */
  peakMalloced: number;
  /** Live native contexts (realms): 1 per isolate, usually. */
  nativeContexts: number;
  /** Contexts detached but not yet collected; growth here is a leak. */
  detachedContexts: number;
  /** The heap's spaces that have any memory reserved. */
  spaces: HeapSpaceStats[];
}

/**
 * Reads the process's memory: `Deno.memoryUsage()` plus V8's heap
 * statistics and heap spaces (from `node:v8`). Costs about 20 µs.
 *
 * @returns Sizes in bytes; counts of contexts.
 *
 * @example Usage
 * ```ts
 * import { heapStats } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const heap = heapStats();
 * assert.ok(heap.heapUsed > 0 && heap.heapUsed <= heap.heapTotal);
 * assert.ok(heap.spaces.some((space) => space.name === "old_space"));
 * ```
 */
export function heapStats(): HeapStats {
  const usage = Deno.memoryUsage();
  const heap = v8.getHeapStatistics();
  const spaces: HeapSpaceStats[] = [];
  for (const space of v8.getHeapSpaceStatistics()) {
    if (space.space_size === 0 && space.space_used_size === 0) continue;
    spaces.push({
      name: space.space_name,
      size: space.space_size,
      used: space.space_used_size,
      available: space.space_available_size,
      physical: space.physical_space_size,
    });
  }
  return {
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    heapLimit: heap.heap_size_limit,
    external: usage.external,
    malloced: heap.malloced_memory,
    peakMalloced: heap.peak_malloced_memory,
    nativeContexts: heap.number_of_native_contexts,
    detachedContexts: heap.number_of_detached_contexts,
    spaces,
  };
}
