// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode SlabAllocator}: fixed-size slots in one SharedArrayBuffer, with a
 * lock-free free list that any number of Workers can use at once.
 *
 * @module
 */

import { clockReader, REFRESH_EVERY } from "./coarse_clock.ts";
import { CounterLanes, laneTotals, laneUsed } from "./counter_lanes.ts";
import { describe, typeName } from "./describe.ts";
import { type FreeListTestingOptions, TaggedFreeList } from "./free_list.ts";
import { HandleError, type HandleErrorReason } from "./handle_error.ts";
import { HandleState, isHandleState, STATE_LETTERS } from "./handle_state.ts";
import { createSlabMemory } from "./slab_create.ts";
import {
  CACHED,
  CACHES_OFFSET,
  EPOCHS_OFFSET,
  GENERATION_SHIFT,
  handleGenerationBits,
  LANE_BYTES,
  LANE_COUNT,
  LANES_OFFSET,
  MAX_CACHE,
  NO_OWNER,
  STATE_MASK,
  W_CAS_RETRIES,
  W_HAS_OWNERS,
  W_INVALID_FREES,
  W_OVERFLOW,
  W_PEAK,
} from "./slab_layout.ts";
import {
  W64_CAPTURE_NS,
  W_SITES_DROPPED,
  W_SITES_RECORDED,
  W_SITES_SKIPPED,
} from "./site_layout.ts";
import { recoverSlab, type SlabRecoveryResult } from "./slab_recover.ts";
import { scanBitmap, scanOwners, scanStates } from "./slab_scan.ts";
import { type SlabVerifyResult, verifySlab } from "./slab_verify.ts";
import { headerProblem, type SlabKind, type SlabViews, viewsOf } from "./slab_views.ts";
import { reclaimLane } from "./slab_reclaim.ts";
import {
  instantiateCore,
  memoryOf,
  rememberMemory,
  type WasmSlabCore,
  wasmSlabCore,
} from "./wasm_core.ts";
import { JsSlabCore } from "./slab_js_core.ts";
import { EMPTY, SAMPLE, type SlabCore } from "./slab_core.ts";
import { DEFAULT_SAMPLE_BUDGET } from "./site_capture.ts";
import { labelProblem, SiteSampler } from "./site_sampler.ts";
import { readSites, readSiteText, scanSites, siteOfSlot } from "./site_table.ts";
import { recordPendingSites } from "./pending_sites.ts";
import { FAST_PATH_CLASSES, fastPathClasses } from "./slab_fast_paths.ts";

export type { SlabKind } from "./slab_views.ts";
export type {
  SiteCounters,
  SlabAllocatorOptions,
  SlabAttachOptions,
  SlabCoreKind,
  SlabSites,
  SlabStats,
  SlotInfo,
} from "./slab_options.ts";
import type {
  SiteCounters,
  SlabAllocatorOptions,
  SlabAttachOptions,
  SlabCoreKind,
  SlabSites,
  SlabStats,
  SlotInfo,
} from "./slab_options.ts";
export type { SlabVerifyResult } from "./slab_verify.ts";
export type { SlabRecoveryResult } from "./slab_recover.ts";
export type { SiteInfo } from "./site_table.ts";

const MAX_OWNER = NO_OWNER - 1;
const MAX_HANDLE = 2 ** 31 - 1;
const FREE = HandleState.Free;

/** Test-only switches; see {@linkcode configureSlabForTesting}. */
export interface SlabTestingOptions extends FreeListTestingOptions {
  /**
   * Called inside `setState()` after its slot-word CAS succeeded and before
   * it records the owner and time: the moment a preempted thread would sleep.
   */
  onSetStateRace?: (slot: number) => void;
}

// The construction path: class fields can only be created by the
// constructor, so `new SlabAllocator(options)` and attach() lay out or check
// the memory, then construct the instance's class (see slab_fast_paths.ts)
// with this token, the views and the cache size.
const CONSTRUCT = Symbol("construct");
let constructing: SlabViews | undefined;
let constructingOwn: InstanceOptions = { cache: 0, sampleBudget: DEFAULT_SAMPLE_BUDGET };
let configure: (slab: SlabAllocator, options: SlabTestingOptions) => void;
let views: (slab: SlabAllocator) => SlabViews;
/** Classes for this thread's WebAssembly instances, and how many are taken. */
let fastClasses: (typeof SlabAllocator)[];
let fastClassesTaken = 0;

/** An instance over `v`, of the class its core calls for. */
function construct(v: SlabViews, own: InstanceOptions): SlabAllocator {
  const cls = v.memory === undefined
    ? SlabAllocator // the JavaScript core: its methods are the same everywhere
    : fastClasses[Math.min(fastClassesTaken++, FAST_PATH_CLASSES - 1)]!;
  constructing = v;
  constructingOwn = own;
  try {
    return Reflect.construct(SlabAllocator, [CONSTRUCT], cls);
  } finally {
    constructing = undefined;
  }
}

