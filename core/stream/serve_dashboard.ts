// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode serveDashboard}: a server of its own for the dashboard, bound
 * to loopback unless told otherwise, and then only with a token.
 *
 * @module
 */

import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
import { isLoopback } from "./access.ts";
import { createDashboard, type Dashboard, type DashboardOptions } from "./dashboard_app.ts";
import type { ConnectionInfo } from "./diagnostics_stream.ts";

/** Options for {@linkcode serveDashboard}. */
export interface ServeDashboardOptions extends DashboardOptions {
  /**
   * Where to listen. Anything but a loopback address (`127.0.0.1`, `::1`,
   * `localhost`) needs `token`, and the server refuses to start without
   * one. (Deno's own default is `0.0.0.0`; this one is not.)
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /** The port; 0 picks a free one. @default {8000} */
  port?: number;
  /**
   * Answers requests outside the dashboard's prefix. By default `/` redirects
   * to the dashboard and everything else is 404.
   */
  fallback?: (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;
  /**
   * Serve the Prometheus text exposition at `/metrics` too (the same as
   * `{prefix}/metrics`, behind the same guard).
   *
   * @default {true}
   */
  metrics?: boolean;
  /** Called once listening, with the dashboard's URL. */
  onListen?: (url: string) => void;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** The dashboard's URL, e.g. `http://127.0.0.1:8000/debug/`. */
  readonly url: string;
  /** The dashboard handler (its stream, guard, prefix). */
  readonly dashboard: Dashboard;
  /** The underlying Deno server. */
  readonly server: Deno.HttpServer<Deno.NetAddr>;
  /** A fresh one-time login link when a token is set, else the plain URL. */
  loginLink(): string;
  /** Ends every stream, then shuts the server down. */
  shutdown(): Promise<void>;
}

/**
 * Serves the dashboard of a registry on its own port: `/debug/` and its
 * endpoints, `/metrics` for Prometheus, `/` redirecting there.
 *
 * Listening beyond loopback is an explicit choice: pass a non-loopback
 * `hostname` and a `token` (at least 128 random bits, e.g. from
 * `generateToken()`); without a token that configuration throws before
 * anything listens. The host name it is reached by is then accepted in
 * `Host` headers (add more with `allowedHosts`; a wildcard address such as
 * `0.0.0.0` needs them).
 *
 * @param registry The pools to show.
 * @param options Where to listen, the token, and the dashboard's options.
 * @returns The running server.
 * @throws {TypeError} If a non-loopback `hostname` comes without a `token`, or a
 * wildcard address without `allowedHosts`.
 *
 * @example Usage
 * ```ts
 * import { DiagnosticsRegistry } from "@slabscope/slabscope";
 * import { serveDashboard } from "@slabscope/slabscope/dashboard";
 * import assert from "node:assert/strict";
 *
 * const served = serveDashboard(new DiagnosticsRegistry(), { port: 0, onListen() {} });
 * assert.equal((await fetch(served.url)).status, 200);
 * assert.throws(() => serveDashboard(new DiagnosticsRegistry(), { hostname: "0.0.0.0" }), /token/);
 * await served.shutdown();
 * ```
 */
export function serveDashboard(
  registry: DiagnosticsRegistry,
  options: ServeDashboardOptions = {},
): DashboardServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const allowedHosts = [...(options.allowedHosts ?? [])];
  if (!isLoopback(hostname)) {
    if (options.token === undefined) {
      throw new TypeError(
        `Refusing to serve the dashboard on ${hostname} without a token: anyone who can reach that address would see this process's memory. Pass { token: generateToken() } and share a login link, or listen on 127.0.0.1 and reach it through an SSH tunnel.`,
      );
    }
    const wildcard = hostname === "0.0.0.0" || hostname === "::" || hostname === "[::]";
    if (wildcard && allowedHosts.length === 0) {
      throw new TypeError(
        `Refusing to serve the dashboard on ${hostname} without allowedHosts: list the host names clients use to reach it (they are checked against the Host header, against DNS rebinding).`,
      );
    }
    if (!wildcard) allowedHosts.push(hostname.includes(":") ? `[${hostname}]` : hostname);
  }
  const dashboard = createDashboard(registry, { ...options, allowedHosts });
  const fallback = options.fallback ??
    ((request: Request) =>
      new URL(request.url).pathname === "/"
        ? Response.redirect(new URL(`${dashboard.prefix}/`, request.url), 302)
        : new Response("Not found\n", { status: 404 }));
  let url = "";
  const server = Deno.serve({
    hostname,
    port: options.port ?? 8000,
    onListen(address) {
      const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
      url = `http://${host}:${address.port}${dashboard.prefix}/`;
      (options.onListen ?? ((u: string) => console.log(`slabscope dashboard: ${u}`)))(url);
    },
  }, (request, info) => {
    const address = new URL(request.url);
    const { pathname } = address;
    if (pathname === dashboard.prefix || pathname.startsWith(`${dashboard.prefix}/`)) {
      return dashboard(request, info as ConnectionInfo);
    }
    if (pathname === "/metrics" && options.metrics !== false) {
      address.pathname = `${dashboard.prefix}/metrics`; // one route, one guard
      return dashboard(new Request(address, request), info as ConnectionInfo);
    }
    return fallback(request, info);
  });
  if (url === "") {
    const address = server.addr;
    url = `http://${address.hostname}:${address.port}${dashboard.prefix}/`;
  }
  return {
    get url() {
      return url;
    },
    dashboard,
    server,
    loginLink: () =>
      dashboard.guard.protected ? dashboard.guard.loginLink(url.replace(/\/$/, "")) : url,
    async shutdown() {
      await dashboard.close();
      await server.shutdown();
    },
  };
}
