// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode buildRouteTable}: turns a {@linkcode Manifest}'s route modules
 * into routes with their middlewares, `_app`, layouts and error pages, the
 * way Fresh's file-system routing does.
 *
 * @module
 */

import type { Manifest, RouteModule } from "./manifest.ts";
import {
  comparePatterns,
  MODULE_EXTENSION_REGEXP,
  pathToPattern,
  Router,
  TEST_FILE_REGEXP,
} from "./router.ts";
import type { Middleware, PageComponent, PageProps, RouteConfig, RouteHandler } from "./types.ts";

// deno-lint-ignore no-explicit-any
type AnyPage = PageComponent<PageProps<any, any>>;
// deno-lint-ignore no-explicit-any
type AnyMiddleware = Middleware<any>;

/** A page that renders inside `_app` and layouts: a route's or an error page's. */
export interface Renderable {
  /** The manifest key of the module, e.g. `"./routes/index.tsx"`. */
  readonly file: string;
  /** The page component, when the module has one. */
  readonly page: AnyPage | undefined;
  /** `_app`, unless skipped. */
  readonly app: AnyPage | undefined;
  /** Layouts, outermost first. */
  readonly layouts: readonly AnyPage[];
}

/** A matched route's module, ready to run. */
export interface Route extends Renderable {
  /** The URLPattern pathname. */
  readonly pattern: string;
  /** The handler(s), when the module exports any. */
  // deno-lint-ignore no-explicit-any
  readonly handler: RouteHandler<any, any> | undefined;
  /** Middlewares of its folder and every folder above, outermost first. */
  readonly middlewares: readonly AnyMiddleware[];
  /** The nearest `_404`, for `HttpError(404)`s thrown by the route. */
  readonly notFound: Renderable | undefined;
  /** The nearest `_500` or `_error`. */
  readonly error: Renderable | undefined;
}

/** All routes, plus what answers unmatched paths. */
export interface RouteTable {
  /** Matches a pathname (base path removed) to a route. */
  readonly router: Router<Route>;
  /** Middlewares of `routes/` itself, run for unmatched paths too. */
  readonly rootMiddlewares: readonly AnyMiddleware[];
  /** The root `_404`. */
  readonly notFound: Renderable | undefined;
  /** The root `_500` or `_error`. */
  readonly error: Renderable | undefined;
}

interface Folder {
  middlewares: AnyMiddleware[];
  layout?: { component: AnyPage; config: RouteConfig | undefined };
  notFound?: string;
  error?: string;
}

const SPECIAL_FILES = new Set(["_app", "_layout", "_middleware", "_404", "_500", "_error"]);

/**
 * Builds the route table of a manifest.
 *
 * @param manifest The app's manifest.
 * @returns The routes, in match order.
 * @throws {TypeError} For a key outside `./routes/`, a module export of the
 * wrong shape, a nested `_app`, or two routes with one pattern.
 */
