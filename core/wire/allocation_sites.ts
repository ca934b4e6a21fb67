// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Allocation sites on the wire (`sites`): per slab with a site table, its
 * top sites by slots held, decoded and checked, and patched by deltas site
 * by site (a site's text is sent once, when it enters the list). Field by
 * field in `docs/wire-format.md`.
 *
 * @module
 */

import { MEMBERS, SITE_FIELDS, SLAB_SITES_SCALARS } from "./fields.ts";
import type { SiteSnapshot, SitesSnapshot, SlabSitesSnapshot, SlabSnapshot } from "./types.ts";
import { slabOrder } from "./_slab_order.ts";
import {
  array,
  count,
  fail,
  type JsonObject,
  object,
  onlyFields,
  shown,
  string,
} from "./validate.ts";

/** Most sites a slab's list may hold (`DiagnosticsRegistryOptions.topSites`). */
export const MAX_TOP_SITES = 100;
/** Largest site table (`SlabAllocatorOptions.maxSites`). */
const MAX_TABLE = 4096;
/** Largest sampling interval (`SlabAllocatorOptions.sampleSites`). */
const MAX_SAMPLE_EVERY = 2 ** 30;
/** Longest site text, in UTF-8 bytes. */
const TEXT_BYTES = 512;

const encoder = new TextEncoder();

/** Orders a slab's sites: most held first, then most recorded, then by id. */
export function compareSites(a: SiteSnapshot, b: SiteSnapshot): number {
  return b.held - a.held || b.total - a.total || a.id - b.id;
}

/** Decodes a keyframe's `sites`, checked against the state's slabs. */
export function sitesFromWire(
  value: unknown,
  slabs: readonly SlabSnapshot[],
  path: string,
): SitesSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.sites, path, "the site lists");
  const limit = limitFromWire(o.limit, `${path}.limit`);
  const list: SitesSnapshot = {
    limit,
    slabs: array(o.slabs, `${path}.slabs`).map((entry, i) =>
      slabSitesFromWire(entry, `${path}.slabs[${i}]`)
    ),
  };
  if (list.slabs.length === 0) {
    fail(`${path}.slabs`, "empty: a state without site lists has no sites");
  }
  checkSites(list, slabs, path);
  return list;
}

function limitFromWire(value: unknown, path: string): number {
  const limit = count(value, path);
  if (limit < 1 || limit > MAX_TOP_SITES) {
    fail(path, `expected 1 to ${MAX_TOP_SITES}, received ${limit}`);
  }
  return limit;
}

function slabSitesFromWire(value: unknown, path: string): SlabSitesSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.slabSites, path, "a slab's sites");
  const entry = { slab: string(o.slab, `${path}.slab`) } as SlabSitesSnapshot;
  for (const field of SLAB_SITES_SCALARS) entry[field] = count(o[field], `${path}.${field}`);
  entry.top = array(o.top, `${path}.top`).map((site, i) => siteFromWire(site, `${path}.top[${i}]`));
  return entry;
}

function siteFromWire(value: unknown, path: string): SiteSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.site, path, "a site");
  const kind = string(o.kind, `${path}.kind`);
  if (kind !== "stack" && kind !== "label") {
    fail(`${path}.kind`, `expected "stack" or "label", received ${shown(kind)}`);
  }
  const site = string(o.site, `${path}.site`);
  const bytes = encoder.encode(site).length;
  if (bytes > TEXT_BYTES || (kind === "label" && bytes === 0)) {
    fail(
      `${path}.site`,
      `expected ${kind === "label" ? 1 : 0} to ${TEXT_BYTES} UTF-8 bytes, received ${bytes}`,
    );
  }
  return {
    id: count(o.id, `${path}.id`),
    site,
    kind,
    held: count(o.held, `${path}.held`),
    total: count(o.total, `${path}.total`),
    oldest: o.oldest === null ? null : count(o.oldest, `${path}.oldest`),
  };
}

/**
 * The site lists in the slab order of `slabs`: what a delta without `sites`
 * leaves a state whose slabs it reordered (the lists themselves unchanged).
 *
 * @param list The state's site lists.
 * @param slabs The new state's slabs.
 * @returns `list` when already in that order, else a reordered copy.
 */
export function inSlabOrder(list: SitesSnapshot, slabs: readonly SlabSnapshot[]): SitesSnapshot {
  const order = slabOrder(slabs);
  const place = (entry: SlabSitesSnapshot) => order.get(entry.slab) ?? Infinity;
  const sorted = list.slabs.every((entry, i) =>
    i === 0 || place(list.slabs[i - 1]!) < place(entry)
  );
  if (sorted) return list;
  return { ...list, slabs: [...list.slabs].sort((a, b) => place(a) - place(b)) };
}

