// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode createHostApp}: serves a Fresh-style app (routes, islands,
 * static files) under a base path, as one `Request → Response` function.
 *
 * @module
 */

import { isValidElement, type VNode } from "npm:preact@^10.29.8";
import { readBuildFile } from "./_build_file.ts";
import { describe, HostContext } from "./_context.ts";
import { setFallbackAssetScope } from "./_scope.ts";
import { HttpError, STATUS_TEXT } from "./http_error.ts";
import { collectIslands, type IslandInfo } from "./islands.ts";
import type { Manifest } from "./manifest.ts";
import { isPageResponse, type PageResponseInit } from "./page.ts";
import { type ClientBuild, registerIslands, renderPage } from "./render.ts";
import { buildRouteTable, type Renderable, type Route, type RouteTable } from "./route_table.ts";
import { selectMethod } from "./router.ts";
import { createStaticHandler, type StaticHandler } from "./static.ts";
import type { HandlerFn, HostConfig } from "./types.ts";

/** Options for {@linkcode createHostApp}. */
export interface HostAppOptions<State> {
  /** The app's routes and islands: the default export of its `manifest.gen.ts`. */
  readonly manifest: Manifest;
  /**
   * The path the app is mounted under; every route and static URL starts
   * with it. `""` mounts the app at the root.
   *
   * @default {"/debug"}
   */
  readonly basePath?: string;
  /**
   * The folder of static files, holding the client build in `_frsh/`.
   *
   * @default {new URL("./static/", manifest.baseUrl)}
   */
  readonly staticDir?: URL;
  /** Makes each request's initial `ctx.state`. @default {() => ({})} */
  readonly state?: (req: Request) => State;
}

/**
 * A host app's request handler: pass it to `Deno.serve`, or call it from
 * another server for the paths under the base path.
 */
