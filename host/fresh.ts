// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The part of Fresh 2's `fresh` module this host implements: typed routes
 * ({@linkcode createDefine}), page data ({@linkcode page}) and the types a
 * route module uses.
 *
 * @example A route module
 * ```ts
 * import { createDefine, page } from "./fresh.ts";
 * import { h } from "npm:preact@^10.29.8";
 * import assert from "node:assert/strict";
 *
 * const routes = createDefine<{ title: string }>();
 * const handler = routes.handlers({
 *   GET: (ctx) => page({ title: ctx.state.title }),
 * });
 * const Page = routes.page<typeof handler>(({ data }) => h("h1", null, data.title));
 * assert.equal(typeof Page, "function");
 * assert.equal(typeof handler.GET, "function");
 * ```
 *
 * @module
 */

export { createDefine, type Define } from "./define.ts";
export { page, type PageResponse, type PageResponseInit } from "./page.ts";
export type {
  Context,
  HandlerByMethod,
  HandlerFn,
  HostConfig,
  Method,
  PageComponent,
  PageProps,
  RouteHandler,
} from "./types.ts";
