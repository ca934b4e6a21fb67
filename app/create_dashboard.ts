// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode createDashboard}: the whole dashboard (page, assets, stream,
 * endpoints) as one `Request → Response` function to mount under `/debug/`.
 *
 * @module
 */

import type { DiagnosticsRegistry } from "../core/diagnostics/registry.ts";
import {
  asHandler,
  createDiagnosticsService,
  type DiagnosticsHandler,
  type DiagnosticsHandlerOptions,
} from "../core/http/diagnostics_handler.ts";
import { peerAddress } from "../core/http/client_network.ts";
import { createRouter, type Endpoint } from "../core/http/router.ts";
import { createHostApp } from "../host/app.ts";
import { assets } from "./assets.gen.ts";
import type { State } from "./define.ts";
import { pageContentSecurityPolicy } from "./page_policy.ts";
import { snapshot } from "./routes.gen.ts";

/** Options for {@linkcode createDashboard}. */
export interface DashboardOptions extends DiagnosticsHandlerOptions {
  /**
   * Where the dashboard lives, without a trailing slash: the page is
   * `{prefix}/`, the stream `{prefix}/diagnostics/memory`.
   *
   * @default {"/debug"}
   */
  prefix?: string;
}

/**
 * The dashboard's request handler: the diagnostics endpoints plus the page,
 * with its stream, guard, fleet publisher and a way to shut it down.
 */
export type Dashboard = DiagnosticsHandler;

/**
 * Creates the dashboard of a registry: the page at `{prefix}/` with its
 * islands (slot grids, arena gauges, owners, capacity banner, heap panel)
 * and every endpoint of `createDiagnosticsHandler()` under the same prefix,
 * behind one router. Mount it in any Deno server by sending it every
 * request whose path starts with the prefix. The client bundle, the styles
 * and the icon ship inside the package as modules: nothing to build,
 * nothing read from disk, so it runs with `--allow-net` alone.
 *
 * It is closed by default like the endpoints (see `AccessGuard`): loopback
 * host names only, same-origin, read-only, streams capped; with `token`,
 * browsers log in once through a one-time link and then hold an
 * `HttpOnly; SameSite=Strict` session cookie. Every response carries
 * `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and
 * `frame-ancestors 'none'`; the page a strict `Content-Security-Policy`
 * (its own scripts and styles, its inline boot script by nonce, its own
 * stream) and `Cache-Control: no-store`.
 *
 * @param registry The pools to show.
 * @param options Prefix, stream, access and fleet options.
 * @returns The handler.
 * @throws {RangeError} For a malformed prefix or an out-of-range option.
 *
 * @example Next to an existing app
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { createDashboard } from "@slabscope/slabscope/dashboard";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "objects", slotSize: 32, capacity: 1024 }));
 * const dashboard = createDashboard(registry);
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request, info) =>
 *   new URL(request.url).pathname.startsWith(dashboard.prefix)
 *     ? dashboard(request, info)
 *     : new Response("my app"));
 * const page = await fetch(`http://127.0.0.1:${server.addr.port}/debug/`);
 * assert.match(await page.text(), /<title>slabscope<\/title>/);
 * await dashboard.close();
 * await server.shutdown();
 * ```
 */
export function createDashboard(
  registry: DiagnosticsRegistry,
  options: DashboardOptions = {},
): Dashboard {
  return buildDashboard(registry, options);
}

/** Paths a dashboard's own server answers outside the prefix (see `serveDashboard()`). */
export interface OutsidePaths {
  /** Endpoints by exact path, given the dashboard's own endpoints. */
  readonly endpoints: (own: ReadonlyMap<string, Endpoint>) => ReadonlyMap<string, Endpoint>;
  /** Every other path. */
  readonly otherwise?: Endpoint;
}

/**
 * Internal: {@linkcode createDashboard}, with paths outside the prefix
 * routed (and guarded) by the same router.
 *
 * @param registry The pools to show.
 * @param options The dashboard's options.
 * @param outside The paths outside the prefix.
 * @returns The handler.
 */
export function buildDashboard(
  registry: DiagnosticsRegistry,
  options: DashboardOptions,
  outside?: OutsidePaths,
): Dashboard {
  const service = createDiagnosticsService(registry, options, "create dashboard", false);
  const state: State = {
    stream: service.stream,
    replay: null,
    recording: service.stream.recorder !== undefined,
    basePath: service.prefix,
    fleet: service.fleet !== undefined,
  };
  const page = createHostApp<State>({
    snapshot,
    assets,
    basePath: service.prefix,
    state: () => ({ ...state }),
    contentSecurityPolicy: pageContentSecurityPolicy,
  });
  const endpoints = new Map(service.endpoints);
  for (const [path, endpoint] of outside?.endpoints(service.endpoints) ?? []) {
    endpoints.set(path, endpoint);
  }
  // The page: `{prefix}/`, and `{prefix}` (route matching ignores a trailing slash).
  const pagePaths = new Set([service.prefix, `${service.prefix}/`]);
  const router = createRouter({
    guard: service.guard,
    endpoints,
    anonymous: service.anonymous,
    navigable: new Set([...service.navigable, ...pagePaths]),
    otherwise: outside?.otherwise,
    fallback: {
      prefix: service.prefix,
      endpoint: async ({ request, url, info }) => {
        if (pagePaths.has(url.pathname)) {
          const refusal = service.guard.admitPage(peerAddress(info));
          if (refusal !== undefined) return refusal;
        }
        const response = await page(request, info as Deno.ServeHandlerInfo | undefined);
        if ((response.headers.get("content-type") ?? "").startsWith("text/html")) {
          response.headers.set("cache-control", "no-store");
        }
        return response;
      },
    },
  });
  return asHandler(router, service);
}
