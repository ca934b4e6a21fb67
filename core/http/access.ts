// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode AccessGuard}: who may talk to the diagnostics endpoints. Closed
 * by default: loopback `Host` names only, same-origin only, read-only, and
 * a token when configured (required beyond loopback).
 *
 * @module
 */

import { positiveIntegerOption } from "../options.ts";
import { textResponse } from "./responses.ts";

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
   * Concurrent event streams per remote address; more get 503.
   *
   * @default {8}
   */
  maxStreamsPerAddress?: number;
  /**
   * New event-stream connections per remote address per second (a token
   * bucket with a burst of twice this); more get 429.
   *
   * @default {10}
   */
  connectsPerSecond?: number;
}

/** Shortest accepted token: 22 characters of base64url hold 132 bits. */
export const MIN_TOKEN_LENGTH = 22;
/** How long a session cookie lasts. */
const SESSION_MS = 12 * 60 * 60 * 1000;
/** How long a login link works (once). */
const LOGIN_CODE_MS = 5 * 60 * 1000;
const COOKIE = "slabscope_session";
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
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
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

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Compares two strings in time that depends only on their lengths, so that
 * a token cannot be guessed one character at a time from response times.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let difference = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) difference |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return difference === 0;
}

/** The verdict on one request: `undefined` to go on, or the response to send. */
export type AccessVerdict = Response | undefined;

