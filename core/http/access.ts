// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode AccessGuard}: who may talk to the diagnostics endpoints. Closed
 * by default: loopback `Host` names only, same-origin only, read-only, and
 * a token when configured (required beyond loopback).
 *
 * @module
 */

import { positiveIntegerOption, prefixOption } from "../options.ts";
import type { ConnectionInfo } from "../stream/diagnostics_stream.ts";
import { clientNetwork } from "./client_network.ts";
import { fetchMetadataRefusal } from "./fetch_metadata.ts";
import { RateLimiter } from "./rate_limit.ts";
import { arrivedOverTls, browserOrigin, browserPort } from "./request_scheme.ts";
import { textResponse } from "./responses.ts";
import { constantTimeEqual } from "../constant_time_equal.ts";
import { type CookieScope, randomText, SessionStore } from "./sessions.ts";

const GUARD_ACTION = "protect the diagnostics";

/** Options for {@linkcode AccessGuard}. */
export interface AccessOptions {
  /**
   * Host names (optionally `name:port`) accepted besides the loopback names
   * `localhost`, `127.0.0.1` and `[::1]`. Needed only when the server listens
   * beyond loopback; every other `Host` gets 403, which stops DNS rebinding.
   */
  allowedHosts?: string[];
  /**
   * A secret of at least 128 random bits (22+ characters; see
   * {@linkcode generateToken}). When set, every request needs it: as
   * `Authorization: Bearer <token>`, or as the session cookie that a
   * one-time login link (see {@linkcode AccessGuard.prototype.loginLink})
   * sets.
   */
  token?: string;
  /**
   * Concurrent event streams at most, in all; more get 503.
   *
   * @default {32}
   */
  maxStreams?: number;
  /**
   * Concurrent event streams per client network (an IPv4 address, an IPv6
   * /64); more get 503.
   *
   * @default {8}
   */
  maxStreamsPerAddress?: number;
  /**
   * New event-stream connections per client network per second (a token
   * bucket with a burst of twice this); more get 429.
   *
   * @default {10}
   */
  connectsPerSecond?: number;
  /**
   * Dashboard pages rendered per client network per second (a token bucket
   * with a burst of twice this); more get 429. A page costs milliseconds of
   * CPU at a few hundred thousand slots; this keeps reloads from starving
   * the process.
   *
   * @default {5}
   */
  pageRendersPerSecond?: number;
  /**
   * Addresses of the reverse proxies in front of this server, as
   * `Deno.serve` reports the peer (`"127.0.0.1"`, `"::1"`, `"10.0.0.2"`).
   * A request whose peer is one of them may say with `X-Forwarded-Proto:
   * https` that it reached the proxy over TLS: its session cookie is then
   * `Secure` (a `__Host-` cookie), the login links it is given are `https:`
   * and its `Origin` must be `https:`. The last value counts (the one the
   * nearest proxy set). From any other peer the header is ignored.
   *
   * @default {[]}
   */
  trustedProxies?: string[];
  /**
   * The prefix the guarded paths live under, without a trailing slash: the
   * session cookie is named after it and, over plain HTTP, limited to it.
   *
   * @default {"/debug"}
   */
  prefix?: string;
}

/** What {@linkcode AccessGuard.prototype.check} needs to know about a request besides itself. */
export interface AccessCheckOptions {
  /**
   * Skip the token check (for the login path, which checks its one-time
   * code itself); host, origin and fetch metadata are still checked.
   */
  anonymous?: boolean;
  /**
   * Whether another site may navigate here: true only for the dashboard
   * page and the login, which a link elsewhere may open. Everything else
   * answers same-origin requests and direct visits only.
   */
  navigable?: boolean;
  /** `Deno.serve`'s handler info: the peer address, for `trustedProxies`. */
  info?: ConnectionInfo;
}

