// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode poolAnchor}: the element id of a pool's panel, so that an arena
 * pool's gauge and the slab of arenas behind it can link to each other.
 *
 * @module
 */

/**
 * The id of the panel showing the slab or arena `name`. Any name gives a
 * valid id that is also a valid URL fragment (no whitespace, escaped).
 *
 * @param kind `"slab"` (its grid panel) or `"arena"` (its gauge).
 * @param name The pool's name.
 * @returns The id, without `#`.
 *
 * @example
 * ```ts
 * import { poolAnchor } from "./pool_anchor.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(poolAnchor("slab", "stream arenas"), "slab-panel-stream%20arenas");
 * assert.notEqual(poolAnchor("slab", "x"), poolAnchor("arena", "x"));
 * ```
 */
export function poolAnchor(kind: "slab" | "arena", name: string): string {
  return `${kind}-panel-${encodeURIComponent(name)}`;
}