/**
 * A pool of fixed-size slots in one `SharedArrayBuffer`.
 *
 * - `alloc()` pops a slot off a lock-free Treiber stack and returns a
 *   **handle**: an integer below 2^31 that packs the slot index with the
 *   slot's generation. It returns `null` when the slab is empty, and counts
 *   that as an overflow. It never blocks.
 * - `free(handle)` pushes the slot back. Double frees, stale handles,
 *   handles of other slabs and numbers that are not handles are detected,
 *   counted in `invalidFrees` and rejected with a {@linkcode HandleError};
 *   the free list is not touched.
 * - All state, counters included, lives in {@linkcode SlabAllocator.buffer}.
 *   Post it to a Worker and call {@linkcode SlabAllocator.attach} there to
 *   use the same slab from both sides.
 *
 * Each slot also records its state, an owner index and the time its state
 * last changed; snapshots read them to draw the slot grid.
 *
 * **Two cores, one memory.** A slab lives in a shared `WebAssembly.Memory`
 * (its {@linkcode SlabAllocator.buffer} is that memory's SharedArrayBuffer)
 * and its operations run in WebAssembly. **Post {@linkcode SlabAllocator.memory}
 * to a Worker**, not the buffer: a `WebAssembly.Memory` cannot be made from
 * a buffer, so a Worker that received the buffer alone runs the same
 * algorithm in JavaScript (word for word compatible, about 5 times slower,
 * without a cache). {@linkcode SlabAllocator.prototype.core} says which one
 * runs. Slabs over 4 GiB use a plain SharedArrayBuffer and the JavaScript
 * core.
 *
 * **Caches.** With `cache: n` an instance keeps up to `n` free slots of its
 * own (a magazine, in Bonwick and Adams' terms): frees go there, allocations
 * come from there, and the shared free list is touched only to move half a
 * cache in one CAS, so Workers stop contending on its head. Cached slots are
 * free, never live: they show as Free in `readStates()`, and as cached
 * (state `K`) in `slotInfo()`, `stats()` and snapshots. What a cache changes:
 * `alloc()` may return `null` while other instances' caches hold slots (at
 * most their `cache` each; a free after any overflow goes to the shared
 * list to give slots back), and `stats().peak` counts cached slots as taken.
 * `close()` returns the cache; a Worker that died without it can have its
 * cache taken back with {@linkcode SlabAllocator.prototype.reclaim}.
 *
 * **Allocation sites.** With `sampleSites: N` a slab records the caller's
 * frames of one allocation in N, and any allocation can carry a label
 * (`alloc(owner, state, site)`, {@linkcode SlabAllocator.prototype.setSite});
 * {@linkcode SlabAllocator.prototype.sites} lists the sites with the slots
 * each holds now. The table is in the slab's shared memory, so every
 * Worker's sites are there too.
 *
 * **Threads that stop mid-operation.** `Worker.terminate()` can stop a
 * Worker between the steps of an `alloc()` or `free()`; see
 * {@linkcode SlabAllocator.prototype.recover}.
 *
 * **What "detected" means.** A handle carries `G = min(24, 31 − ⌈log2
 * capacity⌉)` generation bits (24 up to 128 slots, 11 at 1,048,576, 9 at
 * the 4,194,304 maximum). A stale copy of a handle is rejected unless its
 * slot was reused an exact multiple of 2^G times since. Each slab starts
 * its generations at a random salt, so another slab's handle is rejected
 * unless it happens to name a slot in use with the same generation (odds
 * 2^−G). Double frees, out-of-range indexes and non-integers are always
 * rejected.
 *
 * @example Allocate, write, free
 * ```ts
 * import { SlabAllocator } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const slab = new SlabAllocator({ name: "buffers", slotSize: 64, capacity: 2 });
 * const a = slab.alloc()!;
 * slab.bytes(a).set([1, 2, 3]);
 * const b = slab.alloc()!;
 * assert.equal(slab.alloc(), null); // empty: counted as an overflow
 * slab.free(a);
 * slab.free(b);
 * assert.deepEqual(
 *   { used: slab.stats().used, peak: slab.stats().peak, overflow: slab.stats().overflow },
 *   { used: 0, peak: 2, overflow: 1 },
 * );
 * assert.equal(slab.verify().ok, true);
 * ```
 *
 * @example Sharing a slab with a Worker
 * ```ts ignore
 * // main.ts
 * const slab = new SlabAllocator({ name: "shared", slotSize: 32, capacity: 1024 });
 * worker.postMessage(slab.memory); // the memory, not slab.buffer: see above
 *
 * // worker.ts
 * self.onmessage = (event) => {
 *   const slab = SlabAllocator.attach(event.data, { cache: 32 });
 *   const handle = slab.alloc();
 *   // …
 *   slab.close(); // returns the cache and the counter lane
 * };
 * ```
 */
export class SlabAllocator {
  // Every field is set by #init(), from the constructor or from attach().
  #views!: SlabViews;
  #name!: string;
  #kind!: SlabKind;
  #capacity!: number;
  #slotSize!: number;
  #stride!: number;
  #payload!: number;
  #epoch!: number;
  #indexBits!: number;
  #indexMask!: number;
  #generationMask!: number;
  #initialState!: number;
  #freeList!: TaggedFreeList;
  #lanes!: CounterLanes;
  // Hot-path copies of the views (one field load instead of two).
  #words!: Int32Array;
  #slots!: Int32Array;
  #meta!: Int32Array;
  #meta64!: BigInt64Array;
  /** The core: WebAssembly when the slab lives in WebAssembly memory, else JavaScript. */
  #core!: SlabCore;
  /** The same core when it is the WebAssembly one (close(), test switches). */
  #wasm: WasmSlabCore | undefined;
  /** This instance's side of the site table, when the slab keeps one. */
  #sites: SiteSampler | undefined;
  /** The header as 64-bit words, made when the capture time is first read. */
  #header64: BigInt64Array | undefined;
  #onPopRace: ((slot: number) => void) | undefined;

