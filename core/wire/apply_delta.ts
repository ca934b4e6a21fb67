// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Applying a `diagnostics-delta` to the state a client holds.
 *
 * @module
 */

import { STATE_LETTERS } from "../allocator/handle_state.ts";
import {
  ARENA_FIELDS,
  arenaFromWire,
  bitmapFromWire,
  heapPatchFromWire,
  SLAB_SCALARS,
  slabFromWire,
  streamPatchFromWire,
  summaryFromWire,
  unique,
} from "./keyframe.ts";
import { decodeOwnerRuns, decodeStateRuns } from "./rle.ts";
import type { ArenaSnapshot, MemorySnapshot, SlabSnapshot } from "./types.ts";
import { WIRE_VERSION } from "./types.ts";
import {
  array,
  count,
  fail,
  finite,
  type JsonObject,
  nested,
  nullableStrings,
  object,
  parseJson,
  string,
} from "./validate.ts";
import { decodeSlotList } from "./rice.ts";

/**
 * Thrown by {@linkcode applyDelta} when a delta was computed against another
 * state than the one given (a missed event, or events out of order). The
 * remedy is a keyframe: reconnect, or fetch the snapshot.
 *
 * @example Usage
 * ```ts
 * import { applyDelta, DeltaBaseError, DiagnosticsRegistry } from "@slabscope/slabscope";
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
 * import { applyDelta, DiagnosticsRegistry, encodeDelta, SlabAllocator } from "@slabscope/slabscope";
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
  const d = object(typeof delta === "string" ? parseJson(delta, "delta") : delta, "delta");
  if (d.v !== WIRE_VERSION) {
    fail("delta.v", `expected wire version ${WIRE_VERSION}, received ${JSON.stringify(d.v)}`);
  }
  const seq = count(d.seq, "delta.seq");
  const base = count(d.base, "delta.base");
  if (base !== state.seq) throw new DeltaBaseError(base, state.seq);

  const next: MemorySnapshot = {
    ...state,
    seq,
    ts: finite(d.ts, "delta.ts"),
    slabs: applyList(
      state.slabs,
      d,
      "slabs",
      "removed_slabs",
      "slab_order",
      patchSlab,
      (v, p) => slabFromWire(v, p),
    ),
    arenas: applyList(
      state.arenas,
      d,
      "arenas",
      "removed_arenas",
      "arena_order",
      patchArena,
      (v, p) => arenaFromWire(v, p),
    ),
  };
  if (d.owner_map !== undefined) next.owner_map = nullableStrings(d.owner_map, "delta.owner_map");
  if (d.owner_kinds !== undefined) {
    next.owner_kinds = nullableStrings(d.owner_kinds, "delta.owner_kinds");
  }
  if (d.heap !== undefined) next.heap = heapPatchFromWire(state.heap, d.heap, "delta.heap");
  if (d.stream !== undefined) {
    next.stream = streamPatchFromWire(state.stream, d.stream, "delta.stream");
  }
  return next;
}

function applyList<T extends { name: string }>(
  current: T[],
  d: JsonObject,
  key: string,
  removedKey: string,
  orderKey: string,
  patch: (entry: T, o: JsonObject, path: string) => T,
  whole: (value: unknown, path: string) => T,
): T[] {
  if (d[key] === undefined && d[removedKey] === undefined && d[orderKey] === undefined) {
    return current;
  }
  const entries = new Map(current.map((entry) => [entry.name, entry]));
  if (d[removedKey] !== undefined) {
    array(d[removedKey], `delta.${removedKey}`).forEach((value, i) => {
      const name = string(value, `delta.${removedKey}[${i}]`);
      if (!entries.delete(name)) {
        fail(`delta.${removedKey}[${i}]`, `there is no entry named ${JSON.stringify(name)}`);
      }
    });
  }
  if (d[key] !== undefined) {
    array(d[key], `delta.${key}`).forEach((value, i) => {
      const path = `delta.${key}[${i}]`;
      const o = object(value, path);
      const name = string(o.name, `${path}.name`);
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
  let result = [...entries.values()];
  if (d[orderKey] !== undefined) {
    const order = array(d[orderKey], `delta.${orderKey}`).map((v, i) =>
      string(v, `delta.${orderKey}[${i}]`)
    );
    if (order.length !== entries.size || order.some((name) => !entries.has(name))) {
      fail(`delta.${orderKey}`, "does not list exactly the entries of the state");
    }
    result = order.map((name) => entries.get(name)!);
  }
  unique(result, `delta.${key}`);
  return result;
}

function patchArena(old: ArenaSnapshot, o: JsonObject, path: string): ArenaSnapshot {
  const arena: ArenaSnapshot = { ...old };
  for (const field of ARENA_FIELDS) {
    if (o[field] !== undefined) arena[field] = count(o[field], `${path}.${field}`);
  }
  if (o.pool !== undefined) {
    const p = object(o.pool, `${path}.pool`);
    arena.pool = {
      count: count(p.count, `${path}.pool.count`),
      in_use: count(p.in_use, `${path}.pool.in_use`),
      arena_capacity: count(p.arena_capacity, `${path}.pool.arena_capacity`),
    };
  }
  return arena;
}

function patchSlab(old: SlabSnapshot, o: JsonObject, path: string): SlabSnapshot {
  const slab: SlabSnapshot = { ...old };
  for (const field of SLAB_SCALARS) {
    if (o[field] !== undefined) slab[field] = count(o[field], `${path}.${field}`);
  }
  if (o.summary !== undefined) slab.summary = summaryFromWire(o.summary, `${path}.summary`);
  const total = old.total;
  if (o.bitmap !== undefined) {
    if (old.kind !== "plain") fail(`${path}.bitmap`, "a handle slab carries states, not a bitmap");
    slab.bitmap = bitmapFromWire(o.bitmap, total, `${path}.bitmap`);
  }
  if (o.states !== undefined) {
    if (old.kind !== "handle") fail(`${path}.states`, "a plain slab carries a bitmap, not states");
    const text = string(o.states, `${path}.states`);
    slab.states = nested(`${path}.states`, () => decodeStateRuns(text, total));
  }
  if (o.owners !== undefined) {
    const text = string(o.owners, `${path}.owners`);
    slab.owners = nested(`${path}.owners`, () => decodeOwnerRuns(text, total));
  }
  if (o.changes !== undefined) applyChanges(slab, old, object(o.changes, `${path}.changes`), path);
  return slab;
}

/** Applies per-slot changes, copying only the arrays it writes. */
function applyChanges(slab: SlabSnapshot, old: SlabSnapshot, c: JsonObject, path: string): void {
  const n = count(c.n, `${path}.changes.n`);
  if (n > slab.total) fail(`${path}.changes.n`, `${n} changes for ${slab.total} slots`);
  const at = string(c.at, `${path}.changes.at`);
  const k = count(c.k, `${path}.changes.k`);
  const indexes = nested(`${path}.changes.at`, () => decodeSlotList(at, k, n, slab.total));
  if (slab.kind === "plain" && slab.owners === undefined) {
    if (c.states !== undefined || c.owners !== undefined) {
      fail(`${path}.changes`, "a plain slab without owners changes by flipping bits only");
    }
    const bitmap = slab.bitmap === old.bitmap ? old.bitmap!.slice() : slab.bitmap!;
    for (const i of indexes) bitmap[i >> 3] ^= 1 << (i & 7);
    slab.bitmap = bitmap;
    return;
  }
  const letters = string(c.states, `${path}.changes.states`);
  if (letters.length !== n) {
    fail(`${path}.changes.states`, `${letters.length} letters for ${n} changes`);
  }
  if (slab.owners === undefined) fail(`${path}.changes`, "the slab carries no owners");
  const ownersText = string(c.owners, `${path}.changes.owners`);
  const owners = nested(`${path}.changes.owners`, () => decodeOwnerRuns(ownersText, n));
  const slotOwners = slab.owners === old.owners ? old.owners!.slice() : slab.owners;
  if (slab.kind === "handle") {
    const states = slab.states === old.states ? old.states!.slice() : slab.states!;
    for (let k = 0; k < n; k++) {
      const state = STATE_LETTERS.indexOf(letters[k]!);
      if (state < 0 || state === 1) {
        fail(`${path}.changes.states`, `${JSON.stringify(letters[k])} is not a handle state`);
      }
      states[indexes[k]!] = state;
      slotOwners[indexes[k]!] = owners[k]!;
    }
    slab.states = states;
  } else {
    const bitmap = slab.bitmap === old.bitmap ? old.bitmap!.slice() : slab.bitmap!;
    for (let k = 0; k < n; k++) {
      const i = indexes[k]!;
      const letter = letters[k];
      if (letter !== "F" && letter !== "U") {
        fail(`${path}.changes.states`, `${JSON.stringify(letter)} is not F or U`);
      }
      if (letter === "U") bitmap[i >> 3] |= 1 << (i & 7);
      else bitmap[i >> 3] &= ~(1 << (i & 7));
      slotOwners[i] = owners[k]!;
    }
    slab.bitmap = bitmap;
  }
  slab.owners = slotOwners;
}
