// Copyright 2026 the slabscope authors. MIT license.
/**
 * The byte layout of a slab's SharedArrayBuffer. Internal: the allocator, its
 * verifier and the fault-injection tests read it; users never need it.
 *
 * ```text
 * offset  size              what
 * 0       192               header: 48 Int32 words (see the W_* constants)
 * 192     8                 free-list head, BigInt64: tag << 24 | (index + 1)
 * 256     64 × 64           counter lanes, one cache line each (Int32 words)
 * CACHES  64 × 64 × 4       per-lane cache (magazine) entries: Int32 slot indexes
 * EPOCHS  64 × 4 × stride   per-lane change epochs, one Int32 per chunk of
 *                           1,024 slots, bumped after every change of a slot
 *                           in the chunk by an instance counting in that lane
 * LINKS   8 × capacity      free-list links, BigInt64: (next index + 1), 0 = end
 * SELF    8 × capacity      BigInt64 constants: index + 1 (see `slab.ts`, push)
 * SLOTS   4 × capacity      slot words, Int32: generation << 8 | state
 *                           (state 6 = cached in the lane whose entries list it)
 * META    8 × capacity      slot metadata, 64 bits (little-endian Int32 pair):
 *                           low word  = (generation & 0xFFFF) << 16 | owner
 *                           high word = Uint32 ms since the slab's epoch of the
 *                           last state change
 * PAYLOAD stride × capacity slot payloads, 8-byte aligned
 * ```
 *
 * Owner and time share one 64-bit word with the low 16 bits of the slot's
 * generation, so that a late `setState()` (one whose slot-word CAS won just
 * before a concurrent `free()`) can update them only with a CAS that expects
 * that generation: it can never land on the slot's next allocation.
 *
 * @module
 */

/** "SLAB" in ASCII, big-endian. */
export const MAGIC = 0x534c4142;
/** Bumped whenever any offset or encoding in this file changes. */
export const LAYOUT_VERSION = 3;

// Header words (Int32 indexes). Words 0‥11 are written once at creation and
// covered by the checksum; the rest are live counters.
export const W_MAGIC = 0;
export const W_VERSION = 1;
export const W_CAPACITY = 2;
export const W_SLOT_SIZE = 3;
export const W_KIND = 4;
export const W_INDEX_BITS = 5;
export const W_STRIDE = 6;
export const W_SALT = 7;
export const W_NAME_LENGTH = 8;
export const W_EPOCH_LO = 9;
export const W_EPOCH_HI = 10;
export const W_CHECKSUM = 11;
/** Allocations refused because the free list was empty. */
export const W_OVERFLOW = 12;
/** Rejected `free()` calls (rejected `setState()` calls are not counted). */
export const W_INVALID_FREES = 13;
/** Failed compare-and-swap attempts on the head or a slot word. */
export const W_CAS_RETRIES = 14;
/** High-water mark of slots in use. */
export const W_PEAK = 15;
/** One past the highest counter lane ever claimed. */
export const W_LANES_USED = 16;
/** Slots found in a non-free state when popped off the free list (corruption). */
export const W_CORRUPT_POPS = 17;
/**
 * Free-list words found out of range (a head or link naming no slot, or with
 * bits above bit 24) and cut off by `pop()` (corruption).
 */
export const W_CORRUPT_LINKS = 19;
/** 1 once any slot of a plain slab was given an owner: snapshots then send owners. */
export const W_HAS_OWNERS = 18;
/** Number of header words protected by the checksum. */
export const CHECKSUMMED_WORDS = 11;

/** Bytes reserved for the slab's UTF-8 name inside the header. */
export const NAME_BYTES = 64;
export const NAME_OFFSET = 96;
export const HEADER_BYTES = 192;

export const HEAD_OFFSET = 192;

/**
 * Width of the index field in the head word. The field stores `index + 1`
 * (0 means "empty"), so 24 bits cover every index below 2^24 - 1.
 */
export const HEAD_INDEX_BITS = 24;
/** The remaining 40 bits of the head are the ABA tag. */
export const HEAD_TAG_BITS = 64 - HEAD_INDEX_BITS;

/**
 * Counter lanes. Each allocator instance (one per thread, typically) claims a
 * private lane and counts its allocations and frees there, so threads never
 * contend on one counter word: the Linux kernel's per-CPU counters, in
 * shared memory. `used` is the sum over all lanes of allocs − frees.
 */
export const LANE_COUNT = 64;
/** Bytes per lane: a full cache line, so lanes never false-share. */
export const LANE_BYTES = 64;
export const LANES_OFFSET = 256;
/** Int32 words per lane. */
export const LANE_WORDS = LANE_BYTES / 4;
// Int32 word indexes inside a lane.
/** 0 = unclaimed, 1 = owned by a live instance. */
export const L_CLAIM = 0;
/**
 * Slots in this lane's cache: entries `0 … L_CACHED - 1` of the lane's row
 * in the caches region. Written only by the lane's instance.
 */
export const L_CACHED = 1;
/**
 * Compare-and-swap retries of the WebAssembly core in this lane (the
 * JavaScript core counts in `W_CAS_RETRIES`), so that contended threads
 * never write one shared counter.
 */
