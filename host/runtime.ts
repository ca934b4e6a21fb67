// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The part of Fresh 2's `fresh/runtime` this host implements, usable in
 * islands and on the server: {@linkcode IS_BROWSER} and {@linkcode asset}.
 *
 * @module
 */

import { currentBuildId } from "./_scope.ts";

/**
 * `true` in the browser, `false` on the server. Guard browser-only APIs
 * such as `EventSource` with it.
 *
 * @example Guard a browser API
 * ```ts
 * import { IS_BROWSER } from "./runtime.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(IS_BROWSER, false); // doc tests run on the server
 * ```
 */
export const IS_BROWSER: boolean = typeof document !== "undefined";

/**
 * A cache-busting URL for a static file, as Fresh's `asset()`: the path
 * with `__frsh_c=<BUILD_ID>` added, which the host serves with a one-year
 * immutable cache. Like Fresh's, it does **not** add the app's base path:
 * build the path from `config.basePath` (`asset(`${basePath}/styles.css`)`).
 * Paths that are not absolute, protocol-relative (`//host/…`) or already
 * busted come back unchanged, as does every path before an app knows its
 * build.
 *
 * @param path An absolute path of a static file.
 * @returns The URL to put in `href` or `src`.
 *
 * @example Usage
 * ```ts
 * import { asset } from "./runtime.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(asset("https://example.com/a.css"), "https://example.com/a.css");
 * ```
 */
export function asset(path: string): string {
  if (typeof path !== "string") {
    throw new TypeError(`Cannot make an asset URL: path must be a string, received ${typeof path}`);
  }
  const buildId = currentBuildId();
  if (buildId === undefined || !path.startsWith("/") || path.startsWith("//")) return path;
  if (/[?&]__frsh_c=/.test(path)) return path;
  const hash = path.indexOf("#");
  const [head, tail] = hash === -1 ? [path, ""] : [path.slice(0, hash), path.slice(hash)];
  return `${head}${head.includes("?") ? "&" : "?"}__frsh_c=${buildId}${tail}`;
}
