// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode instrumentFetch}: outgoing requests tracked in an
 * `http_clients` handle slab, one owner per target origin.
 *
 * @module
 */

import { HandleState } from "../allocator/handle_state.ts";
import type { SlabAllocator } from "../allocator/slab.ts";
import { labelsOf } from "../diagnostics/handle_labels.ts";
import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
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
}

/** An instrumented `fetch`, with the slab it tracks requests in. */
export interface InstrumentedFetch {
  /** Same contract as `fetch`. */
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The slab requests are tracked in. */
  readonly handles: SlabAllocator;
  /** Unregisters every origin owner and stops the linger timers. */
  close(): void;
}

/**
 * Wraps `fetch` so that every outgoing request occupies a slot of a handle
 * slab: `Connecting` until the response headers arrive, then `Active` while
 * its body is read, `Idle` when nobody reads it for `idleAfter`, `Closing`
 * once it ended or was cancelled, and free right after. A request that fails
 * frees its slot at once; a response dropped unread is freed when it is
 * garbage-collected. Each slot's owner is the target origin (`"https://api.example.com"`),
 * registered on first use and unregistered `ownerLinger` ms after its last request.
 *
 * When the slab is full the request is still made, untracked, and the slab
 * counts the overflow.
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
  // The open-handle list shows each request's method and origin.
  const labels = labelsOf(handles);
  const origins = new Map<
    string,
    { owner: number; inFlight: number; timer?: ReturnType<typeof setTimeout> }
  >();
  // Frees the slot of a response that was dropped without being read.
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
    const origin = url.origin;
    const owner = acquireOwner(origin);
    const handle = handles.alloc(owner);
    if (handle !== null) {
      const method = init?.method ?? (input instanceof Request ? input.method : "GET");
      labels.setFetch(handle, method, url.origin);
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (handle !== null) {
        labels.clear(handle);
        handles.free(handle);
      }
      releaseOwner(origin);
    };
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (error) {
      release();
      throw error;
    }
    if (handle === null || response.body === null) {
      release();
      return response;
    }
    handles.setState(handle, HandleState.Active);
    // Freed when the body ends, fails, is cancelled or the request aborts.
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    const body = trackStream(
      response.body,
      handles,
      handle,
      idleAfter,
      release,
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
    unread.register(result, release);
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
      },
    },
  }) as InstrumentedFetch;
}