/**
 * Checks site lists against the slabs of their state: each names a slab of
 * the state, once, in the state's slab order; its settings are in range;
 * its sites have ids in its table, once each, hold at most `total` and the
 * slab's slots, have an `oldest` exactly when they hold any, and come in
 * order; and it lists `min(count, limit)` of them.
 */
export function checkSites(
  list: SitesSnapshot,
  slabs: readonly SlabSnapshot[],
  path: string,
): void {
  const order = slabOrder(slabs);
  let last = -1;
  list.slabs.forEach((entry, i) => {
    const at = `${path}.slabs[${i}]`;
    const place = order.get(entry.slab);
    if (place === undefined) {
      fail(`${at}.slab`, `${JSON.stringify(entry.slab.slice(0, 64))} is not a slab of the state`);
    }
    if (place <= last) fail(`${at}.slab`, "out of the state's slab order, or listed twice");
    last = place;
    checkSlabSites(entry, slabs[place]!, list.limit, at);
  });
}

function checkSlabSites(
  entry: SlabSitesSnapshot,
  slab: SlabSnapshot,
  limit: number,
  path: string,
): void {
  if (entry.max_sites < 1 || entry.max_sites > MAX_TABLE) {
    fail(`${path}.max_sites`, `expected 1 to ${MAX_TABLE}, received ${entry.max_sites}`);
  }
  if (entry.sample_every > MAX_SAMPLE_EVERY) {
    fail(
      `${path}.sample_every`,
      `expected 0 to ${MAX_SAMPLE_EVERY}, received ${entry.sample_every}`,
    );
  }
  if (entry.count > entry.max_sites) {
    fail(`${path}.count`, `${entry.count}, more than the table's ${entry.max_sites} entries`);
  }
  const expected = Math.min(entry.count, limit);
  if (entry.top.length !== expected) {
    fail(`${path}.top`, `${entry.top.length} sites, expected ${expected}`);
  }
  let held = 0;
  entry.top.forEach((site, i) => {
    const at = `${path}.top[${i}]`;
    if (site.id < 1 || site.id > entry.max_sites) {
      fail(`${at}.id`, `expected 1 to ${entry.max_sites}, received ${site.id}`);
    }
    if (site.held > site.total) {
      fail(`${at}.held`, `${site.held}, more than the ${site.total} recorded at the site`);
    }
    if ((site.oldest === null) !== (site.held === 0)) {
      fail(
        `${at}.oldest`,
        site.held === 0 ? "null when no slot is held" : "null, but slots are held",
      );
    }
    held += site.held;
    if (i > 0 && compareSites(entry.top[i - 1]!, site) >= 0) {
      fail(at, "out of order (most held, then most recorded, then id), or listed twice");
    }
  });
  if (held > slab.total) {
    fail(`${path}.top`, `hold ${held} slots, more than the slab's ${slab.total}`);
  }
}

/** A site list's wire object. */
export function sitesToWire(list: SitesSnapshot): JsonObject {
  return { limit: list.limit, slabs: list.slabs.map(slabSitesToWire) };
}

function slabSitesToWire(entry: SlabSitesSnapshot): JsonObject {
  const wire: JsonObject = { slab: entry.slab };
  for (const field of SLAB_SITES_SCALARS) wire[field] = entry[field];
  wire.top = entry.top.map(siteToWire);
  return wire;
}

function siteToWire(site: SiteSnapshot): JsonObject {
  const wire: JsonObject = {};
  for (const field of SITE_FIELDS) wire[field] = site[field];
  return wire;
}

/** The `sites` member of a delta from `a` to `b`, or `undefined` when nothing changed. */
export function diffSites(
  a: SitesSnapshot | undefined,
  b: SitesSnapshot | undefined,
): JsonObject | undefined {
  if (a === b) return undefined;
  if (b === undefined) return { removed: a!.slabs.map((entry) => entry.slab) }; // lists gone
  const patch: JsonObject = {};
  if (a?.limit !== b.limit) patch.limit = b.limit;
  const before = new Map((a?.slabs ?? []).map((entry) => [entry.slab, entry]));
  const slabs: JsonObject[] = [];
  for (const entry of b.slabs) {
    const old = before.get(entry.slab);
    before.delete(entry.slab);
    if (old === entry) continue;
    const slabPatch = old === undefined || old.max_sites !== entry.max_sites
      ? { full: true, ...slabSitesToWire(entry) }
      : diffSlabSites(old, entry);
    if (slabPatch !== undefined) slabs.push(slabPatch);
  }
  if (slabs.length > 0) patch.slabs = slabs;
  if (before.size > 0) patch.removed = [...before.keys()];
  return Object.keys(patch).length === 0 ? undefined : patch;
}

