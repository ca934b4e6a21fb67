// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode publishToFleet}: one instance's part of the fleet view. It
 * keeps a small summary of the instance in Deno KV, and writes a whole
 * keyframe when a reader asks for one.
 *
 * @module
 */

import { positiveOption } from "../options.ts";
import { decodeKeyframe, encodeKeyframe } from "../wire/keyframe.ts";
import type { MemorySnapshot } from "../wire/types.ts";
import { writeKeyframe } from "./keyframes.ts";
import { constantTimeEqual } from "../constant_time_equal.ts";
import { checkId, type FleetKv, instanceKey, randomId, requestKey } from "./kv.ts";
import { type InstanceSummary, summarizeSnapshot, SUMMARY_VERSION } from "./summary.ts";
import { keyframeProof, trustFingerprint } from "./trust.ts";
import { KeyWatcher } from "./watch.ts";

/**
 * Where a publisher reads the instance's state: a `DiagnosticsStream`
 * (`snapshot()` returns keyframe text) or a `DiagnosticsRegistry`
 * (`snapshot()` returns a `MemorySnapshot`) both fit.
 */
export interface FleetSource {
  /** The current state, as keyframe JSON text or as a snapshot. */
  snapshot(): string | MemorySnapshot;
}

/** Options for {@linkcode publishToFleet}. */
export interface PublishToFleetOptions {
  /**
   * The instance id, unique in the fleet: 1 to 64 characters.
   *
   * @default {a random 10-character base-36 id}
   */
  id?: string;
  /**
   * The name a fleet view shows: 1 to 256 characters.
   *
   * @default {the host name}
   */
  name?: string;
  /**
   * The host name: 1 to 256 characters. By default `Deno.hostname()`, or
   * `"unknown"` without permission to read it (`--allow-sys=hostname`).
   */
  host?: string;
  /**
   * Milliseconds between summary writes.
   *
   * @default {5000}
   */
  interval?: number;
  /**
   * Milliseconds after which an instance's summary expires: an instance
   * that stopped writing leaves the list this long after its last write.
   *
   * @default {3 × interval}
   */
  expireIn?: number;
  /**
   * Milliseconds after which a keyframe written for a reader expires.
   *
   * @default {60000}
   */
  keyframeExpireIn?: number;
  /**
   * Milliseconds between reads of the request key, besides watching it.
   * `kv.watch()` on a local KV file misses other processes' writes; on Deno
   * Deploy it hears every isolate, and `0` saves the reads.
   *
   * @default {1000}
   */
  pollInterval?: number;
  /**
   * Called when a KV write or a snapshot fails; the publisher goes on.
   *
   * @default {console.error}
   */
  onError?: (error: Error) => void;
  /**
   * The token that protects this instance's endpoints, when there is one
   * (`createDiagnosticsHandler()` and `createDashboard()` pass theirs).
   * The summary then carries its fingerprint (see `trustFingerprint()`),
   * and keyframe requests are answered only when they carry a proof made
   * with the same token (see `requestKeyframe()`): a reader without it
   * learns nothing of this instance beyond its summary.
   */
  token?: string;
}

/** A running publisher, from {@linkcode publishToFleet}. */
export interface FleetPublisher extends AsyncDisposable {
  /** The instance id. */
  readonly id: string;
  /** Settles once the first summary write is done (or failed, see `onError`). */
  readonly ready: Promise<void>;
  /**
   * Stops publishing and removes the instance from the list. Resolves once
   * nothing is in flight.
   */
  close(): Promise<void>;
}

