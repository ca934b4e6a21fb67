// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode createHostApp}: serves a Fresh-style app (a page route inside
 * `_app`, its islands, its static files) under a base path, as one
 * `Request → Response` function, from what `deno task build` generated.
 *
 * @module
 */

import { isValidElement, type VNode } from "npm:preact@^10.29.8";
import { setBuildId } from "./_scope.ts";
import { collectIslands, type IslandInfo } from "./islands.ts";
import { isPageResponse } from "./page.ts";
import { registerIslands, renderPage } from "./render.ts";
import { createStaticHandler, type HostAssets, type StaticHandler } from "./static.ts";
import type {
  Context,
  HandlerByMethod,
  HandlerFn,
  HostConfig,
  Method,
  PageComponent,
  PageProps,
} from "./types.ts";

/** A route module's exports, as Fresh 2 reads them. */
export interface RouteModule {
  /** The page component (or, for `_app`, the document around every page). */
  readonly default?: unknown;
  /** One handler for every method, or handlers per method. */
  readonly handler?: unknown;
  /** Handlers per method (a synonym of `handler`). */
  readonly handlers?: unknown;
}

/** An island module: every exported function is an island. */
export interface IslandModule {
  /** The module's exports. */
  readonly [exportName: string]: unknown;
}

/**
 * The app as the build crawled it (Fresh 2 has no manifest; its build
 * keeps the same in its snapshot): `_app`, the routes with their paths,
 * the islands.
 */
export interface AppSnapshot {
  /** `routes/_app.tsx`, when there is one. */
  readonly app?: RouteModule;
  /** Every route, with the path it answers (`"/"` for `routes/index.tsx`). */
  readonly routes: readonly {
    readonly path: string;
    readonly file: string;
    readonly module: RouteModule;
  }[];
  /** Island modules keyed by file, e.g. `"./islands/Counter.tsx"`. */
  readonly islands: Readonly<Record<string, IslandModule>>;
}

/** Options for {@linkcode createHostApp}. */
export interface HostAppOptions<State> {
  /** The routes and islands: the `snapshot` the build generated. */
  readonly snapshot: AppSnapshot;
  /** The client build and static files: the `assets` the build generated. */
  readonly assets: HostAssets;
  /**
   * The path the app is mounted under, without a trailing slash; `""`
   * mounts it at the root.
   *
   * @default {""}
   */
  readonly basePath?: string;
  /** Makes each request's `ctx.state`. @default {() => ({})} */
  readonly state?: (req: Request) => State;
  /**
   * The `Content-Security-Policy` of a rendered page, given the nonce of its
   * inline boot script (a fresh one per response).
   */
  readonly contentSecurityPolicy?: (nonce: string) => string;
}

/**
 * A host app's request handler: pass it to `Deno.serve`, or call it from
 * another server for the paths under the base path.
 */
