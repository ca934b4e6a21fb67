// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The options and results of {@linkcode SlabAllocator}: what its
 * constructor, `attach()`, `stats()`, `slotInfo()` and `sites()` take and
 * return.
 *
 * @module
 */

import type { HandleState } from "./handle_state.ts";
import type { SiteInfo } from "./site_table.ts";
import type { SlabKind } from "./slab_views.ts";

/** Options for {@linkcode SlabAllocator}. */
export interface SlabAllocatorOptions {
  /** Name shown in snapshots and error messages: 1 to 64 UTF-8 bytes. */
  name: string;
  /** Payload bytes per slot: an integer from 1 to 16,777,216. */
  slotSize: number;
  /** Number of slots: an integer from 1 to 4,194,304. */
  capacity: number;
  /**
   * `"plain"` slots are Free or Used. `"handle"` slots track a connection
   * lifecycle (Connecting, Active, Idle, Closing) set with
   * {@linkcode SlabAllocator.prototype.setState}.
   *
   * @default {"plain"}
   */
  kind?: SlabKind;
  /**
   * Slots this instance may keep in its own cache (a magazine, after
   * Bonwick and Adams' slab allocator): frees go there and allocations come
   * from there, and the shared free list is only touched to move half a
   * cache at a time, in one CAS. An integer from 0 to 64; see
   * {@linkcode SlabAllocator} for what a cache changes.
   *
   * @default {0}
   */
  cache?: number;
  /**
   * Allocation sites (see {@linkcode SlabAllocator.prototype.sites}): N ≥ 1
   * records the call stack of one allocation in N (at random intervals of
   * mean N); 0 keeps a site table for labels only
   * ({@linkcode SlabAllocator.prototype.setSite}, `alloc(…, site)`). Every
   * instance of the slab shares the setting and the table. An integer from 0
   * to 2^30; docs/allocator.md says which N to pick.
   *
   * @default {0 for handle slabs; none for plain slabs}
   */
  sampleSites?: number;
  /**
   * Sites the table holds (with `sampleSites`): 1 to 4,096. Each costs 544
   * bytes of shared memory; sites beyond are counted as dropped.
   *
   * @default {256}
   */
  maxSites?: number;
  /**
   * The fraction of its thread's time this instance may spend capturing
   * sampled stacks (more than 0, at most 1): samples beyond it are skipped
   * and counted. 1 captures every sample.
   *
   * @default {0.01}
   */
  sampleBudget?: number;
}

/** The core an instance runs: see {@linkcode SlabAllocator.prototype.core}. */
export type SlabCoreKind = "webassembly" | "javascript";

/** Options for {@linkcode SlabAllocator.attach}. */
export interface SlabAttachOptions {
  /** This instance's cache size, as {@linkcode SlabAllocatorOptions.cache}. @default {0} */
  cache?: number;
  /** This instance's capture budget, as {@linkcode SlabAllocatorOptions.sampleBudget}. @default {0.01} */
  sampleBudget?: number;
}

/**
 * The counters of a slab's site table, as returned by
 * {@linkcode SlabAllocator.prototype.siteCounters}: all zeros for a slab
 * without one.
 */
export interface SiteCounters {
  /** One allocation in this many has its stack sampled; 0 when sites are labels only. */
  sampleEvery: number;
  /** Entries the table holds (0: the slab keeps no site table). */
  maxSites: number;
  /** Sites not recorded because the table was full. */
  dropped: number;
  /** Samples not taken because an instance's capture budget was spent. */
  skipped: number;
  /**
   * A change count of the table: it moves whenever a slot's site is
   * recorded (a wrapping 32-bit count that racing threads may undercount;
   * the sites' `total`s are exact).
   */
  recorded: number;
  /**
   * Milliseconds every instance (every thread that attached the slab)
   * spent capturing and interning sampled stacks.
   */
  captureMs: number;
}

/** A slab's allocation sites, as returned by {@linkcode SlabAllocator.prototype.sites}. */
export interface SlabSites extends SiteCounters {
  /** Every site, most slots held first. */
  sites: SiteInfo[];
}

/** Counters of one slab, as returned by {@linkcode SlabAllocator.prototype.stats}. */
export interface SlabStats {
  /** The slab's name. */
  name: string;
  /** `"plain"` or `"handle"`. */
  kind: SlabKind;
  /** Number of slots. */
  capacity: number;
  /** Payload bytes per slot. */
  slotSize: number;
  /** Slots currently allocated. */
  used: number;
  /**
   * High-water mark: the most slots ever off the shared free list at once,
   * in use or cached. Without caches that is the most slots ever allocated
   * at once; with caches it exceeds that by at most the slots then cached.
   */
  peak: number;
  /** Free slots held in instances' caches (state `Cached`), not on the shared list. */
  cached: number;
  /** Calls to `alloc()` that found the slab empty and returned `null`. */
  overflow: number;
  /** Successful allocations since the slab was created. */
  allocs: number;
  /** Successful frees since the slab was created. */
  frees: number;
  /** Rejected `free()` calls: double frees, stale or foreign handles, bad numbers. */
  invalidFrees: number;
  /** Compare-and-swap attempts that lost a race and were retried. */
  casRetries: number;
}

/** What one slot holds, as returned by {@linkcode SlabAllocator.prototype.slotInfo}. */
export interface SlotInfo {
  /** Slot index, from 0 to capacity - 1. */
  index: number;
  /** Current state (a cached slot is `Free`). */
  state: HandleState;
  /** Whether the slot is free but held in an instance's cache, not on the shared list. */
  cached: boolean;
  /** Owner index (see `OwnerRegistry`), or `null` when the slot has none. */
  owner: number | null;
  /** When the slot entered its current state, in ms since the Unix epoch. */
  since: number;
  /**
   * The id of the site its allocation was recorded at (sampled or
   * labelled; see {@linkcode SlabAllocator.prototype.sites}), or `null`.
   */
  site: number | null;
}
