// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode DiagnosticsRegistry}: every pool a process wants to see, and
 * snapshots of all of them at once.
 *
 * @module
 */

import type { Arena } from "../allocator/arena.ts";
import type { ArenaPool } from "../allocator/arena_pool.ts";
import { describe } from "../allocator/describe.ts";
import type { SlabAllocator, SlotInfo } from "../allocator/slab.ts";
import {
  type HeapSnapshot,
  type MemorySnapshot,
  type StreamSnapshot,
  WIRE_VERSION,
} from "../wire/types.ts";
import { STREAM_FIELDS } from "../wire/fields.ts";
import { collectArena, collectArenaPool, collectSlab, heapSnapshot } from "./collect.ts";
import { heapStats } from "./heap.ts";
import { DEFAULT_OPEN_HANDLES, OpenHandleList } from "./open_handle_list.ts";
import { type Owner, OwnerRegistry } from "./owners.ts";
import { MAX_OPEN_HANDLES } from "../wire/open_handles.ts";
import { RequestMetricsSet, type RequestMetricsSetOptions } from "./request_set.ts";
import { DEFAULT_TOP_SITES, SiteLists } from "./site_lists.ts";
import { MAX_TOP_SITES } from "../wire/allocation_sites.ts";
import { costMembers, DiagnosticsCost } from "./diagnostics_cost.ts";
import { type ActiveLints, LintEngine, type LintSlab } from "./lints/lint_engine.ts";
import type { LintOptions } from "./lints/lint_options.ts";
import { slotHistory } from "./slab_collector.ts";

/** Options for {@linkcode DiagnosticsRegistry}. */
export interface DiagnosticsRegistryOptions {
  /** The owner registry to use; a new one by default. */
  owners?: OwnerRegistry;
  /**
   * How many open handles snapshots list (`open_handles`): the oldest of
   * every handle slab, with their state, owner, age and, for requests, the
   * method and path or origin. An integer from 0 (no list) to 1,000.
   *
   * @default {50}
   */
  openHandles?: number;
  /** Limits of the request metrics (see {@linkcode DiagnosticsRegistry.prototype.requests}). */
  requests?: RequestMetricsSetOptions;
  /**
   * How many allocation sites snapshots list per slab that keeps a site
   * table (`sites`): its top sites by slots held, with the slots held, the
   * total recorded and since when the oldest is held. An integer from 0
   * (no lists) to 100.
   *
   * @default {10}
   */
  topSites?: number;
  /**
   * The lint rules' thresholds, or `false` for no lints. Lints are
   * evaluated on every snapshot and carried as its `lints` (see
   * {@linkcode DiagnosticsRegistry.prototype.lints} and `docs/lints.md`).
   *
   * @default {{}} every rule, with its default thresholds
   */
  lints?: LintOptions | false;
  /**
   * The clock snapshots are dated by (ms since the Unix epoch), which
   * slot ages and lint thresholds are measured against. For tests: slot
   * times themselves come from the allocator's clock.
   *
   * @default {Date.now}
   */
  clock?: () => number;
}

/** Something whose own figures a snapshot reports: a diagnostics stream. */
export interface StreamSource {
  /** The stream's figures now. */
  readonly stats: StreamSnapshot;
}

/** Options for {@linkcode DiagnosticsRegistry.prototype.snapshot}. */
export interface SnapshotOptions {
  /**
   * Read the heap now. When `false`, the heap figures of the previous
   * snapshot are reused (streams sample the heap less often than pools).
   *
   * @default {true}
   */
  sampleHeap?: boolean;
}

/** A slot's details with its owner's name, for tooltips and the detail endpoint. */
export interface SlotDetails extends SlotInfo {
  /** The slab's name. */
  slab: string;
  /** The owner's name and kind, when the slot has a registered owner. */
  ownerName: string | null;
  /** The owner's kind, when the slot has a registered owner. */
  ownerKind: string | null;
  /**
   * The text of the slot's allocation site (`site`): the caller's frames of
   * a sampled stack, or a label; `null` when the slot has none.
   */
  siteText: string | null;
  /** `"stack"` or `"label"`, when the slot has a site. */
  siteKind: "stack" | "label" | null;
}

