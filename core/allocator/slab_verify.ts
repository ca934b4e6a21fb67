// Copyright 2026 the slabscope authors. MIT license.
/**
 * The slab invariant checker behind `SlabAllocator.prototype.verify()`.
 *
 * @module
 */

import { HandleState, STATE_COUNT } from "./handle_state.ts";
import {
  CACHED,
  HEAD_INDEX_BITS,
  HEADER_BYTES,
  headerChecksum,
  L_CACHED,
  LANE_COUNT,
  LANE_WORDS,
  MAX_CACHE,
  STATE_MASK,
  W_CHECKSUM,
  W_CORRUPT_LINKS,
  W_CORRUPT_POPS,
  W_LANES_USED,
  W_PEAK,
} from "./slab_layout.ts";
import { laneTotals, laneUsed } from "./counter_lanes.ts";
import type { SlabViews } from "./slab_views.ts";

/** The result of `SlabAllocator.prototype.verify()`. */
export interface SlabVerifyResult {
  /** `true` when no invariant is violated. */
  ok: boolean;
  /** One sentence per violation; empty when `ok`. */
  errors: string[];
}

/** At most this many individual slots are named per kind of violation. */
const MAX_NAMED = 16;

/** The free list as a bounded walk found it. */
interface FreeListWalk {
  /** 1 for every slot reached on the list before the first broken link. */
  seen: Uint8Array;
  /** Number of slots reached. */
  listed: number;
  /** What broke the walk, if anything. */
  error?: string;
}

/**
 * Walks the free list from the head, at most `capacity` steps. `seen`
 * doubles as the cycle detector and as the set of slots on the list. The
 * walk stops at the first broken link (out of range, a cycle, or a slot in
 * use): past it nothing can be trusted.
 */
function walkFreeList(v: SlabViews): FreeListWalk {
  const { capacity } = v;
  const seen = new Uint8Array(capacity);
  let listed = 0;
  // The whole 64-bit words, not just their index bits: a link with bits
  // above bit 24 is as broken as one beyond the capacity.
  let link = BigInt.asUintN(HEAD_INDEX_BITS, Atomics.load(v.head, 0));
  let from = "the head";
  while (link !== 0n) {
    if (link < 0n || link > BigInt(capacity)) {
      const shown = link >= 1n << BigInt(HEAD_INDEX_BITS)
        ? `0x${BigInt.asUintN(64, link).toString(16)}, which has bits above bit ${HEAD_INDEX_BITS}`
        : `${link - 1n}, outside 0‥${capacity - 1}`;
      return { seen, listed, error: `free list: the link from ${from} is ${shown}` };
    }
    const index = Number(link) - 1;
    if (seen[index] === 1) {
      return {
        seen,
        listed,
        error: `free list: cycle: the link from ${from} leads back to slot ${index}`,
      };
    }
    if ((Atomics.load(v.slots, index) & STATE_MASK) !== HandleState.Free) {
      return {
        seen,
        listed,
        error: `free list: the link from ${from} points to slot ${index}, which is in use`,
      };
    }
    seen[index] = 1;
    listed++;
    link = Atomics.load(v.links, index);
    from = `slot ${index}`;
  }
  return { seen, listed };
}

/** Number of free slots reachable on the free list (for `recover()`). */
export function reachableFreeSlots(v: SlabViews): number {
  return walkFreeList(v).listed;
}

/**
 * Walks the free list (at most `capacity` steps) and checks every invariant.
 * Reads use `Atomics.load` so that each value is one that was really stored.
 */
