// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * A slab's table of allocation sites, in the slab's shared memory so that
 * every thread that attached the slab adds to it and every thread reads all
 * of it. Internal to `SlabAllocator`.
 *
 * A site is a short text: the caller's frames of a sampled allocation's
 * stack, or a label a caller gives (`"GET /users/:id"`). The table interns
 * at most `maxSites` of them; a site that finds it full is counted in
 * `W_SITES_DROPPED` and not recorded. Each entry keeps its text and how many
 * allocations were recorded at it; each slot keeps the id of the site its
 * current allocation was recorded at, tagged with the low 16 bits of the
 * slot's generation, so that a record outlives nothing: once the slot is
 * freed (every free bumps the generation) its record no longer matches and
 * nobody has to clear it. Slots held per site and the oldest of them are
 * counted from the records when asked, so the hot paths pay nothing for them.
 *
 * Interning is lock-free: an entry is claimed by a CAS of its hash word from
 * 0, filled, then published by its ready word; a thread that meets a claimed
 * entry of the same hash waits (briefly) for it to be ready and compares the
 * texts, so two texts with the same hash get two entries. A thread stopped
 * between claim and publish leaves an entry that never becomes ready: it is
 * skipped by everyone, and the site it was for is interned again further on.
 *
 * @module
 */

import { CACHED, STATE_MASK } from "./slab_layout.ts";
import {
  SITE_ENTRY_WORDS,
  SITE_TEXT_BYTES,
  W_SITES_DROPPED,
  W_SITES_RECORDED,
} from "./site_layout.ts";
import type { SiteViews, SlabViews } from "./slab_views.ts";

/** A site recorded from a sampled allocation's call stack. */
export const SITE_STACK = 1;
/** A site given as a label (`alloc(…, site)`, `setSite()`). */
export const SITE_LABEL = 2;

// Int32 words of an entry; its 64-bit total is BigInt64 word 2 of the entry.
const E_HASH = 0;
const E_READY = 1;
const E_LENGTH = 2;
const E_KIND = 3;
const E_TOTAL64 = 2;
/** Loads of a claimed entry's ready word between two reads of the clock. */
const READY_SPINS = 10_000;
/**
 * How long a thread waits for an entry another thread claimed to be
 * published (ms). Counting spins alone is not enough: with more threads
 * than cores the writer may be preempted between its claim and its ready
 * store for a whole time slice, and a prober that gave up then would intern
 * the same text a second time.
 */
const READY_WAIT_MS = 100;
/** `E_READY` of an entry whose writer never published it (it stopped). */
const ABANDONED = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One site, as returned by `SlabAllocator.prototype.sites()`. */
export interface SiteInfo {
  /** The site's id, from 1 to the table size; slots name their site by it. */
  id: number;
  /** The caller's frames (one per line) or the label. */
  site: string;
  /** `"stack"` for a sampled call stack, `"label"` for a label. */
  kind: "stack" | "label";
  /** Slots held now whose allocation was recorded at this site. */
  held: number;
  /** Allocations recorded at this site since the slab was created. */
  total: number;
  /**
   * When the oldest slot held now was recorded, in ms since the Unix epoch,
   * or `null` when none is held.
   */
  oldest: number | null;
}

/**
 * The UTF-8 bytes of `text`, cut to `SITE_TEXT_BYTES`: at the last line
 * break that fits for a multi-line stack, else at the last whole character.
 */
export function siteBytes(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (bytes.length <= SITE_TEXT_BYTES) return bytes;
  let end = bytes.lastIndexOf(0x0a, SITE_TEXT_BYTES);
  if (end <= 0) {
    end = SITE_TEXT_BYTES;
    while ((bytes[end]! & 0xc0) === 0x80) end--; // not inside a character
  }
  return bytes.subarray(0, end);
}

function hashOf(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash === 0 ? 1 : hash; // 0 marks an empty entry
}

/**
 * The id of the site with these bytes and kind, interning it when new:
 * 1 to `maxSites`, or 0 when the table is full (counted as dropped).
 */
export function internSite(v: SlabViews, bytes: Uint8Array, kind: number): number {
  const s = v.sites!;
  const hash = hashOf(bytes);
  const start = (hash >>> 0) % s.maxSites;
  for (let probe = 0; probe < s.maxSites; probe++) {
    const e = (start + probe) % s.maxSites;
    const at = e * SITE_ENTRY_WORDS;
    let seen = Atomics.load(s.entries, at + E_HASH);
    if (seen === 0) {
      seen = Atomics.compareExchange(s.entries, at + E_HASH, 0, hash);
      if (seen === 0) {
        // Claimed: fill, then publish. The entry is this thread's until the
        // ready store, which orders every store before it for readers that
        // load ready first.
        s.texts.set(bytes, e * SITE_TEXT_BYTES);
        s.entries[at + E_LENGTH] = bytes.length;
        s.entries[at + E_KIND] = kind;
        Atomics.store(s.entries, at + E_READY, 1);
        return e + 1;
      }
    }
    if (seen !== hash || !readyEntry(s, at)) continue;
    if (Atomics.load(s.entries, at + E_KIND) !== kind) continue;
    if (sameText(s, e, bytes)) return e + 1;
  }
  Atomics.add(v.words, W_SITES_DROPPED, 1);
  return 0;
}

/**
 * Whether a claimed entry is published, waiting up to `READY_WAIT_MS` for
 * its writer. A writer that stopped between its claim and its publication
 * (a Worker terminated) leaves the entry `ABANDONED`, so that nobody waits
 * for it again; should that writer only have been slow, its ready store
 * still publishes the entry (it wrote the text before), and a text another
 * thread interned meanwhile is then listed twice: that costs a stall of
 * more than `READY_WAIT_MS` inside eight stores.
 */