/** Shortest accepted token: 22 characters of base64url hold 132 bits. */
export const MIN_TOKEN_LENGTH = 22;
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);
/**
 * Returns a fresh random token: 32 bytes (256 bits) as base64url.
 *
 * @returns A token for {@linkcode AccessOptions.token}.
 *
 * @example Usage
 * ```ts
 * import { generateToken } from "@slabscope/slabscope/dashboard";
 * import assert from "node:assert/strict";
 *
 * assert.match(generateToken(), /^[A-Za-z0-9_-]{43}$/);
 * ```
 */
export function generateToken(): string {
  return randomText(32);
}

/**
 * Whether a host name or address is loopback: `localhost`, `127.0.0.0/8`
 * or `::1` (bracketed or not).
 *
 * @param hostname The name or address to check.
 * @returns `true` for loopback.
 *
 * @example Usage
 * ```ts
 * import { isLoopback } from "@slabscope/slabscope/dashboard";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isLoopback("127.0.0.1") && isLoopback("[::1]") && isLoopback("localhost"));
 * assert.ok(!isLoopback("0.0.0.0") && !isLoopback("10.0.0.7"));
 * ```
 */
export function isLoopback(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return name === "localhost" || name === "::1" || /^127(\.\d{1,3}){3}$/.test(name);
}

/** The verdict on one request: `undefined` to go on, or the response to send. */
export type AccessVerdict = Response | undefined;

/**
 * Access control for the diagnostics endpoints and the dashboard. Checks run
 * before any routing: the `Host` header and the request's URL (DNS
 * rebinding), the `Origin` header, scheme included, and Fetch Metadata
 * (requests other sites start), and the token or session (when
 * configured); {@linkcode AccessGuard.prototype.admitStream} and
 * {@linkcode AccessGuard.prototype.admitPage} then apply the stream caps
 * and the rate limits.
 *
 * @example A token-protected handler
 * ```ts
 * import { AccessGuard, generateToken } from "@slabscope/slabscope/dashboard";
 * import assert from "node:assert/strict";
 *
 * const token = generateToken();
 * const guard = new AccessGuard({ token });
 * const base = "http://127.0.0.1:8000/debug/";
 * assert.equal(guard.check(new Request(base))?.status, 401);
 * const authorized = new Request(base, { headers: { authorization: `Bearer ${token}` } });
 * assert.equal(guard.check(authorized), undefined);
 * const rebound = new Request(base, { headers: { host: "evil.example:8000" } });
 * assert.equal(guard.check(rebound)?.status, 403);
 * ```
 */
export class AccessGuard {
  #allowedHosts: Set<string>;
  #trustedProxies: Set<string>;
  #token: string | undefined;
  #prefix: string;
  #maxStreams: number;
  #maxPerAddress: number;
  #sessions = new SessionStore();
  #connects: RateLimiter;
  #pages: RateLimiter;
  #streams = new Map<string, number>();
  #streamCount = 0;

