// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode instrumentServer}: every request of a `Deno.serve` handler
 * tracked in a handle slab, from arrival to the last byte.
 *
 * @module
 */

import type { ArenaPool } from "../allocator/arena_pool.ts";
import { coarseNow, holdClock } from "../allocator/coarse_clock.ts";
import { typeName } from "../allocator/describe.ts";
import type { Arena } from "../allocator/arena.ts";
import { HandleState } from "../allocator/handle_state.ts";
import type { SlabAllocator } from "../allocator/slab.ts";
import { labelsOf } from "../diagnostics/handle_labels.ts";
import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
import type { RequestMetrics } from "../diagnostics/request_metrics.ts";
import { copyable, countedRequest, declaredLength, withBody } from "./body_size.ts";
import { ensureArenaPool, ensureSlab } from "./pools.ts";
import { announce } from "./announce.ts";
import { RouteLabels } from "./request_route.ts";
import { REFUSED, wholeBodyBytes } from "./static_response.ts";
import { trackBody } from "./track_body.ts";

/** What an instrumented handler gets besides the request and the handler info. */
export interface RequestScope {
  /**
   * A bump arena for this request's scratch work, released (and reset) when
   * the request ends (see {@linkcode instrumentServer}: for a small body
   * sent whole, when the handler answers); `null` when every arena is taken
   * (counted as an overflow of the pool).
   */
  arena: Arena | null;
  /**
   * The request body, when it had a `content-length` that fit one
   * `tcp_buffers` slot: a view into that slot, valid until the request
   * ends. The `Request` passed to the handler reads a copy of the same
   * bytes (a body cannot be shared memory).
   */
  body: Uint8Array | null;
}

/** A `Deno.serve` handler that also receives a {@linkcode RequestScope}. */
export type InstrumentableHandler = (
  request: Request,
  info: Deno.ServeHandlerInfo,
  scope: RequestScope,
) => Response | Promise<Response>;

/** Options for {@linkcode instrumentServer}. */
export interface ServerInstrumentationOptions {
  /**
   * The owner name of this server. By default `":<port>"`, taken when
   * `onListen` is called.
   */
  name?: string;
  /**
   * The handle slab to track requests in; by default the registry's
   * `"handles"` slab, created with 2,056 slots if missing (a request
   * beyond them is served, counted as an overflow, not tracked).
   */
  handles?: SlabAllocator;
  /**
   * The slab request bodies are read into; by default the registry's
   * `"tcp_buffers"` slab, created (576 slots of 16 KiB) if missing.
   */
  buffers?: SlabAllocator;
  /**
   * The arena pool of per-request scratch arenas; by default the registry's
   * `"stream_arenas"` pool, created (512 arenas of 16 KiB) if missing.
   */
  arenas?: ArenaPool;
  /**
   * A streamed response that sends no bytes for this long is `Idle`.
   *
   * @default {1000}
   */
  idleAfter?: number;
  /**
   * Which responses to follow byte by byte (for `Active ⇄ Idle`). Looking
   * inside a body costs even for a plain string body in Deno, so by default
   * only event streams and NDJSON are followed (told by `content-type`);
   * other streams go `Closing` when the handler returns and `Free` when
   * they are delivered, a body sent whole as described at
   * {@linkcode instrumentServer}. By default a body Deno holds whole (a string or bytes) is
   * told apart without reading its headers, which would take it off Deno's
   * fastest path (see BENCHMARKS.md for what that costs); a function given
   * here is called for every response.
   *
   * `false` follows none and reads no response header. A streamed body then
   * stays `Closing` until it is delivered, and its bytes are not counted.
   */
  isStream?: ((response: Response) => boolean) | false;
  /**
   * Record request metrics (started, completed, aborted, in flight, status
   * classes, durations, body bytes) under the server's name, in the
   * registry's `requests`.
   *
   * @default {true}
   */
  metrics?: boolean;
  /**
   * The route of a request, for its handle's allocation site: each
   * request's handle is labelled `"<method> <route>"` (no stack is taken),
   * so the dashboard's top sites show which endpoints hold handles, and
   * since when. Give your router's pattern (`"/users/:id"`); it is called
   * once per request, before your handler, and must not throw. An empty
   * route is `/`; a route is cut to 80 characters.
   *
   * By default the path, without query, with each segment that looks like
   * an identifier (all digits, a UUID, 16 or more hex digits) replaced by
   * `:id`: `GET /users/42` is `GET /users/:id`, named when the slab's
   * sites are next read (a registry snapshot, `handles.sites()`,
   * `siteCounters()` or `slotInfo()`) if the request is still open then,
   * and held since the request's start. A request that ends sooner holds
   * no handle to list, and its URL is not read for it (Deno builds the URL
   * on first read: about 3.6 % of a hello world's CPU); its site is not
   * counted in the site's `total`, which then counts the requests seen
   * open, while the request metrics count every one. With `route`, every
   * request is labelled at once and counted. A handle slab made without a
   * site table is not labelled.
   */
  route?: (request: Request) => string;
  /**
   * Called by {@linkcode InstrumentedServer.onListen} once the owner is
   * registered, in place of what `Deno.serve` does when given no `onListen`
   * of its own. By default it prints a line like Deno's own on stderr,
   * `Listening on http://127.0.0.1:8080/`: always `http:` (a TLS server
   * passes its own), and printed under `--quiet` too (a library cannot see
   * the log level). `() => {}` prints nothing.
   */
  onListen?: (address: Deno.NetAddr) => void;
}

