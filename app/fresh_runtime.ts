// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The dashboard's `fresh/runtime`: {@linkcode asset} and
 * {@linkcode IS_BROWSER}, imported from here so that moving to
 * `@fresh/core` changes one line (see `fresh.ts`).
 *
 * @module
 */

export { asset, IS_BROWSER } from "../host/runtime.ts";
