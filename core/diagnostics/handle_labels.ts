// Copyright 2026 the slabscope authors. MIT license.
/**
 * What an open handle is for, per slot of a handle slab: the method and URL
 * of a request being served (`instrumentServer()`) or made
 * (`instrumentFetch()`). A side table indexed by slot, beside the slab
 * rather than in its shared memory: labels are strings, set and read by the
 * thread that serves the requests. The open-handle list of snapshots reads
 * them for the handles it lists.
 *
 * Setting a label is a few array stores (the hot path of every request): a
 * served request is kept as the `Request` itself, and its method and URL
 * are read only when the handle is listed (the path without its query),
 * once per label. A label names the handle it was set for,
 * so a slot's next handle never shows a label of the one before: a label
 * left behind (a handle freed without {@linkcode HandleLabels.prototype.clear})
 * is ignored, then overwritten.
 *
 * A served request's allocation site (its method and route) can be named
 * late the same way: {@linkcode HandleLabels.prototype.nameSites} names the
 * sites of the requests labelled since its last call that are still open,
 * before any read of the slab's sites (`core/allocator/pending_sites.ts`:
 * a snapshot, `sites()`, `siteCounters()`, `slotInfo()`). A request that ends before then is never asked for
 * its URL, which Deno builds on each first read (about 3.6 % of a
 * hello-world request's CPU, BENCHMARKS.md).
 *
 * @module
 */

import { coarseNow } from "../allocator/coarse_clock.ts";
import { onSiteRead } from "../allocator/pending_sites.ts";
import type { SlabAllocator } from "../allocator/slab.ts";
import { indexBitsFor } from "../allocator/slab_layout.ts";

/** What a labelled handle does: serves a request, or makes one. */
export type HandleLabelKind = "request" | "fetch";

/** A handle's label as listed: the method, and the path (a request) or the origin (a fetch). */
export interface HandleLabel {
  /** The request's method, at most {@linkcode METHOD_LIMIT} characters. */
  method: string;
  /** A request served: its path, query and fragment dropped, at most {@linkcode PATH_LIMIT} characters. */
  path?: string;
  /** A request made: the origin it goes to, at most {@linkcode PATH_LIMIT} characters. */
  origin?: string;
}

/**
 * Longest path or origin listed, in UTF-16 code units: longer ones are cut
 * to `PATH_LIMIT − 1` and end with `…`. 80 keeps a row of the list on one
 * line and is longer than most routes with an id or two in them.
 */
export const PATH_LIMIT = 80;
/** Longest method listed (methods are tokens; the standard ones have at most 7 letters). */
export const METHOD_LIMIT = 16;

/** Names a served request's allocation site: `"<method> <route>"`. */
export interface SiteNamer {
  /** The site label of `request`, whose method is `method`. */
  labelOf(request: Request, method: string): string;
}

/** Most requests waiting for their site to be named that are remembered one by one. */
const UNNAMED_LIMIT = 65_536;

/** The methods `fetch()` writes in upper case whatever case it is given (Fetch § 2.2.1). */
const NORMALIZED_METHODS = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

/** The labels of one handle slab's slots. */
export class HandleLabels {
  #indexMask: number;
  /** Per slot: the handle the label was set for, -1 for none. */
  #handles: Int32Array;
  /** Per slot: the request served, or the origin a request goes to. */
  #targets: (Request | string | undefined)[];
  /** Per slot: a request made: its method. */
  #methods: (string | undefined)[];
  /** Per slot: the label as listed, derived once. */
  #listed: (HandleLabel | undefined)[];
  /** Per slot: a served request whose site is still to be named, by this. */
  #namers: (SiteNamer | undefined)[];
  /** Per slot with a namer: when the request was labelled (ms since the Unix epoch, coarse). */
  #since: Float64Array;
  /** Slots given a namer since the last `nameSites()`, in order (some since cleared). */
  #unnamed: number[] = [];
  /** More than {@linkcode UNNAMED_LIMIT} were given one: every slot is looked at instead. */
  #unnamedOverflow = false;
  #unnamedLimit: number;
  #version = 0;

  /** Labels for the slots of a slab of `capacity` slots. */
  constructor(capacity: number) {
    this.#indexMask = (1 << indexBitsFor(capacity)) - 1;
    this.#handles = new Int32Array(capacity).fill(-1);
    this.#targets = new Array(capacity);
    this.#methods = new Array(capacity);
    this.#listed = new Array(capacity);
    this.#namers = new Array(capacity);
    this.#since = new Float64Array(capacity);
    this.#unnamedLimit = Math.min(capacity, UNNAMED_LIMIT);
  }

  /** Bumped by every `set()` and `clear()`: the open-handle list rebuilds when it moved. */
  get version(): number {
    return this.#version;
  }

