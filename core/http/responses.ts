// Copyright 2026 the slabscope authors. MIT license.
/**
 * The headers every diagnostics response carries, and the small responses
 * the endpoints answer with (JSON, plain text), never cached.
 *
 * @module
 */

/**
 * Security headers every diagnostics response carries, whatever its path
 * or status: no sniffing, no referrer, no cross-origin reads, and no
 * framing by anyone (`frame-ancestors` for browsers that read CSP,
 * `X-Frame-Options` for the rest).
 */
export const BASE_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "x-frame-options": "DENY",
};

/** The policy of every response that is not the page: nothing loads, nothing frames it. */
export const RESOURCE_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * A JSON response that is never cached.
 *
 * @param value What to send; `JSON.stringify` must accept it.
 * @param status The status.
 * @returns The response.
 */
export function jsonResponse(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: {
      ...BASE_HEADERS,
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

/**
 * A plain-text response that is never cached.
 *
 * @param text The body.
 * @param status The status.
 * @param headers More headers (e.g. `Retry-After`).
 * @returns The response.
 */
export function textResponse(
  text: string,
  status = 200,
  headers: Readonly<Record<string, string>> = {},
): Response {
  return new Response(text, {
    status,
    headers: {
      ...BASE_HEADERS,
      ...headers,
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}
