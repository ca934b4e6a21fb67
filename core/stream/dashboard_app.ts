// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode createDashboard}: the whole dashboard (page, assets, stream)
 * as one `Request → Response` function to mount under `/debug/`.
 *
 * @module
 */

import { createHostApp } from "../../host/app.ts";
import manifest from "../../manifest.gen.ts";
import type { State } from "../../utils.ts";
import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
import type { FleetKv } from "../fleet/kv.ts";
import {
  type FleetPublisher,
  publishToFleet,
  type PublishToFleetOptions,
} from "../fleet/publisher.ts";
import { AccessGuard, type AccessOptions, BASE_HEADERS, PAGE_CSP } from "./access.ts";
import {
  type ConnectionInfo,
  DiagnosticsStream,
  type DiagnosticsStreamOptions,
} from "./diagnostics_stream.ts";

/** Options for {@linkcode createDashboard}. */
export interface DashboardOptions extends DiagnosticsStreamOptions, AccessOptions {
  /**
   * Where the dashboard lives, without a trailing slash: the page is
   * `{prefix}/`, the stream `{prefix}/diagnostics/memory`.
   *
   * @default {"/debug"}
   */
  prefix?: string;
  /**
   * Shows a fleet: every instance publishing to this KV database (see
   * `publishToFleet()`), with a way to switch the dashboard to any of them.
   */
  fleet?: DashboardFleetOptions;
}

/** The fleet of a dashboard: see {@linkcode DashboardOptions.fleet}. */
export interface DashboardFleetOptions {
  /** The database the fleet shares: `await Deno.openKv()` on Deno Deploy. */
  kv: FleetKv;
  /**
   * Whether (and how) this process publishes itself to the fleet; `false`
   * when it already does, or only watches.
   *
   * @default {true}
   */
  publish?: boolean | PublishToFleetOptions;
}

/** The dashboard's request handler, with its stream and a way to shut it down. */
export interface Dashboard {
  /**
   * Answers every request under the prefix: the page, its assets, the
   * stream, the snapshot and slot endpoints. Pass `Deno.serve`'s handler
   * info when there is one.
   */
  (request: Request, info?: ConnectionInfo): Promise<Response>;
  /** The stream behind `…/diagnostics/memory`. */
  readonly stream: DiagnosticsStream;
  /** The access checks in front of every path. */
  readonly guard: AccessGuard;
  /** The prefix it is mounted under. */
  readonly prefix: string;
  /** This process's fleet publisher, when it publishes itself. */
  readonly publisher: FleetPublisher | undefined;
  /** Ends every open stream (well within a second) and stops its timer. */
  close(): Promise<void>;
}

/**
 * Creates the dashboard of a registry: the page at `{prefix}/` with its
 * islands (slot grids, arena gauges, owners, capacity banner, heap panel)
 * and, under `{prefix}/diagnostics/`, the endpoints of
 * `createDiagnosticsHandler()`. Mount it in any Deno server by sending it
 * every request whose path starts with the prefix. The client bundle ships
 * prebuilt with the package: nothing to build.
 *
 * It is closed by default like the endpoints (see `AccessGuard`): loopback
 * host names only, same-origin, read-only, streams capped; with `token`,
 * browsers log in once through a one-time link and then hold an
 * `HttpOnly; SameSite=Strict` session cookie. Every response carries
 * `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer`;
 * the page also `Cache-Control: no-store` and a strict
 * `Content-Security-Policy` (its own scripts, styles and stream only).
 *
 * @param registry The pools to show.
 * @param options Prefix and stream options.
 * @returns The handler.
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
  const prefix = options.prefix ?? "/debug";
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(prefix)) {
    throw new RangeError(
      `Cannot create dashboard: prefix must look like "/debug" (no trailing slash), received ${
        JSON.stringify(prefix)
      }`,
    );
  }
  const guard = new AccessGuard(options);
  const stream = new DiagnosticsStream(registry, options);
  const fleet = options.fleet;
  if (fleet !== undefined && typeof fleet?.kv?.get !== "function") {
    throw new TypeError("Cannot create dashboard: fleet.kv must be a Deno.Kv (or a FleetKv)");
  }
  const publish = fleet?.publish ?? true;
  const publisher = fleet === undefined || publish === false
    ? undefined
    : publishToFleet(stream, fleet.kv, publish === true ? {} : publish);
  const state: State = {
    registry,
    stream,
    guard,
    basePath: prefix,
    fleet: fleet && { kv: fleet.kv, self: publisher?.id },
  };
  const app = createHostApp<State>({ manifest, basePath: prefix, state: () => ({ ...state }) });
  const handler = async (request: Request, info?: ConnectionInfo): Promise<Response> => {
    const login = new URL(request.url).pathname === `${prefix}/login`;
    // Before any routing, so that a rebinding attacker learns nothing.
    const refusal = guard.check(request, login);
    if (refusal !== undefined) return refusal;
    return secure(await app(request, info as Deno.ServeHandlerInfo | undefined));
  };
  const close = async () => {
    await Promise.all([stream.close(), publisher?.close()]);
  };
  return Object.assign(handler, { stream, guard, prefix, publisher, close });
}

/** Adds the security headers: to every response, and the page's policy to HTML. */
function secure(response: Response): Response {
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(BASE_HEADERS)) headers.set(name, value);
  if ((headers.get("content-type") ?? "").startsWith("text/html")) {
    headers.set("content-security-policy", PAGE_CSP);
    headers.set("cache-control", "no-store");
    headers.set("x-frame-options", "DENY");
  }
  headers.delete("access-control-allow-origin"); // never CORS
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
