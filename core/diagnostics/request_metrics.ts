// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode RequestMetrics}: the counters, duration histograms and the last
 * minute of one server's requests (or of the outgoing requests to one
 * origin), kept on the request path at a few array writes per request.
 *
 * @module
 */

import { bucketOf, DURATION_BUCKETS, quantileUs } from "../wire/durations.ts";
import {
  HISTORY_SECONDS,
  type RequestClassSnapshot,
  type RequestSnapshot,
  STATUS_CLASSES,
  type StatusClass,
} from "../wire/types.ts";

/** Rows of the per-second ring: the 60 seconds of the window and the current one. */
const RING_SECONDS = HISTORY_SECONDS + 1;
const CLASSES = STATUS_CLASSES.length;

/**
 * Told of every completed request, by `RequestMetricsSet.onComplete()`
 * listeners (the OpenTelemetry histograms).
 */
export type CompletionListener = (
  metrics: RequestMetrics,
  status: number,
  durationUs: number,
) => void;

/** Whose requests: a server's incoming ones, or a client's outgoing ones. */
export type RequestKind = "server" | "client";

/** What the recorders of one set share: the listener, looked up once per request. */
export interface RequestMetricsHooks {
  /** Called with every completed request; `undefined` when nobody listens. */
  complete: CompletionListener | undefined;
}

/** The status class index of a status: 0 for 1xx … 4 for 5xx; anything else counts as 5xx. */
export function statusClassIndex(status: number): number {
  const index = Math.floor(status / 100) - 1;
  return index >= 0 && index < CLASSES ? index : CLASSES - 1;
}

/**
 * One server's (or one origin's) request metrics. `start()` when a request
 * begins, then exactly one of `complete()` and `abort()` when it ends.
 *
 * Counters and histograms are cumulative. The window (what `history` and
 * the percentiles cover) is the last 60 complete seconds, kept in a ring of
 * per-second histograms that is moved on when a request completes or a
 * snapshot is taken in a later second: a request adds to one bucket of the
 * current second, and each second that passes adds one row to the window
 * and takes the oldest out.
 *
 * Not shared between threads: a recorder lives in the isolate whose
 * requests it counts.
 *
 * @example Counting requests
 * ```ts
 * import { RequestMetrics } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const metrics = new RequestMetrics("server", "api");
 * const t0 = 1_800_000_000_000;
 * metrics.start();
 * metrics.complete(200, 1_500, 0, 13, t0); // 1.5 ms, 13 body bytes sent
 * metrics.start();
 * metrics.abort(0, 0);
 * const record = metrics.snapshot(t0 + 1000); // one second later
 * assert.equal(record.completed, 1);
 * assert.equal(record.aborted, 1);
 * assert.equal(record.classes["2xx"]?.count, 1);
 * assert.equal(record.history.at(-1), 1);
 * assert.equal(record.response_bytes, 13);
 * ```
 */
export class RequestMetrics {
  /** Incoming (`"server"`) or outgoing (`"client"`) requests. */
  readonly kind: RequestKind;
  /** The record's name: the owner name. */
  readonly name: string;
  #hooks: RequestMetricsHooks;
  #started = 0;
  #completed = 0;
  #aborted = 0;
  #requestBytes = 0;
  #responseBytes = 0;
  #counts = new Float64Array(CLASSES);
  #sums = new Float64Array(CLASSES);
  /** Cumulative bucket counts, `CLASSES` rows of `DURATION_BUCKETS`. */
  #buckets = new Float64Array(CLASSES * DURATION_BUCKETS);
  /** Per-second bucket counts of the window and the current second, by second mod 61. */
  #ring: Uint32Array | undefined;
  #ringCounts = new Float64Array(RING_SECONDS);
  /** The window's bucket counts: the sum of the ring's rows but the current one. */
  #window = new Float64Array(DURATION_BUCKETS);
  #windowCount = 0;
  /** The second requests are being counted in now (0: none yet). */
  #current = 0;
  /** The last second a request completed in (0: none yet). */
  #lastCompleted = 0;
  #percentiles: [number, number, number] = [0, 0, 0];
  /** Bumped by every change, so that an unchanged record is returned as it was. */
  #version = 0;
  #cached: { version: number; second: number; record: RequestSnapshot } | undefined;
  #classCache: (RequestClassSnapshot | undefined)[] = new Array(CLASSES);
  #classVersions = new Float64Array(CLASSES).fill(-1);
  #historyCache: { second: number; history: number[] } | undefined;

  /**
   * Creates a recorder with every count at zero.
   *
   * @param kind Incoming or outgoing requests.
   * @param name The owner name it is reported under.
   * @param hooks Listeners shared with the other recorders of a set.
   */
  constructor(
    kind: RequestKind,
    name: string,
    hooks: RequestMetricsHooks = { complete: undefined },
  ) {
    this.kind = kind;
    this.name = name;
    this.#hooks = hooks;
  }

  /** Requests under way now. */
  get inFlight(): number {
    return this.#started - this.#completed - this.#aborted;
  }

  /** A request began. */
  start(): void {
    this.#started++;
    this.#version++;
  }