type Pool =
  | { kind: "slab"; name: string; slab: SlabAllocator }
  | { kind: "arena"; name: string; arena: Arena }
  | { kind: "pool"; name: string; pool: ArenaPool };

/**
 * The set of pools a process shows, plus the owner names their slots refer
 * to. {@linkcode DiagnosticsRegistry.prototype.snapshot} reads all of them at
 * one moment into a {@linkcode MemorySnapshot}; the diagnostics stream sends
 * those snapshots to dashboards.
 *
 * Names are unique: one slab or pool per name, one arena or pool per name.
 *
 * @example Registering pools and taking a snapshot
 * ```ts
 * import { Arena, DiagnosticsRegistry, HandleState, SlabAllocator } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const server = registry.owners.register(":8080", "server");
 * const handles = registry.addSlab(
 *   new SlabAllocator({ name: "handles", slotSize: 1, capacity: 8, kind: "handle" }),
 * );
 * handles.setState(handles.alloc(server)!, HandleState.Active);
 * registry.addArena(new Arena({ name: "scratch", capacity: 1024 })).alloc(100);
 *
 * const snapshot = registry.snapshot();
 * assert.equal(snapshot.slabs[0].used, 1);
 * assert.deepEqual(snapshot.slabs[0].summary.by_owner, {
 *   "0": { U: 0, N: 0, A: 1, I: 0, C: 0 },
 * });
 * assert.equal(snapshot.arenas[0].used, 100);
 * assert.deepEqual(snapshot.owner_map, [":8080"]);
 * ```
 */
export class DiagnosticsRegistry {
  #owners: OwnerRegistry;
  #requests: RequestMetricsSet;
  #streams = new Set<StreamSource>();
  #slabs = new Map<string, Pool>();
  #arenas = new Map<string, Pool>();
  #heap: HeapSnapshot | undefined;
  #openHandles: OpenHandleList | undefined;
  #siteLists: SiteLists | undefined;
  #cost = new DiagnosticsCost();
  #lints: LintEngine | undefined;
  #clock: () => number;

  /**
   * Creates an empty registry.
   *
   * @param options Optionally, an existing owner registry, how many open
   * handles and how many allocation sites per slab snapshots list, the lint
   * thresholds and the clock.
   * @throws {RangeError} If `openHandles` is not an integer from 0 to 1,000,
   * `topSites` not one from 0 to 100, or a lint threshold is out of its range.
   * @throws {TypeError} If `lints` or a rule's options are neither an object nor `false`.
   */
  constructor(options: DiagnosticsRegistryOptions = {}) {
    this.#owners = options.owners ?? new OwnerRegistry();
    const limit = options.openHandles ?? DEFAULT_OPEN_HANDLES;
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_OPEN_HANDLES) {
      throw new RangeError(
        `Cannot create diagnostics registry: openHandles must be an integer from 0 to ${MAX_OPEN_HANDLES}, received ${
          describe(limit)
        }`,
      );
    }
    if (limit > 0) this.#openHandles = new OpenHandleList(limit);
    const topSites = options.topSites ?? DEFAULT_TOP_SITES;
    if (!Number.isInteger(topSites) || topSites < 0 || topSites > MAX_TOP_SITES) {
      throw new RangeError(
        `Cannot create diagnostics registry: topSites must be an integer from 0 to ${MAX_TOP_SITES}, received ${
          describe(topSites)
        }`,
      );
    }
    if (topSites > 0) this.#siteLists = new SiteLists(topSites);
    this.#requests = new RequestMetricsSet(options.requests);
    if (options.lints !== false) this.#lints = new LintEngine(options.lints);
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * The lint engine that snapshots run, with the lints active now;
   * `undefined` when the registry was made with `lints: false`.
   */
  get lints(): ActiveLints | undefined {
    return this.#lints;
  }

