// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Keyframes: a whole {@linkcode MemorySnapshot} as JSON text, and back.
 * Field by field in `docs/wire-format.md`.
 *
 * @module
 */

import { encodeBase64 } from "./base64.ts";
import { MEMBERS, SLAB_SCALARS } from "./fields.ts";
import {
  arenaFromWire,
  checkOwnerLists,
  heapFromWire,
  ownerListFromWire,
  slabFromWire,
  slotListToWire,
  streamFromWire,
  unique,
} from "./records.ts";
import { openHandlesFromWire, openHandlesToWire } from "./open_handles.ts";
import { requestsFromWire } from "./request_records.ts";
import { sitesFromWire, sitesToWire } from "./allocation_sites.ts";
import { lintsFromWire, lintsToWire } from "./lints.ts";
import { encodeOwnerRuns, encodeStateRuns } from "./rle.ts";
import type { MemorySnapshot, SlabSnapshot } from "./types.ts";
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
} from "./validate.ts";

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
  if (snapshot.open_handles !== undefined) {
    wire.open_handles = openHandlesToWire(snapshot.open_handles);
  }
  if (snapshot.requests !== undefined) wire.requests = snapshot.requests;
  if (snapshot.sites !== undefined) wire.sites = sitesToWire(snapshot.sites);
  if (snapshot.lints !== undefined) wire.lints = lintsToWire(snapshot.lints);
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
  onlyFields(o, MEMBERS.keyframe, "keyframe", "a keyframe");
  if (o.v !== WIRE_VERSION) {
    fail("keyframe.v", `expected wire version ${WIRE_VERSION}, received ${shown(o.v)}`);
  }
  const seq = count(o.seq, "keyframe.seq");
  const ts = count(o.ts, "keyframe.ts");
  const slabs = array(o.slabs, "keyframe.slabs").map((s, i) =>
    slabFromWire(s, `keyframe.slabs[${i}]`)
  );
  unique(slabs, "keyframe.slabs");
  const arenas = array(o.arenas, "keyframe.arenas").map((a, i) =>
    arenaFromWire(a, `keyframe.arenas[${i}]`)
  );
  unique(arenas, "keyframe.arenas");
  const ownerMap = ownerListFromWire(o.owner_map, "keyframe.owner_map");
  const ownerKinds = ownerListFromWire(o.owner_kinds, "keyframe.owner_kinds");
  checkOwnerLists(ownerMap, ownerKinds, "keyframe.owner_kinds");
  const snapshot: MemorySnapshot = {
    v: WIRE_VERSION,
    seq,
    ts,
    slabs,
    arenas,
    owner_map: ownerMap,
    owner_kinds: ownerKinds,
    heap: heapFromWire(o.heap, "keyframe.heap"),
  };
  if (o.stream !== undefined) snapshot.stream = streamFromWire(o.stream, "keyframe.stream");
  if (o.open_handles !== undefined) {
    snapshot.open_handles = openHandlesFromWire(o.open_handles, slabs, "keyframe.open_handles");
  }
  if (o.requests !== undefined) {
    snapshot.requests = requestsFromWire(o.requests, "keyframe.requests", ts);
  }
  if (o.sites !== undefined) snapshot.sites = sitesFromWire(o.sites, slabs, "keyframe.sites");
  if (o.lints !== undefined) {
    snapshot.lints = lintsFromWire(o.lints, slabs, arenas, "keyframe.lints");
  }
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
  if (slab.cached_slots !== undefined && slab.cached_slots.length > 0) {
    wire.cached_slots = slotListToWire(slab.cached_slots);
  }
  wire.summary = slab.summary;
  return wire;
}
