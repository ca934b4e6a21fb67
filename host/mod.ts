// Copyright 2026 the slabscope authors. MIT license.
/**
 * A small stand-in for Fresh 2, serving exactly what the dashboard needs:
 * one page route inside `_app`, its islands (marked on the server, booted
 * by one inline module script with a CSP nonce), and its static files, all
 * from modules that `deno task build` generates. Fresh itself is on JSR
 * only, which this project's machines cannot reach; its source is not
 * copied here: this implements its documented contract.
 *
 * Where the two overlap, this host behaves like Fresh 2.3.3: `asset()`
 * does not add the base path; island props carry only what Fresh's
 * serializer carries the same way (`Uint8Array` among typed arrays);
 * routes match with or without a trailing slash (`GET /debug` is the page,
 * not a redirect); `ctx.render()` takes JSX only; a route's handler is one
 * function or one per method, `HEAD` falling back to `GET`. Where it
 * differs on purpose: an unsupported method is 405 here (Fresh: 404 on a
 * GET-only route), a security choice made by the dashboard's router; and
 * there are no layouts, route groups, dynamic or catch-all segments,
 * middlewares or error pages (the dashboard uses none: the build refuses
 * them with an error naming the file).
 *
 * Moving the dashboard to `@fresh/core` is, exactly:
 *
 * 1. `app/fresh.ts` and `app/fresh_runtime.ts` re-export
 *    `jsr:@fresh/core@^2.3.3` and `jsr:@fresh/core@^2.3.3/runtime`;
 *    routes, islands and components stay as they are.
 * 2. In `app/create_dashboard.ts`, `createHostApp({ … })` becomes
 *    `new App<State>({ basePath })` with a middleware that sets
 *    `ctx.state`, `staticFiles()` and `fsRoutes()`; its `handler()` is the
 *    router's fallback, as the host app is today. Fresh puts its own nonce
 *    on the boot script: set the page's CSP with Fresh's `csp()` middleware
 *    instead of `contentSecurityPolicy`.
 * 3. `deno task build` runs Fresh's `Builder` instead of `host/build.ts`;
 *    `app/routes.gen.ts` and `app/assets.gen.ts` go away.
 *
 * What remains: Fresh serves its build output from `_fresh/` on disk, so the
 * dashboard would then need `--allow-read` (on Deno Deploy it has it).
 *
 * @example Serve an app under /debug
 * ```ts ignore
 * import { createHostApp } from "./mod.ts";
 * import { snapshot } from "../app/routes.gen.ts";
 * import { assets } from "../app/assets.gen.ts";
 *
 * Deno.serve(createHostApp({ snapshot, assets, basePath: "/debug" }));
 * ```
 *
 * @module
 */

export {
  type AppSnapshot,
  createHostApp,
  type HostAppOptions,
  type HostHandler,
  type IslandModule,
  type RouteModule,
} from "./app.ts";
export { build, type BuildCheck, type BuildOutput, checkBuild, crawlProject } from "./build.ts";
export type { ProjectFiles } from "./build.ts";
export {
  createStaticHandler,
  type HostAsset,
  type HostAssets,
  IMMUTABLE,
  REVALIDATE,
  type StaticHandler,
} from "./static.ts";