/**
 * Publishes this instance to a fleet view over Deno KV: a summary under
 * `["slabscope", "instances", id]` every `interval`, expiring when the
 * instance stops, and a keyframe whenever `requestKeyframe()` asks for it.
 *
 * Works unchanged on Deno Deploy (`await Deno.openKv()`) and on one
 * machine (`await Deno.openKv("fleet.db")` in every process, with
 * `--unstable-kv`).
 *
 * @param source The instance's state: a `DiagnosticsRegistry` or a `DiagnosticsStream`.
 * @param kv The database the fleet shares.
 * @param options Id, names, intervals and error reporting.
 * @returns The running publisher: its id, and `close()`.
 * @throws {TypeError} If the id, name, host or token is not a string of the allowed length.
 * @throws {RangeError} If an interval is not a positive number.
 *
 * @example Publishing an instance and listing the fleet
 * ```ts
 * /// <reference lib="deno.unstable" />
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { listInstances, publishToFleet } from "@slabscope/slabscope/fleet";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const slab = registry.addSlab(new SlabAllocator({ name: "buffers", slotSize: 64, capacity: 8 }));
 * slab.alloc();
 * slab.alloc();
 *
 * const kv = await Deno.openKv(":memory:"); // `await Deno.openKv()` on Deno Deploy
 * const publisher = publishToFleet(registry, kv, { name: "api-1" });
 * await publisher.ready;
 *
 * const [instance] = await listInstances(kv);
 * assert.equal(instance?.id, publisher.id);
 * assert.equal(instance?.name, "api-1");
 * assert.deepEqual(instance?.worst, { pool: "buffers", ratio: 0.25 });
 *
 * await publisher.close(); // and the instance leaves the list
 * assert.deepEqual(await listInstances(kv), []);
 * kv.close();
 * ```
 */
export function publishToFleet(
  source: FleetSource,
  kv: FleetKv,
  options: PublishToFleetOptions = {},
): FleetPublisher {
  return new Publisher(source, kv, options);
}

const ACTION = "publish to the fleet";

function text(value: string | undefined, fallback: () => string, name: string): string {
  if (value === undefined) return fallback();
  if (typeof value !== "string" || value.length === 0 || value.length > 256) {
    throw new TypeError(
      `Cannot ${ACTION}: ${name} must be a string of 1 to 256 characters, received ${
        JSON.stringify(value) ?? String(value)
      }`,
    );
  }
  return value;
}

function hostname(): string {
  try {
    return Deno.hostname().slice(0, 256) || "unknown";
  } catch {
    return "unknown"; // NotCapable (PermissionDenied before Deno 2), or no hostname
  }
}

class Publisher implements FleetPublisher {
  #source: FleetSource;
  #kv: FleetKv;
  #id: string;
  #name: string;
  #host: string;
  #interval: number;
  #expireIn: number;
  #keyframeExpireIn: number;
  #onError: (error: Error) => void;
  #token: string | undefined;
  #trust: Promise<string | null>;
  #started = Math.round(performance.timeOrigin);
  #watcher: KeyWatcher;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #writing: Promise<void> | undefined;
  #answered = "";
  /** Requests being checked (their proofs are verified asynchronously). */
  #checking = new Set<Promise<void>>();
  #wanted: string | undefined;
  #answering: Promise<void> | undefined;
  #seq = 0;
  #closing: Promise<void> | undefined;
  readonly ready: Promise<void>;

