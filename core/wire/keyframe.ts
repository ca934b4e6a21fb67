// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Keyframes: a whole {@linkcode MemorySnapshot} as JSON text, and back.
 * Field by field in `docs/wire-format.md`.
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "./base64.ts";
import { decodeOwnerRuns, decodeStateRuns, encodeOwnerRuns, encodeStateRuns } from "./rle.ts";
import type {
  ArenaSnapshot,
  HeapSnapshot,
  MemorySnapshot,
  SlabSnapshot,
  SlabSummary,
  StateCounts,
  StreamSnapshot,
} from "./types.ts";
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

/** Scalar fields every slab carries, in wire order. */
export const SLAB_SCALARS = [
  "used",
  "hwm",
  "overflow",
  "allocs",
  "frees",
  "invalid_frees",
  "cas_retries",
] as const;

/** Fields of an arena entry, in wire order (besides `name` and `pool`). */
export const ARENA_FIELDS = [
  "used",
  "capacity",
  "hwm",
  "allocations",
  "resets",
  "overflow",
  "overflow_bytes",
] as const;

/** Number fields of the heap object. */
export const HEAP_FIELDS = [
  "rss",
  "heap_used",
  "heap_total",
  "heap_limit",
  "external",
  "malloced",
  "peak_malloced",
  "native_contexts",
  "detached_contexts",
] as const;
/** Fields of the stream object. */
export const STREAM_FIELDS = [
  "clients",
  "events_sent",
  "bytes_sent",
  "skipped_ticks",
  "slow_dropped",
  "collect_us",
  "encode_us",
  "send_us",
] as const;

/**
 * Encodes a snapshot as keyframe JSON: the data of a `diagnostics` event and
 * the body of `GET /debug/diagnostics/snapshot`.
 *
 * @param snapshot The snapshot.
 * @returns JSON text.
 *
 * @example Usage
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { encodeKeyframe } from "@slabscope/slabscope/wire";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 12 })).alloc();
 * const json = JSON.parse(encodeKeyframe(registry.snapshot()));
 * assert.equal(json.slabs[0].bitmap, "AQA="); // slot 0 used, LSB-first, base64
 * ```
 */
export function encodeKeyframe(snapshot: MemorySnapshot): string {
  const wire: JsonObject = {
    v: snapshot.v,
    seq: snapshot.seq,
    ts: snapshot.ts,
    slabs: snapshot.slabs.map(slabToWire),
    arenas: snapshot.arenas,
    owner_map: snapshot.owner_map,
    owner_kinds: snapshot.owner_kinds,
    heap: snapshot.heap,
  };
  if (snapshot.stream !== undefined) wire.stream = snapshot.stream;
  return JSON.stringify(wire);
}

/**
 * Decodes keyframe JSON, checking every field.
 *
 * @param text The data of a `diagnostics` event.
 * @returns The snapshot it encodes.
 * @throws {SyntaxError} Naming the first field that is missing or malformed.
 *
 * @example Usage
 * ```ts
 * import { decodeKeyframe, encodeKeyframe } from "@slabscope/slabscope/wire";
 * import { DiagnosticsRegistry } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const snapshot = new DiagnosticsRegistry().snapshot();
 * assert.deepEqual(decodeKeyframe(encodeKeyframe(snapshot)), snapshot);
 * assert.throws(() => decodeKeyframe('{"v":1}'), SyntaxError);
 * ```
 */
export function decodeKeyframe(text: string): MemorySnapshot {
  return keyframeFromJson(parseJson(text, "keyframe"));
}