  /**
   * The diagnostics' own time, per phase: the stream adds its collect,
   * encode, record and send; every snapshot adds what the registered
   * slabs spent capturing sampled stacks (in all their threads). Streams
   * report it (`stream.cpu_us_per_s`, `stream.cpu_us_total`), `/metrics` as
   * `slabscope_diagnostics_cpu_seconds_total{phase}`.
   *
   * @example Usage
   * ```ts
   * import { DiagnosticsRegistry } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const registry = new DiagnosticsRegistry();
   * registry.cost.add("collect", 0.5);
   * assert.equal(registry.cost.totalMs().collect, 0.5);
   * ```
   */
  get cost(): DiagnosticsCost {
    return this.#cost;
  }

  /** Names for the owner indexes stored in slots. */
  get owners(): OwnerRegistry {
    return this.#owners;
  }

  /**
   * Request metrics by owner name: what `instrumentServer()` and
   * `instrumentFetch()` record, and what snapshots carry as `requests`.
   */
  get requests(): RequestMetricsSet {
    return this.#requests;
  }

  /**
   * Reports a diagnostics stream's own figures (clients, bytes and events
   * sent, skipped ticks, dropped clients) in every snapshot, added up over
   * the streams attached, for `/metrics` and OpenTelemetry. The dashboard
   * attaches its stream; a stream's own events carry its figures anyway.
   *
   * @param source The stream.
   * @returns A function that detaches it (idempotent).
   *
   * @example Usage
   * ```ts
   * import { DiagnosticsRegistry } from "@slabscope/slabscope";
   * import { DiagnosticsStream } from "@slabscope/slabscope/dashboard";
   * import assert from "node:assert/strict";
   *
   * const registry = new DiagnosticsRegistry();
   * const stream = new DiagnosticsStream(registry);
   * const detach = registry.addStreamSource(stream);
   * assert.equal(registry.snapshot().stream?.clients, 0);
   * detach();
   * assert.equal(registry.snapshot().stream, undefined);
   * await stream.close();
   * ```
   */
  addStreamSource(source: StreamSource): () => void {
    this.#streams.add(source);
    return () => void this.#streams.delete(source);
  }

  /**
   * Adds a slab.
   *
   * @param slab The slab to show.
   * @returns The same slab, for chaining.
   * @throws {Error} If a slab or arena pool with that name is registered.
   *
   * @example Usage
   * ```ts
   * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const registry = new DiagnosticsRegistry();
   * const slab = registry.addSlab(new SlabAllocator({ name: "a", slotSize: 8, capacity: 4 }));
   * assert.throws(() => registry.addSlab(slab), Error);
   * ```
   */
  addSlab(slab: SlabAllocator): SlabAllocator {
    this.#claim(this.#slabs, slab.name, "slab");
    this.#slabs.set(slab.name, { kind: "slab", name: slab.name, slab });
    return slab;
  }

  /**
   * Adds an arena.
   *
   * @param arena The arena to show.
   * @returns The same arena, for chaining.
   * @throws {Error} If an arena or arena pool with that name is registered.
   *
   * @example Usage
   * ```ts
   * import { Arena, DiagnosticsRegistry } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const registry = new DiagnosticsRegistry();
   * registry.addArena(new Arena({ name: "scratch", capacity: 64 }));
   * assert.equal(registry.snapshot().arenas[0].capacity, 64);
   * ```
   */
  addArena(arena: Arena): Arena {
    this.#claim(this.#arenas, arena.name, "arena");
    this.#arenas.set(arena.name, { kind: "arena", name: arena.name, arena });
    return arena;
  }

