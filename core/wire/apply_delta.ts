// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Applying a `diagnostics-delta` to the state a client holds.
 *
 * @module
 */

import { ARENA_FIELDS, HEAP_FIELDS, MEMBERS, STREAM_FIELDS } from "./fields.ts";
import {
  arenaFromWire,
  checkOwnerLists,
  ownerListFromWire,
  poolFromWire,
  slabFromWire,
  spacesFromWire,
  streamFromWire,
  unique,
} from "./records.ts";
import { checkOpenHandles, openHandlesInSlabOrder, patchOpenHandles } from "./open_handles.ts";
import { checkSites, inSlabOrder, patchSites } from "./allocation_sites.ts";
import { COST_MEMBERS, readCostMembers } from "./stream_cost.ts";
import { checkLints, patchLints } from "./lints.ts";
import { applyRequests } from "./request_delta.ts";
import { patchSlab } from "./slab_patch.ts";
import type { ArenaSnapshot, HeapSnapshot, MemorySnapshot, StreamSnapshot } from "./types.ts";
import { WIRE_VERSION } from "./types.ts";
import {
  array,
  count,
  fail,
  type JsonObject,
  object,
  onlyFields,
  parseJson,
  shown,
  string,
} from "./validate.ts";

/**
 * Thrown by {@linkcode applyDelta} when a delta was computed against another
 * state than the one given (a missed event, or events out of order). The
 * remedy is a keyframe: reconnect, or fetch the snapshot.
 *
 * @example Usage
 * ```ts
 * import { applyDelta, DeltaBaseError } from "@slabscope/slabscope/wire";
 * import { DiagnosticsRegistry } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const state = new DiagnosticsRegistry().snapshot(); // seq 0
 * const delta = { v: 1, seq: 8, base: 7, ts: Date.now() };
 * assert.throws(() => applyDelta(state, delta), DeltaBaseError);
 * ```
 */
export class DeltaBaseError extends RangeError {
  /** The `seq` the delta applies to. */
  readonly base: number;
  /** The `seq` of the state it was given. */
  readonly have: number;

  /**
   * Constructs a new instance.
   *
   * @param base The delta's base.
   * @param have The state's seq.
   */
  constructor(base: number, have: number) {
    super(
      `Cannot apply delta: it applies to state ${base} but the state is ${have}; a keyframe is needed`,
    );
    this.name = "DeltaBaseError";
    this.base = base;
    this.have = have;
  }
}

/**
 * Applies a delta to a state and returns the next state. The input is not
 * modified; unchanged slabs share their arrays with it.
 *
 * @example Usage
 * ```ts
 * import { applyDelta, encodeDelta } from "@slabscope/slabscope/wire";
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 8 }));
 * const state = { ...registry.snapshot(), seq: 1 };
 * slab.alloc();
 * const next = applyDelta(state, encodeDelta(state, { ...registry.snapshot(), seq: 2 })!);
 * assert.equal(next.slabs[0].used, 1);
 * assert.equal(state.slabs[0].used, 0); // the input is untouched
 * ```
 *
 * @param state The state the delta's `base` names.
 * @param delta The delta: JSON text (event data) or its parsed object.
 * @returns The next state, equal to what a keyframe at `delta.seq` decodes to.
 * @throws {DeltaBaseError} If `delta.base !== state.seq`.
 * @throws {SyntaxError} If the delta is malformed; the state is untouched.
 */
export function applyDelta(state: MemorySnapshot, delta: string | unknown): MemorySnapshot {
  return applyDeltaTransition(state, delta).state;
}

/** A delta applied: the next state, and the slots that cycled on the way there. */
export interface DeltaTransition {
  /** The next state: what {@linkcode applyDelta} returns. */
  state: MemorySnapshot;
  /**
   * Per slab name, the slots the delta lists as cycled: touched between the
   * two states (allocated and freed, or a state left and come back) while
   * their letter and owner stayed as they were. Slabs with none are absent.
   * The slots whose letter or owner changed are found by comparing the two
   * states; together they are every slot touched.
   */
  cycled: Map<string, Uint32Array>;
}

