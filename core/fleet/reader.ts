// Copyright 2026 the slabscope authors. MIT license.
/**
 * The reading side of the fleet view: {@linkcode listInstances} for the
 * table, {@linkcode requestKeyframe} for one instance's whole state.
 *
 * @module
 */

import { positiveOption } from "../options.ts";
import { decodeKeyframe } from "../wire/keyframe.ts";
import { parseHeader, readKeyframe } from "./keyframes.ts";
import {
  checkId,
  FLEET_PREFIX,
  type FleetKv,
  type FleetKvEntryMaybe,
  headerKey,
  instanceKey,
  randomId,
  requestKey,
} from "./kv.ts";
import { type InstanceSummary, parseSummary } from "./summary.ts";
import { keyframeProof, trustFingerprint } from "./trust.ts";
import { KeyWatcher } from "./watch.ts";

/** Options for {@linkcode listInstances}. */
export interface ListInstancesOptions {
  /**
   * The time to judge expiry by, in ms since the Unix epoch.
   *
   * @default {Date.now()}
   */
  now?: number;
  /**
   * The most entries to read.
   *
   * @default {1000}
   */
  limit?: number;
  /**
   * `"eventual"` reads from the nearest replica on Deno Deploy: faster far
   * from the primary region, and possibly a moment behind.
   *
   * @default {"strong"}
   */
  consistency?: "strong" | "eventual";
}

/**
 * Lists the live instances of the fleet, sorted by name, then id.
 *
 * An instance that stopped writing is left out as soon as its summary's
 * expiry has passed (`updated + expireIn`), even while KV still holds the
 * entry: KV deletes expired entries some time later, not at once. Entries
 * that are not summaries of this version are skipped.
 *
 * @param kv The database the fleet shares.
 * @param options The time to judge expiry by, a limit, the consistency.
 * @returns The summaries of the live instances.
 *
 * @example A dashboard's poll
 * ```ts
 * /// <reference lib="deno.unstable" />
 * import { DiagnosticsRegistry } from "@slabscope/slabscope";
 * import { listInstances, publishToFleet } from "@slabscope/slabscope/fleet";
 * import assert from "node:assert/strict";
 *
 * const kv = await Deno.openKv(":memory:");
 * const registry = new DiagnosticsRegistry();
 * const b = publishToFleet(registry, kv, { name: "b", host: "eu-1" });
 * const a = publishToFleet(registry, kv, { name: "a", host: "us-1" });
 * await Promise.all([a.ready, b.ready]);
 *
 * const instances = await listInstances(kv);
 * assert.deepEqual(instances.map((i) => `${i.name}@${i.host}`), ["a@us-1", "b@eu-1"]);
 * assert.equal(instances[0]?.expireIn, 15_000); // 3 × the 5 s interval
 *
 * // Once their summaries have expired, the instances are gone from the list,
 * // whether or not KV has deleted the entries yet.
 * const later = Date.now() + 30_000;
 * assert.deepEqual(await listInstances(kv, { now: later }), []);
 *
 * await Promise.all([a.close(), b.close()]);
 * kv.close();
 * ```
 */
