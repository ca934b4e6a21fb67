// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The types of the `fresh` subset this host implements: what a route
 * module's handler gets (`Context`) and what its page gets (`PageProps`).
 *
 * @module
 */

import type { ComponentChildren, FunctionComponent, VNode } from "npm:preact@^10.29.8";
import type { PageResponse } from "./page.ts";

/** The methods a handler map can answer. */
export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS";

/** The app's configuration, as Fresh's `ctx.config`. */
export interface HostConfig {
  /** Where the app is mounted, without a trailing slash (`""` at the root). */
  readonly basePath: string;
}

/** What a handler receives. */
export interface Context<State = unknown> {
  /** The request. */
  readonly req: Request;
  /** Its parsed URL. */
  readonly url: URL;
  /** The request's state, made by the app for each request. */
  state: State;
  /** `Deno.serve`'s handler info, when the app was called with it. */
  readonly info: Deno.ServeHandlerInfo | undefined;
  /** The matched route's path, e.g. `"/"`. */
  readonly route: string;
  /** The app's configuration. */
  readonly config: HostConfig;
  /** Renders JSX inside `_app` (Fresh's `ctx.render(<Page />)`). */
  render(vnode: VNode, init?: ResponseInit): Promise<Response>;
}

/** What a page (and `_app`) receives. */
export interface PageProps<Data = unknown, State = unknown> {
  /** What the handler passed to `page(data)`. */
  readonly data: Data;
  /** The request's URL. */
  readonly url: URL;
  /** The request's state. */
  readonly state: State;
  /** In `_app`: the page to render inside it. */
  readonly Component: FunctionComponent;
  /** The matched route's path. */
  readonly route: string;
  /** The app's configuration. */
  readonly config: HostConfig;
  /** The request. */
  readonly req: Request;
}

/** A page or `_app` component; it may be async. */
export type PageComponent<Props> = (
  props: Props,
) => ComponentChildren | VNode | Promise<ComponentChildren | VNode>;

/** A handler: a `Response`, or `page(data)` to render the route's page. */
export type HandlerFn<Data = unknown, State = unknown> = (
  ctx: Context<State>,
) => Response | PageResponse<Data> | Promise<Response | PageResponse<Data>>;

/** Handlers per method. */
export type HandlerByMethod<Data = unknown, State = unknown> = {
  [M in Method]?: HandlerFn<Data, State>;
};

/** A route's `handler` export: one function for every method, or one per method. */
export type RouteHandler<Data = unknown, State = unknown> =
  | HandlerFn<Data, State>
  | HandlerByMethod<Data, State>;