/**
 * Applies a delta like {@linkcode applyDelta}, and also returns the slots
 * it lists as cycled: what a dashboard flashes besides the slots that
 * changed.
 *
 * @example Usage
 * ```ts
 * import { applyDeltaTransition, decodeKeyframe, encodeDelta, encodeKeyframe } from "@slabscope/slabscope/wire";
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 8 }));
 * const before = { ...registry.snapshot(), seq: 1 };
 * slab.free(slab.alloc()!); // allocated and freed between two snapshots
 * const after = { ...registry.snapshot({ sampleHeap: false }), seq: 2 };
 *
 * const state = decodeKeyframe(encodeKeyframe(before));
 * const { cycled } = applyDeltaTransition(state, encodeDelta(before, after)!);
 * assert.deepEqual([...cycled.get("s")!], [0]);
 * ```
 *
 * @param state The state the delta's `base` names.
 * @param delta The delta: JSON text (event data) or its parsed object.
 * @returns The next state and the cycled slots per slab.
 * @throws {DeltaBaseError} If `delta.base !== state.seq`.
 * @throws {SyntaxError} If the delta is malformed; the state is untouched.
 */
export function applyDeltaTransition(
  state: MemorySnapshot,
  delta: string | unknown,
): DeltaTransition {
  const d = object(typeof delta === "string" ? parseJson(delta, "delta") : delta, "delta");
  onlyFields(d, MEMBERS.delta, "delta", "a delta");
  if (d.v !== WIRE_VERSION) {
    fail("delta.v", `expected wire version ${WIRE_VERSION}, received ${shown(d.v)}`);
  }
  const seq = count(d.seq, "delta.seq");
  const base = count(d.base, "delta.base");
  if (base !== state.seq) throw new DeltaBaseError(base, state.seq);

  const cycled = new Map<string, Uint32Array>();
  const next: MemorySnapshot = {
    ...state,
    seq,
    ts: count(d.ts, "delta.ts"),
    slabs: applyList(
      state.slabs,
      d,
      SLAB_LIST,
      (old, o, path) => patchSlab(old, o, path, cycled),
      slabFromWire,
    ),
    arenas: applyList(state.arenas, d, ARENA_LIST, patchArena, arenaFromWire),
  };
  if (d.owner_map !== undefined) next.owner_map = ownerListFromWire(d.owner_map, "delta.owner_map");
  if (d.owner_kinds !== undefined) {
    next.owner_kinds = ownerListFromWire(d.owner_kinds, "delta.owner_kinds");
  }
  if (d.owner_map !== undefined || d.owner_kinds !== undefined) {
    checkOwnerLists(
      next.owner_map,
      next.owner_kinds,
      d.owner_kinds !== undefined ? "delta.owner_kinds" : "delta.owner_map",
    );
  }
  if (d.open_handles !== undefined) {
    next.open_handles = patchOpenHandles(
      state.open_handles,
      d.open_handles,
      next.slabs,
      "delta.open_handles",
    );
  } else if (next.open_handles !== undefined && next.slabs !== state.slabs) {
    // The list stays, in the new slabs' order; it must still agree with the
    // slabs it lists handles of.
    next.open_handles = openHandlesInSlabOrder(next.open_handles, next.slabs);
    checkOpenHandles(next.open_handles, next.slabs, "delta.open_handles");
  }
  if (d.sites !== undefined) {
    const sites = patchSites(state.sites, d.sites, next.slabs, "delta.sites");
    if (sites === undefined) delete next.sites;
    else next.sites = sites;
  } else if (next.sites !== undefined && next.slabs !== state.slabs) {
    // The lists stay, in the new slabs' order (a slab re-added elsewhere).
    next.sites = inSlabOrder(next.sites, next.slabs);
    checkSites(next.sites, next.slabs, "delta.sites");
  }
  if (d.heap !== undefined) next.heap = patchHeap(state.heap, d.heap, "delta.heap");
  if (d.stream !== undefined) next.stream = patchStream(state.stream, d.stream, "delta.stream");
  if (d.requests !== undefined) {
    next.requests = applyRequests(state.requests, d.requests, "delta.requests", next.ts);
  }
  if (d.lints !== undefined) {
    next.lints = patchLints(state.lints, d.lints, next.slabs, next.arenas, "delta.lints");
  } else if (
    next.lints !== undefined && (next.slabs !== state.slabs || next.arenas !== state.arenas)
  ) {
    // The lints stay; they must still name pools (and slots) of the state.
    checkLints(next.lints, next.slabs, next.arenas, "delta.lints");
  }
  return { state: next, cycled };
}

/** The delta members that update one list of named entries. */
interface ListKeys {
  patches: "slabs" | "arenas";
  removed: "removed_slabs" | "removed_arenas";
  order: "slab_order" | "arena_order";
}

const SLAB_LIST: ListKeys = { patches: "slabs", removed: "removed_slabs", order: "slab_order" };
const ARENA_LIST: ListKeys = { patches: "arenas", removed: "removed_arenas", order: "arena_order" };