  /**
   * A request ended with a response delivered (a server) or read to its end
   * (a client).
   *
   * @param status The response status.
   * @param durationUs How long it took, in microseconds (rounded here).
   * @param requestBytes Request body bytes.
   * @param responseBytes Response body bytes.
   * @param now Milliseconds since the Unix epoch (a coarse clock is enough: it picks the second).
   */
  complete(
    status: number,
    durationUs: number,
    requestBytes: number,
    responseBytes: number,
    now: number,
  ): void {
    const us = durationUs > 0 ? Math.round(durationUs) : 0;
    const bucket = bucketOf(us);
    const klass = statusClassIndex(status);
    this.#completed++;
    this.#counts[klass]!++;
    this.#sums[klass]! += us;
    this.#buckets[klass * DURATION_BUCKETS + bucket]!++;
    this.#requestBytes += requestBytes;
    this.#responseBytes += responseBytes;
    // A coarse clock may lag the last snapshot's clock by a few ms: a request
    // never lands in a second the window already holds.
    const second = Math.floor(now / 1000);
    if (second > this.#current) this.#advance(second);
    const ring = this.#ring ??= new Uint32Array(RING_SECONDS * DURATION_BUCKETS);
    const row = this.#current % RING_SECONDS;
    ring[row * DURATION_BUCKETS + bucket]!++;
    this.#ringCounts[row]!++;
    this.#lastCompleted = this.#current;
    this.#version++;
    this.#hooks.complete?.(this, status, us);
  }

  /**
   * A request ended without completing: the peer went away, the body failed
   * or was cancelled.
   *
   * @param requestBytes Request body bytes that were transferred.
   * @param responseBytes Response body bytes that were transferred.
   */
  abort(requestBytes: number, responseBytes: number): void {
    this.#aborted++;
    this.#requestBytes += requestBytes;
    this.#responseBytes += responseBytes;
    this.#version++;
  }

  /**
   * The record as the wire format carries it, as of `now`. The same object
   * comes back while nothing changed (the delta encoder compares records by
   * identity first).
   *
   * @param now Milliseconds since the Unix epoch.
   * @returns The record.
   */
  snapshot(now: number): RequestSnapshot {
    const second = Math.floor(now / 1000);
    if (second > this.#current) this.#advance(second);
    // The history stops 60 s after the last completed request: all zeros
    // from then on, so an idle record stays the same object.
    const last = this.#current - 1;
    const shown = this.#lastCompleted === 0 ? 0 : Math.min(last, this.#lastCompleted + 60);
    const cached = this.#cached;
    if (cached !== undefined && cached.version === this.#version && cached.second === shown) {
      return cached.record;
    }
    const classes: Partial<Record<StatusClass, RequestClassSnapshot>> = {};
    for (let k = 0; k < CLASSES; k++) {
      const entry = this.#classSnapshot(k);
      if (entry !== undefined) classes[STATUS_CLASSES[k]!] = entry;
    }
    const [p50, p95, p99] = this.#percentiles;
    const record: RequestSnapshot = {
      name: this.name,
      started: this.#started,
      completed: this.#completed,
      aborted: this.#aborted,
      in_flight: this.inFlight,
      request_bytes: this.#requestBytes,
      response_bytes: this.#responseBytes,
      p50_us: p50,
      p95_us: p95,
      p99_us: p99,
      classes,
      second: shown,
      history: this.#history(shown),
    };
    this.#cached = { version: this.#version, second: shown, record };
    return record;
  }

  /** One status class as the wire carries it; the same object while its count is unchanged. */
  #classSnapshot(k: number): RequestClassSnapshot | undefined {
    const count = this.#counts[k]!;
    if (count === 0) return undefined;
    if (this.#classVersions[k] === count) return this.#classCache[k];
    const buckets: Record<string, number> = {};
    const row = this.#buckets.subarray(k * DURATION_BUCKETS, (k + 1) * DURATION_BUCKETS);
    for (let b = 0; b < DURATION_BUCKETS; b++) if (row[b]! > 0) buckets[b] = row[b]!;
    const entry = { count, sum_us: this.#sums[k]!, buckets };
    this.#classCache[k] = entry;
    this.#classVersions[k] = count;
    return entry;
  }

  /** The 60 per-second counts ending with `second` (all zeros when it is 0). */
  #history(second: number): number[] {
    if (this.#historyCache?.second === second) return this.#historyCache.history;
    const history = new Array<number>(HISTORY_SECONDS).fill(0);
    if (second !== 0) {
      for (let i = 0; i < HISTORY_SECONDS; i++) {
        const s = second - HISTORY_SECONDS + 1 + i;
        // Seconds older than the ring, or not yet begun, hold nothing.
        if (s >= this.#current - HISTORY_SECONDS && s < this.#current) {
          history[i] = this.#ringCounts[s % RING_SECONDS]!;
        }
      }
    }
    this.#historyCache = { second, history };
    return history;
  }

  /**
   * Moves the current second on to `second`: each second that ended joins
   * the window, each that left it (61 seconds back) is taken out and its
   * row cleared for reuse.
   */
  #advance(second: number): void {
    const ring = this.#ring;
    if (ring === undefined || this.#current === 0 || second - this.#current > RING_SECONDS) {
      ring?.fill(0);
      this.#ringCounts.fill(0);
      this.#window.fill(0);
      this.#windowCount = 0;
    } else {
      const window = this.#window;
      for (let s = this.#current + 1; s <= second; s++) {
        const done = ((s - 1) % RING_SECONDS) * DURATION_BUCKETS;
        const gone = (s % RING_SECONDS) * DURATION_BUCKETS;
        for (let b = 0; b < DURATION_BUCKETS; b++) {
          window[b]! += ring[done + b]! - ring[gone + b]!;
          ring[gone + b] = 0;
        }
        this.#windowCount += this.#ringCounts[(s - 1) % RING_SECONDS]! -
          this.#ringCounts[s % RING_SECONDS]!;
        this.#ringCounts[s % RING_SECONDS] = 0;
      }
    }
    this.#current = second;
    const n = this.#windowCount;
    this.#percentiles = [
      quantileUs(this.#window, n, 0.5),
      quantileUs(this.#window, n, 0.95),
      quantileUs(this.#window, n, 0.99),
    ];
    // No version bump: the window changes only while requests completed in
    // the last minute, and then the record's `second` changes with it.
  }
}
