// Copyright 2026 the slabscope authors. MIT license.
/**
 * Where a request came from as the browser saw it: over TLS or not
 * ({@linkcode arrivedOverTls}, which believes `X-Forwarded-Proto` from
 * trusted proxies only), the origin it was sent to
 * ({@linkcode browserOrigin}) and the port ({@linkcode browserPort}).
 *
 * @module
 */

import type { ConnectionInfo } from "../stream/diagnostics_stream.ts";
import { peerAddress } from "./client_network.ts";

/**
 * Whether a request reached this server over TLS, or reached a trusted
 * proxy over TLS: from a peer in `trustedProxies`, the last value of
 * `X-Forwarded-Proto` (the one the nearest proxy set) decides when it is
 * `http` or `https`; otherwise the request's own URL does.
 *
 * @param request The request.
 * @param info `Deno.serve`'s handler info: the peer's address.
 * @param trustedProxies Addresses of the proxies, without brackets.
 * @returns Whether the browser used `https:`.
 *
 * @example Usage
 * ```ts
 * import { arrivedOverTls } from "./request_scheme.ts";
 * import assert from "node:assert/strict";
 *
 * const proxies = new Set(["127.0.0.1"]);
 * const forwarded = new Request("http://dash/", { headers: { "x-forwarded-proto": "https" } });
 * assert.ok(arrivedOverTls(forwarded, { remoteAddr: { hostname: "127.0.0.1" } }, proxies));
 * assert.ok(!arrivedOverTls(forwarded, { remoteAddr: { hostname: "192.0.2.9" } }, proxies));
 * assert.ok(arrivedOverTls(new Request("https://dash/"), undefined, proxies));
 * ```
 */
export function arrivedOverTls(
  request: Request,
  info: ConnectionInfo | undefined,
  trustedProxies: ReadonlySet<string>,
): boolean {
  const peer = peerAddress(info);
  const forwarded = request.headers.get("x-forwarded-proto");
  if (forwarded !== null && peer !== undefined && trustedProxies.has(peer)) {
    const nearest = forwarded.split(",").at(-1)!.trim().toLowerCase();
    if (nearest === "https" || nearest === "http") return nearest === "https";
  }
  return request.url.startsWith("https:");
}

/**
 * The origin a browser sends for a page at `host`: scheme, host and port,
 * the scheme's default port left out.
 *
 * @param secure Whether the scheme is `https:`.
 * @param host The `Host` header (lowercase).
 * @returns The origin, e.g. `http://127.0.0.1:8000`.
 *
 * @example Usage
 * ```ts
 * import { browserOrigin } from "./request_scheme.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(browserOrigin(false, "127.0.0.1:8000"), "http://127.0.0.1:8000");
 * assert.equal(browserOrigin(true, "dash.example:443"), "https://dash.example");
 * ```
 */
export function browserOrigin(secure: boolean, host: string): string {
  const scheme = secure ? "https" : "http";
  try {
    return new URL(`${scheme}://${host}`).origin;
  } catch {
    return `${scheme}://${host}`;
  }
}

/**
 * The port in a `Host` header, or the scheme's default one.
 *
 * @param secure Whether the scheme is `https:`.
 * @param host The `Host` header.
 * @returns The port.
 *
 * @example Usage
 * ```ts
 * import { browserPort } from "./request_scheme.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(browserPort(false, "[::1]:8000"), 8000);
 * assert.equal(browserPort(true, "dash.example"), 443);
 * ```
 */
export function browserPort(secure: boolean, host: string): number {
  const port = /:(\d+)$/.exec(host.startsWith("[") ? host.slice(host.indexOf("]")) : host);
  return port === null ? (secure ? 443 : 80) : Number(port[1]);
}
