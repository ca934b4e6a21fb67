// Copyright 2026 the slabscope authors. MIT license.
/**
 * Typed-array views over one slab's SharedArrayBuffer, built from its header.
 * Internal: shared by the allocator, the verifier and the tests.
 *
 * @module
 */

import {
  CACHES_OFFSET,
  EPOCHS_OFFSET,
  HEAD_OFFSET,
  HEADER_BYTES,
  headerChecksum,
  indexBitsFor,
  LANE_COUNT,
  LANE_WORDS,
  LANES_OFFSET,
  LAYOUT_VERSION,
  MAGIC,
  MAX_CACHE,
  MAX_CAPACITY,
  MAX_PAYLOAD_BYTES,
  MAX_SLOT_SIZE,
  NAME_BYTES,
  NAME_OFFSET,
  regionsFor,
  type SlabRegions,
  W_CAPACITY,
  W_CHECKSUM,
  W_EPOCH_HI,
  W_EPOCH_LO,
  W_INDEX_BITS,
  W_KIND,
  W_MAGIC,
  W_NAME_LENGTH,
  W_SLOT_SIZE,
  W_STRIDE,
  W_VERSION,
} from "./slab_layout.ts";
import {
  SITE_ENTRY_WORDS,
  SITE_TEXT_BYTES,
  siteRegionsFor,
  siteSettingsProblem,
  W_MAX_SITES,
  W_SAMPLE_EVERY,
} from "./site_layout.ts";

/** Whether slots carry only Free/Used, or the full connection lifecycle. */
export type SlabKind = "plain" | "handle";

/** Every view of one slab's memory, plus the geometry read from its header. */
export interface SlabViews {
  buffer: SharedArrayBuffer;
  /** The shared WebAssembly memory whose buffer this is, when there is one. */
  memory: WebAssembly.Memory | undefined;
  name: string;
  kind: SlabKind;
  capacity: number;
  slotSize: number;
  indexBits: number;
  /** Creation time, ms since the Unix epoch; slot times are relative to it. */
  epoch: number;
  regions: SlabRegions;
  /** Header words (counters included). */
  words: Int32Array;
  /** Length 1: the tagged free-list head. */
  head: BigInt64Array;
  /** Counter lanes, `LANE_WORDS` Int32 words each. */
  lanes: Int32Array;
  /** The same lanes as 64-bit words, for the 64-bit allocs and frees counts. */
  lanes64: BigInt64Array;
  /** Cache entries: `MAX_CACHE` slot indexes per lane. */
  caches: Int32Array;
  /** Change epochs: one row of `regions.epochStride` Int32 words per lane. */
  epochs: Int32Array;
  links: BigInt64Array;
  self: BigInt64Array;
  slots: Int32Array;
  /** Slot metadata as Int32 pairs: `[2i]` generation and owner, `[2i + 1]` time. */
  meta: Int32Array;
  /** The same metadata as one 64-bit word per slot, for `setState()`'s CAS. */
  meta64: BigInt64Array;
  /** The site table, or `undefined` when the slab keeps none (see `site_table.ts`). */
  sites: SiteViews | undefined;
}

/** Views of a slab's site table. */
export interface SiteViews {
  /** 0: labels only; N ≥ 1: one allocation in N has its stack sampled. */
  sampleEvery: number;
  /** Entries in the table. */
  maxSites: number;
  /** Per-slot records as Int32 pairs: `[2i]` site id << 16 | generation & 0xFFFF, `[2i + 1]` time. */
  records: Int32Array;
  /** `SITE_ENTRY_WORDS` Int32 words per entry. */
  entries: Int32Array;
  /** The entries as 64-bit words, for their totals. */
  entries64: BigInt64Array;
  /** `SITE_TEXT_BYTES` bytes of UTF-8 per entry. */
  texts: Uint8Array;
}