export function buildRouteTable(manifest: Manifest): RouteTable {
  const folders = new Map<string, Folder>();
  const folder = (dir: string): Folder => {
    let entry = folders.get(dir);
    if (entry === undefined) folders.set(dir, entry = { middlewares: [] });
    return entry;
  };
  let app: AnyPage | undefined;
  const pages: { file: string; dir: string; path: string; mod: RouteModule }[] = [];
  const modules = new Map<string, RouteModule>();

  for (const [file, mod] of Object.entries(manifest.routes)) {
    if (!file.startsWith("./routes/") || !MODULE_EXTENSION_REGEXP.test(file)) {
      throw new TypeError(
        `Cannot load routes: manifest key "${file}" must look like "./routes/<path>.tsx"`,
      );
    }
    if (mod === null || typeof mod !== "object") {
      throw new TypeError(`Cannot load route "${file}": the module is not an object`);
    }
    const path = file.slice("./routes/".length).replace(MODULE_EXTENSION_REGEXP, "");
    const parts = path.split("/");
    const name = parts.pop()!;
    const dir = parts.join("/");
    if (TEST_FILE_REGEXP.test(file) || parts.some((p) => p.startsWith("(_") && p.endsWith(")"))) {
      continue;
    }
    modules.set(file, mod);
    if (!SPECIAL_FILES.has(name)) {
      if (!name.startsWith("_")) pages.push({ file, dir, path, mod });
      continue;
    }
    if (name === "_app") {
      if (dir !== "") throw new TypeError(`Cannot load route "${file}": _app must be in routes/`);
      app = component(file, mod.default);
    } else if (name === "_layout") {
      folder(dir).layout = { component: component(file, mod.default), config: mod.config };
    } else if (name === "_middleware") {
      folder(dir).middlewares.push(...middlewares(file, mod.default ?? mod.handler));
    } else if (name === "_404") {
      folder(dir).notFound = file;
    } else {
      folder(dir).error ??= file;
      if (name === "_500") folder(dir).error = file;
    }
  }

  const ancestors = (dir: string): string[] => {
    const parts = dir === "" ? [] : dir.split("/");
    return parts.reduce((acc, _, i) => [...acc, parts.slice(0, i + 1).join("/")], [""]);
  };
  const renderable = (file: string, dir: string, config?: RouteConfig): Renderable => {
    const mod = modules.get(file)!;
    let layouts: AnyPage[] = [];
    let skipApp = config?.skipAppWrapper === true;
    if (config?.skipInheritedLayouts !== true) {
      for (const ancestor of ancestors(dir)) {
        const layout = folders.get(ancestor)?.layout;
        if (layout === undefined) continue;
        if (layout.config?.skipInheritedLayouts === true) layouts = [];
        if (layout.config?.skipAppWrapper === true) skipApp = true;
        layouts.push(layout.component);
      }
    }
    const page = mod.default === undefined ? undefined : component(file, mod.default);
    return { file, page, app: skipApp ? undefined : app, layouts };
  };
  const nearest = (dir: string, key: "notFound" | "error"): Renderable | undefined => {
    const chain = ancestors(dir);
    for (let i = chain.length - 1; i >= 0; i--) {
      const file = folders.get(chain[i]!)?.[key];
      if (file !== undefined) {
        return renderable(file, chain[i]!, modules.get(file)!.config);
      }
    }
    return undefined;
  };

  const routes: Route[] = pages.map(({ file, dir, path, mod }) => {
    const override = mod.config?.routeOverride;
    if (override !== undefined && typeof override !== "string") {
      throw new TypeError(`Cannot load route "${file}": config.routeOverride must be a string`);
    }
    const handler = mod.handlers ?? mod.handler;
    if (handler !== undefined && typeof handler !== "function" && typeof handler !== "object") {
      throw new TypeError(`Cannot load route "${file}": handler must be a function or an object`);
    }
    if (handler === undefined && mod.default === undefined) {
      throw new TypeError(`Cannot load route "${file}": it exports neither a handler nor a page`);
    }
    return {
      ...renderable(file, dir, mod.config),
      pattern: override ?? pathToPattern(path),
      // deno-lint-ignore no-explicit-any
      handler: handler as RouteHandler<any, any> | undefined,
      middlewares: ancestors(dir).flatMap((d) => folders.get(d)?.middlewares ?? []),
      notFound: nearest(dir, "notFound"),
      error: nearest(dir, "error"),
    };
  });

  const router = new Router<Route>();
  for (const route of routes.sort((a, b) => comparePatterns(a.pattern, b.pattern))) {
    try {
      router.add(route.pattern, route);
    } catch (error) {
      throw new TypeError(`Cannot load route "${route.file}": ${(error as Error).message}`);
    }
  }
  return {
    router,
    rootMiddlewares: folders.get("")?.middlewares ?? [],
    notFound: nearest("", "notFound"),
    error: nearest("", "error"),
  };
}

function component(file: string, value: unknown): AnyPage {
  if (typeof value !== "function") {
    throw new TypeError(
      `Cannot load route "${file}": the default export must be a component, received ${typeof value}`,
    );
  }
  return value as AnyPage;
}

function middlewares(file: string, value: unknown): AnyMiddleware[] {
  const list = Array.isArray(value) ? value : [value];
  for (const item of list) {
    if (typeof item !== "function") {
      throw new TypeError(
        `Cannot load middleware "${file}": expected a function or an array of functions, received ${typeof item}`,
      );
    }
  }
  return list as AnyMiddleware[];
}
