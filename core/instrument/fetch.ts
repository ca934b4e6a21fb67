// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode instrumentFetch}: outgoing requests tracked in an
 * `http_clients` handle slab, one owner per target origin.
 *
 * @module
 */

import { coarseNow } from "../allocator/coarse_clock.ts";
import { HandleState } from "../allocator/handle_state.ts";
import type { SlabAllocator } from "../allocator/slab.ts";
import { fetchSite, labelsOf } from "../diagnostics/handle_labels.ts";
import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
import type { RequestMetrics } from "../diagnostics/request_metrics.ts";
import { declaredLength, knownBodySize } from "./body_size.ts";
import { ensureSlab } from "./pools.ts";
import { trackStream } from "./track_body.ts";

/** Options for {@linkcode instrumentFetch}. */
export interface FetchInstrumentationOptions {
  /** The fetch to wrap. @default {globalThis.fetch} */
  fetch?: typeof fetch;
  /**
   * The handle slab to track requests in; by default the registry's
   * `"http_clients"` slab, created (256 slots) if missing.
   */
  handles?: SlabAllocator;
  /**
   * A response body not read from for this long is `Idle`.
   *
   * @default {1000}
   */
  idleAfter?: number;
  /**
   * How long an origin stays registered as an owner after its last request.
   *
   * @default {30000}
   */
  ownerLinger?: number;
  /**
   * The owner name of a request's target: by default its origin
   * (`"https://api.example.com"`). Give stable names to targets whose origin
   * changes from run to run (a port picked by the system), or to group
   * origins: requests are attributed and counted per name.
   */
  name?: (url: URL) => string;
  /**
   * Record request metrics (started, completed, aborted, in flight, status
   * classes, durations, body bytes) per name, in the registry's `requests`.
   * A name's metrics last until `close()` (the owner itself goes
   * `ownerLinger` after its last request).
   *
   * @default {true}
   */
  metrics?: boolean;
}

/** An instrumented `fetch`, with the slab it tracks requests in. */
export interface InstrumentedFetch {
  /** Same contract as `fetch`. */
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The slab requests are tracked in. */
  readonly handles: SlabAllocator;
  /** Unregisters every origin owner, stops the linger timers and drops its request metrics. */
  close(): void;
}

/**
 * Wraps `fetch` so that every outgoing request occupies a slot of a handle
 * slab: `Connecting` until the response headers arrive, then `Active` while
 * its body is read, `Idle` when nobody reads it for `idleAfter`, `Closing`
 * once it ended or was cancelled, and free right after. A request that fails
 * frees its slot at once; a response dropped unread is freed when it is
 * garbage-collected. Each slot's owner is the target origin (`"https://api.example.com"`)
 * or the name `name(url)` gives it, registered on first use and unregistered
 * `ownerLinger` ms after its last request. Its allocation site is the
 * request's method and origin (`"GET https://api.example.com"`), so the top
 * sites show which origins hold handles, and since when (a handle slab
 * made without a site table has no sites).
 *
 * When the slab is full the request is still made, untracked, and the slab
 * counts the overflow.
 *
 * Every request is also counted in the registry's request metrics under its
 * name: `completed` once its response body was read to its end (or it had
 * none), with the response's status and the time from the call to the last
 * byte; `aborted` when the fetch failed, or the body failed, was cancelled
 * or dropped unread. Request bytes are the body's length when it is known
 * without reading it (a body given in `init`: strings, buffers, blobs,
 * URL-encoded forms; otherwise a `content-length`, the only length a
 * `Request` object tells), response bytes what the body delivered.
 *
 * @param registry Where the slab lives and origins are registered.
 * @param options The fetch to wrap, the slab, thresholds.
 * @returns The instrumented fetch.
 *
 * @example Usage
 * ```ts
 * import { DiagnosticsRegistry, instrumentFetch } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("pong"));
 * const registry = new DiagnosticsRegistry();
 * const tracked = instrumentFetch(registry);
 * assert.equal(await (await tracked(`http://127.0.0.1:${server.addr.port}/`)).text(), "pong");
 * assert.equal(tracked.handles.stats().allocs, 1);
 * assert.equal(tracked.handles.stats().used, 0);
 * tracked.close();
 * await server.shutdown();
 * ```
 */
