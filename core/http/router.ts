// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode createRouter}: the one router in front of every diagnostics
 * path, shared by `createDiagnosticsHandler()` and `createDashboard()`.
 * In this order, for every request:
 *
 * 1. a request whose URL cannot be parsed (a malformed `Host`, say) gets
 *    400, before anything else looks at it;
 * 2. the {@linkcode AccessGuard} (host names, origin, fetch metadata,
 *    token), before any routing, so that a rebinding or cross-site caller
 *    learns nothing; only the `navigable` paths may be opened from a link
 *    on another site;
 * 3. everything is read-only: any method but `GET` and `HEAD` gets 405,
 *    whatever the path (Fresh answers 404 on a GET-only route; a 405 that
 *    does not depend on the path tells a prober less);
 * 4. the endpoint of the exact path, else the fallback for paths under its
 *    prefix (the page and its assets), else `otherwise`, else 404;
 * 5. the HEAD rule, once for all: a `HEAD` runs the `GET` endpoint with
 *    `head: true` (so that it can skip side effects such as opening a
 *    stream) and its body is dropped;
 * 6. gzip when accepted (never for event streams), and the security
 *    headers on every response, errors and 404s included.
 *
 * @module
 */

import type { ConnectionInfo } from "../stream/diagnostics_stream.ts";
import type { AccessGuard } from "./access.ts";
import { compressResponse } from "./compression.ts";
import { BASE_HEADERS, RESOURCE_CSP, textResponse } from "./responses.ts";

/** What an endpoint is called with. */
export interface EndpointContext {
  /** The request. */
  readonly request: Request;
  /** Its parsed URL. */
  readonly url: URL;
  /** `Deno.serve`'s handler info, when there is one. */
  readonly info: ConnectionInfo | undefined;
  /**
   * True for a `HEAD` request: the router drops whatever body is returned,
   * so skip work with side effects (opening a stream, say).
   */
  readonly head: boolean;
}

/** One endpoint: the `GET` answer of one path. */
export type Endpoint = (context: EndpointContext) => Response | Promise<Response>;

/** Options for {@linkcode createRouter}. */
export interface RouterOptions {
  /** The checks in front of every path. */
  readonly guard: AccessGuard;
  /** Endpoints by exact path (no query). */
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  /** Paths the guard lets through without a token (the login, which checks its own code). */
  readonly anonymous?: ReadonlySet<string>;
  /** Paths another site may navigate to (the page and the login); nothing else by default. */
  readonly navigable?: ReadonlySet<string>;
  /**
   * Answers the paths under `prefix` (the prefix itself included) that no
   * endpoint answers: the dashboard page and its assets.
   */
  readonly fallback?: { readonly prefix: string; readonly endpoint: Endpoint };
  /** Answers every other path (a server's own pages); without it they get 404. */
  readonly otherwise?: Endpoint;
}

/** A router: every request in, every response out. */
export type Router = (request: Request, info?: ConnectionInfo) => Promise<Response>;

const ALLOW = "GET, HEAD";

/**
 * Creates the router.
 *
 * @param options The guard, the endpoints and the fallback.
 * @returns The router.
 */
export function createRouter(options: RouterOptions): Router {
  const { guard, endpoints, fallback } = options;
  const anonymous = options.anonymous ?? new Set<string>();
  const navigable = options.navigable ?? new Set<string>();
  const inFallback = (path: string) =>
    fallback !== undefined &&
    (path === fallback.prefix || path.startsWith(`${fallback.prefix}/`));

  return async (request, info) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return finish(request, textResponse("Bad request: the URL or Host is malformed\n", 400));
    }
    const path = url.pathname;
    const refusal = guard.check(request, {
      anonymous: anonymous.has(path),
      navigable: navigable.has(path),
      info,
    });
    if (refusal !== undefined) return finish(request, refusal);
    const head = request.method === "HEAD";
    if (request.method !== "GET" && !head) {
      await request.body?.cancel().catch(() => {});
      return finish(
        request,
        textResponse(`Method not allowed: the diagnostics are read-only (${ALLOW})\n`, 405, {
          allow: ALLOW,
        }),
      );
    }
    const endpoint = endpoints.get(path) ??
      (inFallback(path) ? fallback!.endpoint : options.otherwise);
    if (endpoint === undefined) return finish(request, textResponse("Not found\n", 404));
    let response: Response;
    try {
      response = await endpoint({ request, url, info, head });
    } catch (error) {
      console.error(error);
      response = textResponse("Internal server error\n", 500);
    }
    if (head && response.body !== null) {
      await response.body.cancel();
      response = new Response(null, response);
    }
    return finish(request, response);
  };
}

/** Gzip when accepted, then the security headers. */
async function finish(request: Request, response: Response): Promise<Response> {
  const out = await compressResponse(request, response);
  // Responses from Response.redirect() or fetch() have immutable headers:
  // copy them whenever something must be added.
  const headers = new Headers(out.headers);
  for (const [name, value] of Object.entries(BASE_HEADERS)) headers.set(name, value);
  if (!headers.has("content-security-policy")) headers.set("content-security-policy", RESOURCE_CSP);
  headers.delete("access-control-allow-origin"); // never CORS
  return new Response(out.body, { status: out.status, statusText: out.statusText, headers });
}