export async function listInstances(
  kv: FleetKv,
  options: ListInstancesOptions = {},
): Promise<InstanceSummary[]> {
  const now = options.now ?? Date.now();
  const limit = positiveOption(options.limit, 1_000, "limit", "list the fleet's instances");
  const instances: InstanceSummary[] = [];
  const entries = kv.list({ prefix: [FLEET_PREFIX, "instances"] }, {
    limit,
    consistency: options.consistency ?? "strong",
  });
  for await (const entry of entries) {
    const summary = parseSummary(entry.value);
    if (summary === undefined || summary.id !== entry.key[2]) continue;
    if (summary.updated + summary.expireIn < now) continue;
    instances.push(summary);
  }
  return instances.sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Reads one live instance's summary.
 *
 * @param kv The database the fleet shares.
 * @param id The instance id.
 * @returns The summary, or `undefined` when the instance is not listed or
 * its summary has expired.
 *
 * @example Usage
 * ```ts
 * /// <reference lib="deno.unstable" />
 * import { DiagnosticsRegistry } from "@slabscope/slabscope";
 * import { publishToFleet, readInstance } from "@slabscope/slabscope/fleet";
 * import assert from "node:assert/strict";
 *
 * const kv = await Deno.openKv(":memory:");
 * const publisher = publishToFleet(new DiagnosticsRegistry(), kv, { name: "a" });
 * await publisher.ready;
 * assert.equal((await readInstance(kv, publisher.id))?.name, "a");
 * await publisher.close();
 * assert.equal(await readInstance(kv, publisher.id), undefined);
 * kv.close();
 * ```
 */
export async function readInstance(
  kv: FleetKv,
  id: string,
): Promise<InstanceSummary | undefined> {
  const listed = parseSummary((await kv.get(instanceKey(id))).value);
  if (listed === undefined || listed.id !== id) return undefined;
  return listed.updated + listed.expireIn < Date.now() ? undefined : listed;
}

/** Options for {@linkcode requestKeyframe}. */
export interface RequestKeyframeOptions {
  /**
   * Milliseconds to wait for the instance to answer.
   *
   * @default {5000}
   */
  timeout?: number;
  /**
   * Milliseconds between reads of the answer, besides watching for it
   * (`kv.watch()` on a local KV file misses other processes' writes).
   * `0` relies on watching alone.
   *
   * @default {250}
   */
  pollInterval?: number;
  /** Stops waiting: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The token of the fleet's trust domain, when its instances have one:
   * the request carries a proof made with it (see `keyframeProof()`). The
   * instance must be in this token's domain (see `InstanceSummary.trust`).
   */
  token?: string;
}

/**
 * Asks one instance for its current state and waits for it: sets a request
 * under `["slabscope", "requests", id]`, waits for the instance's keyframe
 * header to answer it, then reassembles the keyframe from its chunks.
 *
 * A header answers the request when it carries the request's nonce, or when
 * it was written after the request (another reader's request, answered
 * after this one was made, is just as fresh).
 *
 * @param kv The database the fleet shares.
 * @param id The instance id, from {@linkcode listInstances}.
 * @param options A timeout, a poll interval and an abort signal.
 * @returns The keyframe JSON text (checked with `decodeKeyframe`), or
 * `undefined` if the instance is not listed (at once) or did not answer in
 * time.
 * @throws {TypeError} If `id` is not an instance id.
 * @throws {Error} If the instance is protected by another token than
 * `token` (or by one while `token` is not given, or the other way round),
 * or answered with a keyframe that does not decode.
 *
 * @example Fetching the state of one instance
 * ```ts
 * /// <reference lib="deno.unstable" />
 * import { decodeKeyframe } from "@slabscope/slabscope/wire";
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { publishToFleet, requestKeyframe } from "@slabscope/slabscope/fleet";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "handles", slotSize: 1, capacity: 1024 })).alloc();
 *
 * const kv = await Deno.openKv(":memory:");
 * const publisher = publishToFleet(registry, kv);
 * await publisher.ready;
 *
 * const text = await requestKeyframe(kv, publisher.id, { timeout: 2_000 });
 * assert.equal(decodeKeyframe(text!).slabs[0]?.used, 1);
 * assert.equal(await requestKeyframe(kv, "no-such-instance"), undefined);
 *
 * await publisher.close();
 * kv.close();
 * ```
 */
export async function requestKeyframe(
  kv: FleetKv,
  id: string,
  options: RequestKeyframeOptions = {},
): Promise<string | undefined> {
  const action = "request a keyframe";
  checkId(id, action);
  const timeout = positiveOption(options.timeout, 5_000, "timeout", action);
  const pollInterval = options.pollInterval === 0
    ? 0
    : positiveOption(options.pollInterval, 250, "pollInterval", action);
  const signal = options.signal;
  signal?.throwIfAborted();
  const listed = await readInstance(kv, id);
  if (listed === undefined) return undefined;
  if (listed.trust !== await trustFingerprint(options.token)) {
    throw new Error(
      `Cannot ${action} from fleet instance "${id}": ${
        listed.trust === null
          ? "it has no token, and a token was given"
          : options.token === undefined
          ? "it is protected by a token, and none was given"
          : "it is protected by another token"
      } (a fleet is one trust domain)`,
    );
  }

  const nonce = randomId(16);
  const request: Record<string, unknown> = { nonce, time: Date.now(), expireIn: timeout };
  if (options.token !== undefined) request.proof = await keyframeProof(options.token, id, nonce);
  const { versionstamp: asked } = await kv.set(requestKey(id), request, { expireIn: timeout });

  let latest: FleetKvEntryMaybe | undefined;
  let wake: (() => void) | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
    timer = setTimeout(resolve, timeout);
  });
  signal?.addEventListener("abort", stop, { once: true });
  const watcher = new KeyWatcher(kv, headerKey(id), {
    pollInterval,
    onEntry: (entry) => {
      latest = entry;
      wake?.();
    },
    onError: () => {}, // the timeout covers a database that stops answering
  });
  try {
    while (true) {
      if (latest === undefined) {
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), stopped]);
        wake = undefined;
      }
      signal?.throwIfAborted();
      const entry = latest;
      latest = undefined;
      if (entry === undefined) return undefined; // timed out
      const header = parseHeader(entry.value);
      if (header === undefined) continue;
      if (header.nonce !== nonce && entry.versionstamp! <= asked) continue; // older
      const text = await readKeyframe(kv, id, header);
      if (text === undefined) continue; // expired meanwhile: wait for the next
      try {
        decodeKeyframe(text);
      } catch (error) {
        throw new Error(
          `Cannot ${action} from fleet instance "${id}": it answered with an invalid keyframe (${
            (error as Error).message
          })`,
          { cause: error },
        );
      }
      return text;
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", stop);
    await watcher.close();
  }
}
