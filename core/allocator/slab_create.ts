// Copyright 2026 the slabscope authors. MIT license.
/**
 * Validating slab options and laying out a fresh slab's memory. Internal to
 * `SlabAllocator`.
 *
 * @module
 */

import { describe, typeName } from "./describe.ts";
import { initializeFreeList } from "./free_list.ts";
import {
  GENERATION_SHIFT,
  HEADER_BYTES,
  headerChecksum,
  indexBitsFor,
  initialGeneration,
  LAYOUT_VERSION,
  MAGIC,
  MAX_CAPACITY,
  MAX_PAYLOAD_BYTES,
  MAX_SLOT_SIZE,
  META_GENERATION_MASK,
  NAME_BYTES,
  NAME_OFFSET,
  NO_OWNER,
  regionsFor,
  W_CAPACITY,
  W_CHECKSUM,
  W_EPOCH_HI,
  W_EPOCH_LO,
  W_INDEX_BITS,
  W_KIND,
  W_MAGIC,
  W_NAME_LENGTH,
  W_SALT,
  W_SLOT_SIZE,
  W_STRIDE,
  W_VERSION,
} from "./slab_layout.ts";
import {
  DEFAULT_MAX_SITES,
  MAX_SAMPLE_EVERY,
  MAX_SITES,
  siteCheck,
  siteRegionsFor,
  W_MAX_SITES,
  W_SAMPLE_EVERY,
  W_SITES_CHECK,
} from "./site_layout.ts";
import { type SlabKind, type SlabViews, viewsOf } from "./slab_views.ts";
import { sharedWasmMemory } from "./wasm_core.ts";

/** The options `createSlabMemory` checks (`SlabAllocatorOptions`). */
export interface SlabShape {
  name: string;
  slotSize: number;
  capacity: number;
  kind?: SlabKind;
  sampleSites?: number;
  maxSites?: number;
}

/**
 * Checks the options and returns views over a new, fully initialized slab:
 * header, free list 0 → 1 → … (so the first allocations take the lowest
 * slots and grids fill from the top), generations, owners.
 *
 * @throws {TypeError} If an option has the wrong type.
 * @throws {RangeError} If a size or the name length is out of range.
 */
export function createSlabMemory(options: SlabShape): SlabViews {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create slab: expected an options object, received ${typeName(options)}`,
    );
  }
  const { name, slotSize, capacity, kind = "plain", sampleSites, maxSites } = options;
  const nameBytes = encodeName(name);
  checkInteger(name, "capacity", capacity, 1, MAX_CAPACITY);
  checkInteger(name, "slotSize", slotSize, 1, MAX_SLOT_SIZE);
  if (kind !== "plain" && kind !== "handle") {
    throw new TypeError(
      `Cannot create slab "${name}": kind must be "plain" or "handle", received ${
        JSON.stringify(kind)
      }`,
    );
  }
  // Handle slabs keep a table for labels (setSite()) unless told otherwise.
  if (sampleSites !== undefined) {
    checkInteger(name, "sampleSites", sampleSites, 0, MAX_SAMPLE_EVERY);
  }
  const sampleEvery = sampleSites ?? (kind === "handle" ? 0 : -1);
  if (maxSites !== undefined) {
    checkInteger(name, "maxSites", maxSites, 1, MAX_SITES);
    if (sampleEvery === -1) {
      throw new TypeError(
        `Cannot create slab "${name}": maxSites needs a site table; set sampleSites (0 for labels only)`,
      );
    }
  }
  const sites = sampleEvery === -1 ? 0 : maxSites ?? DEFAULT_MAX_SITES;
  const regions = regionsFor(capacity, slotSize);
  if (regions.stride * capacity > MAX_PAYLOAD_BYTES) {
    throw new RangeError(
      `Cannot create slab "${name}": ${capacity} slots of ${slotSize} bytes exceed the ${MAX_PAYLOAD_BYTES}-byte payload limit`,
    );
  }
  // Shared WebAssembly memory where possible, so that the WebAssembly core
  // can run on it; its buffer is a SharedArrayBuffer like any other.
  const total = sites === 0 ? regions.total : siteRegionsFor(regions.total, capacity, sites).end;
  const memory = sharedWasmMemory(total);
  const buffer = memory?.buffer as unknown as SharedArrayBuffer | undefined ??
    new SharedArrayBuffer(total);
  const words = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  const salt = crypto.getRandomValues(new Int32Array(1))[0]!;
  const epoch = Date.now();
  words[W_MAGIC] = MAGIC;
  words[W_VERSION] = LAYOUT_VERSION;
  words[W_CAPACITY] = capacity;
  words[W_SLOT_SIZE] = slotSize;
  words[W_KIND] = kind === "handle" ? 1 : 0;
  words[W_INDEX_BITS] = indexBitsFor(capacity);
  words[W_STRIDE] = regions.stride;
  words[W_SALT] = salt;
  words[W_NAME_LENGTH] = nameBytes.length;
  words[W_EPOCH_LO] = epoch % 2 ** 32;
  words[W_EPOCH_HI] = Math.floor(epoch / 2 ** 32);
  if (sites > 0) {
    words[W_SAMPLE_EVERY] = sampleEvery;
    words[W_MAX_SITES] = sites;
    words[W_SITES_CHECK] = siteCheck(sampleEvery, sites);
  }
  const header = new Uint8Array(buffer, 0, HEADER_BYTES);
  header.set(nameBytes, NAME_OFFSET);
  words[W_CHECKSUM] = headerChecksum(words, header);

  // Plain writes: no other thread can see the buffer until it is posted,
  // and postMessage orders all of them before that.
  const v = viewsOf(buffer, memory);
  initializeFreeList(v);
  // Generations start at a per-slab salt, so that another slab's handle for
  // the same slot index names a generation this slab never issued.
  for (let i = 0; i < capacity; i++) {
    const generation = initialGeneration(salt, i);
    v.slots[i] = generation << GENERATION_SHIFT;
    v.meta[2 * i] = ((generation & META_GENERATION_MASK) << 16) | NO_OWNER;
  }
  return v;
}

function encodeName(name: unknown): Uint8Array {
  if (typeof name !== "string") {
    throw new TypeError(`Cannot create slab: name must be a string, received ${typeName(name)}`);
  }
  const bytes = new TextEncoder().encode(name);
  if (bytes.length < 1 || bytes.length > NAME_BYTES) {
    throw new RangeError(
      `Cannot create slab ${
        JSON.stringify(name)
      }: name must be 1 to ${NAME_BYTES} UTF-8 bytes, received ${bytes.length}`,
    );
  }
  return bytes;
}

function checkInteger(
  slab: string,
  option: string,
  value: unknown,
  min: number,
  max: number,
): void {
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot create slab "${slab}": ${option} must be a number, received ${typeName(value)}`,
    );
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot create slab "${slab}": ${option} must be an integer from ${min} to ${max}, received ${
        describe(value)
      }`,
    );
  }
}