export const L_RETRIES = 6;
/**
 * Successful allocations counted in this lane: a 64-bit count whose low
 * Int32 word is this one and whose high word follows it (BigInt64 index
 * `L_ALLOCS / 2` of the lane). `used` sums the low words mod 2^32.
 */
export const L_ALLOCS = 2;
/** Completed frees counted in this lane: 64 bits, laid out like `L_ALLOCS`. */
export const L_FREES = 4;
/** Lane 0 is shared (updated with Atomics.add) by instances without a private lane. */
export const SHARED_LANE = 0;
/** First byte after the lanes. */
export const LANES_END = LANES_OFFSET + LANE_COUNT * LANE_BYTES;

/** Largest per-instance cache, in slots. */
export const MAX_CACHE = 64;
/** Where the caches' entries start: `MAX_CACHE` Int32 entries per lane. */
export const CACHES_OFFSET = LANES_END;
/** Where the per-lane change epochs start. */
export const EPOCHS_OFFSET = CACHES_OFFSET + LANE_COUNT * MAX_CACHE * 4;
/** Slots per change-epoch chunk: 2^CHUNK_SHIFT. */
export const CHUNK_SHIFT = 10;
/** Slots per change-epoch chunk. */
export const CHUNK_SLOTS = 1 << CHUNK_SHIFT;

/** Slot-word bits 0‥7 hold the state; bits 8‥31 hold the generation. */
export const STATE_MASK = 0xff;
/**
 * The slot-word state of a free slot held in one instance's cache rather
 * than on the shared list (see `SlabAllocatorOptions.cache`). Not a
 * `HandleState`: to users such a slot is free (`readStates()` and snapshots
 * say Free, `slotInfo()` adds `cached: true`, `stats().cached` counts them).
 */
export const CACHED = 6;
export const GENERATION_SHIFT = 8;
export const GENERATION_BITS = 24;
/** Generation values stored in slot words wrap at 2^24. */
export const GENERATION_ONE = 1 << GENERATION_SHIFT;

export const NO_OWNER = 0xffff;
/** Bits of the generation kept beside the owner in a slot's meta word. */
export const META_GENERATION_MASK = 0xffff;

/** Largest supported capacity (2^22 = 4,194,304 slots). */
export const MAX_CAPACITY = 1 << 22;
/** Largest supported slot payload (16 MiB). */
export const MAX_SLOT_SIZE = 1 << 24;
/** Largest total payload region (4 GiB). */
export const MAX_PAYLOAD_BYTES = 2 ** 32;

/** Byte offsets of every region for one slab geometry. */
export interface SlabRegions {
  /** Change-epoch chunks per lane: `ceil(capacity / CHUNK_SLOTS)`. */
  chunks: number;
  /**
   * Int32 words from one lane's epochs to the next: `chunks` rounded up to a
   * cache line, so that lanes never false-share.
   */
  epochStride: number;
  links: number;
  self: number;
  slots: number;
  meta: number;
  payload: number;
  stride: number;
  /** Total bytes of the SharedArrayBuffer. */
  total: number;
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

/** Computes where each region lives for a given capacity and slot size. */
export function regionsFor(capacity: number, slotSize: number): SlabRegions {
  const stride = align(slotSize, 8);
  const chunks = Math.ceil(capacity / CHUNK_SLOTS);
  const epochStride = align(chunks, LANE_WORDS);
  // Every region starts on a cache line: slots that different threads use
  // share lines only where their indexes are neighbours.
  const links = align(EPOCHS_OFFSET + LANE_COUNT * epochStride * 4, LANE_BYTES);
  const self = links + 8 * capacity;
  const slots = align(self + 8 * capacity, LANE_BYTES);
  const meta = align(slots + 4 * capacity, LANE_BYTES);
  const payload = align(meta + 8 * capacity, LANE_BYTES);
  return {
    chunks,
    epochStride,
    links,
    self,
    slots,
    meta,
    payload,
    stride,
    total: payload + stride * capacity,
  };
}

/**
 * Number of bits a handle needs for slot indexes below `capacity`: at least 1,
 * so a one-slot slab still has a well-formed handle.
 */
export function indexBitsFor(capacity: number): number {
  return Math.max(1, Math.ceil(Math.log2(capacity)));
}

/**
 * Generation bits carried by a handle: whatever is left of 31 bits after the
 * index, capped at the 24 bits a slot word stores.
 */
export function handleGenerationBits(indexBits: number): number {
  return Math.min(GENERATION_BITS, 31 - indexBits);
}

/** FNV-1a over the constant header words and the name bytes. */
export function headerChecksum(words: Int32Array, bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let w = 0; w < CHECKSUMMED_WORDS; w++) {
    const word = words[w]!;
    for (let shift = 0; shift < 32; shift += 8) {
      hash = Math.imul(hash ^ ((word >>> shift) & 0xff), 0x01000193);
    }
  }
  for (let i = 0; i < NAME_BYTES; i++) {
    hash = Math.imul(hash ^ bytes[NAME_OFFSET + i]!, 0x01000193);
  }
  return hash | 0;
}

/**
 * A per-slot starting generation derived from the slab's salt, so that two
 * slabs hand out different handles for the same slot index.
 */
export function initialGeneration(salt: number, index: number): number {
  let x = Math.imul(salt ^ index, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca77);
  x ^= x >>> 13;
  return x & ((1 << GENERATION_BITS) - 1);
}