export type HostHandler = (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;

/**
 * Creates the request handler of a Fresh-style app. A request goes through:
 *
 * 1. the base path: outside it → 404; the bare base path → 308 to `base/`;
 * 2. static files (`staticDir`), including the client build;
 * 3. the routes: `_middleware`s (outermost first, `ctx.next()`), then the
 *    route's handler; a `Response` is sent as is, `page(data)` renders the
 *    page inside its layouts and `_app`;
 * 4. unmatched paths → the nearest `_404` (else `_error`); errors thrown by
 *    the route → the nearest `_500`/`_error` with an `HttpError`'s status
 *    (else 500), or a plain page if there is none. These error pages are
 *    answered inside the middlewares, so their headers apply; errors thrown
 *    by a middleware itself are answered outside. Statuses from 500 are
 *    logged with `console.error`.
 *
 * `HEAD` requests get the `GET` response without its body.
 *
 * @typeParam State The type of `ctx.state`.
 * @param options The manifest, base path, static folder and state factory.
 * @returns The handler.
 * @throws {TypeError} For a malformed manifest or base path.
 *
 * @example Serve an app
 * ```ts ignore
 * import { createHostApp } from "./app.ts";
 * import manifest from "./manifest.gen.ts";
 *
 * Deno.serve(createHostApp({ manifest, basePath: "/debug" }));
 * ```
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

/** The loaded parts of an app that need I/O: its build and static files. */
interface Loaded {
  readonly build: ClientBuild | undefined;
  readonly serveStatic: StaticHandler;
}

/** One app: its routes, islands and static files, and the request flow. */
class HostApp<State> {
  #basePath: string;
  #config: HostConfig;
  #staticDir: URL;
  #makeState: (req: Request) => State;
  #table: RouteTable;
  #islands: ReadonlyMap<unknown, IslandInfo>;
  #loaded: Promise<Loaded> | undefined;

  constructor(options: HostAppOptions<State>) {
    const { manifest } = options;
    if (
      manifest === null || typeof manifest !== "object" || typeof manifest.routes !== "object" ||
      typeof manifest.islands !== "object" || typeof manifest.baseUrl !== "string"
    ) {
      throw new TypeError(
        "Cannot create host app: manifest must be { routes, islands, baseUrl } from manifest.gen.ts",
      );
    }
    this.#basePath = normalizeBasePath(options.basePath ?? "/debug");
    this.#config = { basePath: this.#basePath };
    const staticDir = options.staticDir ?? new URL("./static/", manifest.baseUrl);
    if (!(staticDir instanceof URL)) {
      throw new TypeError(`Cannot create host app: staticDir must be a URL, received ${staticDir}`);
    }
    this.#staticDir = staticDir;
    this.#makeState = options.state ?? (() => ({}) as State);
    this.#table = buildRouteTable(manifest);
    const islands = collectIslands(manifest.islands);
    registerIslands(islands);
    this.#islands = new Map(islands.map((island) => [island.component, island]));
  }

  /** Reads `build.json` once; a failed read is retried by the next request. */
  #load(): Promise<Loaded> {
    this.#loaded ??= (async () => {
      const build = await readBuildFile(this.#staticDir);
      const serveStatic = createStaticHandler(this.#staticDir, { buildId: build?.buildId });
      return { build, serveStatic };
    })();
    this.#loaded.catch(() => this.#loaded = undefined);
    return this.#loaded;
  }

  async handle(req: Request, info: Deno.ServeHandlerInfo | undefined): Promise<Response> {
    const url = new URL(req.url);
    let path = url.pathname;
    const basePath = this.#basePath;
    if (basePath !== "") {
      if (path === basePath) {
        return new Response(null, {
          status: 308,
          headers: { location: `${basePath}/${url.search}` },
        });
      }
      if (!path.startsWith(basePath + "/")) return plainPage(404);
      path = path.slice(basePath.length);
    }
    const loaded = await this.#load();
    setFallbackAssetScope({ basePath, buildId: loaded.build?.buildId });

    const fromStatic = await loaded.serveStatic(req, path);
    if (fromStatic !== undefined) return fromStatic;

    const match = this.#table.router.match(path);
    const route = match?.value;
    const ctx: HostContext<State> = new HostContext<State>({
      req,
      url,
      params: match?.params ?? {},
      state: this.#makeState(req),
      info,
      route: match?.pattern ?? null,
      config: this.#config,
      render: (dataOrVNode, init) => {
        if (route === undefined) {
          throw new TypeError("Cannot call ctx.render(): no route matched the request");
        }
        return isValidElement(dataOrVNode)
          ? this.#render(ctx, loaded, route, dataOrVNode, undefined, init)
          : this.#render(ctx, loaded, route, route.page, dataOrVNode, init);
      },
    });
    // Errors of the route become error pages inside the middlewares (which
    // may add headers to them); errors of a middleware, outside.
    const onError = (error: unknown) => this.#renderError(ctx, loaded, route, error);
    let response: Response;
    try {
      response = route === undefined
        ? await ctx.run(this.#table.rootMiddlewares, () => onError(new HttpError(404)))
        : await ctx.run(route.middlewares, () => this.#runRoute(ctx, loaded, route).catch(onError));
    } catch (error) {
      response = await onError(error);
    }
    if (req.method === "HEAD" && response.body !== null) {
      await response.body.cancel();
      return new Response(null, response);
    }
    return response;
  }

  async #runRoute(ctx: HostContext<State>, loaded: Loaded, route: Route): Promise<Response> {
    const { method } = ctx.req;
    let handler: HandlerFn<unknown, State>;
    if (route.handler === undefined) {
      if (method !== "GET" && method !== "HEAD") return methodNotAllowed(ctx.req, "GET, HEAD");
      return await this.#render(ctx, loaded, route, route.page, undefined, undefined);
    } else if (typeof route.handler === "function") {
      handler = route.handler;
    } else {
      const selection = selectMethod(route.handler, method);
      if (selection.handler === undefined) return methodNotAllowed(ctx.req, selection.allow);
      handler = selection.handler;
    }
    const result = await handler(ctx);
    if (result instanceof Response) return result;
    if (isPageResponse(result)) {
      return await this.#render(ctx, loaded, route, route.page, result.data, result);
    }
    throw new TypeError(
      `Cannot handle ${method} ${route.pattern}: the handler returned ${
        describe(result)
      }, expected a Response or page(data)`,
    );
  }

  async #renderError(
    ctx: HostContext<State>,
    loaded: Loaded,
    route: Route | undefined,
    error: unknown,
  ): Promise<Response> {
    const status = error instanceof HttpError ? error.status : 500;
    if (status >= 500) console.error(error);
    ctx.error = error;
    const table = this.#table;
    const target = status === 404
      ? route?.notFound ?? table.notFound ?? route?.error ?? table.error
      : route?.error ?? table.error;
    if (target?.page === undefined) return plainPage(status);
    try {
      return await this.#render(ctx, loaded, target, target.page, undefined, { status });
    } catch (renderError) {
      console.error(renderError);
      return plainPage(500);
    }
  }

  async #render(
    ctx: HostContext<State>,
    loaded: Loaded,
    target: Renderable,
    page: Renderable["page"] | VNode,
    data: unknown,
    init: PageResponseInit | undefined,
  ): Promise<Response> {
    if (page === undefined) {
      throw new TypeError(`Cannot render "${target.file}": it has no default export to render`);
    }
    const html = await renderPage({
      app: target.app,
      layouts: target.layouts,
      page,
      props: {
        data,
        url: ctx.url,
        params: ctx.params,
        state: ctx.state,
        route: ctx.route,
        error: ctx.error,
        config: this.#config,
        req: ctx.req,
      },
      islands: this.#islands,
      basePath: this.#basePath,
      build: loaded.build,
    });
    const headers = new Headers(init?.headers);
    if (!headers.has("content-type")) headers.set("content-type", "text/html; charset=utf-8");
    return new Response(html, { status: init?.status ?? 200, headers });
  }
}

async function methodNotAllowed(req: Request, allow: string): Promise<Response> {
  await req.body?.cancel();
  const response = plainPage(405);
  response.headers.set("allow", allow);
  return response;
}

function plainPage(status: number): Response {
  const text = `${status} ${STATUS_TEXT[status] ?? (status < 500 ? "Error" : "Server Error")}`;
  return new Response(
    `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${text}</title></head><body><h1>${text}</h1></body></html>`,
    { status, headers: { "content-type": "text/html; charset=utf-8" } },
  );
}

function normalizeBasePath(basePath: string): string {
  if (typeof basePath !== "string") {
    throw new TypeError(`Cannot create host app: basePath must be a string, received ${basePath}`);
  }
  const trimmed = basePath.replace(/\/+$/, "");
  if (trimmed !== "" && (!trimmed.startsWith("/") || /[?#\s]|\/\//.test(trimmed))) {
    throw new TypeError(
      `Cannot create host app: basePath "${basePath}" must be a path like "/debug"`,
    );
  }
  return trimmed;
}