  /**
   * Labels live `handle` of this slab: it serves `request`. With `namer`,
   * its allocation site is named by the next
   * {@linkcode HandleLabels.prototype.nameSites} if it is still open then,
   * held since `since` (ms since the Unix epoch; by default the coarse
   * clock's now).
   */
  setRequest(handle: number, request: Request, namer?: SiteNamer, since?: number): void {
    const index = handle & this.#indexMask;
    this.#handles[index] = handle;
    this.#targets[index] = request;
    this.#methods[index] = undefined;
    this.#listed[index] = undefined;
    this.#namers[index] = namer;
    if (namer !== undefined) {
      this.#since[index] = since ?? coarseNow();
      if (this.#unnamed.length < this.#unnamedLimit) this.#unnamed.push(index);
      else this.#unnamedOverflow = true;
    }
    this.#version++;
  }

  /**
   * Names the allocation sites in `slab` (this table's slab) of the
   * requests labelled with a namer since the last call that are still
   * open: O(requests labelled since), nothing when none was. Each site
   * is held since its request was labelled, not since it was named.
   */
  nameSites(slab: SlabAllocator): void {
    const unnamed = this.#unnamed;
    if (this.#unnamedOverflow) {
      for (let index = 0; index < this.#handles.length; index++) this.#nameSite(slab, index);
    } else {
      for (let i = 0; i < unnamed.length; i++) this.#nameSite(slab, unnamed[i]!);
    }
    unnamed.length = 0;
    this.#unnamedOverflow = false;
  }

  #nameSite(slab: SlabAllocator, index: number): void {
    const namer = this.#namers[index];
    if (namer === undefined) return;
    this.#namers[index] = undefined;
    const request = this.#targets[index] as Request;
    try {
      slab.setSite(
        this.#handles[index]!,
        namer.labelOf(request, request.method),
        this.#since[index]!,
      );
    } catch {
      // A closed request has no URL left to read, or its handle was freed
      // without `clear()` (the label left behind): it stays unnamed.
    }
  }

  /** Labels live `handle` of this slab: it makes a `method` request to `origin`. */
  setFetch(handle: number, method: string, origin: string): void {
    const index = handle & this.#indexMask;
    this.#handles[index] = handle;
    this.#targets[index] = origin;
    this.#methods[index] = method;
    this.#listed[index] = undefined;
    this.#namers[index] = undefined;
    this.#version++;
  }

  /** Forgets the label of `handle`, if it still has one. */
  clear(handle: number): void {
    const index = handle & this.#indexMask;
    if (this.#handles[index] !== handle) return;
    this.#handles[index] = -1;
    this.#targets[index] = undefined;
    this.#methods[index] = undefined;
    this.#listed[index] = undefined;
    this.#namers[index] = undefined;
    this.#version++;
  }

  /** The label of slot `index` if it was set for `handle` (the slot's live handle), as listed. */
  get(index: number, handle: number): HandleLabel | undefined {
    if (this.#handles[index] !== handle) return undefined;
    return this.#listed[index] ??= listed(this.#targets[index]!, this.#methods[index]);
  }
}

const tables = new WeakMap<SlabAllocator, HandleLabels>();

/** The label table of `slab`, made on first use. */
export function labelsOf(slab: SlabAllocator): HandleLabels {
  let table = tables.get(slab);
  if (table === undefined) {
    const labels = new HandleLabels(slab.capacity);
    tables.set(slab, labels);
    // Sites named late are named before any read of the slab's sites.
    onSiteRead(slab, () => labels.nameSites(slab));
    table = labels;
  }
  return table;
}

/** The label table of `slab`, if any label was ever set on it. */
export function existingLabels(slab: SlabAllocator): HandleLabels | undefined {
  return tables.get(slab);
}

/** A request made's method as `fetch()` sends it, cut to {@linkcode METHOD_LIMIT}. */
function fetchMethod(method: string): string {
  const upper = method.toUpperCase();
  return cut(NORMALIZED_METHODS.has(upper) ? upper : method, METHOD_LIMIT);
}

/**
 * The allocation site of a request made: `"<method> <origin>"`, as listed
 * (`"GET https://api.example.com"`).
 */
export function fetchSite(method: string, origin: string): string {
  return `${fetchMethod(method)} ${cut(origin, PATH_LIMIT)}`;
}

function listed(target: Request | string, method: string | undefined): HandleLabel {
  if (typeof target === "string") {
    return { method: fetchMethod(method!), origin: cut(target, PATH_LIMIT) };
  }
  // A served request's URL is absolute; its path ends at the query.
  const url = target.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const path = start < 0 ? "/" : url.slice(start).replace(/[?#].*$/s, "");
  return { method: cut(target.method, METHOD_LIMIT), path: cut(path || "/", PATH_LIMIT) };
}

/**
 * `text`, or its first `limit − 1` code units and `…` (never half a
 * surrogate pair): how labels are kept short, here and in site labels.
 */
export function cut(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let end = limit - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