/**
 * Access control for the diagnostics endpoints and the dashboard. Checks run
 * before any routing: the `Host` header (DNS rebinding), the `Origin` header
 * (cross-site requests) and the token or session (when configured);
 * {@linkcode AccessGuard.prototype.admitStream} then applies the stream
 * caps and the connect rate.
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
  #token: string | undefined;
  #maxStreams: number;
  #maxPerAddress: number;
  #rate: number;
  #sessions = new Map<string, number>();
  #codes = new Map<string, number>();
  #buckets = new Map<string, { tokens: number; at: number }>();
  #streams = new Map<string, number>();
  #streamCount = 0;

  /**
   * Creates a guard. Without options: loopback host names, same-origin,
   * no token, the default caps.
   *
   * @param options Allowed hosts, token, caps.
   * @throws {RangeError} If the token is shorter than 22 characters or a cap
   * is not a positive integer.
   * @throws {TypeError} If `allowedHosts` is not an array of strings.
   */
  constructor(options: AccessOptions = {}) {
    const { token } = options;
    if (token !== undefined && (typeof token !== "string" || token.length < MIN_TOKEN_LENGTH)) {
      throw new RangeError(
        `Cannot protect the diagnostics: the token must be at least ${MIN_TOKEN_LENGTH} characters (128 random bits), received ${
          typeof token === "string" ? `${token.length} characters` : typeof token
        }`,
      );
    }
    const hosts = options.allowedHosts ?? [];
    if (!Array.isArray(hosts) || hosts.some((host) => typeof host !== "string")) {
      throw new TypeError(
        "Cannot protect the diagnostics: allowedHosts must be an array of host names",
      );
    }
    this.#allowedHosts = new Set(hosts.map((host) => host.toLowerCase()));
    this.#token = token;
    this.#maxStreams = positiveIntegerOption(options.maxStreams, 32, "maxStreams", GUARD_ACTION);
    this.#maxPerAddress = positiveIntegerOption(
      options.maxStreamsPerAddress,
      8,
      "maxStreamsPerAddress",
      GUARD_ACTION,
    );
    this.#rate = positiveIntegerOption(
      options.connectsPerSecond,
      10,
      "connectsPerSecond",
      GUARD_ACTION,
    );
  }

  /** Whether a token is required. */
  get protected(): boolean {
    return this.#token !== undefined;
  }

  /**
   * Checks a request. Returns `undefined` when it may proceed, or the
   * response to send instead: 403 for a foreign `Host` or `Origin`, 401
   * without a valid token or session.
   *
   * @param request The request.
   * @param anonymous Skip the token check (for the login path, which checks
   * its one-time code itself); host and origin are still checked.
   * @returns `undefined`, or a refusal.
   */
  check(request: Request, anonymous = false): AccessVerdict {
    const host = (request.headers.get("host") ?? new URL(request.url).host).toLowerCase();
    if (!this.#hostAllowed(host)) {
      return refuse(403, "Forbidden: this diagnostics server only answers to its own host names");
    }
    const origin = request.headers.get("origin");
    if (origin !== null && !this.#sameOrigin(origin, host)) {
      return refuse(403, "Forbidden: cross-origin requests are not allowed");
    }
    // Browsers send no Origin on a cross-site <script>/<img> load; Fetch
    // Metadata still tells us. A navigation (a link someone clicked) may pass:
    // it cannot read the response, and a SameSite=Strict cookie stays home.
    if (
      request.headers.get("sec-fetch-site") === "cross-site" &&
      request.headers.get("sec-fetch-mode") !== "navigate"
    ) {
      return refuse(403, "Forbidden: cross-site requests are not allowed");
    }
    if (!anonymous && this.#token !== undefined && !this.#authorized(request)) {
      return refuse(
        401,
        "Unauthorized: send `Authorization: Bearer <token>`, or open a login link (GET …/login with the token gives one)",
        { "www-authenticate": 'Bearer realm="slabscope"' },
      );
    }
    return undefined;
  }

  /**
   * Handles `GET {prefix}/login`: with `?code=` a one-time login link sets
   * the session cookie and redirects to the dashboard (the code is spent);
   * with a valid `Authorization` header it answers a fresh login link.
   *
   * @param request The request.
   * @param prefix The dashboard's prefix, e.g. `/debug`.
   * @returns The response.
   */
  login(request: Request, prefix: string): Response {
    const url = new URL(request.url);
    const code = url.searchParams.get("code");
    if (code !== null) {
      const expires = this.#codes.get(code);
      this.#codes.delete(code); // one time, whatever happens
      if (expires === undefined || expires < Date.now()) {
        return refuse(401, "Unauthorized: this login link was used already or has expired");
      }
      const session = base64url(crypto.getRandomValues(new Uint8Array(32)));
      this.#sessions.set(session, Date.now() + SESSION_MS);
      return new Response(null, {
        status: 303,
        headers: {
          location: `${prefix}/`,
          "cache-control": "no-store",
          "set-cookie": `${COOKIE}=${session}; Path=${prefix}; HttpOnly; SameSite=Strict; Max-Age=${
            SESSION_MS / 1000
          }${url.protocol === "https:" ? "; Secure" : ""}`,
        },
      });
    }
    if (this.#token === undefined) return refuse(404, "Not found: no token is configured");
    if (!this.#bearer(request)) {
      return refuse(401, "Unauthorized: send `Authorization: Bearer <token>`");
    }
    return textResponse(`${this.loginLink(`${url.origin}${prefix}`)}\n`);
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
    const code = base64url(crypto.getRandomValues(new Uint8Array(24)));
    this.#codes.set(code, Date.now() + LOGIN_CODE_MS);
    for (const [old, expires] of this.#codes) if (expires < Date.now()) this.#codes.delete(old);
    return `${base}/login?code=${code}`;
  }

  /**
   * Admits one more event stream from `remoteAddress`, or returns the
   * refusal to send: 429 over the connect rate, 503 over the caps (both with
   * `Retry-After`). Call the returned release function when the stream ends.
   *
   * @param remoteAddress The client's address (one bucket for all when unknown).
   * @returns `{ release }`, or the refusal.
   */
  admitStream(remoteAddress = "unknown"): { release: () => void } | Response {
    if (!this.#takeConnect(remoteAddress)) {
      return refuse(429, "Too many requests: reconnect more slowly", { "retry-after": "2" });
    }
    const mine = this.#streams.get(remoteAddress) ?? 0;
    if (this.#streamCount >= this.#maxStreams || mine >= this.#maxPerAddress) {
      return refuse(503, "Service unavailable: too many diagnostics streams are open", {
        "retry-after": String(5 + Math.floor(Math.random() * 5)),
      });
    }
    this.#streamCount++;
    this.#streams.set(remoteAddress, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#streamCount--;
        const left = (this.#streams.get(remoteAddress) ?? 1) - 1;
        if (left <= 0) this.#streams.delete(remoteAddress);
        else this.#streams.set(remoteAddress, left);
      },
    };
  }

  #hostAllowed(host: string): boolean {
    const name = host.startsWith("[")
      ? host.slice(0, host.indexOf("]") + 1)
      : host.replace(/:\d+$/, "");
    return LOOPBACK_NAMES.has(name) || this.#allowedHosts.has(host) || this.#allowedHosts.has(name);
  }

  #sameOrigin(origin: string, host: string): boolean {
    try {
      return new URL(origin).host.toLowerCase() === host;
    } catch {
      return false;
    }
  }

  #bearer(request: Request): boolean {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    return match !== null && constantTimeEqual(match[1]!, this.#token!);
  }

  #authorized(request: Request): boolean {
    if (this.#bearer(request)) return true;
    const cookies = request.headers.get("cookie") ?? "";
    for (const part of cookies.split(";")) {
      const [name, value] = part.trim().split("=", 2);
      if (name !== COOKIE || value === undefined) continue;
      for (const [session, expires] of this.#sessions) {
        if (expires < Date.now()) this.#sessions.delete(session);
        else if (constantTimeEqual(session, value)) return true;
      }
    }
    return false;
  }

  /** A token bucket per address: `rate` per second, bursts of twice that. */
  #takeConnect(address: string): boolean {
    const now = performance.now();
    const bucket = this.#buckets.get(address) ?? { tokens: 2 * this.#rate, at: now };
    bucket.tokens = Math.min(
      2 * this.#rate,
      bucket.tokens + ((now - bucket.at) / 1000) * this.#rate,
    );
    bucket.at = now;
    this.#buckets.set(address, bucket);
    if (this.#buckets.size > 10_000) this.#buckets.clear(); // bounded memory under a flood
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

function refuse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return textResponse(`${message}\n`, status, headers);
}
