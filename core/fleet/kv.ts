// Copyright 2026 the slabscope authors. MIT license.
/**
 * The part of `Deno.Kv` the fleet view uses (get, set, delete, atomic, list,
 * watch), the key layout, and Deno KV's limits.
 *
 * The fleet modules are typed against {@linkcode FleetKv} rather than
 * `Deno.Kv` so that they type-check without the `deno.unstable` lib: a
 * `Deno.Kv` from `Deno.openKv()` is a `FleetKv`.
 *
 * @module
 */

/** A key: what `Deno.Kv` accepts, without symbols. */
export type FleetKvKey = readonly (string | number | bigint | boolean | Uint8Array)[];

/** An entry as `get()` and `watch()` return it; `versionstamp` is `null` when absent. */
export interface FleetKvEntryMaybe {
  /** The key. */
  readonly key: readonly unknown[];
  /** The value, `null` when absent. */
  readonly value: unknown;
  /** The version of the entry, `null` when absent. */
  readonly versionstamp: string | null;
}

/** An entry as `list()` returns it. */
export interface FleetKvEntry {
  /** The key. */
  readonly key: readonly unknown[];
  /** The value. */
  readonly value: unknown;
  /** The version of the entry. */
  readonly versionstamp: string;
}

/** The result of a successful write. */
export interface FleetKvCommitResult {
  /** Always `true`. */
  ok: true;
  /** The version the write created. */
  versionstamp: string;
}

/** The part of `Deno.AtomicOperation` the fleet uses. */
export interface FleetKvAtomic {
  /** Adds a write to the operation. */
  set(key: FleetKvKey, value: unknown, options?: { expireIn?: number }): unknown;
  /** Commits every write at once. */
  commit(): Promise<FleetKvCommitResult | { ok: false }>;
}

/**
 * The part of `Deno.Kv` the fleet view uses. `Deno.openKv()` returns one:
 * on Deno Deploy with no arguments, locally with a path (or `":memory:"`)
 * and `--unstable-kv`.
 */
export interface FleetKv {
  /** Reads one entry. */
  get(key: FleetKvKey): Promise<FleetKvEntryMaybe>;
  /** Writes one entry. */
  set(
    key: FleetKvKey,
    value: unknown,
    options?: { expireIn?: number },
  ): Promise<FleetKvCommitResult>;
  /** Deletes one entry. */
  delete(key: FleetKvKey): Promise<void>;
  /** Starts an atomic operation. */
  atomic(): FleetKvAtomic;
  /** Lists the entries under a prefix, in key order. */
  list(
    selector: { prefix: FleetKvKey },
    options?: { limit?: number; consistency?: "strong" | "eventual" },
  ): AsyncIterable<FleetKvEntry>;
  /** Streams the entries of these keys: their current values, then each change. */
  watch(keys: readonly FleetKvKey[]): ReadableStream<readonly FleetKvEntryMaybe[]>;
}

/** The first part of every key the fleet writes. */
export const FLEET_PREFIX = "slabscope";

/** `["slabscope", "instances", id]`: an instance's `InstanceSummary`. */
export function instanceKey(id: string): FleetKvKey {
  return [FLEET_PREFIX, "instances", id];
}

/** `["slabscope", "requests", id]`: a reader's request for a keyframe. */
export function requestKey(id: string): FleetKvKey {
  return [FLEET_PREFIX, "requests", id];
}

/** `["slabscope", "keyframes", id]`: the header of an instance's latest keyframe. */
export function headerKey(id: string): FleetKvKey {
  return [FLEET_PREFIX, "keyframes", id];
}

/** `["slabscope", "keyframes", id, version]`: the prefix of one keyframe's chunks. */
export function chunkPrefix(id: string, version: string): FleetKvKey {
  return [FLEET_PREFIX, "keyframes", id, version];
}

/**
 * Deno KV's limits (`denokv_proto/limits.rs`, checked against Deno 2.9.6's
 * local backend), and the budget the fleet keeps under them.
 */
export const KV_LIMITS = {
  /** Largest value in bytes: 65,536 (65,537 fails with "Value too large"). */
  maxValueBytes: 65_536,
  /** Most mutations in one atomic operation: 1,000. */
  maxMutations: 1_000,
  /**
   * Largest sum of key and value bytes in one atomic operation: 819,200
   * (800 KiB; 12 values of 64,000 bytes commit, 13 fail).
   */
  maxCommitBytes: 819_200,
} as const;

/** Bytes per keyframe chunk: KV's largest value, stored as raw bytes. */
export const CHUNK_BYTES: number = KV_LIMITS.maxValueBytes;

/**
 * Key and value bytes one atomic write of keyframe chunks may use: the
 * commit limit less 16 KiB for the header and the keys' encoding.
 */
export const COMMIT_BUDGET: number = KV_LIMITS.maxCommitBytes - 16_384;

/** The longest instance id: keys stay far below KV's 2,048-byte key limit. */
export const MAX_ID_LENGTH = 64;

/** A random id of `length` base-36 characters. */
export function randomId(length = 10): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
  let id = "";
  for (const byte of bytes) {
    if (byte < 252) id += (byte % 36).toString(36); // 252 = 7 × 36: no bias
    if (id.length === length) return id;
  }
  return id + randomId(length - id.length);
}

/** Throws unless `id` is a usable instance id. */
export function checkId(id: unknown, action: string): string {
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new TypeError(
      `Cannot ${action}: the instance id must be a string of 1 to ${MAX_ID_LENGTH} characters, received ${
        JSON.stringify(id) ?? String(id)
      }`,
    );
  }
  return id;
}
