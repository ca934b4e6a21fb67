// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The stand-in for Fresh 2's `fresh` package, mapped by the import map:
 * routes write `import { createDefine, page } from "fresh"` and stay valid
 * Fresh code.
 *
 * - {@linkcode createDefine} and {@linkcode page}: typed routes and page data.
 * - {@linkcode HttpError}: an error with an HTTP status.
 * - Types: {@linkcode Context}, {@linkcode PageProps}, {@linkcode RouteConfig},
 *   {@linkcode HandlerFn}, {@linkcode HandlerByMethod}, {@linkcode Middleware}.
 *
 * @example A route module
 * ```ts
 * import { createDefine, page } from "fresh";
 * import { h } from "npm:preact@^10.29.8";
 * import assert from "node:assert/strict";
 *
 * const define = createDefine<{ title: string }>();
 * export const handler = define.handlers({
 *   GET: (ctx) => page({ title: ctx.state.title }),
 * });
 * export default define.page<typeof handler>(({ data }) => h("h1", null, data.title));
 * assert.equal(typeof handler.GET, "function");
 * ```
 *
 * @module
 */

export { createDefine, type Define } from "./define.ts";
export { HttpError } from "./http_error.ts";
export { page, type PageResponse, type PageResponseInit } from "./page.ts";
export type {
  Context,
  HandlerByMethod,
  HandlerFn,
  HostConfig,
  Method,
  Middleware,
  PageComponent,
  PageProps,
  RouteConfig,
  RouteHandler,
} from "./types.ts";