/** An instrumented handler: pass it to `Deno.serve`, with its `onListen`. */
export interface InstrumentedServer {
  /**
   * Handles a request (the signature `Deno.serve` expects): synchronously
   * when your handler answers synchronously and the request has no body to
   * read first, so that Deno keeps its fastest path.
   */
  (request: Request, info: Deno.ServeHandlerInfo): Response | Promise<Response>;
  /**
   * Registers this server as an owner, starts the timestamp clock, and
   * prints `Listening on http://…/` as `Deno.serve` does by default (see
   * the `onListen` option); pass it as `Deno.serve`'s `onListen`.
   */
  onListen(address: Deno.NetAddr): void;
  /** Unregisters the owner and stops the clock (call after `server.shutdown()`). Idempotent. */
  close(): void;
  /** The owner index, once registered. */
  readonly owner: number | undefined;
  /** The slab requests are tracked in. */
  readonly handles: SlabAllocator;
}

/**
 * Largest whole body whose request ends when the handler answers: its
 * bytes, for a string its UTF-8 length when the request is measured and its
 * UTF-16 length otherwise (no pass over it for a HEAD or without metrics). Deno settles `completed` for a larger one
 * only once it has taken the body in (measured: 0.1 ms for 64 KiB, 2.7 ms
 * for 4 MiB, 585 ms for 64 MiB to a client that stopped reading), time
 * that belongs to the request; its promise costs nothing beside that.
 */
const ANSWERED_WHOLE_BYTES = 64 * 1024;

const STREAM_TYPE_REGEXP = /^(text\/event-stream|application\/(x-)?ndjson)\b/i;

function defaultIsStream(response: Response): boolean {
  return STREAM_TYPE_REGEXP.test(response.headers.get("content-type") ?? "");
}