function diffSlabSites(a: SlabSitesSnapshot, b: SlabSitesSnapshot): JsonObject | undefined {
  const patch: JsonObject = { slab: b.slab };
  let changed = false;
  for (const field of SLAB_SITES_SCALARS) {
    if (a[field] !== b[field]) {
      patch[field] = b[field];
      changed = true;
    }
  }
  const before = new Map(a.top.map((site) => [site.id, site]));
  const set: JsonObject[] = [];
  for (const site of b.top) {
    const old = before.get(site.id);
    before.delete(site.id);
    if (old === undefined) {
      set.push(siteToWire(site));
      continue;
    }
    const sitePatch: JsonObject = { id: site.id };
    let moved = false;
    for (const field of SITE_FIELDS) {
      if (old[field] !== site[field]) {
        sitePatch[field] = site[field];
        moved = true;
      }
    }
    if (moved) set.push(sitePatch);
  }
  if (set.length > 0) {
    patch.set = set;
    changed = true;
  }
  if (before.size > 0) {
    patch.drop = [...before.keys()];
    changed = true;
  }
  return changed ? patch : undefined;
}

/**
 * Applies a delta's `sites` to `base` (the lists of the state it applies
 * to; a state without any starts from none, and the patch then gives
 * `limit`), checked against the new state's slabs. Lists left with no slab
 * are no lists: `undefined`.
 */
export function patchSites(
  base: SitesSnapshot | undefined,
  value: unknown,
  slabs: readonly SlabSnapshot[],
  path: string,
): SitesSnapshot | undefined {
  const o = object(value, path);
  onlyFields(o, MEMBERS.sitesPatch, path, "a site lists patch");
  if (base === undefined && o.limit === undefined) {
    fail(path, "the first site lists of a state that had none give their limit");
  }
  const limit = o.limit === undefined ? base!.limit : limitFromWire(o.limit, `${path}.limit`);
  const entries = new Map((base?.slabs ?? []).map((entry) => [entry.slab, entry]));
  const touched = new Set<string>();
  if (o.removed !== undefined) {
    array(o.removed, `${path}.removed`).forEach((name, i) => {
      const at = `${path}.removed[${i}]`;
      const slab = string(name, at);
      if (!entries.delete(slab)) fail(at, "names no slab of the site lists");
      touched.add(slab);
    });
  }
  if (o.slabs !== undefined) {
    array(o.slabs, `${path}.slabs`).forEach((value, i) => {
      const at = `${path}.slabs[${i}]`;
      const p = object(value, at);
      const slab = string(p.slab, `${at}.slab`);
      if (touched.has(slab)) fail(`${at}.slab`, "patched twice, or also removed");
      touched.add(slab);
      let entry: SlabSitesSnapshot;
      if (p.full === true) {
        const { full: _, ...rest } = p;
        entry = slabSitesFromWire(rest, at);
      } else if (p.full !== undefined) {
        fail(`${at}.full`, `expected true or no field, received ${shown(p.full)}`);
      } else {
        const old = entries.get(slab);
        if (old === undefined) {
          fail(`${at}.slab`, "not in the site lists, and the patch is not full");
        }
        entry = patchSlabSites(old, p, at);
      }
      entries.set(slab, entry);
    });
  }
  const order = slabOrder(slabs);
  for (const entry of entries.values()) {
    if (!order.has(entry.slab)) {
      fail(path, `lists slab ${JSON.stringify(entry.slab.slice(0, 64))}, which the state has not`);
    }
  }
  if (entries.size === 0) return undefined;
  const list: SitesSnapshot = {
    limit,
    slabs: [...entries.values()].sort((a, b) => order.get(a.slab)! - order.get(b.slab)!),
  };
  checkSites(list, slabs, path);
  return list;
}

function patchSlabSites(old: SlabSitesSnapshot, p: JsonObject, path: string): SlabSitesSnapshot {
  onlyFields(p, MEMBERS.slabSitesPatch, path, "a slab's sites patch");
  const entry: SlabSitesSnapshot = { ...old };
  for (const field of SLAB_SITES_SCALARS) {
    if (p[field] !== undefined) entry[field] = count(p[field], `${path}.${field}`);
  }
  const sites = new Map(old.top.map((site) => [site.id, site]));
  const dropped = new Set<number>();
  if (p.drop !== undefined) {
    array(p.drop, `${path}.drop`).forEach((id, i) => {
      const at = `${path}.drop[${i}]`;
      const n = count(id, at);
      if (!sites.delete(n)) fail(at, "names no site of the list");
      dropped.add(n);
    });
  }
  if (p.set !== undefined) {
    const set = new Set<number>();
    array(p.set, `${path}.set`).forEach((value, i) => {
      const at = `${path}.set[${i}]`;
      const s = object(value, at);
      const id = count(s.id, `${at}.id`);
      if (set.has(id)) fail(at, "sets a site twice");
      if (dropped.has(id)) fail(at, "sets a site the patch drops");
      set.add(id);
      const old = sites.get(id);
      sites.set(id, old === undefined ? siteFromWire(s, at) : siteFromWire({ ...old, ...s }, at));
    });
  }
  entry.top = [...sites.values()].sort(compareSites);
  return entry;
}