export function verifySlab(v: SlabViews): SlabVerifyResult {
  const errors: string[] = [];
  const { capacity, words } = v;
  const header = new Uint8Array(v.buffer, 0, HEADER_BYTES);
  if (Atomics.load(words, W_CHECKSUM) !== headerChecksum(words, header)) {
    errors.push("header checksum does not match: the header was overwritten");
  }

  // 1. The free list.
  const walk = walkFreeList(v);
  if (walk.error !== undefined) errors.push(walk.error);

  // 2. The caches: each entry below its lane's fill names a slot in state
  //    Cached, and each cached slot is named exactly once.
  const inCache = new Uint8Array(capacity);
  const lanes = Math.min(Atomics.load(words, W_LANES_USED), LANE_COUNT);
  for (let lane = 0; lane < lanes; lane++) {
    const fill = Atomics.load(v.lanes, lane * LANE_WORDS + L_CACHED);
    if (fill < 0 || fill > MAX_CACHE) {
      errors.push(`lane ${lane}: cache fill ${fill} is outside 0‥${MAX_CACHE}`);
      continue;
    }
    for (let k = 0; k < fill; k++) {
      const index = Atomics.load(v.caches, lane * MAX_CACHE + k);
      if (index < 0 || index >= capacity) {
        errors.push(`lane ${lane}: cache entry ${k} is ${index}, outside 0‥${capacity - 1}`);
      } else if ((Atomics.load(v.slots, index) & STATE_MASK) !== CACHED) {
        errors.push(`lane ${lane}: cache entry ${k} names slot ${index}, which is not cached`);
      } else if (inCache[index]++ !== 0) {
        errors.push(`lane ${lane}: slot ${index} is cached twice`);
      }
    }
  }

  // 3. Count states, and find free slots the walk did not reach.
  let used = 0;
  let cached = 0;
  let lost = 0;
  const lostNamed: number[] = [];
  let missing = 0;
  const missingNamed: number[] = [];
  let unknown = 0;
  const unknownNamed: number[] = [];
  const plain = v.kind === "plain";
  for (let i = 0; i < capacity; i++) {
    const state = Atomics.load(v.slots, i) & STATE_MASK;
    if (state === CACHED) {
      cached++;
      if (inCache[i] === 0) {
        lost++;
        if (lostNamed.length < MAX_NAMED) lostNamed.push(i);
      }
      continue;
    }
    if (
      state >= STATE_COUNT || (plain && state > HandleState.Used) ||
      (!plain && state === HandleState.Used)
    ) {
      unknown++;
      if (unknownNamed.length < MAX_NAMED) unknownNamed.push(i);
    }
    if (state !== HandleState.Free) {
      used++;
    } else if (walk.seen[i] === 0) {
      missing++;
      if (missingNamed.length < MAX_NAMED) missingNamed.push(i);
    }
  }
  if (unknown > 0) {
    errors.push(
      `${unknown} slot(s) hold a state a ${v.kind} slab never uses: ${
        named(unknownNamed, unknown)
      }`,
    );
  }
  if (lost > 0) {
    errors.push(
      `${lost} slot(s) are cached but in no lane's cache: ${
        named(lostNamed, lost)
      } (a thread stopped while moving slots between its cache and the free list, or its lane was reclaimed early; recover() frees them)`,
    );
  }
  if (missing > 0) {
    errors.push(
      `free + used != capacity: the free list holds ${walk.listed} of ${
        capacity - used - cached
      } free slot(s); ${missing} are unreachable: ${
        named(missingNamed, missing)
      } (a thread stopped between taking a slot off the list and marking it used, or between marking it free and pushing it back, or the list was cut; recover() relinks them)`,
    );
  }

  // 3. Counters against states.
  const { allocs, frees } = laneTotals(v);
  const counted = allocs - frees;
  if (counted !== used) {
    const why = counted > used
      ? `${counted - used} free(s) not counted (a thread stopped inside free())`
      : `${
        used - counted
      } allocation(s) not counted (a thread stopped inside alloc(); nobody received those handles)`;
    errors.push(
      `the used counter is ${counted} (${allocs} allocs − ${frees} frees) but ${used} slot(s) are in use: ${why}; recover() corrects the counters`,
    );
  } else if (laneUsed(v) !== used) {
    errors.push(`the lanes' used sum is ${laneUsed(v)} but ${used} slot(s) are in use`);
  }
  const corrupt = Atomics.load(words, W_CORRUPT_POPS);
  if (corrupt > 0) {
    errors.push(
      `alloc() found ${corrupt} slot(s) in use at the top of the free list and skipped them`,
    );
  }
  const cut = Atomics.load(words, W_CORRUPT_LINKS);
  if (cut > 0) {
    errors.push(
      `alloc() cut the free list at ${cut} head or link word(s) that named no slot (beyond the capacity, or with bits above bit ${HEAD_INDEX_BITS})`,
    );
  }
  const peak = Atomics.load(words, W_PEAK);
  if (peak < used) {
    errors.push(`the peak ${peak} is below the ${used} slot(s) in use`);
  }
  return { ok: errors.length === 0, errors };
}

function named(indexes: number[], total: number): string {
  const more = total - indexes.length;
  return `slot ${indexes.join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}