/** Decodes an already parsed keyframe. */
export function keyframeFromJson(value: unknown): MemorySnapshot {
  const o = object(value, "keyframe");
  if (o.v !== WIRE_VERSION) {
    fail("keyframe.v", `expected wire version ${WIRE_VERSION}, received ${JSON.stringify(o.v)}`);
  }
  const slabs = array(o.slabs, "keyframe.slabs").map((s, i) => slabFromWire(s, `slabs[${i}]`));
  const arenas = array(o.arenas, "keyframe.arenas").map((a, i) => arenaFromWire(a, `arenas[${i}]`));
  unique(slabs, "slabs");
  unique(arenas, "arenas");
  const snapshot: MemorySnapshot = {
    v: WIRE_VERSION,
    seq: count(o.seq, "keyframe.seq"),
    ts: finite(o.ts, "keyframe.ts"),
    slabs,
    arenas,
    owner_map: nullableStrings(o.owner_map, "keyframe.owner_map"),
    owner_kinds: nullableStrings(o.owner_kinds, "keyframe.owner_kinds"),
    heap: heapFromWire(o.heap, "keyframe.heap"),
  };
  if (o.stream !== undefined) snapshot.stream = streamFromWire(o.stream, "keyframe.stream");
  return snapshot;
}

/** A slab's wire object (arrays as text). */
export function slabToWire(slab: SlabSnapshot): JsonObject {
  const wire: JsonObject = {
    name: slab.name,
    kind: slab.kind,
    slot_size: slab.slot_size,
    total: slab.total,
  };
  for (const field of SLAB_SCALARS) wire[field] = slab[field];
  if (slab.bitmap !== undefined) wire.bitmap = encodeBase64(slab.bitmap);
  if (slab.states !== undefined) wire.states = encodeStateRuns(slab.states);
  if (slab.owners !== undefined) wire.owners = encodeOwnerRuns(slab.owners);
  wire.summary = slab.summary;
  return wire;
}

/** Decodes and checks one slab object. */
export function slabFromWire(value: unknown, path: string): SlabSnapshot {
  const o = object(value, path);
  const kind = o.kind;
  if (kind !== "plain" && kind !== "handle") {
    fail(`${path}.kind`, `expected "plain" or "handle", received ${JSON.stringify(kind)}`);
  }
  const total = count(o.total, `${path}.total`);
  if (total < 1) fail(`${path}.total`, "a slab has at least one slot");
  const slab: SlabSnapshot = {
    name: string(o.name, `${path}.name`),
    kind,
    slot_size: count(o.slot_size, `${path}.slot_size`),
    total,
    used: 0,
    hwm: 0,
    overflow: 0,
    allocs: 0,
    frees: 0,
    invalid_frees: 0,
    cas_retries: 0,
    summary: summaryFromWire(o.summary, `${path}.summary`),
  };
  for (const field of SLAB_SCALARS) slab[field] = count(o[field], `${path}.${field}`);
  if (kind === "plain") {
    if (o.states !== undefined) fail(`${path}.states`, "a plain slab carries a bitmap, not states");
    slab.bitmap = bitmapFromWire(o.bitmap, total, `${path}.bitmap`);
  } else {
    if (o.bitmap !== undefined) {
      fail(`${path}.bitmap`, "a handle slab carries states, not a bitmap");
    }
    const text = string(o.states, `${path}.states`);
    slab.states = nested(`${path}.states`, () => decodeStateRuns(text, total));
    if (o.owners === undefined) fail(`${path}.owners`, "a handle slab carries owners");
  }
  if (o.owners !== undefined) {
    const text = string(o.owners, `${path}.owners`);
    slab.owners = nested(`${path}.owners`, () => decodeOwnerRuns(text, total));
  }
  return slab;
}

/** Decodes a bitmap of `total` slots; padding bits must be 0. */
export function bitmapFromWire(value: unknown, total: number, path: string): Uint8Array {
  const text = string(value, path);
  const bytes = nested(path, () => decodeBase64(text));
  const expected = Math.ceil(total / 8);
  if (bytes.length !== expected) {
    fail(path, `${bytes.length} bytes, expected ${expected} for ${total} slots`);
  }
  if (total % 8 !== 0 && (bytes[expected - 1]! >> (total % 8)) !== 0) {
    fail(path, "padding bits after the last slot are set");
  }
  return bytes;
}

/** Decodes per-state counts. */
export function countsFromWire(value: unknown, path: string): StateCounts {
  const o = object(value, path);
  return {
    U: count(o.U, `${path}.U`),
    N: count(o.N, `${path}.N`),
    A: count(o.A, `${path}.A`),
    I: count(o.I, `${path}.I`),
    C: count(o.C, `${path}.C`),
  };
}

