// Copyright 2026 the slabscope authors. MIT license.
/**
 * The dashboard page's `Content-Security-Policy`: its own scripts (and the
 * one inline boot script, by the response's nonce), its own styles, and
 * connections to itself only.
 *
 * @module
 */

/**
 * The page's policy for one response.
 *
 * @param nonce The nonce of the page's inline boot script.
 * @returns The header's value.
 */
export function pageContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self'",
    // Server-rendered gauge widths are style attributes.
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