/** Builds views for a buffer whose header is known to be valid. */
export function viewsOf(
  buffer: SharedArrayBuffer,
  memory?: WebAssembly.Memory,
): SlabViews {
  const words = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  const capacity = words[W_CAPACITY]!;
  const slotSize = words[W_SLOT_SIZE]!;
  const maxSites = words[W_MAX_SITES]!;
  const regions = regionsFor(capacity, slotSize);
  const siteRegions = siteRegionsFor(regions.total, capacity, maxSites);
  const nameBytes = new Uint8Array(
    buffer,
    NAME_OFFSET,
    Math.min(words[W_NAME_LENGTH]!, NAME_BYTES),
  );
  return {
    buffer,
    memory,
    name: new TextDecoder().decode(nameBytes.slice()),
    kind: words[W_KIND] === 1 ? "handle" : "plain",
    capacity,
    slotSize,
    indexBits: words[W_INDEX_BITS]!,
    epoch: (words[W_EPOCH_HI]! >>> 0) * 2 ** 32 + (words[W_EPOCH_LO]! >>> 0),
    regions,
    words,
    head: new BigInt64Array(buffer, HEAD_OFFSET, 1),
    lanes: new Int32Array(buffer, LANES_OFFSET, LANE_COUNT * LANE_WORDS),
    lanes64: new BigInt64Array(buffer, LANES_OFFSET, (LANE_COUNT * LANE_WORDS) / 2),
    caches: new Int32Array(buffer, CACHES_OFFSET, LANE_COUNT * MAX_CACHE),
    epochs: new Int32Array(buffer, EPOCHS_OFFSET, LANE_COUNT * regions.epochStride),
    links: new BigInt64Array(buffer, regions.links, capacity),
    self: new BigInt64Array(buffer, regions.self, capacity),
    slots: new Int32Array(buffer, regions.slots, capacity),
    meta: new Int32Array(buffer, regions.meta, 2 * capacity),
    meta64: new BigInt64Array(buffer, regions.meta, capacity),
    sites: maxSites === 0 ? undefined : {
      sampleEvery: words[W_SAMPLE_EVERY]!,
      maxSites,
      records: new Int32Array(buffer, siteRegions.records, 2 * capacity),
      entries: new Int32Array(buffer, siteRegions.entries, SITE_ENTRY_WORDS * maxSites),
      entries64: new BigInt64Array(buffer, siteRegions.entries, (SITE_ENTRY_WORDS / 2) * maxSites),
      texts: new Uint8Array(buffer, siteRegions.texts, SITE_TEXT_BYTES * maxSites),
    },
  };
}

/**
 * Checks that a buffer carries a slab header this version understands, and
 * returns the reason it does not, or `undefined` when it does.
 */
export function headerProblem(buffer: SharedArrayBuffer): string | undefined {
  if (buffer.byteLength < HEADER_BYTES) {
    return `buffer is ${buffer.byteLength} bytes, smaller than the ${HEADER_BYTES}-byte header`;
  }
  const words = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  if (words[W_MAGIC] !== MAGIC) {
    return `bad magic 0x${(words[W_MAGIC]! >>> 0).toString(16)}, expected 0x${MAGIC.toString(16)}`;
  }
  if (words[W_VERSION] !== LAYOUT_VERSION) {
    return `layout version ${words[W_VERSION]} is not the supported version ${LAYOUT_VERSION}`;
  }
  const bytes = new Uint8Array(buffer, 0, HEADER_BYTES);
  if (words[W_CHECKSUM] !== headerChecksum(words, bytes)) {
    return "header checksum does not match (the header is damaged)";
  }
  const capacity = words[W_CAPACITY]!;
  const slotSize = words[W_SLOT_SIZE]!;
  if (capacity < 1 || capacity > MAX_CAPACITY) {
    return `capacity ${capacity} is out of range`;
  }
  if (slotSize < 1 || slotSize > MAX_SLOT_SIZE) {
    return `slot size ${slotSize} is out of range`;
  }
  if (words[W_INDEX_BITS] !== indexBitsFor(capacity)) {
    return `index width ${words[W_INDEX_BITS]} does not fit capacity ${capacity}`;
  }
  const sites = siteSettingsProblem(words);
  if (sites !== undefined) return sites;
  const regions = regionsFor(capacity, slotSize);
  if (
    words[W_STRIDE] !== regions.stride ||
    regions.stride * capacity > MAX_PAYLOAD_BYTES
  ) {
    return `slot stride ${words[W_STRIDE]} does not fit slot size ${slotSize}`;
  }
  // A WebAssembly memory comes in whole 64 KiB pages.
  const maxSites = words[W_MAX_SITES]!;
  const total = maxSites === 0
    ? regions.total
    : siteRegionsFor(regions.total, capacity, maxSites).end;
  if (buffer.byteLength < total || buffer.byteLength - total >= 65_536) {
    return `buffer is ${buffer.byteLength} bytes, expected ${total} for ${capacity} slots of ${slotSize} bytes${
      maxSites === 0 ? "" : ` and ${maxSites} sites`
    }`;
  }
  if (words[W_KIND] !== 0 && words[W_KIND] !== 1) {
    return `unknown slab kind ${words[W_KIND]}`;
  }
  if (words[W_NAME_LENGTH]! < 1 || words[W_NAME_LENGTH]! > NAME_BYTES) {
    return `name length ${words[W_NAME_LENGTH]} is out of range`;
  }
  return undefined;
}