  /**
   * Adds an arena pool. It shows up twice: as a slab (one slot per arena)
   * and as an arena entry with the pool's byte totals.
   *
   * @param pool The pool to show.
   * @returns The same pool, for chaining.
   * @throws {Error} If a slab, arena or pool with that name is registered.
   *
   * @example Usage
   * ```ts
   * import { ArenaPool, DiagnosticsRegistry } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const registry = new DiagnosticsRegistry();
   * registry.addArenaPool(new ArenaPool({ name: "stream_arenas", arenaCapacity: 256, count: 4 }));
   * const snapshot = registry.snapshot();
   * assert.equal(snapshot.slabs[0].name, "stream_arenas");
   * assert.equal(snapshot.arenas[0].pool?.count, 4);
   * ```
   */
  addArenaPool(pool: ArenaPool): ArenaPool {
    this.#claim(this.#slabs, pool.name, "arena pool");
    this.#claim(this.#arenas, pool.name, "arena pool");
    const entry: Pool = { kind: "pool", name: pool.name, pool };
    this.#slabs.set(pool.name, entry);
    this.#arenas.set(pool.name, entry);
    return pool;
  }

  /**
   * Removes the slab, arena or arena pool with this name (a pool is removed
   * from both lists).
   *
   * @param name The pool's name.
   * @returns `true` if something was removed.
   *
   * @example Usage
   * ```ts
   * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const registry = new DiagnosticsRegistry();
   * registry.addSlab(new SlabAllocator({ name: "gone", slotSize: 8, capacity: 4 }));
   * assert.equal(registry.remove("gone"), true);
   * assert.equal(registry.snapshot().slabs.length, 0);
   * ```
   */
  remove(name: string): boolean {
    const slab = this.#slabs.delete(name);
    const arena = this.#arenas.delete(name);
    return slab || arena;
  }

  /**
   * Looks a slab up by name (arena pools answer with their slab).
   *
   * @param name The slab's name.
   * @returns The slab, or `undefined`.
   *
   * @example Usage
   * ```ts
   * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const registry = new DiagnosticsRegistry();
   * const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 4 }));
   * assert.equal(registry.slab("s"), slab);
   * ```
   */
  slab(name: string): SlabAllocator | undefined {
    const entry = this.#slabs.get(name);
    if (entry === undefined) return undefined;
    return entry.kind === "slab" ? entry.slab : entry.kind === "pool" ? entry.pool.slab : undefined;
  }

  /**
   * Looks an arena pool up by name.
   *
   * @param name The pool's name.
   * @returns The pool, or `undefined`.
   *
   * @example Usage
   * ```ts
   * import { ArenaPool, DiagnosticsRegistry } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const registry = new DiagnosticsRegistry();
   * const pool = registry.addArenaPool(new ArenaPool({ name: "p", arenaCapacity: 64, count: 2 }));
   * assert.equal(registry.arenaPool("p"), pool);
   * ```
   */
  arenaPool(name: string): ArenaPool | undefined {
    const entry = this.#arenas.get(name);
    return entry?.kind === "pool" ? entry.pool : undefined;
  }

  /**
   * Reads one slot of a registered slab, with its owner's name.
   *
   * @param slab The slab's name.
   * @param index The slot index.
   * @returns The slot's details, or `undefined` when no slab has that name.
   * @throws {RangeError} If `index` is not a slot index of that slab.
   *
   * @example Usage
   * ```ts
   * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const registry = new DiagnosticsRegistry();
   * const owner = registry.owners.register("worker", "worker");
   * registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 4 })).alloc(owner);
   * assert.equal(registry.slotDetails("s", 0)?.ownerName, "worker");
   * ```
   */
  slotDetails(slab: string, index: number): SlotDetails | undefined {
    const found = this.slab(slab);
    if (found === undefined) return undefined;
    const info = found.slotInfo(index);
    const owner: Owner | undefined = info.owner === null ? undefined : this.#owners.get(info.owner);
    const site = info.site === null ? undefined : found.siteText(info.site);
    return {
      ...info,
      slab,
      ownerName: owner?.name ?? null,
      ownerKind: owner?.kind ?? null,
      siteText: site?.site ?? null,
      siteKind: site?.kind ?? null,
    };
  }

