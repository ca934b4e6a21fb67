// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode SessionStore}: the one-time login codes and the browser
 * sessions they turn into, and the session cookie of one dashboard.
 *
 * The cookie is scoped to the dashboard as far as cookies can be. Its name
 * carries the port and the prefix (`slabscope_8000_2fdebug`), so two
 * dashboards on one host never overwrite or read each other's session, and
 * a session is valid only under the name it was issued with. Over plain
 * HTTP its `Path` is the prefix; over HTTPS it is a `__Host-` cookie
 * (`Secure`, `Path=/`, no `Domain`: it cannot be set by a subdomain or
 * over plain HTTP). Every session ends after 12 hours, in the browser
 * (`Max-Age`) and here.
 *
 * What no cookie attribute can do: cookies ignore ports (RFC 6265 §8.5),
 * so every server on the same host name receives this cookie with its own
 * requests under the path (all paths, for a `__Host-` cookie), and could
 * replay it here. SECURITY.md says what to do about that.
 *
 * @module
 */

import { constantTimeEqual } from "../constant_time_equal.ts";

/** How long a session lasts, in the browser and on the server. */
export const SESSION_MS = 12 * 60 * 60 * 1000;
/** How long a login link works (once). */
export const LOGIN_CODE_MS = 5 * 60 * 1000;

/** Where a request arrived: what the session cookie's name and attributes depend on. */
export interface CookieScope {
  /** Whether the request arrived over HTTPS (directly, or through a trusted proxy). */
  readonly secure: boolean;
  /** The port the browser used, from the `Host` header (80 or 443 when it names none). */
  readonly port: number;
  /** The dashboard's prefix, e.g. `/debug` (`""` at the root). */
  readonly prefix: string;
}

/**
 * The session cookie's name for a scope: `slabscope_<port><prefix>`, the
 * prefix with every character but letters and digits written `_xx` (its
 * code in hex), and `__Host-` in front over HTTPS.
 *
 * @param scope Where the request arrived.
 * @returns The name.
 *
 * @example Usage
 * ```ts
 * import { sessionCookieName } from "./sessions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   sessionCookieName({ secure: false, port: 8000, prefix: "/debug" }),
 *   "slabscope_8000_2fdebug",
 * );
 * assert.equal(
 *   sessionCookieName({ secure: true, port: 443, prefix: "/debug" }),
 *   "__Host-slabscope_443_2fdebug",
 * );
 * ```
 */
export function sessionCookieName(scope: CookieScope): string {
  const prefix = scope.prefix.replace(
    /[^A-Za-z0-9]/g,
    (c) => `_${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  return `${scope.secure ? "__Host-" : ""}slabscope_${scope.port}${prefix}`;
}

/**
 * Login codes and sessions of one guard. Codes are spent on first use;
 * expired codes and sessions are forgotten as new ones are made.
 */
export class SessionStore {
  #codes = new Map<string, number>();
  #sessions = new Map<string, { expires: number; name: string }>();

  /**
   * Mints a login code, valid once for {@linkcode LOGIN_CODE_MS}.
   *
   * @returns The code (24 random bytes as base64url).
   */
  mintCode(): string {
    const now = Date.now();
    for (const [old, expires] of this.#codes) if (expires < now) this.#codes.delete(old);
    const code = randomText(24);
    this.#codes.set(code, now + LOGIN_CODE_MS);
    return code;
  }

  /**
   * Spends a login code: it never works again, whatever the answer.
   *
   * @param code The code from the link.
   * @returns Whether it was valid.
   */
  spendCode(code: string): boolean {
    const expires = this.#codes.get(code);
    this.#codes.delete(code);
    return expires !== undefined && expires >= Date.now();
  }

  /**
   * Starts a session and returns the `Set-Cookie` value that carries it.
   *
   * @param scope Where the login request arrived.
   * @returns The header's value.
   */
  start(scope: CookieScope): string {
    const now = Date.now();
    for (const [old, { expires }] of this.#sessions) {
      if (expires < now) this.#sessions.delete(old);
    }
    const name = sessionCookieName(scope);
    const session = randomText(32);
    this.#sessions.set(session, { expires: now + SESSION_MS, name });
    const attributes = scope.secure
      ? "Path=/; Secure"
      : `Path=${scope.prefix === "" ? "/" : scope.prefix}`;
    return `${name}=${session}; ${attributes}; HttpOnly; SameSite=Strict; Max-Age=${
      SESSION_MS / 1000
    }`;
  }

  /**
   * Whether a `Cookie` header holds a live session issued under this
   * scope's cookie name. Sessions are compared in constant time.
   *
   * @param cookies The request's `Cookie` header.
   * @param scope Where the request arrived.
   * @returns Whether the request has a session.
   */
  valid(cookies: string | null, scope: CookieScope): boolean {
    if (cookies === null) return false;
    const name = sessionCookieName(scope);
    const now = Date.now();
    for (const part of cookies.split(";")) {
      const separator = part.indexOf("=");
      if (separator < 0 || part.slice(0, separator).trim() !== name) continue;
      const value = part.slice(separator + 1).trim();
      for (const [session, entry] of this.#sessions) {
        if (entry.expires < now) this.#sessions.delete(session);
        else if (entry.name === name && constantTimeEqual(session, value)) return true;
      }
    }
    return false;
  }
}

/**
 * `length` random bytes as base64url.
 *
 * @param length How many bytes.
 * @returns The text.
 */
export function randomText(length: number): string {
  return base64url(crypto.getRandomValues(new Uint8Array(length)));
}

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
