// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode fetchMetadataRefusal}: what the guard makes of Fetch Metadata,
 * the `Sec-Fetch-*` headers in which a browser says who started a request
 * and what for. They catch what `Origin` does not: a cross-site
 * `<script src>` or `<img src>` carries no `Origin`, and a page on another
 * port of the same host is, to the browser, the same site.
 *
 * @module
 */

/**
 * `Sec-Fetch-Dest` values of a document loaded inside another one. Every
 * response forbids framing (`frame-ancestors 'none'`), so the browser would
 * refuse to show it anyway; refusing the request spares the work (a page
 * render, a stream slot).
 */
const EMBEDDED_DESTINATIONS = new Set(["iframe", "frame", "embed", "object", "fencedframe"]);
/** `Sec-Fetch-Site` values of a request another origin started. */
const FOREIGN_SITES = new Set(["cross-site", "same-site"]);

/**
 * Why a request must be refused by its Fetch Metadata, or `undefined` when
 * it may go on: any framed or embedded load is refused, and a request
 * another site started (another port of the same host included) is let
 * through only as a navigation to a `navigable` path. Requests without
 * Fetch Metadata (scripts, older browsers) go on.
 *
 * @param headers The request's headers.
 * @param navigable Whether a link on another site may open this path.
 * @returns The reason to refuse it with 403, or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { fetchMetadataRefusal } from "./fetch_metadata.ts";
 * import assert from "node:assert/strict";
 *
 * const link = new Headers({ "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" });
 * assert.equal(fetchMetadataRefusal(link, true), undefined);
 * assert.match(fetchMetadataRefusal(link, false)!, /link to the dashboard page/);
 * const frame = new Headers({ "sec-fetch-site": "same-origin", "sec-fetch-dest": "iframe" });
 * assert.match(fetchMetadataRefusal(frame, true)!, /framed/);
 * assert.equal(fetchMetadataRefusal(new Headers(), false), undefined);
 * ```
 */
export function fetchMetadataRefusal(headers: Headers, navigable: boolean): string | undefined {
  const dest = headers.get("sec-fetch-dest");
  if (dest !== null && EMBEDDED_DESTINATIONS.has(dest)) {
    return "Forbidden: the diagnostics may not be framed or embedded";
  }
  const site = headers.get("sec-fetch-site");
  if (site === null || !FOREIGN_SITES.has(site)) return undefined;
  if (headers.get("sec-fetch-mode") !== "navigate") {
    return "Forbidden: cross-site requests are not allowed";
  }
  // A link elsewhere may open the page or a login link: such a navigation
  // cannot read the response, and the SameSite=Strict cookie stays home on
  // a cross-site one.
  return navigable
    ? undefined
    : "Forbidden: other sites may link to the dashboard page and the login only";
}
