// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode createDefine}: Fresh 2's typed identity helpers for routes.
 *
 * @module
 */

import type { PageComponent, PageProps, RouteHandler } from "./types.ts";

/** The helpers {@linkcode createDefine} returns, typed by the app's state. */
export interface Define<State> {
  /** Types a route's handlers: `ctx.state` is the app's state. */
  handlers<
    Data = unknown,
    Handlers extends RouteHandler<Data, State> = RouteHandler<Data, State>,
  >(handlers: Handlers): Handlers;
  /** Types a page: `props.data` is what its handler passes to `page()`. */
  page<
    // deno-lint-ignore no-explicit-any
    Handler extends RouteHandler<any, State> = never,
    Data = Handler extends RouteHandler<infer D, State> ? D : never,
  >(render: PageComponent<PageProps<Data, State>>): PageComponent<PageProps<Data, State>>;
}

/**
 * Creates the `define` helpers of an app. They return what they are given;
 * they exist for the types.
 *
 * @typeParam State The type of `ctx.state`.
 * @returns `{ handlers, page }`.
 *
 * @example Typed route
 * ```ts
 * import { createDefine, page } from "./fresh.ts";
 * import assert from "node:assert/strict";
 *
 * const define = createDefine<{ user: string }>();
 * const handler = define.handlers({ GET: (ctx) => page({ name: ctx.state.user }) });
 * assert.equal(typeof handler.GET, "function");
 * ```
 */
export function createDefine<State = unknown>(): Define<State> {
  return { handlers: identity, page: identity } as Define<State>;
}

function identity<T>(value: T): T {
  return value;
}