function readyEntry(s: SiteViews, at: number): boolean {
  let deadline = 0;
  for (;;) {
    for (let spin = 0; spin < READY_SPINS; spin++) {
      const ready = Atomics.load(s.entries, at + E_READY);
      if (ready !== 0) return ready === 1;
    }
    const now = performance.now();
    if (deadline === 0) deadline = now + READY_WAIT_MS;
    else if (now >= deadline) break;
  }
  Atomics.compareExchange(s.entries, at + E_READY, 0, ABANDONED);
  return Atomics.load(s.entries, at + E_READY) === 1;
}

function sameText(s: SiteViews, e: number, bytes: Uint8Array): boolean {
  if (s.entries[e * SITE_ENTRY_WORDS + E_LENGTH] !== bytes.length) return false;
  const base = e * SITE_TEXT_BYTES;
  for (let i = 0; i < bytes.length; i++) if (s.texts[base + i] !== bytes[i]) return false;
  return true;
}

/**
 * Records that slot `index`'s current allocation (slot word `word`) was made
 * at site `id`, at `time` (ms since the slab's epoch), and counts it.
 * Called by the thread that holds the slot; plain stores: readers are
 * diagnostics, and a record is only ever read together with the slot word it
 * must match.
 */
export function recordSite(
  v: SlabViews,
  index: number,
  word: number,
  id: number,
  time: number,
): void {
  const s = v.sites!;
  // The total first: `readSites()` reads the records, then the totals, so a
  // record it counts as held was counted in the total before (held ≤ total).
  Atomics.add(s.entries64, (id - 1) * (SITE_ENTRY_WORDS / 2) + E_TOTAL64, 1n);
  s.records[2 * index + 1] = time;
  s.records[2 * index] = (id << 16) | ((word >>> 8) & 0xffff);
  // After the record: a reader that sees the new count and then scans sees
  // it. A plain increment: two threads racing may lose one of their two
  // increments, but the count still moves, and moving is all it says (an
  // atomic add would cost as much as the rest of a labelled allocation).
  v.words[W_SITES_RECORDED] = (v.words[W_SITES_RECORDED]! + 1) | 0;
}

/** The text and kind of site `id`, or `undefined` when no ready entry has that id. */
export function readSiteText(
  v: SlabViews,
  id: number,
): { site: string; kind: "stack" | "label" } | undefined {
  const s = v.sites;
  if (s === undefined || !Number.isInteger(id) || id < 1 || id > s.maxSites) return undefined;
  const at = (id - 1) * SITE_ENTRY_WORDS;
  if (Atomics.load(s.entries, at + E_READY) !== 1) return undefined;
  return entryText(s, id - 1);
}

function entryText(s: SiteViews, e: number): { site: string; kind: "stack" | "label" } {
  const at = e * SITE_ENTRY_WORDS;
  const base = e * SITE_TEXT_BYTES;
  const length = s.entries[at + E_LENGTH]!;
  return {
    site: decoder.decode(s.texts.slice(base, base + length)),
    kind: s.entries[at + E_KIND] === SITE_LABEL ? "label" : "stack",
  };
}

/** The site id of slot `index`'s current allocation (slot word `word`), or 0. */
export function siteOfSlot(v: SlabViews, index: number, word: number): number {
  const s = v.sites;
  if (s === undefined) return 0;
  const state = word & STATE_MASK;
  if (state === 0 || state === CACHED) return 0;
  const record = s.records[2 * index]!;
  return (record & 0xffff) === ((word >>> 8) & 0xffff) ? record >>> 16 : 0;
}

/** Copies every slot's site id (0 for none) into `into`. */
export function scanSites(v: SlabViews, into: Uint16Array): Uint16Array {
  const { capacity, slots } = v;
  for (let i = 0; i < capacity; i++) into[i] = siteOfSlot(v, i, slots[i]!);
  return into;
}

/**
 * Every ready site with its counts: slots held now and the oldest of them
 * come from one pass over the slot words and records (O(capacity)).
 * `since` turns a record's time into ms since the Unix epoch.
 */
export function readSites(v: SlabViews, since: (time: number) => number): SiteInfo[] {
  const s = v.sites;
  if (s === undefined) return [];
  const held = new Uint32Array(s.maxSites + 1);
  // Oldest record time per site, relative to the slab's epoch (Uint32 ms).
  const oldest = new Float64Array(s.maxSites + 1).fill(Infinity);
  const { capacity, slots } = v;
  const records = s.records;
  // `siteOfSlot()` inlined: this loop is the whole cost of `sites()`.
  for (let i = 0; i < capacity; i++) {
    const word = slots[i]!;
    const state = word & STATE_MASK;
    if (state === 0 || state === CACHED) continue;
    const record = records[2 * i]!;
    if ((record & 0xffff) !== ((word >>> 8) & 0xffff)) continue;
    const id = record >>> 16;
    if (id === 0) continue;
    held[id]!++;
    const time = records[2 * i + 1]! >>> 0;
    if (time < oldest[id]!) oldest[id] = time;
  }
  const sites: SiteInfo[] = [];
  for (let e = 0; e < s.maxSites; e++) {
    const at = e * SITE_ENTRY_WORDS;
    if (Atomics.load(s.entries, at + E_READY) !== 1) continue;
    sites.push({
      id: e + 1,
      ...entryText(s, e),
      held: held[e + 1]!,
      total: Number(Atomics.load(s.entries64, e * (SITE_ENTRY_WORDS / 2) + E_TOTAL64)),
      oldest: held[e + 1] === 0 ? null : since(oldest[e + 1]!),
    });
  }
  return sites.sort((a, b) => b.held - a.held || b.total - a.total || a.id - b.id);
}