export type HostHandler = (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;

interface Route {
  readonly path: string;
  readonly file: string;
  readonly page: PageComponent<PageProps> | undefined;
  readonly handler: HandlerFn | HandlerByMethod | undefined;
}

/**
 * Creates the request handler of a Fresh-style app:
 *
 * 1. outside the base path → 404;
 * 2. the build's static files;
 * 3. the route of the path, with or without a trailing slash (as Fresh
 *    matches): its handler (one function, or one per method with `HEAD`
 *    falling back to `GET`; another method → 405 with `Allow`), whose
 *    `Response` is sent as is and whose `page(data)` renders the page
 *    inside `_app`; a route without a handler renders its page for `GET`;
 * 4. anything else → 404; an error thrown by a route → 500 (logged).
 *
 * `HEAD` is answered like `GET`, body included: whoever calls the app
 * drops it (`Deno.serve` does).
 *
 * @typeParam State The type of `ctx.state`.
 * @param options The snapshot, assets, base path, state factory and CSP.
 * @returns The handler.
 * @throws {TypeError} For a malformed snapshot or base path.
 */
export function createHostApp<State = Record<string, unknown>>(
  options: HostAppOptions<State>,
): HostHandler {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Cannot create host app: expected options, received ${options}`);
  }
  const app = new HostApp(options);
  return (req, info) => app.handle(req, info);
}

class HostApp<State> {
  #basePath: string;
  #config: HostConfig;
  #makeState: (req: Request) => State;
  #csp: ((nonce: string) => string) | undefined;
  #app: PageComponent<PageProps> | undefined;
  #routes = new Map<string, Route>();
  #islands: ReadonlyMap<unknown, IslandInfo>;
  #assets: HostAssets;
  #serveStatic: StaticHandler;

  constructor(options: HostAppOptions<State>) {
    const { snapshot, assets } = options;
    if (
      snapshot === null || typeof snapshot !== "object" || !Array.isArray(snapshot.routes) ||
      typeof snapshot.islands !== "object"
    ) {
      throw new TypeError(
        "Cannot create host app: snapshot must be { app?, routes, islands } as the build generates it",
      );
    }
    if (assets === null || typeof assets !== "object" || typeof assets.buildId !== "string") {
      throw new TypeError(
        "Cannot create host app: assets must be { buildId, clientEntry, files } as the build generates them",
      );
    }
    this.#basePath = normalizeBasePath(options.basePath ?? "");
    this.#config = { basePath: this.#basePath };
    this.#makeState = options.state ?? (() => ({}) as State);
    this.#csp = options.contentSecurityPolicy;
    this.#app = snapshot.app === undefined
      ? undefined
      : pageOf(snapshot.app, "./routes/_app.tsx", true);
    for (const { path, file, module } of snapshot.routes) {
      this.#routes.set(path, {
        path,
        file,
        page: pageOf(module, file, false),
        handler: handlerOf(module, file),
      });
    }
    const islands = collectIslands(snapshot.islands);
    registerIslands(islands);
    this.#islands = new Map(islands.map((island) => [island.component, island]));
    this.#assets = assets;
    this.#serveStatic = createStaticHandler(assets);
    setBuildId(assets.buildId);
  }

  async handle(req: Request, info: Deno.ServeHandlerInfo | undefined): Promise<Response> {
    const url = new URL(req.url);
    const base = this.#basePath;
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return plainPage(404);
    const path = url.pathname.slice(base.length) || "/";
    const file = this.#serveStatic(req, path);
    if (file !== undefined) return file;
    const route = this.#routes.get(path.length > 1 ? path.replace(/\/$/, "") : path);
    if (route === undefined) return plainPage(404);
    const ctx: Context<State> = {
      req,
      url,
      state: this.#makeState(req),
      info,
      route: route.path,
      config: this.#config,
      render: (vnode, init) => {
        if (!isValidElement(vnode)) {
          throw new TypeError("Cannot call ctx.render(): it takes JSX (Fresh 2's contract)");
        }
        return this.#render(ctx, vnode, undefined, init);
      },
    };
    try {
      return await this.#run(ctx, route);
    } catch (error) {
      console.error(error);
      return plainPage(500);
    }
  }

  async #run(ctx: Context<State>, route: Route): Promise<Response> {
    const method = ctx.req.method as Method;
    let handler: HandlerFn | undefined;
    if (route.handler === undefined) {
      if (method !== "GET" && method !== "HEAD") return methodNotAllowed("GET, HEAD");
    } else if (typeof route.handler === "function") {
      handler = route.handler;
    } else {
      const byMethod = route.handler;
      handler = byMethod[method] ?? (method === "HEAD" ? byMethod.GET : undefined);
      if (handler === undefined) {
        const allow = Object.keys(byMethod);
        if (byMethod.GET !== undefined && !allow.includes("HEAD")) allow.push("HEAD");
        return methodNotAllowed(allow.join(", "));
      }
    }
    if (handler === undefined) return await this.#render(ctx, route.page, undefined, undefined);
    const result = await handler(ctx as Context);
    if (result instanceof Response) return result;
    if (isPageResponse(result)) return await this.#render(ctx, route.page, result.data, result);
    throw new TypeError(
      `Cannot handle ${method} ${route.path} (${route.file}): the handler returned ${
        describe(result)
      }, expected a Response or page(data)`,
    );
  }

  async #render(
    ctx: Context<State>,
    page: PageComponent<PageProps> | VNode | undefined,
    data: unknown,
    init: ResponseInit | undefined,
  ): Promise<Response> {
    if (page === undefined) {
      throw new TypeError(`Cannot render ${ctx.route}: its route module has no default export`);
    }
    const nonce = crypto.randomUUID().replaceAll("-", "");
    const html = await renderPage({
      app: this.#app,
      page,
      props: {
        data,
        url: ctx.url,
        state: ctx.state,
        route: ctx.route,
        config: this.#config,
        req: ctx.req,
      },
      islands: this.#islands,
      clientEntry: this.#basePath + this.#assets.clientEntry,
      buildId: this.#assets.buildId,
      nonce,
    });
    const headers = new Headers(init?.headers);
    if (!headers.has("content-type")) headers.set("content-type", "text/html; charset=utf-8");
    if (this.#csp !== undefined) headers.set("content-security-policy", this.#csp(nonce));
    return new Response(html, { status: init?.status ?? 200, headers });
  }
}

function pageOf(
  module: RouteModule,
  file: string,
  required: boolean,
): PageComponent<PageProps> | undefined {
  const page = module?.default;
  if (page === undefined && !required) return undefined;
  if (typeof page !== "function") {
    throw new TypeError(
      `Cannot create host app: ${file} must export a component as default, found ${describe(page)}`,
    );
  }
  return page as PageComponent<PageProps>;
}

function handlerOf(module: RouteModule, file: string): HandlerFn | HandlerByMethod | undefined {
  const handler = module.handler ?? module.handlers;
  if (handler === undefined || typeof handler === "function") {
    return handler as HandlerFn | undefined;
  }
  if (handler === null || typeof handler !== "object") {
    throw new TypeError(
      `Cannot create host app: ${file} exports a handler that is ${describe(handler)}`,
    );
  }
  for (const [method, fn] of Object.entries(handler)) {
    if (!/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/.test(method) || typeof fn !== "function") {
      throw new TypeError(
        `Cannot create host app: ${file} handler.${method} must be a function for an HTTP method`,
      );
    }
  }
  return handler as HandlerByMethod;
}

function methodNotAllowed(allow: string): Response {
  const response = plainPage(405);
  response.headers.set("allow", allow);
  return response;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  404: "Not Found",
  405: "Method Not Allowed",
  500: "Internal Server Error",
};

function plainPage(status: number): Response {
  const text = `${status} ${STATUS_TEXT[status] ?? "Error"}`;
  return new Response(
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${text}</title></head><body><h1>${text}</h1></body></html>`,
    { status, headers: { "content-type": "text/html; charset=utf-8" } },
  );
}

function normalizeBasePath(basePath: string): string {
  if (typeof basePath !== "string") {
    throw new TypeError(`Cannot create host app: basePath must be a string, received ${basePath}`);
  }
  if (basePath !== "" && !/^(\/[A-Za-z0-9._~-]+)+$/.test(basePath)) {
    throw new TypeError(
      `Cannot create host app: basePath "${basePath}" must be a path like "/debug" (no trailing slash)`,
    );
  }
  return basePath;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an instance of ${value.constructor?.name ?? "Object"}`;
  return typeof value;
}