  /**
   * Reads every registered pool, the owner names and the heap at once.
   *
   * Bitmaps and state letters come from the per-slot state words that
   * `alloc()`/`free()` keep current, never from walking a free list, so a
   * snapshot is safe while Workers allocate (each slot is read atomically;
   * the picture as a whole is as of "during the call").
   *
   * @param options Whether to sample the heap now.
   * @returns A snapshot of everything registered.
   *
   * @example Usage
   * ```ts
   * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const registry = new DiagnosticsRegistry();
   * const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 16 }));
   * slab.alloc();
   * const { slabs } = registry.snapshot();
   * assert.deepEqual([...slabs[0].bitmap!], [1, 0]);
   * ```
   */
  snapshot(options: SnapshotOptions = {}): MemorySnapshot {
    const slabs = [];
    const handleSlabs: SlabAllocator[] = [];
    const live: SlabAllocator[] = [];
    for (const entry of this.#slabs.values()) {
      const slab = entry.kind === "slab" ? entry.slab : (entry as { pool: ArenaPool }).pool.slab;
      slabs.push(collectSlab(slab));
      live.push(slab);
      if (slab.kind === "handle") handleSlabs.push(slab);
    }
    const arenas = [];
    for (const entry of this.#arenas.values()) {
      arenas.push(
        entry.kind === "arena"
          ? collectArena(entry.arena)
          : collectArenaPool((entry as { pool: ArenaPool }).pool),
      );
    }
    if (options.sampleHeap !== false || this.#heap === undefined) {
      this.#heap = heapSnapshot(heapStats());
    }
    const ts = this.#clock();
    const snapshot: MemorySnapshot = {
      v: WIRE_VERSION,
      seq: 0,
      ts,
      slabs,
      arenas,
      owner_map: this.#owners.names(),
      owner_kinds: this.#owners.kinds(),
      heap: this.#heap,
      requests: this.#requests.snapshot(ts),
    };
    if (this.#openHandles !== undefined) {
      snapshot.open_handles = this.#openHandles.collect(handleSlabs, ts);
    }
    if (this.#siteLists !== undefined) {
      const sites = this.#siteLists.collect(live);
      if (sites !== undefined) snapshot.sites = sites;
    }
    this.#cost.addCaptures(live);
    if (this.#lints !== undefined) {
      const views: LintSlab[] = slabs.map((s, i) => ({
        slab: live[i]!,
        snapshot: s,
        history: slotHistory(live[i]!),
      }));
      snapshot.lints = this.#lints.evaluate({
        ts,
        slabs: views,
        arenas,
        ownerMap: snapshot.owner_map,
      });
    }
    if (this.#streams.size > 0) snapshot.stream = this.#streamFigures();
    return snapshot;
  }

  /** The attached streams' figures, added up, and the registry's own time. */
  #streamFigures(): StreamSnapshot {
    const total = {} as StreamSnapshot;
    for (const field of STREAM_FIELDS) total[field] = 0;
    for (const source of this.#streams) {
      const stats = source.stats;
      for (const field of STREAM_FIELDS) total[field] += stats[field];
    }
    // One account for the registry, however many streams add to it.
    return { ...total, ...costMembers(this.#cost) };
  }

  #claim(map: Map<string, Pool>, name: string, what: string): void {
    const existing = map.get(name);
    if (existing === undefined) return;
    throw new Error(
      `Cannot add ${what} "${name}": ${
        existing.kind === "pool"
          ? "an arena pool"
          : `a${existing.kind === "arena" ? "n" : ""} ${existing.kind}`
      } with that name is already registered`,
    );
  }
}