/**
 * Wraps a `Deno.serve` handler so that every request occupies a slot of a
 * handle slab while it lives:
 *
 * `Connecting` (accepted, request body still arriving) → `Active` (handler
 * running, or a streamed body sending bytes) ⇄ `Idle` (a streamed body
 * quiet for `idleAfter`) → `Closing` (response done, still being
 * delivered) → free, when `ServeHandlerInfo.completed` settles: after the
 * last byte, or when the client went away. A body Deno sends whole (a
 * string or bytes, or none) of up to 64 KiB goes from `Active` to free when
 * the handler answers: Deno takes it in as the handler returns and settles
 * `completed` within the same turn, before the client has read a byte, so
 * waiting for the promise would only cost it. A larger whole body is
 * `Closing` until Deno has taken it in (`completed` again: before it is
 * delivered, too).
 *
 * The owner of every slot is this server (`":<port>"` or `name`), and its
 * allocation site the request's method and route (`"GET /users/:id"`; see
 * the `route` option for when it is named). When the
 * handle slab is full the request is still served, untracked, and the slab
 * counts the overflow. Request bodies that fit go into a `tcp_buffers`
 * slot; each request gets a scratch arena from `stream_arenas`.
 *
 * Every request is also counted in the registry's request metrics under the
 * server's name (once it has one: `name`, or at `onListen`):
 *
 * - its duration runs from the call of the handler to its answer for a
 *   small body sent whole, and to the settling of
 *   `ServeHandlerInfo.completed` otherwise: a large whole body taken in by
 *   Deno, the last byte of a streamed body sent;
 * - it is `completed` with the status of the response, or 500 when the
 *   handler threw (Deno's default error response) or answered with a
 *   response Deno refuses (one sent already, whose body was read, or whose
 *   stream body is locked to a reader);
 * - it is `aborted` when the client went away while a followed stream was
 *   sent (the body was cancelled; not for a HEAD request, whose body Deno
 *   cancels itself), when that body failed, or when reading the request body
 *   failed (the client went away mid-upload) while slabscope read it into a
 *   slot or counted it (a body with a declared length too long for a slot
 *   is left to the handler, and a handler that throws when reading it fails
 *   counts as a 500). Deno gives no sign of a client that leaves while a
 *   handler is still working on a response sent whole (only
 *   `request.signal`, whose use makes Deno print a warning): such a request
 *   counts as completed;
 * - request bytes are all of a body read into a `tcp_buffers` slot,
 *   otherwise its declared `content-length`, or without one what the
 *   handler read of it; response bytes the length of a body sent whole (a
 *   string in UTF-8, or bytes), the bytes of a followed stream, or else the
 *   response's `content-length` (a `Blob` body without one adds nothing, nor
 *   does any body without one where Deno's response fields are not found:
 *   see `static_response.ts`).
 *
 * A request with a body goes to the handler as a copy (its body read into a
 * slot, or counted) only when the copy reads the same: the same method, in
 * its case, URL and headers; otherwise, and when its body has a declared
 * length too long for a slot, as it came. The copy's `signal` (and its
 * clones') is the original's; a request made from it (`new Request(copy)`,
 * `fetch(copy)`) has a signal of its own, which does not follow the client.
 *
 * @param registry Where the slabs live and the owner is registered.
 * @param handler Your handler; it may take a third argument, the scope.
 * @param options Names, slabs and the idle threshold.
 * @returns The instrumented handler.
 *
 * @example Instrumenting a server
 * ```ts
 * import { DiagnosticsRegistry, instrumentServer } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const app = instrumentServer(registry, () => new Response("hello"));
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: app.onListen }, app);
 * assert.equal(await (await fetch(`http://127.0.0.1:${server.addr.port}/`)).text(), "hello");
 * assert.equal(registry.owners.get(app.owner!)?.name, `:${server.addr.port}`);
 * await server.shutdown();
 * app.close();
 * ```
 */
