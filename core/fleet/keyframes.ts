// Copyright 2026 the slabscope authors. MIT license.
/**
 * Keyframes in KV: chunked under a per-write version, with a header written
 * last, so that a reader never reassembles a mix of two keyframes.
 *
 * ```
 * ["slabscope", "keyframes", id]              → KeyframeHeader (points at a version)
 * ["slabscope", "keyframes", id, version, n]  → Uint8Array, at most 65,536 bytes
 * ```
 *
 * Chunks of a version are written once and never changed; a new keyframe
 * gets a new version, and the old one expires. A keyframe that fits in one
 * atomic operation (up to 12 chunks, 786,432 bytes) is written in one;
 * larger ones are written in several, the header with the last, so a reader
 * that sees the header finds every chunk in place.
 *
 * @module
 */

import {
  CHUNK_BYTES,
  chunkPrefix,
  COMMIT_BUDGET,
  type FleetKv,
  type FleetKvAtomic,
  headerKey,
  KV_LIMITS,
  randomId,
} from "./kv.ts";

/** Version of the header format, carried as `v`. */
export const HEADER_VERSION = 1;

/** Bytes reserved per chunk key when planning commits (keys are far shorter). */
const KEY_BYTES = 128;

/** Where an instance's latest keyframe is, and how to check it is whole. */
export interface KeyframeHeader {
  /** The nonce of the request this keyframe answers. */
  nonce: string;
  /** Keyframes this publisher has written, this one included. */
  seq: number;
  /** The key part under which this keyframe's chunks are. */
  version: string;
  /** Number of chunks. */
  chunks: number;
  /** Bytes of UTF-8 keyframe text, over all chunks. */
  bytes: number;
  /** When it was written, in ms since the Unix epoch. */
  written: number;
  /** Header format version: 1. */
  v: number;
}

/** Options for {@linkcode writeKeyframe}. */
export interface WriteKeyframeOptions {
  /** The request's nonce. */
  nonce: string;
  /** The publisher's write count. */
  seq: number;
  /** Milliseconds until the header and the chunks expire. */
  expireIn: number;
  /** Bytes per chunk, for tests: KV's value limit by default. */
  chunkBytes?: number;
  /** Key and value bytes per atomic operation, for tests. */
  commitBytes?: number;
}

/** What {@linkcode writeKeyframe} wrote. */
export interface WrittenKeyframe {
  /** The header, as stored. */
  header: KeyframeHeader;
  /** Atomic operations it took: 1 unless the keyframe exceeds one operation's limits. */
  commits: number;
}

const encoder = new TextEncoder();

/**
 * Writes keyframe text as chunks under a new version, then the header.
 *
 * @param kv The database.
 * @param id The instance id.
 * @param text Keyframe JSON text.
 * @param options The nonce answered, the write count and the expiry.
 * @returns The header and the number of atomic operations used.
 * @throws {Error} If KV rejects a write.
 */
export async function writeKeyframe(
  kv: FleetKv,
  id: string,
  text: string,
  options: WriteKeyframeOptions,
): Promise<WrittenKeyframe> {
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const commitBytes = options.commitBytes ?? COMMIT_BUDGET;
  const perCommit = Math.max(
    1,
    Math.min(
      Math.floor(commitBytes / (chunkBytes + KEY_BYTES)),
      KV_LIMITS.maxMutations - 1,
    ),
  );
  const bytes = encoder.encode(text);
  const chunks = Math.ceil(bytes.length / chunkBytes);
  const version = randomId(12);
  const prefix = chunkPrefix(id, version);
  const expireIn = options.expireIn;
  const header: KeyframeHeader = {
    nonce: options.nonce,
    seq: options.seq,
    version,
    chunks,
    bytes: bytes.length,
    written: Date.now(),
    v: HEADER_VERSION,
  };
  let commits = 0;
  let n = 0;
  do {
    const op: FleetKvAtomic = kv.atomic();
    const end = Math.min(chunks, n + perCommit);
    for (; n < end; n++) {
      op.set([...prefix, n], bytes.subarray(n * chunkBytes, (n + 1) * chunkBytes), { expireIn });
    }
    // The header goes with the last chunks: never before them.
    if (n === chunks) op.set(headerKey(id), header, { expireIn });
    const result = await op.commit();
    commits++;
    if (!result.ok) {
      throw new Error(`Cannot write the keyframe of instance "${id}": the atomic write failed`);
    }
  } while (n < chunks);
  return { header, commits };
}

/**
 * Reads and checks a header; `undefined` for anything else.
 *
 * @param value A value read from the header key.
 * @returns The header, or `undefined`.
 */
export function parseHeader(value: unknown): KeyframeHeader | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const o = value as Record<string, unknown>;
  const counts = [o.seq, o.chunks, o.bytes, o.written];
  if (o.v !== HEADER_VERSION || typeof o.nonce !== "string" || typeof o.version !== "string") {
    return undefined;
  }
  if (!counts.every((c) => typeof c === "number" && Number.isSafeInteger(c) && c >= 0)) {
    return undefined;
  }
  return {
    nonce: o.nonce,
    seq: o.seq as number,
    version: o.version,
    chunks: o.chunks as number,
    bytes: o.bytes as number,
    written: o.written as number,
    v: HEADER_VERSION,
  };
}

/**
 * Reassembles the keyframe a header points at.
 *
 * @param kv The database.
 * @param id The instance id.
 * @param header The header.
 * @returns The keyframe text, or `undefined` when a chunk is missing (its
 * expiry passed) or the chunks do not add up to the header's byte count.
 */
export async function readKeyframe(
  kv: FleetKv,
  id: string,
  header: KeyframeHeader,
): Promise<string | undefined> {
  if (header.chunks === 0) return header.bytes === 0 ? "" : undefined;
  const bytes = new Uint8Array(header.bytes);
  let offset = 0;
  let n = 0;
  const entries = kv.list({ prefix: chunkPrefix(id, header.version) }, { limit: header.chunks });
  for await (const entry of entries) {
    const chunk = entry.value;
    if (entry.key.at(-1) !== n || !(chunk instanceof Uint8Array)) return undefined;
    if (offset + chunk.length > bytes.length) return undefined;
    bytes.set(chunk, offset);
    offset += chunk.length;
    n++;
  }
  if (n !== header.chunks || offset !== header.bytes) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
