// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
// The asset scope: which base path and build id `asset()` uses right now.
// The server sets it around each synchronous render; the browser sets it
// once at boot from the page's state.

/** The base path and build id of the app being rendered. */
export interface AssetScope {
  /** The mount path, without a trailing slash (`""` at the root). */
  readonly basePath: string;
  /** The current build id, or `undefined` when the app has no build. */
  readonly buildId: string | undefined;
}

let current: AssetScope | undefined;
let fallback: AssetScope | undefined;

/**
 * Runs `fn` with `scope` as the asset scope and restores the previous one.
 * `fn` must be synchronous: the scope does not follow `await`.
 */
export function withAssetScope<T>(scope: AssetScope, fn: () => T): T {
  const previous = current;
  current = scope;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/**
 * Sets the scope used outside {@linkcode withAssetScope}: in the browser,
 * the page's; on the server, the last app's to handle a request.
 */
export function setFallbackAssetScope(scope: AssetScope): void {
  fallback = scope;
}

/** The asset scope in force, if any. */
export function assetScope(): AssetScope | undefined {
  return current ?? fallback;
}