  /**
   * Creates a guard. Without options: loopback host names, same-origin,
   * no token, the default caps.
   *
   * @param options Allowed hosts, token, caps, trusted proxies.
   * @throws {RangeError} If the token is shorter than 22 characters, a cap
   * is not a positive integer or the prefix is malformed.
   * @throws {TypeError} If `allowedHosts` or `trustedProxies` is not an array of strings.
   */
  constructor(options: AccessOptions = {}) {
    const { token } = options;
    if (token !== undefined && (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH)) {
      throw new RangeError(
        `Cannot ${GUARD_ACTION}: the token must be at least ${MIN_TOKEN_LENGTH} characters (128 random bits), received ${
          typeof token === "string" ? `${token.length} characters` : typeof token
        }`,
      );
    }
    this.#allowedHosts = new Set(stringList(options.allowedHosts, "allowedHosts", "host names"));
    this.#trustedProxies = new Set(
      stringList(options.trustedProxies, "trustedProxies", "addresses")
        .map((address) => address.replace(/^\[|\]$/g, "")),
    );
    this.#token = token;
    this.#prefix = prefixOption(options.prefix, "/debug", GUARD_ACTION, true);
    this.#maxStreams = positiveIntegerOption(options.maxStreams, 32, "maxStreams", GUARD_ACTION);
    this.#maxPerAddress = positiveIntegerOption(
      options.maxStreamsPerAddress,
      8,
      "maxStreamsPerAddress",
      GUARD_ACTION,
    );
    const connects = positiveIntegerOption(
      options.connectsPerSecond,
      10,
      "connectsPerSecond",
      GUARD_ACTION,
    );
    this.#connects = new RateLimiter({ rate: connects, burst: 2 * connects });
    const pages = positiveIntegerOption(
      options.pageRendersPerSecond,
      5,
      "pageRendersPerSecond",
      GUARD_ACTION,
    );
    this.#pages = new RateLimiter({ rate: pages, burst: 2 * pages });
  }

  /** Whether a token is required. */
  get protected(): boolean {
    return this.#token !== undefined;
  }

  /**
   * Checks a request. Returns `undefined` when it may proceed, or the
   * response to send instead: 400 for a URL that does not parse, 403 for a
   * foreign `Host` or `Origin`, for a request another site started (other
   * than a navigation to a `navigable` path) and for any framed or
   * embedded load, 401 without a valid token or session.
   *
   * @param request The request.
   * @param options Whether it skips the token, may be navigated to from
   * elsewhere, and the handler info.
   * @returns `undefined`, or a refusal.
   */
  check(request: Request, options: AccessCheckOptions = {}): AccessVerdict {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return refuse(400, "Bad request: the URL or Host is malformed");
    }
    // Deno builds the URL from the Host header, or from an absolute request
    // target (which then wins over Host): both must be ours.
    const header = request.headers.get("host")?.toLowerCase();
    const host = header ?? url.host.toLowerCase();
    if (!this.#hostAllowed(host) || !this.#hostAllowed(url.host.toLowerCase())) {
      return refuse(403, "Forbidden: this diagnostics server only answers to its own host names");
    }
    const origin = request.headers.get("origin");
    if (origin !== null && origin !== this.#origin(request, host, options.info)) {
      return refuse(403, "Forbidden: cross-origin requests are not allowed");
    }
    const foreign = fetchMetadataRefusal(request.headers, options.navigable === true);
    if (foreign !== undefined) return refuse(403, foreign);
    if (options.anonymous !== true && this.#token !== undefined) {
      const scope = this.#scope(request, host, options.info);
      if (!this.#bearer(request) && !this.#cookieValid(request, scope)) {
        return refuse(
          401,
          "Unauthorized: send `Authorization: Bearer <token>`, or open a login link (GET …/login with the token gives one)",
          { "www-authenticate": 'Bearer realm="slabscope"' },
        );
      }
    }
    return undefined;
  }

  /**
   * Handles `GET {prefix}/login`: with `?code=` a one-time login link sets
   * the session cookie and redirects to the dashboard (the code is spent);
   * with a valid `Authorization` header it answers a fresh login link.
   *
   * @param request The request.
   * @param info `Deno.serve`'s handler info (for `trustedProxies`).
   * @returns The response.
   */
  login(request: Request, info?: ConnectionInfo): Response {
    const prefix = this.#prefix;
    const url = new URL(request.url);
    const host = (request.headers.get("host") ?? url.host).toLowerCase();
    const code = url.searchParams.get("code");
    if (code !== null) {
      if (!this.#sessions.spendCode(code)) {
        return refuse(401, "Unauthorized: this login link was used already or has expired");
      }
      return new Response(null, {
        status: 303,
        headers: {
          location: `${prefix}/`,
          "cache-control": "no-store",
          "set-cookie": this.#sessions.start(this.#scope(request, host, info)),
        },
      });
    }
    if (this.#token === undefined) return refuse(404, "Not found: no token is configured");
    if (!this.#bearer(request)) {
      return refuse(401, "Unauthorized: send `Authorization: Bearer <token>`");
    }
    return textResponse(`${this.loginLink(`${this.#origin(request, host, info)}${prefix}`)}\n`);
  }

  /**
   * Mints a one-time login link (valid 5 minutes, once): opening it in a
   * browser sets an `HttpOnly; SameSite=Strict` session cookie, so neither
   * the token nor the code stays in the address bar, history or logs.
   *
   * @param base The dashboard's URL without a trailing slash, e.g. `http://127.0.0.1:8000/debug`.
   * @returns The link.
   */
  loginLink(base: string): string {
    return `${base}/login?code=${this.#sessions.mintCode()}`;
  }

  /**
   * Admits one more event stream from `remoteAddress`, or returns the
   * refusal to send: 429 over the connect rate, 503 over the caps (both with
   * `Retry-After`). Call the returned release function when the stream ends.
   *
   * @param remoteAddress The client's address (one bucket for all when unknown).
   * @returns `{ release }`, or the refusal.
   */
  admitStream(remoteAddress?: string): { release: () => void } | Response {
    if (!this.#connects.take(remoteAddress)) {
      return refuse(429, "Too many requests: reconnect more slowly", { "retry-after": "2" });
    }
    const network = remoteAddress === undefined ? "unknown" : clientNetwork(remoteAddress);
    const mine = this.#streams.get(network) ?? 0;
    if (this.#streamCount >= this.#maxStreams || mine >= this.#maxPerAddress) {
      return refuse(503, "Service unavailable: too many diagnostics streams are open", {
        "retry-after": String(5 + Math.floor(Math.random() * 5)),
      });
    }
    this.#streamCount++;
    this.#streams.set(network, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#streamCount--;
        const left = (this.#streams.get(network) ?? 1) - 1;
        if (left <= 0) this.#streams.delete(network);
        else this.#streams.set(network, left);
      },
    };
  }

  /**
   * Admits one more page render from `remoteAddress`, or returns the 429
   * (with `Retry-After`) to send instead: see
   * {@linkcode AccessOptions.pageRendersPerSecond}.
   *
   * @param remoteAddress The client's address (one bucket for all when unknown).
   * @returns `undefined`, or the refusal.
   */
  admitPage(remoteAddress?: string): AccessVerdict {
    if (this.#pages.take(remoteAddress)) return undefined;
    return refuse(429, "Too many requests: the dashboard page is reloaded too often", {
      "retry-after": "1",
    });
  }

  #hostAllowed(host: string): boolean {
    const name = host.startsWith("[")
      ? host.slice(0, host.indexOf("]") + 1)
      : host.replace(/:\d+$/, "");
    return LOOPBACK_NAMES.has(name) || this.#allowedHosts.has(host) || this.#allowedHosts.has(name);
  }

  /** The origin the browser sees: scheme and `Host`, default port left out. */
  #origin(request: Request, host: string, info: ConnectionInfo | undefined): string {
    return browserOrigin(arrivedOverTls(request, info, this.#trustedProxies), host);
  }

  /** What the session cookie's name and attributes depend on. */
  #scope(request: Request, host: string, info: ConnectionInfo | undefined): CookieScope {
    const secure = arrivedOverTls(request, info, this.#trustedProxies);
    return { secure, port: browserPort(secure, host), prefix: this.#prefix };
  }

  #bearer(request: Request): boolean {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match !== null && constantTimeEqual(match[1]!, this.#token!);
  }

  #cookieValid(request: Request, scope: CookieScope): boolean {
    return this.#sessions.valid(request.headers.get("cookie"), scope);
  }
}

function stringList(value: unknown, name: string, what: string): string[] {
  const list = value ?? [];
  if (!Array.isArray(list) || list.some((item) => typeof item !== "string")) {
    throw new TypeError(`Cannot ${GUARD_ACTION}: ${name} must be an array of ${what}`);
  }
  return list.map((item: string) => item.toLowerCase());
}

function refuse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return textResponse(`${message}\n`, status, headers);
}
