// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode createDiagnosticsHandler}: the diagnostics endpoints as one
 * `Request → Response` function, for any Deno server.
 *
 * @module
 */

import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
import { AccessGuard, type AccessOptions, BASE_HEADERS } from "./access.ts";
import {
  type ConnectionInfo,
  DiagnosticsStream,
  type DiagnosticsStreamOptions,
} from "./diagnostics_stream.ts";

/** Options for {@linkcode createDiagnosticsHandler}. */
export interface DiagnosticsHandlerOptions extends DiagnosticsStreamOptions, AccessOptions {
  /**
   * Path prefix of the endpoints, without a trailing slash.
   *
   * @default {"/debug"}
   */
  prefix?: string;
}

/**
 * A `Request → Response` function answering the diagnostics endpoints, with
 * the stream it serves and a way to shut it down.
 */
export interface DiagnosticsHandler {
  /**
   * Answers a request; paths it does not serve get 404. Pass `Deno.serve`'s
   * handler info when there is one (it does, called as a `Deno.serve`
   * handler): streams then clean up on its `completed` promise.
   */
  (request: Request, info?: ConnectionInfo): Response | Promise<Response>;
  /** The stream behind `…/diagnostics/memory`. */
  readonly stream: DiagnosticsStream;
  /** The access checks in front of every path. */
  readonly guard: AccessGuard;
  /** Ends every open stream (well within a second) and stops the timer. */
  close(): Promise<void>;
}

const JSON_HEADERS = {
  ...BASE_HEADERS,
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
};

/** The client's address from `Deno.serve`'s handler info, when it has one. */
export function remoteAddress(info: ConnectionInfo | undefined): string | undefined {
  const address = info?.remoteAddr;
  return address !== undefined && "hostname" in address ? address.hostname : undefined;
}

/**
 * `GET …/diagnostics/memory` behind the stream caps: 429 over the connect
 * rate, 503 over the caps, otherwise the stream (a HEAD gets its headers).
 */
export function streamResponse(
  stream: DiagnosticsStream,
  guard: AccessGuard,
  request: Request,
  info?: ConnectionInfo,
): Response {
  if (request.method === "HEAD") {
    return new Response(null, {
      headers: {
        ...BASE_HEADERS,
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-store, no-transform",
      },
    });
  }
  const admitted = guard.admitStream(remoteAddress(info));
  if (admitted instanceof Response) return admitted;
  return stream.connect(request, info, admitted.release);
}

/**
 * Creates the handler for the diagnostics endpoints of one registry:
 *
 * | path | answer |
 * | --- | --- |
 * | `GET {prefix}/diagnostics/memory` | `200 text/event-stream`: a `diagnostics` keyframe, then `diagnostics-delta` events |
 * | `GET {prefix}/diagnostics/snapshot` | JSON: the same payload as a keyframe's data |
 * | `GET {prefix}/diagnostics/slot?slab=NAME&index=N` | JSON: one slot's state, owner and time in state |
 * | `GET {prefix}/login` | with a token configured: one-time login links (see `AccessGuard`) |
 *
 * Closed by default: every request goes through an {@linkcode AccessGuard}
 * first (loopback `Host` names only, same-origin only, the token when one
 * is set), every path is read-only (other methods get 405), streams are
 * capped (32 in all, 8 per address) and rate-limited. No CORS headers.
 *
 * It is a plain function, so it mounts in `Deno.serve`, in a Fresh route's
 * handler, or in any server that speaks `Request` and `Response`.
 *
 * @param registry The pools to serve.
 * @param options Path prefix and stream options.
 * @returns The handler, with `stream` and `close()`.
 *
 * @example In a plain `Deno.serve`
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { createDiagnosticsHandler } from "@slabscope/slabscope/dashboard";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "tcp_buffers", slotSize: 4096, capacity: 64 }));
 * const diagnostics = createDiagnosticsHandler(registry);
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, diagnostics);
 *
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/debug/diagnostics/snapshot`);
 * assert.equal((await response.json()).slabs[0].name, "tcp_buffers");
 * await diagnostics.close();
 * await server.shutdown();
 * ```
 */
export function createDiagnosticsHandler(
  registry: DiagnosticsRegistry,
  options: DiagnosticsHandlerOptions = {},
): DiagnosticsHandler {
  const prefix = options.prefix ?? "/debug";
  if (!/^(\/[A-Za-z0-9._~-]+)*$/.test(prefix)) {
    throw new RangeError(
      `Cannot create diagnostics handler: prefix must look like "/debug" (no trailing slash), received ${
        JSON.stringify(prefix)
      }`,
    );
  }
  const guard = new AccessGuard(options);
  const stream = new DiagnosticsStream(registry, options);
  const routes: Record<string, (request: Request, url: URL, info?: ConnectionInfo) => Response> = {
    [`${prefix}/diagnostics/memory`]: (request, _url, info) =>
      streamResponse(stream, guard, request, info),
    [`${prefix}/diagnostics/snapshot`]: () => snapshotResponse(stream),
    [`${prefix}/diagnostics/slot`]: (_request, url) => slotResponse(registry, url),
    [`${prefix}/login`]: (request) => guard.login(request, prefix),
  };
  const handler = (request: Request, info?: ConnectionInfo): Response => {
    // Before any routing, so that a rebinding attacker learns nothing.
    const url = new URL(request.url);
    const refusal = guard.check(request, url.pathname === `${prefix}/login`);
    if (refusal !== undefined) return refusal;
    const route = routes[url.pathname];
    if (route === undefined) return jsonResponse({ error: "Not found" }, 404);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response(null, { status: 405, headers: { ...BASE_HEADERS, allow: "GET, HEAD" } });
    }
    const response = route(request, url, info);
    if (request.method === "HEAD" && response.body !== null) {
      response.body.cancel();
      return new Response(null, { status: response.status, headers: response.headers });
    }
    return response;
  };
  return Object.assign(handler, { stream, guard, close: () => stream.close() });
}

/**
 * `GET …/diagnostics/snapshot`: the stream's current state as keyframe JSON.
 *
 * @param stream The stream whose state to return.
 * @returns `200 application/json`, or 500 with `{ error }` when no snapshot
 * could be collected.
 */
export function snapshotResponse(stream: DiagnosticsStream): Response {
  try {
    return new Response(stream.snapshot(), { headers: JSON_HEADERS });
  } catch (error) {
    return jsonResponse({ error: (error as Error).message }, 500);
  }
}

/**
 * `GET …/diagnostics/slot?slab=NAME&index=N`: one slot's state, owner and
 * time in state (`age`, ms).
 *
 * @param registry Where to find the slab.
 * @param url The request URL.
 * @returns `200` JSON, `400` for a bad query or index, `404` for an unknown slab.
 */
export function slotResponse(registry: DiagnosticsRegistry, url: URL): Response {
  const slab = url.searchParams.get("slab");
  const index = Number(url.searchParams.get("index"));
  if (
    slab === null || url.searchParams.get("index") === null || !Number.isInteger(index) || index < 0
  ) {
    return jsonResponse({ error: "Expected ?slab=NAME&index=N with N a slot index" }, 400);
  }
  try {
    const details = registry.slotDetails(slab, index);
    if (details === undefined) {
      return jsonResponse({ error: `No slab named ${JSON.stringify(slab)}` }, 404);
    }
    return jsonResponse({ ...details, age: Math.max(0, Date.now() - details.since) });
  } catch (error) {
    return jsonResponse({ error: (error as Error).message }, 400);
  }
}

/** A JSON response that is never cached. */
export function jsonResponse(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: JSON_HEADERS });
}
