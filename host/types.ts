// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The route module contract of Fresh 2, as the stand-in host implements it:
 * the context handlers and middlewares get, the props pages and layouts get,
 * and the shapes of handlers, middlewares and route config.
 *
 * @module
 */

import type { ComponentChildren, FunctionComponent, VNode } from "npm:preact@^10.29.8";
import type { PageResponse, PageResponseInit } from "./page.ts";

/** The HTTP methods a {@linkcode HandlerByMethod} can answer. */
export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

/** App-wide settings visible to handlers and pages. */
export interface HostConfig {
  /** The path the app is mounted under, without a trailing slash (`""` at the root). */
  readonly basePath: string;
}

/**
 * What a handler or middleware receives: the request, its URL and route
 * params, a per-request `state`, and ways to continue or render.
 *
 * @typeParam State The type of `ctx.state`.
 */
export interface Context<State = unknown> {
  /** The incoming request. */
  readonly req: Request;
  /** The request's full URL, base path included. */
  readonly url: URL;
  /** Route params, percent-decoded (`/posts/:id` → `{ id }`). */
  readonly params: Record<string, string>;
  /** Per-request state: starts as the host's `state(req)`; middlewares may add to it. */
  state: State;
  /** `Deno.serve`'s handler info (remote address, `completed`), when there is one. */
  readonly info: Deno.ServeHandlerInfo | undefined;
  /** The matched route pattern (`/posts/:id`), or `null` when no route matched. */
  readonly route: string | null;
  /** App-wide settings, such as the base path. */
  readonly config: HostConfig;
  /** The error being handled, on `_404`, `_500` and `_error` pages; otherwise `undefined`. */
  readonly error: unknown;
  /** Runs the rest of the middleware chain and the route, and returns its response. */
  next(): Promise<Response>;
  /**
   * Renders a page inside `_app` and the layouts. Given JSX, renders that
   * (Fresh 2); given anything else, renders the route's page component with
   * it as `props.data` (Fresh 1).
   */
  render(dataOrVNode?: unknown, init?: PageResponseInit): Promise<Response>;
  /** A redirect response (`302` unless told otherwise); the base path is not added. */
  redirect(location: string, status?: number): Response;
}

/**
 * What page, layout and `_app` components receive.
 *
 * @typeParam Data The type of `props.data`, from the handler's `page(data)`.
 * @typeParam State The type of `props.state`.
 */
export interface PageProps<Data = unknown, State = unknown> {
  /** The data the handler passed to `page(data)`. */
  readonly data: Data;
  /** The request's full URL, base path included. */
  readonly url: URL;
  /** Route params, percent-decoded. */
  readonly params: Record<string, string>;
  /** The request's state. */
  readonly state: State;
  /** In `_app` and layouts: the content to wrap. In a page: renders nothing. */
  readonly Component: FunctionComponent;
  /** The matched route pattern, or `null` on a not-found page. */
  readonly route: string | null;
  /** The error being handled, on error pages. */
  readonly error: unknown;
  /** App-wide settings, such as the base path. */
  readonly config: HostConfig;
  /** The incoming request. */
  readonly req: Request;
}

/**
 * A page, layout or `_app` component. It may be async, like in Fresh; an
 * async component cannot use hooks.
 *
 * @typeParam Props The component's props.
 */
export type PageComponent<Props> = (
  props: Props,
) => ComponentChildren | VNode | Promise<ComponentChildren | VNode>;

/**
 * A route handler: returns a `Response`, or `page(data)` to render the page.
 *
 * @typeParam Data The data it hands to the page.
 * @typeParam State The type of `ctx.state`.
 */
export type HandlerFn<Data = unknown, State = unknown> = (
  ctx: Context<State>,
) => Response | PageResponse<Data> | Promise<Response | PageResponse<Data>>;

/**
 * Handlers per HTTP method. `HEAD` falls back to `GET`; other missing
 * methods answer 405 with an `Allow` header.
 *
 * @typeParam Data The data the handlers hand to the page.
 * @typeParam State The type of `ctx.state`.
 */
export type HandlerByMethod<Data = unknown, State = unknown> = {
  [M in Method]?: HandlerFn<Data, State>;
};

/**
 * A route's `handler` (or `handlers`) export: one function for every
 * method, or one per method.
 *
 * @typeParam Data The data the handlers hand to the page.
 * @typeParam State The type of `ctx.state`.
 */
export type RouteHandler<Data = unknown, State = unknown> =
  | HandlerFn<Data, State>
  | HandlerByMethod<Data, State>;

/**
 * A middleware: runs before the route, calls `ctx.next()` to continue, and
 * returns a response.
 *
 * @typeParam State The type of `ctx.state`.
 */
export type Middleware<State = unknown> = (ctx: Context<State>) => Response | Promise<Response>;

/** A route's, layout's or `_app`'s `config` export. */
export interface RouteConfig {
  /** A URLPattern pathname that replaces the one derived from the file name. */
  readonly routeOverride?: string;
  /** On a route: render without any layout. On a layout: ignore the layouts above it. */
  readonly skipInheritedLayouts?: boolean;
  /** Render without `_app`. */
  readonly skipAppWrapper?: boolean;
}