export function instrumentFetch(
  registry: DiagnosticsRegistry,
  options: FetchInstrumentationOptions = {},
): InstrumentedFetch {
  const inner = options.fetch ?? globalThis.fetch;
  const handles = options.handles ?? ensureSlab(registry, "http_clients", 1, 256, "handle");
  const idleAfter = options.idleAfter ?? 1000;
  const linger = options.ownerLinger ?? 30_000;
  // The open-handle list shows each request's method and origin, and the
  // top sites which origins hold handles (a slab without a site table has none).
  const labels = labelsOf(handles);
  const sited = handles.siteCounters().maxSites > 0;
  const nameOf = options.name ?? ((url: URL) => url.origin);
  const recording = options.metrics ?? true;
  const origins = new Map<
    string,
    { owner: number; inFlight: number; timer?: ReturnType<typeof setTimeout> }
  >();
  /** Request metrics per name, held until close(). */
  const records = new Map<string, RequestMetrics>();
  const recordOf = (name: string): RequestMetrics => {
    let record = records.get(name);
    if (record === undefined) {
      record = registry.requests.acquire("client", name);
      records.set(name, record);
    }
    return record;
  };
  // Frees the slot of a response whose body was dropped without being read.
  const unread = new FinalizationRegistry<() => void>((release) => release());

  const acquireOwner = (origin: string): number => {
    let entry = origins.get(origin);
    if (entry === undefined) {
      entry = { owner: registry.owners.register(origin, "client"), inFlight: 0 };
      origins.set(origin, entry);
    }
    clearTimeout(entry.timer);
    entry.inFlight++;
    return entry.owner;
  };
  const releaseOwner = (origin: string) => {
    const entry = origins.get(origin);
    if (entry === undefined || --entry.inFlight > 0) return;
    entry.timer = setTimeout(() => {
      origins.delete(origin);
      registry.owners.unregister(entry.owner);
    }, linger);
    Deno.unrefTimer(entry.timer as unknown as number);
  };

  const instrumented = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const origin = nameOf(url);
    const owner = acquireOwner(origin);
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    const handle = handles.alloc(
      owner,
      undefined,
      sited ? fetchSite(method, url.origin) : undefined,
    );
    if (handle !== null) labels.setFetch(handle, method, url.origin);
    const metrics = recording ? recordOf(origin) : undefined;
    const startedAt = metrics === undefined ? 0 : performance.now();
    metrics?.start();
    let released = false;
    /** Frees the slot and the owner, and counts the request, once. */
    const release = (status: number, requestBytes: number, responseBytes: number) => {
      if (released) return;
      released = true;
      if (handle !== null) {
        labels.clear(handle);
        handles.free(handle);
      }
      releaseOwner(origin);
      if (metrics === undefined) return;
      // status 0: it ended without completing.
      if (status === 0) metrics.abort(requestBytes, responseBytes);
      else {
        metrics.complete(
          status,
          (performance.now() - startedAt) * 1000,
          requestBytes,
          responseBytes,
          coarseNow(),
        );
      }
    };
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (error) {
      release(0, 0, 0);
      throw error;
    }
    const requestBytes = metrics === undefined ? 0 : sentBytes(input, init);
    if (response.body === null || (handle === null && metrics === undefined)) {
      release(response.status, requestBytes, 0);
      return response;
    }
    if (handle !== null) handles.setState(handle, HandleState.Active);
    // Freed when the body ends, fails, is cancelled or the request aborts.
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const status = response.status;
    const body = trackStream(
      response.body,
      handles,
      handle,
      idleAfter,
      (bytes, clean) => release(clean ? status : 0, requestBytes, bytes),
      signal ?? undefined,
    );
    const result = new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    // A new Response forgets where it came from; keep what callers read.
    Object.defineProperties(result, {
      url: { value: response.url },
      redirected: { value: response.redirected },
    });
    // Watched through its body, not the Response: a caller may keep only
    // the body (`(await fetch(url)).body`, a pipe), which outlives it.
    unread.register(body, () => release(0, requestBytes, 0));
    return result;
  };

  return Object.defineProperties(instrumented, {
    handles: { value: handles },
    close: {
      value() {
        for (const [origin, entry] of origins) {
          clearTimeout(entry.timer);
          registry.owners.unregister(entry.owner);
          origins.delete(origin);
        }
        for (const record of records.values()) registry.requests.release(record);
        records.clear();
      },
    },
  }) as InstrumentedFetch;
}

/** The request body bytes a fetch sends, when they are known without reading the body. */
function sentBytes(input: string | URL | Request, init: RequestInit | undefined): number {
  if (init?.body !== undefined && init.body !== null) {
    return knownBodySize(init.body) ??
      (init.headers === undefined ? undefined : declaredLength(new Headers(init.headers))) ?? 0;
  }
  if (input instanceof Request && input.body !== null) return declaredLength(input.headers) ?? 0;
  return 0;
}