/**
 * Applies removals, patches and the order to a list of named entries:
 * removed entries go, a full patch replaces an entry in its place or
 * appends a new one, any other patch updates an entry the state has, and
 * an order, when sent, lists every entry once.
 */
function applyList<T extends { name: string }>(
  current: T[],
  d: JsonObject,
  keys: ListKeys,
  patch: (entry: T, o: JsonObject, path: string) => T,
  whole: (value: unknown, path: string) => T,
): T[] {
  if (
    d[keys.patches] === undefined && d[keys.removed] === undefined && d[keys.order] === undefined
  ) {
    return current;
  }
  const entries = new Map(current.map((entry) => [entry.name, entry]));
  if (d[keys.removed] !== undefined) {
    array(d[keys.removed], `delta.${keys.removed}`).forEach((value, i) => {
      const name = string(value, `delta.${keys.removed}[${i}]`);
      if (!entries.delete(name)) {
        fail(`delta.${keys.removed}[${i}]`, `there is no entry named ${JSON.stringify(name)}`);
      }
    });
  }
  if (d[keys.patches] !== undefined) {
    const patched = new Set<string>();
    array(d[keys.patches], `delta.${keys.patches}`).forEach((value, i) => {
      const path = `delta.${keys.patches}[${i}]`;
      const o = object(value, path);
      const name = string(o.name, `${path}.name`);
      if (patched.has(name)) fail(`${path}.name`, `${JSON.stringify(name)} is patched twice`);
      patched.add(name);
      if (o.full === true) {
        // A full patch of an entry the state has replaces it where it is
        // (Map.set keeps the key's place); any other name is appended. The
        // encoder sends `*_order` exactly when that does not give the order.
        const { full: _, ...rest } = o;
        entries.set(name, whole(rest, path));
        return;
      }
      if (o.full !== undefined) fail(`${path}.full`, "expected true or no field");
      const old = entries.get(name);
      if (old === undefined) {
        fail(path, `patches ${JSON.stringify(name)}, which the state does not have`);
      }
      entries.set(name, patch(old, o, path));
    });
  }
  if (d[keys.order] === undefined) return [...entries.values()];
  const path = `delta.${keys.order}`;
  const order = array(d[keys.order], path).map((v, i) => string(v, `${path}[${i}]`));
  if (order.length !== entries.size || order.some((name) => !entries.has(name))) {
    fail(path, "does not list exactly the entries of the state");
  }
  const result = order.map((name) => entries.get(name)!);
  unique(result, path);
  return result;
}

/** Applies an arena patch: the changed fields, and `pool` whole. */
function patchArena(old: ArenaSnapshot, o: JsonObject, path: string): ArenaSnapshot {
  onlyFields(o, MEMBERS.arena, path, "an arena patch");
  const arena: ArenaSnapshot = { ...old };
  for (const field of ARENA_FIELDS) {
    if (o[field] !== undefined) arena[field] = count(o[field], `${path}.${field}`);
  }
  if (o.pool !== undefined) arena.pool = poolFromWire(o.pool, `${path}.pool`);
  return arena;
}

/** Applies a heap patch: the changed fields, and `spaces` whole. */
function patchHeap(base: HeapSnapshot, value: unknown, path: string): HeapSnapshot {
  const o = object(value, path);
  onlyFields(o, MEMBERS.heap, path, "the heap");
  const heap: HeapSnapshot = { ...base };
  for (const field of HEAP_FIELDS) {
    if (o[field] !== undefined) heap[field] = count(o[field], `${path}.${field}`);
  }
  if (o.spaces !== undefined) heap.spaces = spacesFromWire(o.spaces, `${path}.spaces`);
  return heap;
}

/** Applies a stream patch: the changed fields; all of them when the state has no stream. */
function patchStream(
  base: StreamSnapshot | undefined,
  value: unknown,
  path: string,
): StreamSnapshot {
  if (base === undefined) return streamFromWire(value, path);
  const o = object(value, path);
  onlyFields(o, MEMBERS.stream, path, "the stream");
  const stream: StreamSnapshot = { ...base };
  for (const field of STREAM_FIELDS) {
    if (o[field] !== undefined) stream[field] = count(o[field], `${path}.${field}`);
  }
  readCostMembers(o, stream, path); // whole maps, when they changed
  // In wire order, as a keyframe's decoder builds it: a map the base had
  // not comes after the one it had.
  for (const field of COST_MEMBERS) {
    const value = stream[field];
    delete stream[field];
    if (value !== undefined) stream[field] = value;
  }
  return stream;
}
