// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Where a slab keeps its allocation sites (`site_table.ts`): header words
 * the base layout (`slab_layout.ts`) leaves unused, and a region after the
 * payload. Internal.
 *
 * A slab without a site table has zeros in those words and no region: it is
 * byte for byte a slab of the same layout version without sites, so older
 * and newer code share such slabs. A slab with one is larger, and its site
 * settings carry their own check word: code that does not know them sees a
 * buffer of the wrong size and refuses it.
 *
 * ```text
 * offset        size              what
 * header word 20                  sample every N (0: labels only)
 * header word 21                  entries of the table (0: no site table)
 * header word 22                  check word of words 20 and 21
 * header word 23                  sites dropped (the table was full)
 * header word 40                  samples skipped (a capture budget was spent)
 * header word 41                  sites recorded, wrapping (a change count for readers)
 * header bytes 168‥175            BigInt64: ns every instance spent capturing stacks
 * RECORDS       8 × capacity      per-slot records, Int32 pairs:
 *                                 [2i] = site id << 16 | (generation & 0xFFFF),
 *                                 [2i + 1] = Uint32 ms since the slab's epoch
 * ENTRIES       32 × maxSites     SITE_ENTRY_WORDS Int32 words per entry
 * TEXTS         512 × maxSites    SITE_TEXT_BYTES of UTF-8 per entry
 * ```
 *
 * @module
 */

/** Header word: one allocation in this many has its stack sampled; 0 for labels only. */
export const W_SAMPLE_EVERY = 20;
/** Header word: entries of the site table; 0 when the slab keeps none. */
export const W_MAX_SITES = 21;
/** Header word: {@linkcode siteCheck} of the two words above. */
export const W_SITES_CHECK = 22;
/** Header word: sites that found the table full and were not recorded. */
export const W_SITES_DROPPED = 23;
/** Header word: samples not taken because an instance's capture budget was spent. */
export const W_SITES_SKIPPED = 40;
/**
 * Header word: moves whenever an allocation is recorded at a site (sampled
 * or labelled), a wrapping Int32 incremented without atomics (racing
 * threads may lose an increment, never the move). Readers compare it with
 * what they last saw to learn that the table changed without reading it.
 */
export const W_SITES_RECORDED = 41;
/**
 * Header BigInt64 word (index into the header as 64-bit words, bytes
 * 168‥175): nanoseconds every instance spent capturing sampled stacks.
 */
export const W64_CAPTURE_NS = 21;

/** Int32 words per site entry: hash, ready, length, kind, 64-bit total, two spare. */
export const SITE_ENTRY_WORDS = 8;
/** Bytes of text each site entry holds (longer stacks are cut at a line end). */
export const SITE_TEXT_BYTES = 512;
/** Largest sampling interval: one allocation in 2^30. */
export const MAX_SAMPLE_EVERY = 2 ** 30;
/** Largest site table. */
export const MAX_SITES = 4096;
/** Site table size of a slab that keeps one without saying how many entries. */
export const DEFAULT_MAX_SITES = 256;

/** Byte offsets of the site region's parts, and where it ends. */
export interface SiteRegions {
  records: number;
  entries: number;
  texts: number;
  /** The first byte after the region: the slab's total size. */
  end: number;
}

/** Where the site region of a slab whose base regions end at `after` lies. */
export function siteRegionsFor(after: number, capacity: number, maxSites: number): SiteRegions {
  const records = Math.ceil(after / 64) * 64; // a cache line of its own
  const entries = records + 8 * capacity;
  const texts = entries + 4 * SITE_ENTRY_WORDS * maxSites;
  return { records, entries, texts, end: texts + SITE_TEXT_BYTES * maxSites };
}

/** The check word of a slab's site settings (never 0). */
export function siteCheck(sampleEvery: number, maxSites: number): number {
  let hash = 0x811c9dc5;
  for (const word of [sampleEvery, maxSites]) {
    for (let shift = 0; shift < 32; shift += 8) {
      hash = Math.imul(hash ^ ((word >>> shift) & 0xff), 0x01000193);
    }
  }
  return hash === 0 ? 1 : hash;
}

/**
 * The reason header `words` carry no valid site settings, or `undefined`
 * when they do (zeros meaning no site table are valid).
 */
export function siteSettingsProblem(words: Int32Array): string | undefined {
  const sampleEvery = words[W_SAMPLE_EVERY]!;
  const maxSites = words[W_MAX_SITES]!;
  const check = words[W_SITES_CHECK]!;
  if (maxSites === 0 && sampleEvery === 0 && check === 0) return undefined;
  if (
    maxSites < 1 || maxSites > MAX_SITES || sampleEvery < 0 || sampleEvery > MAX_SAMPLE_EVERY ||
    check !== siteCheck(sampleEvery, maxSites)
  ) {
    return "site table settings are damaged";
  }
  return undefined;
}