/** Decodes a slab summary. */
export function summaryFromWire(value: unknown, path: string): SlabSummary {
  const o = object(value, path);
  const byOwner = object(o.by_owner, `${path}.by_owner`);
  const summary: SlabSummary = { ...countsFromWire(o, path), by_owner: {} };
  for (const [owner, counts] of Object.entries(byOwner)) {
    if (!/^(0|[1-9][0-9]{0,4})$/.test(owner) || Number(owner) > 65534) {
      fail(`${path}.by_owner`, `${JSON.stringify(owner)} is not an owner index`);
    }
    summary.by_owner[owner] = countsFromWire(counts, `${path}.by_owner.${owner}`);
  }
  return summary;
}

/** Decodes one arena entry. */
export function arenaFromWire(value: unknown, path: string): ArenaSnapshot {
  const o = object(value, path);
  const arena: ArenaSnapshot = {
    name: string(o.name, `${path}.name`),
    used: 0,
    capacity: 0,
    hwm: 0,
    allocations: 0,
    resets: 0,
    overflow: 0,
    overflow_bytes: 0,
  };
  for (const field of ARENA_FIELDS) arena[field] = count(o[field], `${path}.${field}`);
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

/** Decodes the heap object. */
export function heapFromWire(value: unknown, path: string): HeapSnapshot {
  const o = object(value, path);
  const heap = { spaces: [] } as unknown as HeapSnapshot;
  for (const field of HEAP_FIELDS) heap[field] = count(o[field], `${path}.${field}`);
  heap.spaces = array(o.spaces, `${path}.spaces`).map((s, i) => {
    const space = object(s, `${path}.spaces[${i}]`);
    return {
      name: string(space.name, `${path}.spaces[${i}].name`),
      size: count(space.size, `${path}.spaces[${i}].size`),
      used: count(space.used, `${path}.spaces[${i}].used`),
      available: count(space.available, `${path}.spaces[${i}].available`),
      physical: count(space.physical, `${path}.spaces[${i}].physical`),
    };
  });
  return heap;
}

/** Applies a heap patch (changed fields only; `spaces` whole) to a heap. */
export function heapPatchFromWire(base: HeapSnapshot, value: unknown, path: string): HeapSnapshot {
  const o = object(value, path);
  const heap: HeapSnapshot = { ...base };
  for (const [key, field] of Object.entries(o)) {
    if (key === "spaces") {
      heap.spaces = heapFromWire({ ...base, spaces: field }, path).spaces;
    } else if ((HEAP_FIELDS as readonly string[]).includes(key)) {
      heap[key as typeof HEAP_FIELDS[number]] = count(field, `${path}.${key}`);
    } else {
      fail(`${path}.${key}`, "not a heap field");
    }
  }
  return heap;
}

/** Applies a stream patch (changed fields only). */
export function streamPatchFromWire(
  base: StreamSnapshot | undefined,
  value: unknown,
  path: string,
): StreamSnapshot {
  const o = object(value, path);
  if (base === undefined) return streamFromWire(o, path);
  const stream: StreamSnapshot = { ...base };
  for (const [key, field] of Object.entries(o)) {
    if (!(STREAM_FIELDS as readonly string[]).includes(key)) {
      fail(`${path}.${key}`, "not a stream field");
    }
    stream[key as typeof STREAM_FIELDS[number]] = count(field, `${path}.${key}`);
  }
  return stream;
}

/** Decodes the stream's own figures. */
export function streamFromWire(value: unknown, path: string): StreamSnapshot {
  const o = object(value, path);
  const stream = {} as StreamSnapshot;
  for (const field of STREAM_FIELDS) stream[field] = count(o[field], `${path}.${field}`);
  return stream;
}

/** Checks that names are unique within a list. */
export function unique(entries: { name: string }[], path: string): void {
  const seen = new Set<string>();
  for (const { name } of entries) {
    if (seen.has(name)) fail(path, `the name ${JSON.stringify(name)} appears twice`);
    seen.add(name);
  }
}