  static {
    configure = (slab, options) => {
      slab.#freeList.configureForTesting(options);
      slab.#onPopRace = options.onPopRace;
      if (slab.#core instanceof JsSlabCore) slab.#core.onSetStateRace = options.onSetStateRace;
      slab.#wasm?.configure(options.tagBits ?? -1, options.onPopRace === undefined ? 0 : 1);
    };
    views = (slab) => slab.#views;
    fastClasses = fastPathClasses(SlabAllocator, {
      core: (slab) => (slab as SlabAllocator).#core,
      allocSlowly: (slab, code, owner, state, site) =>
        (slab as SlabAllocator).#allocSlowly(code, owner, state, site),
      freeSlowly: (slab, handle) => (slab as SlabAllocator).#freeSlowly(handle),
    });
  }

  /**
   * Creates a slab in a new `SharedArrayBuffer`.
   *
   * @param options Name, slot size, capacity and kind.
   * @throws {TypeError} If an option has the wrong type.
   * @throws {RangeError} If `capacity`, `slotSize` or the name length is out
   * of range; the message names the value.
   */
  constructor(options: SlabAllocatorOptions) {
    if ((options as unknown) !== CONSTRUCT) {
      const own = instanceOptions(options?.name, options);
      return construct(createSlabMemory(options), own);
    }
    this.#init(constructing!, constructingOwn);
  }

  /**
   * Opens an existing slab, typically inside a Worker that received
   * `slab.memory` by `postMessage`. The result shares every slot, counter
   * and the free list with all other instances.
   *
   * Which core the new instance runs depends on what it is given:
   *
   * - `slab.memory`: the WebAssembly core.
   * - `slab.buffer` in the thread that created (or attached) the slab: the
   *   WebAssembly core too; the thread remembers each slab's memory by its
   *   buffer.
   * - `slab.buffer` posted to another thread: the JavaScript core, about 5
   *   times slower and without a cache (`options.cache` is ignored). The
   *   posted buffer is a new object there, and a `WebAssembly.Memory` cannot
   *   be made from it: post `slab.memory` instead.
   *
   * @param buffer A slab's {@linkcode SlabAllocator.memory} or its
   * {@linkcode SlabAllocator.buffer}.
   * @param options This instance's cache size.
   * @returns An allocator over the same memory.
   * @throws {TypeError} If `buffer` is not a `SharedArrayBuffer` (or shared
   * `WebAssembly.Memory`) holding a slab of this layout version, or its
   * header is damaged.
   * @throws {RangeError} If `options.cache` is out of range.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "s", slotSize: 8, capacity: 4 });
   * const twin = SlabAllocator.attach(slab.memory!); // what a Worker is sent
   * assert.equal(twin.core, "webassembly");
   * const handle = twin.alloc()!;
   * assert.equal(slab.stats().used, 1);
   * slab.free(handle);
   * assert.equal(twin.stats().used, 0);
   * ```
   */
  static attach(
    buffer: SharedArrayBuffer | WebAssembly.Memory,
    options: SlabAttachOptions = {},
  ): SlabAllocator {
    let memory: WebAssembly.Memory | undefined;
    if (buffer instanceof WebAssembly.Memory) {
      memory = buffer;
      buffer = memory.buffer as unknown as SharedArrayBuffer;
    } else if (buffer instanceof SharedArrayBuffer) {
      memory = memoryOf(buffer);
    }
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new TypeError(
        `Cannot attach slab: expected a SharedArrayBuffer or a shared WebAssembly.Memory, received ${
          typeName(buffer)
        }`,
      );
    }
    const problem = headerProblem(buffer);
    if (problem !== undefined) {
      throw new TypeError(`Cannot attach slab: ${problem}`);
    }
    const views = viewsOf(buffer, memory);
    const slab = construct(views, instanceOptions(views.name, options));
    if (memory !== undefined) rememberMemory(memory);
    return slab;
  }

  /** The slab's name. */
  get name(): string {
    return this.#name;
  }

  /** `"plain"` or `"handle"`. */
  get kind(): SlabKind {
    return this.#kind;
  }

  /** Number of slots. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Payload bytes per slot. */
  get slotSize(): number {
    return this.#slotSize;
  }

  /**
   * Whether slots carry owners worth showing: always for handle slabs, and
   * for plain slabs once any slot was given an owner.
   */
  get hasOwners(): boolean {
    return this.#kind === "handle" || Atomics.load(this.#words, W_HAS_OWNERS) === 1;
  }

  /**
   * The shared memory holding every slot, the free list and the counters:
   * the buffer of {@linkcode SlabAllocator.memory}. To share the slab with a
   * Worker, post `memory`, not this: a Worker attached over the buffer alone
   * runs the JavaScript core (see {@linkcode SlabAllocator.attach}).
   */
  get buffer(): SharedArrayBuffer {
    return this.#views.buffer;
  }

  /**
   * The shared `WebAssembly.Memory` whose buffer is {@linkcode SlabAllocator.buffer},
   * or `null` for a slab too big for one (over 4 GiB) or an instance attached
   * over a buffer posted from another thread. This is what to post to a
   * Worker: attached over the memory, the Worker runs the WebAssembly core
   * too.
   */
  get memory(): WebAssembly.Memory | null {
    return this.#views.memory ?? null;
  }

  /**
   * Which core runs this instance's operations: `"webassembly"`, or
   * `"javascript"` for a slab over 4 GiB or an instance attached over a
   * buffer posted from another thread (see {@linkcode SlabAllocator.attach}).
   *
   * @example A Worker checks that it was sent the memory
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "w", slotSize: 8, capacity: 4 });
   * assert.equal(SlabAllocator.attach(slab.memory!).core, "webassembly");
   * ```
   */
  get core(): SlabCoreKind {
    return this.#wasm === undefined ? "javascript" : "webassembly";
  }

  /**
   * The counter lane this instance claimed: 1 to 63, or 0 when it shares
   * lane 0 (after `close()`, or beyond 63 instances). A Worker that caches
   * slots reports it to whoever may have to {@linkcode SlabAllocator.prototype.reclaim}
   * its cache after terminating it.
   */
  get lane(): number {
    return this.#lanes.lane;
  }

  /**
   * Takes a free slot.
   *
   * @param owner Optional owner index to record on the slot (see
   * `OwnerRegistry`): an integer from 0 to 65,534.
   * @param state Optional first state: handle slabs start a slot as
   * `Connecting` unless told otherwise (`Active`, say); plain slabs only
   * know `Used`.
   * @param site Optional site label recorded for the slot (a slab with a
   * site table: see {@linkcode SlabAllocator.prototype.setSite}); such an
   * allocation is never also sampled.
   * @returns A handle (an integer from 0 to 2^31 - 1), or `null` when every
   * slot is in use; that `null` is counted in `stats().overflow`.
   * @throws {RangeError} If `owner` is given and is not a valid owner index,
   * `state` is not one this slab's kind has, or `site` is not 1 to 512 bytes.
   * @throws {TypeError} If `site` is given to a slab without a site table.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "one", slotSize: 8, capacity: 1 });
   * const handle = slab.alloc();
   * assert.equal(typeof handle, "number");
   * assert.equal(slab.alloc(), null);
   * ```
   */
  alloc(owner?: number, state?: HandleState, site?: string): number | null {
    // Small on purpose, so that V8 inlines it and the core's fast path: the
    // common call (nothing to check) with a cached slot. The WebAssembly
    // instances run copies of this method (slab_fast_paths.ts).
    if (owner === undefined && state === undefined && site === undefined) {
      const code = this.#core.alloc();
      if (code >= 0) return code;
      if (code === EMPTY) return null;
      return this.#allocSlowly(code, undefined, undefined, undefined);
    }
    return this.#allocSlowly(undefined, owner, state, site);
  }

