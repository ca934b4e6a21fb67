// Copyright 2026 the slabscope authors. MIT license.
/**
 * A thin stand-in for Fresh 2, for an app written as Fresh code (`routes/`,
 * `islands/`, `static/`) that must run where Fresh cannot be installed.
 * Routes import `fresh` and `fresh/runtime`, which the import map points at
 * `host/fresh.ts` and `host/runtime.ts`; moving to real Fresh is an
 * import-map change.
 *
 * - {@linkcode createHostApp}: the app as one `Request → Response`
 *   function, mounted under a base path (default `/debug`).
 * - {@linkcode generateManifest} / {@linkcode writeManifest}: the app's
 *   `manifest.gen.ts` (`deno run -A host/gen_manifest.ts [dir]`).
 * - {@linkcode build} / {@linkcode checkBuild}: the committed client bundle
 *   in `static/_frsh/` (`deno run -A host/build.ts [dir] [--check]`).
 * - {@linkcode createStaticHandler}: static files with ETags and immutable
 *   caching of build output.
 *
 * @example Serve an app under /debug
 * ```ts ignore
 * import { createHostApp } from "./mod.ts";
 * import manifest from "./manifest.gen.ts";
 *
 * const app = createHostApp({ manifest, basePath: "/debug" });
 * Deno.serve((req, info) => {
 *   const { pathname } = new URL(req.url);
 *   if (pathname === "/debug" || pathname.startsWith("/debug/")) return app(req, info);
 *   return new Response("my own server");
 * });
 * ```
 *
 * @module
 */

export { createHostApp, type HostAppOptions, type HostHandler } from "./app.ts";
export {
  build,
  type BuildCheck,
  type BuildFile,
  type BuildOptions,
  type BuildResult,
  checkBuild,
} from "./build.ts";
export {
  crawlProject,
  generateManifest,
  type GenerateManifestOptions,
  type IslandModule,
  type Manifest,
  type ProjectFiles,
  type RouteModule,
  writeManifest,
} from "./manifest.ts";
export {
  createStaticHandler,
  IMMUTABLE,
  REVALIDATE,
  type StaticHandler,
  type StaticHandlerOptions,
} from "./static.ts";
export type { RouteConfig } from "./types.ts";
