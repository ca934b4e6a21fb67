// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode serveDashboard}: a server of its own for the dashboard, bound
 * to loopback unless told otherwise, and then only with a token.
 *
 * @module
 */

import type { DiagnosticsRegistry } from "../core/diagnostics/registry.ts";
import { isLoopback } from "../core/http/access.ts";
import { textResponse } from "../core/http/responses.ts";
import type { Endpoint } from "../core/http/router.ts";
import type { ConnectionInfo } from "../core/stream/diagnostics_stream.ts";
import { buildDashboard, type Dashboard, type DashboardOptions } from "./create_dashboard.ts";

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
   * Answers requests outside the dashboard's prefix, behind the same guard
   * (host names, origin, token, read-only). By default `/` redirects to the
   * dashboard and everything else is 404.
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
    if (wildcardAddress(hostname) && allowedHosts.length === 0) {
      throw new TypeError(
        `Refusing to serve the dashboard on ${hostname} without allowedHosts: list the host names clients use to reach it (they are checked against the Host header, against DNS rebinding).`,
      );
    }
  }
  // The address it listens on is a name clients use (127.0.0.2 as much as
  // 10.0.0.7); a wildcard address is no name at all.
  if (!wildcardAddress(hostname)) {
    allowedHosts.push(
      hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname,
    );
  }
  const prefix = options.prefix ?? "/debug";
  const userFallback = options.fallback;
  const otherwise: Endpoint = userFallback === undefined
    ? ({ url }) =>
      url.pathname === "/"
        ? new Response(null, { status: 302, headers: { location: `${prefix}/` } })
        : textResponse("Not found\n", 404)
    : ({ request, info }) => userFallback(request, info as Deno.ServeHandlerInfo);
  const dashboard = buildDashboard(registry, { ...options, allowedHosts }, {
    endpoints: (own) =>
      options.metrics === false
        ? new Map()
        : new Map([["/metrics", own.get(`${prefix}/metrics`)!]]),
    otherwise,
  });
  // The name clients use: a wildcard address is no place to send a browser.
  const shownHost = wildcardAddress(hostname) ? allowedHosts[0] : undefined;
  let url = "";
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname,
      port: options.port ?? 8000,
      onListen(address) {
        url = dashboardUrl(shownHost ?? address.hostname, address.port, dashboard.prefix);
        (options.onListen ?? ((u: string) => console.log(`slabscope dashboard: ${u}`)))(url);
      },
    }, (request, info) => dashboard(request, info as ConnectionInfo));
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Deno.errors.AddrInUse(
        `Cannot serve the dashboard on ${hostname}:${
          options.port ?? 8000
        }: the port is in use (pass another port, or 0 for a free one)`,
      );
    }
    throw error;
  }
  if (url === "") {
    url = dashboardUrl(shownHost ?? server.addr.hostname, server.addr.port, dashboard.prefix);
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

function wildcardAddress(hostname: string): boolean {
  return hostname === "0.0.0.0" || hostname === "::" || hostname === "[::]";
}

/** `http://host:port/prefix/`; a bare IPv6 address is bracketed, a `name:port` kept. */
function dashboardUrl(host: string, port: number, prefix: string): string {
  if (/:\d+$/.test(host) && !host.startsWith("[") && host.split(":").length === 2) {
    return `http://${host}${prefix}/`;
  }
  const name = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `http://${name}:${port}${prefix}/`;
}
