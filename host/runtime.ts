// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The stand-in for Fresh 2's `fresh/runtime`, usable in islands and on the
 * server: {@linkcode IS_BROWSER} and {@linkcode asset}.
 *
 * @module
 */

import { assetScope } from "./_scope.ts";

/**
 * `true` in the browser, `false` on the server. Guard browser-only APIs
 * such as `EventSource` with it.
 *
 * @example Guard a browser API
 * ```ts
 * import { IS_BROWSER } from "fresh/runtime";
 * import assert from "node:assert/strict";
 *
 * assert.equal(IS_BROWSER, false); // doc tests run on the server
 * ```
 */
export const IS_BROWSER: boolean = typeof document !== "undefined";

/**
 * A cache-busting URL for a static file: the app's base path, the path and
 * `__frsh_c=<BUILD_ID>`, which the host serves with a one-year immutable
 * cache. Paths that are not absolute (no leading `/`), protocol-relative
 * (`//host/…`), or already busted come back unchanged, as do all paths
 * outside a render when no app has served a request yet.
 *
 * On the server the app being rendered is known only while a component
 * renders synchronously: call `asset()` in render code, not after an
 * `await` in an async page.
 *
 * @param path A path in the app's `static/` folder, starting with `/`.
 * @returns The URL to put in `href` or `src`.
 *
 * @example In a component
 * ```ts
 * import { asset } from "fresh/runtime";
 * import { h } from "npm:preact@^10.29.8";
 * import assert from "node:assert/strict";
 *
 * // Outside a render, with no app: unchanged.
 * assert.equal(asset("/styles.css"), "/styles.css");
 * const link = h("link", { rel: "stylesheet", href: asset("/styles.css") });
 * assert.equal(link.type, "link");
 * ```
 */
export function asset(path: string): string {
  if (typeof path !== "string") {
    throw new TypeError(`Cannot make an asset URL: path must be a string, received ${typeof path}`);
  }
  const scope = assetScope();
  if (scope === undefined || !path.startsWith("/") || path.startsWith("//")) return path;
  if (/[?&]__frsh_c=/.test(path)) return path;
  const url = scope.basePath + path;
  if (scope.buildId === undefined) return url;
  const hash = url.indexOf("#");
  const [head, tail] = hash === -1 ? [url, ""] : [url.slice(0, hash), url.slice(hash)];
  return `${head}${head.includes("?") ? "&" : "?"}__frsh_c=${scope.buildId}${tail}`;
}
