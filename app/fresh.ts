// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The dashboard's `fresh`: every route imports the framework from here, so
 * that moving to `@fresh/core` changes this file and `fresh_runtime.ts`
 * (to `export * from "jsr:@fresh/core@^2"` and `…/runtime`) instead of
 * every route. See `host/mod.ts` for the whole list.
 *
 * @module
 */

export { createDefine, type Define, page, type PageProps } from "../host/fresh.ts";