  /**
   * Everything alloc() does beyond its fast path. `code` is what the fast
   * path returned (SLOW or SAMPLE), or `undefined` when it was not tried.
   */
  #allocSlowly(
    code: number | undefined,
    owner: number | undefined,
    state: HandleState | undefined,
    site: string | undefined,
  ): number | null {
    if (owner !== undefined) this.#checkOwner(owner, "allocate a slot");
    const initial = state === undefined ? this.#initialState : this.#checkState(state);
    if (site !== undefined) this.#checkSite(site, "allocate a slot");
    const sites = this.#sites;
    let sampled = code === SAMPLE;
    if (sites !== undefined && sites.sampleEvery > 0 && site === undefined) {
      // An allocation the fast path did not see counts here.
      if (code === undefined) sampled = this.#core.sampleDue() !== 0;
      if (sampled) this.#core.sampleAfter(sites.nextInterval());
    }
    const handle = this.#core.allocSlow(owner ?? NO_OWNER, initial);
    if (handle < 0) return null;
    if (sites !== undefined && (site !== undefined || sampled)) {
      const index = handle & this.#indexMask;
      const word = this.#slots[index]!; // this thread's own store
      const time = this.#meta[2 * index + 1]!; // the allocation's
      if (site !== undefined) sites.recordLabel(index, word, time, site);
      else sites.recordStack(index, word, time, this.alloc);
    }
    return handle;
  }

  /**
   * Records a site label for a live slot: the site its allocation is
   * counted at in {@linkcode SlabAllocator.prototype.sites}, replacing a
   * sampled or earlier one. For slots whose site is known without a stack:
   * `instrumentServer()` labels each request's handle with its method and
   * route once routed. Needs a site table: handle slabs have one unless
   * created with another `sampleSites`; plain slabs with `sampleSites`.
   *
   * @param handle A live handle of this slab.
   * @param site The label: 1 to 512 UTF-8 bytes.
   * @param since Since when the slot is held there, in ms since the Unix
   * epoch (for a label set late: when the slot was taken); by default now.
   * A time before the slab was made counts as its making.
   * @throws {HandleError} If `handle` does not name a live slot.
   * @throws {RangeError} If `site` is empty or longer than 512 bytes, or
   * `since` is in the future.
   * @throws {TypeError} If the slab has no site table, `site` is not a
   * string, or `since` is not a finite number.
   *
   * @example Labelling request handles
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const handles = new SlabAllocator({ name: "req", slotSize: 1, capacity: 8, kind: "handle" });
   * const a = handles.alloc(undefined, undefined, "GET /users/:id")!;
   * const b = handles.alloc()!;
   * handles.setSite(b, "GET /users/:id"); // known once routed
   * const [site] = handles.sites().sites;
   * assert.deepEqual([site.site, site.held, site.total], ["GET /users/:id", 2, 2]);
   * assert.equal(handles.slotInfo(handles.indexOf(a)).site, site.id);
   * ```
   */
  setSite(handle: number, site: string, since?: number): void {
    const index = this.#liveIndex(handle, "set the site of");
    this.#checkSite(site, "set the site of");
    const now = Date.now();
    if (since !== undefined) {
      if (typeof since !== "number" || !Number.isFinite(since)) {
        throw new TypeError(
          `Cannot set the site of a slot of slab "${this.#name}": since must be a finite number, received ${
            typeName(since)
          }`,
        );
      }
      if (since > now) {
        throw new RangeError(
          `Cannot set the site of a slot of slab "${this.#name}": since must not be in the future, received ${since} (now ${now})`,
        );
      }
    }
    const word = Atomics.load(this.#slots, index);
    // Site times are Uint32 ms after the epoch: none before it.
    const stamp = Math.max(0, Math.round((since ?? now) - this.#epoch));
    this.#sites!.recordLabel(index, word, stamp, site);
  }

  /**
   * The slab's allocation sites: for each, the slots held now whose
   * allocation was recorded there (sampled one in N, or labelled), all it
   * ever recorded, and since when the oldest held slot is held; most held
   * first. Sites come from every thread that uses the slab: the table is in
   * the slab's shared memory. Counting the held slots reads every slot's
   * record (O(capacity): about 1 ms per million slots).
   *
   * Sampled counts are samples: with `sampleSites: 64`, a site holding 3
   * sampled slots holds about 3 × 64.
   *
   * @returns The sites, the sampling rate, and what was dropped or skipped;
   * no sites for a slab without a site table.
   *
   * @example The top site by slots held
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * // sampleBudget 1: every sample is captured, however long a capture takes
   * // (the default budget may skip some on a busy machine, and counts them).
   * const slab = new SlabAllocator({
   *   name: "s",
   *   slotSize: 8,
   *   capacity: 64,
   *   sampleSites: 1,
   *   sampleBudget: 1,
   * });
   * function leaky() {
   *   return slab.alloc();
   * }
   * for (let i = 0; i < 3; i++) leaky();
   * const { sites } = slab.sites();
   * assert.equal(sites[0].held, 3);
   * assert.match(sites[0].site, /^at leaky /);
   * ```
   */
  sites(): SlabSites {
    const counters = this.siteCounters();
    return {
      ...counters,
      sites: readSites(this.#views, (time) => relativeToEpoch(time, this.#epoch)),
    };
  }

  /**
   * The site table's counters without its sites: O(1), for readers that
   * want to know whether anything changed before they pay for
   * {@linkcode SlabAllocator.prototype.sites}, and for the time sampling
   * costs.
   *
   * @returns The sampling rate, table size, dropped and skipped counts, a
   * change count and the time spent capturing; zeros without a site table.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "c", slotSize: 8, capacity: 4, sampleSites: 1 });
   * const before = slab.siteCounters().recorded;
   * slab.alloc();
   * assert.equal(slab.siteCounters().recorded, before + 1);
   * assert.ok(slab.siteCounters().captureMs > 0);
   * ```
   */
  siteCounters(): SiteCounters {
    const v = this.#views;
    if (v.sites === undefined) {
      return { sampleEvery: 0, maxSites: 0, dropped: 0, skipped: 0, recorded: 0, captureMs: 0 };
    }
    recordPendingSites(this);
    this.#header64 ??= new BigInt64Array(v.buffer, 0, W64_CAPTURE_NS + 1);
    return {
      sampleEvery: v.sites.sampleEvery,
      maxSites: v.sites.maxSites,
      dropped: Atomics.load(this.#words, W_SITES_DROPPED),
      skipped: Atomics.load(this.#words, W_SITES_SKIPPED),
      recorded: Atomics.load(this.#words, W_SITES_RECORDED),
      captureMs: Number(Atomics.load(this.#header64, W64_CAPTURE_NS)) / 1e6,
    };
  }

  /**
   * The text of site `id` (an id from {@linkcode SlotInfo.site} or
   * {@linkcode SlabAllocator.prototype.sites}) without counting its slots:
   * what a tooltip shows for one slot.
   *
   * @param id A site id.
   * @returns The site's text and kind, or `undefined` when the table has no
   * such site (or the slab no table).
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "t", slotSize: 8, capacity: 2, sampleSites: 0 });
   * const handle = slab.alloc(undefined, undefined, "boot")!;
   * const id = slab.slotInfo(slab.indexOf(handle)).site!;
   * assert.deepEqual(slab.siteText(id), { site: "boot", kind: "label" });
   * assert.equal(slab.siteText(99), undefined);
   * ```
   */
  siteText(id: number): { site: string; kind: "stack" | "label" } | undefined {
    return readSiteText(this.#views, id);
  }

  /**
   * Copies every slot's site id (see {@linkcode SlotInfo.site}; 0 for none)
   * into `into`: what a snapshot needs to name each slot's site.
   *
   * @param into Optional reusable target of at least `capacity` entries.
   * @returns One site id per slot.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "r", slotSize: 8, capacity: 2, sampleSites: 0 });
   * slab.alloc(undefined, undefined, "boot");
   * const [boot] = slab.sites().sites;
   * assert.deepEqual([...slab.readSites()], [boot.id, 0]);
   * ```
   */
  readSites(into: Uint16Array = new Uint16Array(this.#capacity)): Uint16Array {
    return scanSites(this.#views, into);
  }

  /**
   * Returns a slot to the slab.
   *
   * @param handle A handle returned by {@linkcode SlabAllocator.prototype.alloc}.
   * @throws {HandleError} (a `RangeError`) for a double free, a stale handle,
   * another slab's handle, an out-of-range index, NaN or a non-integer. The
   * free list is left untouched and `stats().invalidFrees` counts it.
   * @throws {TypeError} If `handle` is not a number (also counted).
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "f", slotSize: 8, capacity: 4 });
   * const handle = slab.alloc()!;
   * slab.free(handle);
   * assert.throws(() => slab.free(handle), RangeError);
   * ```
   */
  free(handle: number): void {
    // Small on purpose, like alloc(). The core takes only an integer from 1
    // to 2^31 - 1 (typeof first, so that `|` never calls valueOf()); its fast
    // path checks everything else and has no side effect when it declines.
    // Anything else, 0 and -0 included, takes the full checks.
    if (
      typeof handle === "number" && (handle | 0) === handle && handle > 0 &&
      this.#core.free(handle) === 0
    ) return;
    this.#freeSlowly(handle);
  }

  /** Everything free() does beyond its fast path. */
  #freeSlowly(handle: number): void {
    const index = this.#checkHandle(handle, "free", true);
    if (this.#core.freeSlow(handle) !== 0) {
      throw this.#rejected(handle, index, this.#core.rejected(), "free", true);
    }
  }

  /**
   * Changes the state of an allocated slot, and optionally its owner.
   *
   * Handle slabs accept `Connecting`, `Active`, `Idle` and `Closing`; plain
   * slabs accept `Used` (to change only the owner). Use
   * {@linkcode SlabAllocator.prototype.free} to make a slot `Free`.
   *
   * @param handle A live handle of this slab.
   * @param state The new state.
   * @param owner Optional new owner index, from 0 to 65,534.
   * @throws {HandleError} If `handle` does not name a live slot.
   * @throws {RangeError} If `state` or `owner` is not allowed.
   *
   * @example Following a connection
   * ```ts
   * import { HandleState, SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const handles = new SlabAllocator({ name: "conns", slotSize: 1, capacity: 8, kind: "handle" });
   * const conn = handles.alloc(0)!; // starts as Connecting, owned by owner 0
   * handles.setState(conn, HandleState.Active);
   * assert.equal(handles.slotInfo(conn & 7).state, HandleState.Active);
   * ```
   */
  setState(handle: number, state: HandleState, owner?: number): void {
    const index = this.#checkHandle(handle, "set the state of", false);
    this.#checkState(state);
    if (owner !== undefined) this.#checkOwner(owner, "set the owner of a slot");
    if (this.#core.setState(handle, state, owner ?? -1) !== 0) {
      throw this.#rejected(handle, index, this.#core.rejected(), "set the state of", false);
    }
  }

  /**
   * Returns a view of a live slot's payload: exactly `slotSize` bytes of the
   * shared buffer.
   *
   * @param handle A live handle of this slab.
   * @returns A `Uint8Array` over the slot's bytes.
   * @throws {HandleError} If `handle` does not name a live slot.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "b", slotSize: 3, capacity: 2 });
   * const view = slab.bytes(slab.alloc()!);
   * assert.equal(view.length, 3);
   * ```
   */
  bytes(handle: number): Uint8Array {
    const index = this.#liveIndex(handle, "view the bytes of");
    return new Uint8Array(
      this.#views.buffer,
      this.#payload + index * this.#stride,
      this.#slotSize,
    );
  }

  /**
   * Returns the slot index of a live handle: a number from 0 to
   * `capacity - 1`, handy for keeping side tables indexed by slot.
   *
   * @param handle A live handle of this slab.
   * @returns The handle's slot index.
   * @throws {HandleError} If `handle` does not name a live slot.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "x", slotSize: 8, capacity: 4 });
   * assert.equal(slab.indexOf(slab.alloc()!), 0);
   * assert.equal(slab.indexOf(slab.alloc()!), 1);
   * ```
   */
  indexOf(handle: number): number {
    return this.#liveIndex(handle, "find the slot of");
  }

  /**
   * Reads what a slot holds right now: state, owner and since when.
   *
   * @param index A slot index from 0 to `capacity - 1` (not a handle).
   * @returns The slot's state, owner and the time it entered that state.
   * @throws {RangeError} If `index` is not a slot index.
   *
   * @example Usage
   * ```ts
   * import { HandleState, SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "i", slotSize: 8, capacity: 2 });
   * assert.equal(slab.slotInfo(0).state, HandleState.Free);
   * ```
   */
  slotInfo(index: number): SlotInfo {
    if (!Number.isInteger(index) || index < 0 || index >= this.#capacity) {
      throw new RangeError(
        `Cannot read slot ${String(index)} of slab "${this.#name}": expected an integer from 0 to ${
          this.#capacity - 1
        }`,
      );
    }
    recordPendingSites(this);
    const raw = Atomics.load(this.#slots, index) & STATE_MASK;
    const state = (raw === CACHED ? FREE : raw) as HandleState;
    // One 64-bit read: owner and time of the same state change.
    const meta = Atomics.load(this.#meta64, index);
    const owner = Number(BigInt.asUintN(16, meta));
    const site = siteOfSlot(this.#views, index, Atomics.load(this.#slots, index));
    return {
      index,
      state,
      cached: raw === CACHED,
      owner: owner === NO_OWNER ? null : owner,
      since: relativeToEpoch(Number(BigInt.asUintN(32, meta >> 32n)), this.#epoch),
      site: site === 0 ? null : site,
    };
  }

  /**
   * Returns the slab's counters as a plain object.
   *
   * Each counter is read atomically. While other threads allocate, the
   * counters are each current but not a consistent set; at a quiescent point
   * `allocs - frees === used` exactly.
   *
   * @returns Used, peak, overflow, allocs, frees, invalid frees, CAS retries.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "s", slotSize: 8, capacity: 4 });
   * slab.free(slab.alloc()!);
   * const { allocs, frees, used } = slab.stats();
   * assert.deepEqual([allocs, frees, used], [1, 1, 0]);
   * ```
   */
  stats(): SlabStats {
    const words = this.#words;
    const used = laneUsed(this.#views);
    const { allocs, frees, cached, retries } = laneTotals(this.#views);
    return {
      name: this.#name,
      kind: this.#kind,
      capacity: this.#capacity,
      slotSize: this.#slotSize,
      used,
      peak: Atomics.load(words, W_PEAK),
      cached,
      overflow: Atomics.load(words, W_OVERFLOW),
      allocs,
      frees,
      invalidFrees: Atomics.load(words, W_INVALID_FREES),
      casRetries: Atomics.load(words, W_CAS_RETRIES) + retries,
    };
  }

  /**
   * Checks every invariant of the slab: the free list has no cycle and every
   * link is in range; every slot on it is free and no free slot is missing
   * from it; free + used = capacity; the counters agree with the slot states.
   *
   * The walk is bounded by the capacity, so a corrupted list cannot make it
   * loop. Call it at a quiescent point: while other threads allocate, the
   * list and the states legitimately disagree for an instant.
   *
   * @returns `{ ok, errors }`: `ok` is `true` when `errors` is empty.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "v", slotSize: 8, capacity: 16 });
   * slab.alloc();
   * assert.deepEqual(slab.verify(), { ok: true, errors: [] });
   * ```
   */
  verify(): SlabVerifyResult {
    return verifySlab(this.#views);
  }

  /**
   * Rebuilds the free list and the counters from the slot words, after a
   * thread was stopped in the middle of an operation.
   *
   * `Worker.terminate()` (or a crash) can stop a Worker between the steps
   * of an `alloc()` or `free()`: the slot word, the counters and the free
   * list are separate words. What that can leave behind is bounded: one
   * free slot off the list (a leak of one slot), or a counter off by one,
   * per interrupted call. `verify()` names each such slot and counter.
   * Slots in use are never handed out twice whatever was interrupted.
   *
   * `recover()` puts every free slot back on the list (lowest index first)
   * and corrects the counters to agree with the slots; slots in use stay
   * in use. **Call it only while no other thread uses the slab** (for
   * example after terminating every Worker that attached it, before
   * starting new ones): it rewrites the list without synchronization.
   * `Worker.terminate()` returns before the Worker's thread has stopped,
   * and nothing reports when it has: wait until the slab's `allocs` and
   * `frees` stand still for a while (a loaded machine can leave a live
   * thread unscheduled for tens of milliseconds).
   *
   * @returns What was repaired.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "r", slotSize: 8, capacity: 4 });
   * slab.alloc();
   * const result = slab.recover();
   * assert.deepEqual([result.relinked, result.used], [0, 1]);
   * assert.equal(slab.verify().ok, true);
   * ```
   */
  recover(): SlabRecoveryResult {
    return recoverSlab(this.#views);
  }

  /**
   * Copies every slot's state code (a {@linkcode HandleState}) into `into`,
   * read from the live per-slot state words, never from the free list.
   *
   * @param into Optional reusable target of at least `capacity` bytes.
   * @returns One byte per slot.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "r", slotSize: 8, capacity: 3 });
   * slab.alloc();
   * assert.deepEqual([...slab.readStates()], [1, 0, 0]);
   * ```
   */
  readStates(into: Uint8Array = new Uint8Array(this.#capacity)): Uint8Array {
    return scanStates(this.#slots, into);
  }

  /**
   * Copies the used bitmap: bit `i % 8` of byte `i >> 3` is 1 when slot `i`
   * is not free (LSB-first). Padding bits after the last slot are 0.
   *
   * @param into Optional reusable target of at least `ceil(capacity / 8)` bytes.
   * @returns The bitmap.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "m", slotSize: 8, capacity: 10 });
   * slab.alloc();
   * slab.alloc();
   * assert.deepEqual([...slab.readBitmap()], [0b11, 0]);
   * ```
   */
  readBitmap(into: Uint8Array = new Uint8Array(Math.ceil(this.#capacity / 8))): Uint8Array {
    return scanBitmap(this.#slots, into);
  }

  /**
   * Copies every slot's owner index (65,535 means no owner).
   *
   * @param into Optional reusable target of at least `capacity` entries.
   * @returns One owner index per slot.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "o", slotSize: 8, capacity: 2 });
   * slab.alloc(7);
   * assert.deepEqual([...slab.readOwners()], [7, 65535]);
   * ```
   */
  readOwners(into: Uint16Array = new Uint16Array(this.#capacity)): Uint16Array {
    return scanOwners(this.#meta, into);
  }

  /**
   * Gives this instance's private counter lane back, for a Worker that is
   * about to stop. The slab stays fully usable: this instance and every
   * other keep working, and all counts are kept. Idempotent.
   *
   * Each slab has 63 private lanes. Instances beyond that share one lane,
   * which is correct but slower under contention.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "c", slotSize: 8, capacity: 2 });
   * const twin = SlabAllocator.attach(slab.buffer);
   * twin.alloc();
   * twin.close();
   * assert.equal(slab.stats().used, 1);
   * ```
   */
  close(): void {
    if (this.#lanes.shared) return;
    this.#core.flushAll();
    this.#lanes.release();
    if (this.#wasm !== undefined) this.#useLane(this.#wasm, 0);
  }

  /**
   * Returns the cache of a lane whose instance is gone (a Worker that was
   * terminated or crashed without `close()`) to the shared free list, and
   * frees the lane for a new instance. Other threads may keep working.
   *
   * @param lane The dead instance's {@linkcode SlabAllocator.prototype.lane}.
   * @returns How many cached slots went back to the free list.
   * @throws {RangeError} If `lane` is not 1 to 63, or is this instance's own.
   *
   * @example Usage
   * ```ts
   * import { SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const slab = new SlabAllocator({ name: "k", slotSize: 8, capacity: 64 });
   * const worker = SlabAllocator.attach(slab.memory!, { cache: 8 }); // as in a Worker
   * worker.free(worker.alloc()!); // the slot stays in the Worker's cache
   * assert.equal(slab.stats().cached, 4); // half a cache was taken at once
   * assert.equal(slab.reclaim(worker.lane), 4); // the Worker died: take it back
   * assert.equal(slab.stats().cached, 0);
   * ```
   */
  reclaim(lane: number): number {
    if (!Number.isInteger(lane) || lane < 1 || lane >= LANE_COUNT) {
      throw new RangeError(
        `Cannot reclaim lane ${
          describe(lane)
        } of slab "${this.#name}": expected an integer from 1 to 63`,
      );
    }
    if (lane === this.#lanes.lane && !this.#lanes.shared) {
      throw new RangeError(
        `Cannot reclaim lane ${lane} of slab "${this.#name}": it is this instance's own; use close()`,
      );
    }
    return reclaimLane(this.#views, lane, this.#freeList, (i) => this.#lanes.touch(i));
  }

  #init(v: SlabViews, own: InstanceOptions): void {
    this.#views = v;
    this.#epoch = v.epoch;
    this.#name = v.name;
    this.#kind = v.kind;
    this.#capacity = v.capacity;
    this.#slotSize = v.slotSize;
    this.#stride = v.regions.stride;
    this.#payload = v.regions.payload;
    this.#indexBits = v.indexBits;
    this.#indexMask = (1 << v.indexBits) - 1;
    this.#generationMask = 2 ** handleGenerationBits(v.indexBits) - 1;
    this.#initialState = v.kind === "handle" ? HandleState.Connecting : HandleState.Used;
    this.#freeList = new TaggedFreeList(v);
    this.#lanes = new CounterLanes(v);
    this.#words = v.words;
    this.#slots = v.slots;
    this.#meta = v.meta;
    this.#meta64 = v.meta64;
    if (v.sites !== undefined) this.#sites = new SiteSampler(v, own.sampleBudget);
    if (v.memory !== undefined) {
      this.#useWasmCore(v.memory, own.cache);
    } else {
      this.#core = new JsSlabCore(
        v,
        this.#generationMask,
        this.#initialState,
        this.#freeList,
        this.#lanes,
      );
      if (this.#sites !== undefined && this.#sites.sampleEvery > 0) {
        this.#core.sampleAfter(this.#sites.nextInterval());
      }
    }
  }

  /** The WebAssembly core over `memory`, for this instance's lane. */
  #useWasmCore(memory: WebAssembly.Memory, cacheSize: number): void {
    const v = this.#views;
    let core: WasmSlabCore | undefined = undefined;
    const clock = clockReader(v.epoch, () => core!.expireClock());
    core = instantiateCore(memory, { clock, race: (slot) => this.#onPopRace?.(slot) });
    core.init(
      v.capacity,
      v.indexBits,
      handleGenerationBits(v.indexBits),
      v.regions.links,
      v.regions.slots,
      v.regions.meta,
      this.#initialState,
      REFRESH_EVERY,
    );
    this.#wasm = core;
    this.#useLane(core, cacheSize);
    if (this.#sites !== undefined && this.#sites.sampleEvery > 0) {
      this.#core.sampleAfter(this.#sites.nextInterval());
    }
  }

  /** Points the WebAssembly core at this instance's current lane. */
  #useLane(core: WasmSlabCore, cacheSize: number): void {
    const lane = this.#lanes.lane;
    const shared = this.#lanes.shared;
    const cache = shared ? 0 : cacheSize;
    core.useLane(
      LANES_OFFSET + lane * LANE_BYTES,
      shared ? 1 : 0,
      CACHES_OFFSET + lane * MAX_CACHE * 4,
      cache,
      EPOCHS_OFFSET + lane * this.#views.regions.epochStride * 4,
    );
    this.#core = wasmSlabCore(core, cache > 0, (this.#sites?.sampleEvery ?? 0) > 0);
  }

  /** Validates that a handle names a live slot and returns its index. */
  #liveIndex(handle: number, action: string): number {
    const index = this.#checkHandle(handle, action, false);
    const word = Atomics.load(this.#slots, index);
    if (
      (word & STATE_MASK) === FREE || (word & STATE_MASK) === CACHED ||
      ((word >>> GENERATION_SHIFT) & this.#generationMask) !==
        handle >>> this.#indexBits
    ) {
      throw this.#rejected(handle, index, word, action, false);
    }
    return index;
  }

  /** Validates a handle's shape and returns its slot index. */
  #checkHandle(handle: number, action: string, counted: boolean): number {
    // typeof first: `handle | 0` would throw on a BigInt and call valueOf()
    // on an object before we could say what was wrong with it.
    // Object.is: -0 passes `(handle | 0) === handle` but is no handle.
    if (
      typeof handle === "number" && (handle | 0) === handle && handle >= 0 &&
      !Object.is(handle, -0)
    ) {
      const index = handle & this.#indexMask;
      if (index < this.#capacity) return index;
      throw this.#invalid(
        `Cannot ${action} handle ${handle} of slab "${this.#name}": slot index ${index} is not below the capacity ${this.#capacity}`,
        handle,
        "out-of-range",
        counted,
      );
    }
    if (typeof handle !== "number") {
      if (counted) Atomics.add(this.#words, W_INVALID_FREES, 1);
      throw new TypeError(
        `Cannot ${action} handle ${
          describe(handle)
        } of slab "${this.#name}": expected a number, received ${typeName(handle)}`,
      );
    }
    throw this.#invalid(
      `Cannot ${action} handle ${
        describe(handle)
      } of slab "${this.#name}": expected an integer from 0 to ${MAX_HANDLE}`,
      handle,
      "not-a-handle",
      counted,
    );
  }

  #rejected(
    handle: number,
    index: number,
    word: number,
    action: string,
    counted: boolean,
  ): HandleError {
    const mask = this.#generationMask;
    const given = handle >>> this.#indexBits;
    const current = (word >>> GENERATION_SHIFT) & mask;
    const prefix = `Cannot ${action} handle ${handle} of slab "${this.#name}"`;
    if ((word & STATE_MASK) === FREE || (word & STATE_MASK) === CACHED) {
      if (current === ((given + 1) & mask)) {
        return this.#invalid(
          `${prefix}: slot ${index} is already free (double free)`,
          handle,
          "double-free",
          counted,
        );
      }
      return this.#invalid(
        `${prefix}: slot ${index} is free and this handle was not issued for it (stale, or from another slab)`,
        handle,
        "free-slot",
        counted,
      );
    }
    return this.#invalid(
      `${prefix}: slot ${index} was freed and reused since (handle generation ${given}, slot generation ${current}), or the handle belongs to another slab`,
      handle,
      "stale",
      counted,
    );
  }

  #invalid(
    message: string,
    handle: unknown,
    reason: HandleErrorReason,
    counted: boolean,
  ): HandleError {
    if (counted) Atomics.add(this.#words, W_INVALID_FREES, 1);
    return new HandleError(message, { slab: this.#name, handle, reason });
  }

  #checkState(state: HandleState): HandleState {
    const allowed = this.#kind === "handle"
      ? state === HandleState.Connecting || state === HandleState.Active ||
        state === HandleState.Idle || state === HandleState.Closing
      : state === HandleState.Used;
    if (allowed) return state;
    const expected = this.#kind === "handle"
      ? "Connecting (2), Active (3), Idle (4) or Closing (5)"
      : "Used (1); Connecting, Active, Idle and Closing need a handle slab";
    const shown = isHandleState(state) ? `${STATE_LETTERS[state]} (${state})` : String(state);
    throw new RangeError(
      `Cannot set state ${shown} on slab "${this.#name}": expected ${expected}; use free() to free a slot`,
    );
  }

  #checkSite(site: string, action: string): void {
    if (this.#sites === undefined) {
      throw new TypeError(
        `Cannot ${action} of slab "${this.#name}" with a site: the slab keeps no site table; create it with sampleSites (0 for labels only)`,
      );
    }
    const problem = labelProblem(site);
    if (problem !== undefined) {
      const error = typeof site === "string" ? RangeError : TypeError;
      throw new error(
        `Cannot ${action} of slab "${this.#name}": site must be a label, ${problem}${
          typeof site === "string" ? "" : `, received ${typeName(site)}`
        }`,
      );
    }
  }

  #checkOwner(owner: number, action: string): void {
    if (!Number.isInteger(owner) || owner < 0 || owner > MAX_OWNER) {
      throw new RangeError(
        `Cannot ${action} of slab "${this.#name}": owner must be an integer from 0 to ${MAX_OWNER}, received ${
          describe(owner)
        }`,
      );
    }
  }
}

/**
 * Test-only: shrinks the ABA tag or installs a hook at the racy point of a
 * pop, to show the race the tag prevents. Not part of the public API.
 */
export function configureSlabForTesting(
  slab: SlabAllocator,
  options: SlabTestingOptions,
): void {
  configure(slab, options);
}

/**
 * Test-only: attaches over `buffer` with the JavaScript core, as a thread
 * that received the buffer alone would. Not part of the public API.
 */
export function attachJavaScriptCoreForTesting(
  buffer: SharedArrayBuffer,
  options: SlabAttachOptions = {},
): SlabAllocator {
  const problem = headerProblem(buffer);
  if (problem !== undefined) throw new TypeError(`Cannot attach slab: ${problem}`);
  const views = viewsOf(buffer, undefined);
  return construct(views, instanceOptions(views.name, options));
}

/** Internal: the typed-array views of a slab (verifier and tests). */
export function slabViews(slab: SlabAllocator): SlabViews {
  return views(slab);
}

function relativeToEpoch(stamp: number, epoch: number): number {
  // Stamps are Uint32 ms after the epoch; they wrap every 49.7 days. Pick the
  // latest wrap that is not in the future.
  const now = Date.now();
  let since = epoch + stamp;
  while (since + 2 ** 32 <= now) since += 2 ** 32;
  return since;
}

/** What each instance chooses for itself: its cache and its capture budget. */
interface InstanceOptions {
  cache: number;
  sampleBudget: number;
}

function instanceOptions(
  name: unknown,
  options: { cache?: number; sampleBudget?: number } | undefined,
): InstanceOptions {
  const cache = options?.cache ?? 0;
  if (typeof cache !== "number" || !Number.isInteger(cache) || cache < 0 || cache > MAX_CACHE) {
    throw new RangeError(
      `Cannot open slab ${
        JSON.stringify(String(name))
      }: cache must be an integer from 0 to ${MAX_CACHE}, received ${describe(cache)}`,
    );
  }
  const sampleBudget = options?.sampleBudget ?? DEFAULT_SAMPLE_BUDGET;
  if (typeof sampleBudget !== "number" || !(sampleBudget > 0 && sampleBudget <= 1)) {
    throw new RangeError(
      `Cannot open slab ${
        JSON.stringify(String(name))
      }: sampleBudget must be a number above 0 and at most 1, received ${describe(sampleBudget)}`,
    );
  }
  return { cache, sampleBudget };
}
