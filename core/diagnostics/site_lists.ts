// Copyright 2026 the slabscope authors. MIT license.
/**
 * Collecting the top allocation sites of every slab that keeps a site
 * table, for snapshots (`sites`). Internal to the registry.
 *
 * Counting the slots each site holds reads every slot's record
 * (`SlabAllocator.prototype.sites()`, O(capacity): about 1 ms per million
 * slots), so a slab's list is read again only when something it counts can
 * have changed: its slots (the collector's picture is a new object whenever
 * a slot word changed, see `slab_collector.ts`), or its table (the table's
 * change count moves with every site recorded, `setSite()` included, and
 * its dropped and skipped counts). An unchanged slab costs one comparison
 * of those and reuses its list, the same object, so deltas skip it at once.
 *
 * A slab whose slots change on every tick would pay a full read per tick;
 * instead its list is read at most every {@linkcode SITE_SCAN_INTERVAL_MS}
 * (the change stays noted, and is read once the interval has passed), so
 * a busy slab of a million slots spends about 0.2 % of a core on it. Held
 * counts lag by at most that interval; ages are times ("since when"), so
 * they never go stale.
 *
 * @module
 */

import type { SlabAllocator } from "../allocator/slab.ts";
import { compareSites } from "../wire/allocation_sites.ts";
import type { SiteSnapshot, SitesSnapshot, SlabSitesSnapshot } from "../wire/types.ts";
import { slotHistory } from "./slab_collector.ts";

/** Most often a slab's site list is read again while its slots keep changing. */
export const SITE_SCAN_INTERVAL_MS = 500;
/** Sites each slab's list holds unless told otherwise (`DiagnosticsRegistryOptions.topSites`). */
export const DEFAULT_TOP_SITES = 10;

/** What a slab's list was read from, to know whether it can have changed. */
interface SlabSitesMemory {
  picture: unknown;
  recorded: number;
  dropped: number;
  skipped: number;
  /** `performance.now()` of the last read. */
  readAt: number;
  entry: SlabSitesSnapshot;
}

/** The site lists of one registry's slabs, kept between snapshots. */
export class SiteLists {
  #limit: number;
  #memory = new WeakMap<SlabAllocator, SlabSitesMemory>();
  #last: SitesSnapshot | undefined;

  /** Lists that hold at most `limit` (1 to 100) sites per slab. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /**
   * The lists of the slabs in `slabs` (in snapshot order) that keep a site
   * table, or `undefined` when none does. Call after the slabs' pictures
   * were collected for the same snapshot. The same object as last time
   * when no list changed.
   */
  collect(
    slabs: readonly SlabAllocator[],
    now: number = performance.now(),
  ): SitesSnapshot | undefined {
    const entries: SlabSitesSnapshot[] = [];
    let changed = false;
    for (const slab of slabs) {
      // Reading the counters names the sites of requests still open
      // (HandleLabels.nameSites(), their URLs read once).
      const counters = slab.siteCounters();
      if (counters.maxSites === 0) continue;
      const picture = slotHistory(slab)?.picture;
      const memory = this.#memory.get(slab);
      const moved = memory === undefined || memory.picture !== picture ||
        memory.recorded !== counters.recorded || memory.dropped !== counters.dropped ||
        memory.skipped !== counters.skipped;
      if (!moved || (memory !== undefined && now - memory.readAt < SITE_SCAN_INTERVAL_MS)) {
        // Unchanged, or read too recently: the change stays noted (the
        // remembered figures are those of the last read).
        entries.push(memory!.entry);
        if (this.#last?.slabs[entries.length - 1] !== memory!.entry) changed = true;
        continue;
      }
      const entry = this.#read(slab);
      this.#memory.set(slab, {
        picture,
        recorded: counters.recorded,
        dropped: counters.dropped,
        skipped: counters.skipped,
        readAt: now,
        entry,
      });
      entries.push(entry);
      changed = true;
    }
    if (entries.length === 0) return this.#last = undefined;
    if (!changed && this.#last?.slabs.length === entries.length) return this.#last;
    return this.#last = { limit: this.#limit, slabs: entries };
  }

  #read(slab: SlabAllocator): SlabSitesSnapshot {
    const all = slab.sites();
    const previous = this.#memory.get(slab)?.entry;
    const top: SiteSnapshot[] = all.sites.slice(0, this.#limit).map((site) => ({
      id: site.id,
      site: site.site,
      kind: site.kind,
      held: site.held,
      total: site.total,
      oldest: site.oldest,
    }));
    top.sort(compareSites); // the allocator's order, made certain
    const entry: SlabSitesSnapshot = {
      slab: slab.name,
      sample_every: all.sampleEvery,
      max_sites: all.maxSites,
      count: all.sites.length,
      dropped: all.dropped,
      skipped: all.skipped,
      top,
    };
    return previous !== undefined && sameEntry(previous, entry) ? previous : entry;
  }
}

function sameEntry(a: SlabSitesSnapshot, b: SlabSitesSnapshot): boolean {
  if (
    a.slab !== b.slab || a.sample_every !== b.sample_every || a.max_sites !== b.max_sites ||
    a.count !== b.count || a.dropped !== b.dropped || a.skipped !== b.skipped ||
    a.top.length !== b.top.length
  ) return false;
  return a.top.every((site, i) => {
    const other = b.top[i]!;
    return site.id === other.id && site.held === other.held && site.total === other.total &&
      site.oldest === other.oldest && site.site === other.site && site.kind === other.kind;
  });
}
