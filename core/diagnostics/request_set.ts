// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode RequestMetricsSet}: the request metrics a registry holds, one
 * recorder per server name and one per outgoing origin, the way it holds
 * slabs.
 *
 * @module
 */

import type { RequestSnapshot, RequestsSnapshot } from "../wire/types.ts";
import { type RequestKind, RequestMetrics, type RequestMetricsHooks } from "./request_metrics.ts";

/** The record that takes the requests of names past `maxRecords`. */
export const OTHER_RECORD = "other";

/** Default of {@linkcode RequestMetricsSetOptions.maxRecords}. */
const DEFAULT_MAX_RECORDS = 256;

/** Options for {@linkcode RequestMetricsSet}. */
export interface RequestMetricsSetOptions {
  /**
   * Most names per kind (servers, clients). The requests of any further
   * name are counted under one more record, `"other"`, so that a client
   * calling thousands of origins keeps memory and metric series bounded.
   *
   * @default {256}
   */
  maxRecords?: number;
}

/** Called with every completed request of the set. */
export type RequestListener = (metrics: RequestMetrics, status: number, durationUs: number) => void;

interface Entry {
  metrics: RequestMetrics;
  holders: number;
}

/**
 * Request recorders by kind and name. Two servers (or two instrumented
 * `fetch`es) of one name share one recorder, as two owners of one name
 * share one Prometheus series; a recorder lives while anyone holds it.
 *
 * @example Usage
 * ```ts
 * import { RequestMetricsSet } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const set = new RequestMetricsSet();
 * const api = set.acquire("server", "api");
 * assert.equal(set.acquire("server", "api"), api); // shared
 * api.start();
 * assert.equal(set.snapshot(Date.now()).server[0]?.in_flight, 1);
 * set.release(api);
 * set.release(api);
 * assert.deepEqual(set.snapshot(Date.now()).server, []);
 * ```
 */
export class RequestMetricsSet {
  #maxRecords: number;
  #entries: Record<RequestKind, Map<string, Entry>> = { server: new Map(), client: new Map() };
  #sorted: Record<RequestKind, RequestMetrics[] | undefined> = {
    server: undefined,
    client: undefined,
  };
  #listeners = new Set<RequestListener>();
  #hooks: RequestMetricsHooks = { complete: undefined };

  /**
   * Creates an empty set.
   *
   * @param options The record cap.
   * @throws {RangeError} If `maxRecords` is not an integer of at least 1.
   */
  constructor(options: RequestMetricsSetOptions = {}) {
    const max = options.maxRecords ?? DEFAULT_MAX_RECORDS;
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot create request metrics: maxRecords must be an integer of at least 1, received ${
          String(max)
        }`,
      );
    }
    this.#maxRecords = max;
  }

  /**
   * The recorder of `name`, created if missing; past `maxRecords` names, the
   * shared `"other"` recorder. Each call holds it once: give it back with
   * {@linkcode RequestMetricsSet.prototype.release}.
   *
   * @param kind Incoming (`"server"`) or outgoing (`"client"`) requests.
   * @param name The owner name.
   * @returns The recorder.
   */
  acquire(kind: RequestKind, name: string): RequestMetrics {
    const entries = this.#entries[kind];
    let entry = entries.get(name);
    if (entry === undefined && entries.size >= this.#maxRecords) {
      name = OTHER_RECORD;
      entry = entries.get(name);
    }
    if (entry === undefined) {
      entry = { metrics: new RequestMetrics(kind, name, this.#hooks), holders: 0 };
      entries.set(name, entry);
      this.#sorted[kind] = undefined;
    }
    entry.holders++;
    return entry.metrics;
  }

  /**
   * Gives a recorder back; the last holder's release removes it (and its
   * series).
   *
   * @param metrics A recorder from {@linkcode RequestMetricsSet.prototype.acquire}.
   */
  release(metrics: RequestMetrics): void {
    const entries = this.#entries[metrics.kind];
    const entry = entries.get(metrics.name);
    if (entry === undefined || entry.metrics !== metrics) return;
    if (--entry.holders > 0) return;
    entries.delete(metrics.name);
    this.#sorted[metrics.kind] = undefined;
  }

  /**
   * Calls `listener` with every request that completes, of any recorder of
   * the set (the OpenTelemetry histograms record them).
   *
   * @param listener What to call.
   * @returns A function that stops the calls (idempotent).
   */
  onComplete(listener: RequestListener): () => void {
    this.#listeners.add(listener);
    this.#updateHooks();
    return () => {
      this.#listeners.delete(listener);
      this.#updateHooks();
    };
  }

  /**
   * Every record as of `now`, each list sorted by name.
   *
   * @param now Milliseconds since the Unix epoch.
   * @returns The records.
   */
  snapshot(now: number): RequestsSnapshot {
    return { server: this.#records("server", now), client: this.#records("client", now) };
  }

  #records(kind: RequestKind, now: number): RequestSnapshot[] {
    const sorted = this.#sorted[kind] ??= [...this.#entries[kind].values()]
      .map((entry) => entry.metrics)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return sorted.map((metrics) => metrics.snapshot(now));
  }

  /** One listener is called directly; several through one function; none: no call at all. */
  #updateHooks(): void {
    const listeners = [...this.#listeners];
    this.#hooks.complete = listeners.length === 0
      ? undefined
      : listeners.length === 1
      ? listeners[0]
      : (metrics, status, us) => {
        for (const listener of listeners) listener(metrics, status, us);
      };
  }
}