  constructor(source: FleetSource, kv: FleetKv, options: PublishToFleetOptions) {
    this.#source = source;
    this.#kv = kv;
    this.#id = options.id === undefined ? randomId(10) : checkId(options.id, ACTION);
    this.#host = text(options.host, hostname, "host");
    this.#name = text(options.name, () => this.#host, "name");
    this.#interval = positiveOption(options.interval, 5_000, "interval", ACTION);
    this.#expireIn = positiveOption(options.expireIn, 3 * this.#interval, "expireIn", ACTION);
    this.#keyframeExpireIn = positiveOption(
      options.keyframeExpireIn,
      60_000,
      "keyframeExpireIn",
      ACTION,
    );
    const pollInterval = options.pollInterval === 0
      ? 0
      : positiveOption(options.pollInterval, 1_000, "pollInterval", ACTION);
    this.#onError = options.onError ?? ((error) => console.error(error));
    if (options.token !== undefined && (typeof options.token !== "string" || !options.token)) {
      throw new TypeError(`Cannot ${ACTION}: token must be a non-empty string`);
    }
    this.#token = options.token;
    this.#trust = trustFingerprint(this.#token);
    this.ready = this.#publish();
    this.#watcher = new KeyWatcher(kv, requestKey(this.#id), {
      pollInterval,
      onEntry: (entry) => {
        const checked = this.#request(entry.value)
          .catch((error) => this.#report("check a keyframe request", error));
        this.#checking.add(checked);
        checked.finally(() => this.#checking.delete(checked));
      },
      onError: (error) => this.#report("watch for keyframe requests", error),
    });
  }

  get id(): string {
    return this.#id;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.#watcher.close();
      await Promise.all(this.#checking);
      await this.#writing;
      await this.#answering;
      try {
        await this.#kv.delete(instanceKey(this.#id));
      } catch (error) {
        this.#report("remove the instance", error);
      }
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Writes the summary now, then schedules the next write. */
  #publish(): Promise<void> {
    this.#writing = (async () => {
      try {
        const summary = this.#summary(await this.#trust);
        await this.#kv.set(instanceKey(this.#id), summary, { expireIn: this.#expireIn });
      } catch (error) {
        this.#report("write the instance summary", error);
      } finally {
        this.#writing = undefined;
        if (this.#closing === undefined) {
          this.#timer = setTimeout(() => this.#publish(), this.#interval);
        }
      }
    })();
    return this.#writing;
  }

  #summary(trust: string | null): InstanceSummary {
    const state = this.#source.snapshot();
    const snapshot = typeof state === "string" ? decodeKeyframe(state) : state;
    const updated = Date.now();
    const summary: InstanceSummary = {
      id: this.#id,
      name: this.#name,
      host: this.#host,
      started: this.#started,
      updated,
      uptime: Math.max(0, updated - this.#started),
      expireIn: Math.ceil(this.#expireIn),
      ...summarizeSnapshot(snapshot),
      trust,
      v: SUMMARY_VERSION,
    };
    if (typeof Deno.pid === "number") summary.pid = Deno.pid;
    return summary;
  }

  /**
   * A reader's request: `{ nonce, time, expireIn, proof? }`. Each nonce is
   * considered once; with a token, only a request whose proof was made
   * with it is answered.
   */
  async #request(value: unknown): Promise<void> {
    if (typeof value !== "object" || value === null || this.#closing !== undefined) return;
    const { nonce, time, expireIn, proof } = value as Record<string, unknown>;
    if (typeof nonce !== "string" || nonce === this.#answered) return;
    this.#answered = nonce;
    // A request left over from before this process started (expired but
    // not deleted yet) is not answered; 5 s allow for clock skew.
    const lifetime = typeof expireIn === "number" ? expireIn : this.#keyframeExpireIn;
    if (typeof time === "number" && Date.now() - time > lifetime + 5_000) return;
    if (this.#token !== undefined) {
      const expected = await keyframeProof(this.#token, this.#id, nonce);
      if (typeof proof !== "string" || !constantTimeEqual(proof, expected)) return;
      if (this.#closing !== undefined || this.#answered !== nonce) return; // superseded meanwhile
    }
    this.#wanted = nonce;
    this.#startAnswering();
  }

  #startAnswering(): void {
    if (this.#answering !== undefined || this.#closing !== undefined) return;
    this.#answering = this.#answer().finally(() => {
      this.#answering = undefined;
      if (this.#wanted !== undefined) this.#startAnswering();
    });
  }

  /** Writes keyframes until no request is waiting: the latest one wins. */
  async #answer(): Promise<void> {
    while (this.#wanted !== undefined && this.#closing === undefined) {
      const nonce = this.#wanted;
      this.#wanted = undefined;
      try {
        const state = this.#source.snapshot();
        const text = typeof state === "string" ? state : encodeKeyframe(state);
        await writeKeyframe(this.#kv, this.#id, text, {
          nonce,
          seq: ++this.#seq,
          expireIn: this.#keyframeExpireIn,
        });
      } catch (error) {
        this.#report("write a keyframe", error);
      }
    }
  }

  #report(action: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#onError(
      new Error(`Cannot ${action} for fleet instance "${this.#id}": ${message}`, { cause: error }),
    );
  }
}
