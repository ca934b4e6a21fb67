// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode createDefine}: typed identity helpers for routes, pages,
 * layouts and middlewares.
 *
 * @module
 */

import type { Middleware, PageComponent, PageProps, RouteHandler } from "./types.ts";

/**
 * Identity helpers that let TypeScript infer `ctx.state` and `props.data`.
 * Each returns its argument unchanged.
 *
 * @typeParam State The app's per-request state.
 */
export interface Define<State> {
  /**
   * Declares a route's handlers.
   *
   * @typeParam Data The data the handlers hand to the page.
   * @typeParam Handlers The handlers' exact type, inferred.
   * @param handlers One handler, or one per method.
   * @returns `handlers`, unchanged.
   */
  handlers<
    Data = unknown,
    Handlers extends RouteHandler<Data, State> = RouteHandler<Data, State>,
  >(handlers: Handlers): Handlers;
  /**
   * Declares a page component; `page<typeof handler>(…)` types
   * `props.data` from what the handler passes to `page(data)`.
   *
   * @typeParam Handler The route's handler type.
   * @typeParam Data The page data, inferred from `Handler`.
   * @param render The page component.
   * @returns `render`, unchanged.
   */
  page<
    // deno-lint-ignore no-explicit-any
    Handler extends RouteHandler<any, State> = never,
    Data = Handler extends RouteHandler<infer D, State> ? D : never,
  >(render: PageComponent<PageProps<Data, State>>): PageComponent<PageProps<Data, State>>;
  /**
   * Declares a layout or `_app` component.
   *
   * @typeParam Data The page data it sees.
   * @param render The layout component.
   * @returns `render`, unchanged.
   */
  layout<Data = unknown>(
    render: PageComponent<PageProps<Data, State>>,
  ): PageComponent<PageProps<Data, State>>;
  /**
   * Declares a middleware, or a list of them.
   *
   * @typeParam M The middleware's exact type, inferred.
   * @param middleware One middleware or an array.
   * @returns `middleware`, unchanged.
   */
  middleware<M extends Middleware<State> | Middleware<State>[]>(middleware: M): M;
}

/**
 * Creates the `define` helpers for an app whose `ctx.state` is `State`.
 * Usually called once in `utils.ts` and imported by every route.
 *
 * @typeParam State The app's per-request state.
 * @returns The identity helpers.
 *
 * @example A typed route
 * ```ts
 * import { createDefine, page } from "fresh";
 * import assert from "node:assert/strict";
 *
 * const define = createDefine<{ user: string }>();
 * const handler = define.handlers({
 *   GET(ctx) {
 *     return page({ greeting: `hello ${ctx.state.user}` });
 *   },
 * });
 * const Page = define.page<typeof handler>((props) => props.data.greeting);
 * assert.equal(typeof handler.GET, "function");
 * assert.equal(typeof Page, "function");
 * ```
 */
export function createDefine<State = unknown>(): Define<State> {
  return {
    handlers: identity,
    page: identity,
    layout: identity,
    middleware: identity,
  } as Define<State>;
}

function identity<T>(value: T): T {
  return value;
}