export function instrumentServer(
  registry: DiagnosticsRegistry,
  handler: InstrumentableHandler,
  options: ServerInstrumentationOptions = {},
): InstrumentedServer {
  const handles = options.handles ?? ensureSlab(registry, "handles", 1, 2056, "handle");
  if (handles.kind !== "handle") {
    throw new TypeError(`Cannot instrument a server: slab "${handles.name}" is not a handle slab`);
  }
  if (options.onListen !== undefined && typeof options.onListen !== "function") {
    throw new TypeError(
      `Cannot instrument a server: onListen must be a function, received ${
        typeName(options.onListen)
      }`,
    );
  }
  const buffers = options.buffers ?? ensureSlab(registry, "tcp_buffers", 16 * 1024, 576, "plain");
  const arenas = options.arenas ?? ensureArenaPool(registry, "stream_arenas", 16 * 1024, 512);
  const idleAfter = options.idleAfter ?? 1000;
  const isStream = options.isStream ?? defaultIsStream;
  // A function of the user's is asked about every response, before anything else.
  const custom = isStream !== false && isStream !== defaultIsStream;
  // The open-handle list shows each request's method and path.
  const labels = labelsOf(handles);
  // Each handle's site is its method and route: from the user's router at
  // once, or from the path at the next snapshot (see the `route` option).
  const routes = handles.siteCounters().maxSites > 0 ? new RouteLabels(options.route) : undefined;
  const routeNow = options.route !== undefined ? routes : undefined;
  const routeLater = options.route === undefined ? routes : undefined;
  const recording = options.metrics ?? true;
  let owner: number | undefined;
  let metrics: RequestMetrics | undefined;
  const name = (chosen: string) => {
    owner = registry.owners.register(chosen, "server");
    if (recording) metrics = registry.requests.acquire("server", chosen);
  };
  if (options.name !== undefined) name(options.name);
  // While the server lives, slot timestamps come from a clock that ticks on
  // its own (10 ms resolution) instead of one read per request.
  let releaseClock: (() => void) | undefined;

  const instrumented = (
    request: Request,
    info: Deno.ServeHandlerInfo,
  ): Response | Promise<Response> => {
    // A request with no body to wait for starts Active (one state change
    // less per request on the hot path); one with a body starts Connecting.
    // (The method is read once: each read goes through two getters.)
    const method = request.method;
    const bodiless = method === "GET" || method === "HEAD" || request.body === null;
    const exchange = new Exchange(
      bodiless,
      metrics,
      routeNow?.labelOf(request, method),
      method === "HEAD",
    );
    // A site named late is held since this moment, on the slab's own
    // (coarse, wall) clock.
    if (exchange.handle !== null) labels.setRequest(exchange.handle, request, routeLater);
    try {
      // Requests without a body take the synchronous path: no extra promise
      // per request unless the handler itself returns one.
      if (bodiless) return exchange.run(handler, request, info);
      // A request a copy would differ from (see copyable()) keeps its body
      // for the handler, its declared length counted.
      const copying = copyable(request, method);
      const reading = copying ? readBodyIntoSlot(request, buffers, owner) : Promise.resolve(null);
      return reading.then((read) => {
        try {
          if (read !== null) {
            exchange.buffer = read.handle;
            exchange.body = read.view;
            exchange.requestBytes = read.view.length;
            // The Request needs its own copy: fetch bodies cannot be shared memory.
            request = withBody(request, read.view.slice());
          } else if (exchange.metrics !== undefined) {
            const length = declaredLength(request.headers);
            if (length !== undefined || !copying) {
              // A declared length is counted as declared: the body stays
              // Deno's own, which a handler may pass on whole (a proxy's
              // fetch then sends its content-length, not chunks).
              exchange.requestBytes = length ?? 0;
            } else {
              // No length: the bytes that arrive, as the handler reads them;
              // a client that goes away mid-upload makes the request aborted.
              request = countedRequest(
                request,
                (n) => (exchange.requestBytes += n),
                () => (exchange.aborted = true),
              );
            }
          }
          if (exchange.handle !== null) handles.setState(exchange.handle, HandleState.Active);
          return exchange.run(handler, request, info);
        } catch (error) {
          // The handler threw, or the copy could not be made.
          exchange.fail();
          throw error;
        }
      }, (error) => {
        // The request body could not be read: the client went away mid-upload.
        exchange.aborted = true;
        exchange.release();
        throw error;
      });
    } catch (error) {
      // The handler threw, or answering did (a custom isStream).
      exchange.fail();
      throw error;
    }
  };

  /**
   * One request's slots, its way through the states, and what its metrics
   * need. The slabs and the pool are the server's: kept in the closure, not
   * in every exchange.
   */
  class Exchange implements RequestScope {
    readonly handle: number | null;
    buffer: number | null = null;
    body: Uint8Array | null = null;
    /** The response's status; 0 until the handler answered. */
    status = 0;
    aborted = false;
    requestBytes = 0;
    responseBytes = 0;
    /** `performance.now()` when the handler was called (0 without metrics: no clock read). */
    readonly startedAt: number;
    readonly metrics: RequestMetrics | undefined;
    #arena: Arena | null | undefined;
    #released = false;
    #head: boolean;

    constructor(
      active: boolean,
      metrics: RequestMetrics | undefined,
      site: string | undefined,
      head: boolean,
    ) {
      this.#head = head;
      this.handle = handles.alloc(
        owner,
        active ? HandleState.Active : HandleState.Connecting,
        site,
      );
      this.metrics = metrics;
      if (metrics === undefined) {
        this.startedAt = 0;
      } else {
        this.startedAt = performance.now();
        metrics.start();
      }
    }

    /** Acquired on first use: most handlers never need scratch space. */
    get arena(): Arena | null {
      if (this.#arena === undefined) this.#arena = this.#released ? null : arenas.acquire();
      return this.#arena;
    }

    /** Frees the slots and counts the request, once, however it ended. */
    release(): void {
      if (this.#released) return;
      this.#released = true;
      const handle = this.handle;
      if (handle !== null) {
        labels.clear(handle);
        handles.free(handle);
      }
      if (this.buffer !== null) buffers.free(this.buffer);
      if (this.#arena) arenas.release(this.#arena);
      const metrics = this.metrics;
      if (metrics === undefined) return;
      if (this.aborted) {
        metrics.abort(this.requestBytes, this.responseBytes);
      } else {
        metrics.complete(
          // No status: the handler threw, and Deno answered 500.
          this.status === 0 ? 500 : this.status,
          (performance.now() - this.startedAt) * 1000,
          this.requestBytes,
          this.responseBytes,
          coarseNow(),
        );
      }
    }

    /** Ends the exchange as failed: Deno answers 500 (status 0 is counted as that). */
    fail(): void {
      this.status = 0;
      this.release();
    }

    run(
      user: InstrumentableHandler,
      request: Request,
      info: Deno.ServeHandlerInfo,
    ): Response | Promise<Response> {
      const result = user(request, info, this);
      if (result instanceof Response) return this.#answered(result, info);
      // However it fails (the handler rejected, or answering threw: a
      // custom isStream), the exchange ends; release() runs once.
      return Promise.resolve(result).then((r) => this.#answered(r, info)).catch((error) => {
        this.fail();
        throw error;
      });
    }

    #answered(response: Response, info: Deno.ServeHandlerInfo): Response {
      if (!(response instanceof Response)) {
        // Deno refuses it and answers 500.
        this.fail();
        return response;
      }
      // A HEAD response's body is never sent (Deno cancels a stream).
      const measure = this.metrics !== undefined && !this.#head;
      // A body Deno sends whole is no stream to follow, and its length is
      // known without reading a header (which would take the response off
      // Deno's fastest way out).
      let whole = custom ? undefined : wholeBodyBytes(response, measure);
      // One Deno refuses (sent already, or its body read) it answers with a 500.
      if (whole === REFUSED || (whole === undefined && response.bodyUsed)) {
        this.fail();
        return response;
      }
      this.status = response.status;
      // isStream() before `response.body`: reading the body turns a static
      // one into a stream, which costs Deno's fast path too.
      if (
        whole === undefined && !this.#head && isStream !== false && isStream(response) &&
        response.body !== null
      ) {
        this.#endWith(info);
        return trackBody(
          response,
          handles,
          this.handle,
          idleAfter,
          (bytes, clean) => this.#streamEnded(bytes, clean),
        );
      }
      if (custom) {
        whole = wholeBodyBytes(response, measure);
        if (whole === REFUSED) {
          this.fail();
          return response;
        }
      }
      if (whole !== undefined) {
        if (measure) this.responseBytes = whole;
        if (whole <= ANSWERED_WHOLE_BYTES) {
          // Deno takes a small whole body as the handler returns and
          // settles `completed` within the same turn (before the client has
          // read a byte): the exchange ends here, without the promise.
          this.release();
          return response;
        }
      } else if (measure) {
        this.responseBytes = isStream === false ? 0 : declaredLength(response.headers) ?? 0;
      }
      if (this.handle !== null) handles.setState(this.handle, HandleState.Closing);
      this.#endWith(info);
      return response;
    }

    /**
     * Ends the exchange when `completed` settles (delivered, or the client
     * went away): for a body sent as a stream, the last byte.
     */
    #endWith(info: Deno.ServeHandlerInfo): void {
      const end = () => this.release();
      info.completed.then(end, end);
    }

    /** A followed body ended: `clean` when it was read to its end. */
    #streamEnded(bytes: number, clean: boolean): void {
      this.responseBytes = bytes;
      if (!clean) this.aborted = true;
    }
  }

  return Object.defineProperties(instrumented, {
    onListen: {
      value(address: Deno.NetAddr) {
        if (owner === undefined) name(`:${address.port}`);
        releaseClock ??= holdClock();
        (options.onListen ?? announce)(address);
      },
    },
    close: {
      value() {
        releaseClock?.();
        releaseClock = undefined;
        if (metrics !== undefined) registry.requests.release(metrics);
        metrics = undefined;
        if (owner === undefined) return;
        registry.owners.unregister(owner);
        owner = undefined;
      },
    },
    owner: { get: () => owner },
    handles: { value: handles },
  }) as InstrumentedServer;
}

/**
 * Reads a request body into a `tcp_buffers` slot when its declared length
 * fits one; returns `null` (the body untouched) otherwise.
 */
async function readBodyIntoSlot(
  request: Request,
  buffers: SlabAllocator,
  owner: number | undefined,
): Promise<{ handle: number; view: Uint8Array } | null> {
  const length = Number(request.headers.get("content-length") ?? NaN);
  if (!Number.isSafeInteger(length) || length < 0 || length > buffers.slotSize) return null;
  const handle = buffers.alloc(owner);
  if (handle === null) return null;
  const slot = buffers.bytes(handle);
  let filled = 0;
  try {
    for await (const chunk of request.body!) {
      if (filled + chunk.byteLength > slot.length) {
        throw new RangeError("request body longer than its content-length");
      }
      slot.set(chunk, filled);
      filled += chunk.byteLength;
    }
  } catch (error) {
    buffers.free(handle);
    throw error;
  }
  return { handle, view: slot.subarray(0, filled) };
}
