// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode createDiagnosticsHandler}: the diagnostics endpoints as one
 * `Request → Response` function, for any Deno server; and
 * {@linkcode createDiagnosticsService}, the parts it shares with the
 * dashboard (guard, stream, fleet publisher, endpoint table).
 *
 * @module
 */

import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
import type { FleetKv } from "../fleet/kv.ts";
import {
  type FleetPublisher,
  publishToFleet,
  type PublishToFleetOptions,
} from "../fleet/publisher.ts";
import {
  type ConnectionInfo,
  DiagnosticsStream,
  type DiagnosticsStreamOptions,
} from "../stream/diagnostics_stream.ts";
import { prefixOption } from "../options.ts";
import { AccessGuard, type AccessOptions } from "./access.ts";
import { diagnosticsEndpoints, type FleetParts } from "./endpoints.ts";
import { createRouter, type Endpoint, type Router } from "./router.ts";

/** Options for {@linkcode createDiagnosticsHandler}. */
export interface DiagnosticsHandlerOptions extends DiagnosticsStreamOptions, AccessOptions {
  /**
   * Path prefix of the endpoints, without a trailing slash.
   *
   * @default {"/debug"}
   */
  prefix?: string;
  /**
   * A fleet: every instance publishing to this KV database (see
   * `publishToFleet()`) is listed at `{prefix}/fleet/instances`, and its
   * keyframe is one request away at `{prefix}/fleet/keyframe?id=…`. A
   * fleet is one trust domain: only instances protected by the same
   * `token` (or, without one, only unprotected instances) are listed and
   * served, and this instance publishes itself with its token.
   */
  fleet?: DiagnosticsFleetOptions;
}

/** The fleet of a handler or dashboard: see {@linkcode DiagnosticsHandlerOptions.fleet}. */
export interface DiagnosticsFleetOptions {
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

/**
 * A `Request → Response` function answering the diagnostics endpoints, with
 * the stream it serves and a way to shut it down.
 */
export interface DiagnosticsHandler {
  /**
   * Answers a request; paths it does not serve get 404. Pass `Deno.serve`'s
   * handler info when there is one: streams then clean up on its
   * `completed` promise, and the stream caps count per client address.
   */
  (request: Request, info?: ConnectionInfo): Promise<Response>;
  /** The stream behind `…/diagnostics/memory`. */
  readonly stream: DiagnosticsStream;
  /** The access checks in front of every path. */
  readonly guard: AccessGuard;
  /** The prefix it answers under, without a trailing slash. */
  readonly prefix: string;
  /** This process's fleet publisher, when it publishes itself. */
  readonly publisher: FleetPublisher | undefined;
  /** Ends every open stream (well within a second), stops its timer and the publisher. */
  close(): Promise<void>;
}

/** What a diagnostics handler and a dashboard share. Internal to the package. */
export interface DiagnosticsService {
  readonly guard: AccessGuard;
  readonly stream: DiagnosticsStream;
  readonly prefix: string;
  readonly publisher: FleetPublisher | undefined;
  readonly fleet: FleetParts | undefined;
  readonly endpoints: ReadonlyMap<string, Endpoint>;
  readonly anonymous: ReadonlySet<string>;
  readonly navigable: ReadonlySet<string>;
  close(): Promise<void>;
}

/**
 * Creates the guard, the stream, the fleet publisher and the endpoint table
 * of one registry. Internal: `createDiagnosticsHandler()` and
 * `createDashboard()` are built on it.
 *
 * @param registry The pools.
 * @param options The handler's options.
 * @param action What the caller is doing, for error messages.
 * @param emptyPrefix Whether `""` (the root) is a valid prefix.
 * @returns The parts.
 */
export function createDiagnosticsService(
  registry: DiagnosticsRegistry,
  options: DiagnosticsHandlerOptions,
  action: string,
  emptyPrefix: boolean,
): DiagnosticsService {
  const prefix = prefixOption(options.prefix, "/debug", action, emptyPrefix);
  const fleetOptions = options.fleet;
  if (fleetOptions !== undefined && typeof fleetOptions?.kv?.get !== "function") {
    throw new TypeError(`Cannot ${action}: fleet.kv must be a Deno.Kv (or a FleetKv)`);
  }
  const guard = new AccessGuard({ ...options, prefix });
  const stream = new DiagnosticsStream(registry, options);
  // The stream's own figures (clients, bytes sent, skips, drops) in every
  // registry snapshot: /metrics and OpenTelemetry report them.
  const detachStream = registry.addStreamSource(stream);
  const publish = fleetOptions?.publish ?? true;
  // One trust domain: this instance publishes and reads with its own token.
  const publisher = fleetOptions === undefined || publish === false
    ? undefined
    : publishToFleet(stream, fleetOptions.kv, {
      ...(publish === true ? {} : publish),
      token: options.token,
    });
  const fleet = fleetOptions &&
    { kv: fleetOptions.kv, self: publisher?.id, token: options.token };
  const { endpoints, anonymous, navigable } = diagnosticsEndpoints({
    registry,
    stream,
    guard,
    prefix,
    fleet,
  });
  return {
    guard,
    stream,
    prefix,
    publisher,
    fleet,
    endpoints,
    anonymous,
    navigable,
    async close() {
      detachStream();
      await Promise.all([stream.close(), publisher?.close()]);
    },
  };
}

/**
 * Creates the handler for the diagnostics endpoints of one registry, without
 * the dashboard page:
 *
 * | path | answer |
 * | --- | --- |
 * | `GET {prefix}/diagnostics/memory` | `200 text/event-stream`: a `diagnostics` keyframe, then `diagnostics-delta` events |
 * | `GET {prefix}/diagnostics/snapshot` | JSON: the same payload as a keyframe's data |
 * | `GET {prefix}/diagnostics/slot?slab=NAME&index=N` | JSON: one slot's state, owner and time in state |
 * | `GET {prefix}/metrics` | Prometheus text exposition 0.0.4 |
 * | `GET {prefix}/login` | with a token configured: one-time login links (see `AccessGuard`) |
 * | `GET {prefix}/fleet/…` | with a `fleet`: its instances, and any instance's keyframe |
 *
 * Closed by default: every request goes through an {@linkcode AccessGuard}
 * first (loopback `Host` names only, same-origin only, the token when one
 * is set), every path is read-only (other methods get 405), streams are
 * capped (32 in all, 8 per address) and rate-limited. No CORS headers.
 *
 * It is a plain function, so it mounts in `Deno.serve`, in a Fresh route's
 * handler, or in any server that speaks `Request` and `Response`.
 *
 * @param registry The pools to serve.
 * @param options Path prefix, stream, access and fleet options.
 * @returns The handler, with `stream` and `close()`.
 * @throws {RangeError} For a malformed prefix or an out-of-range option.
 * @throws {TypeError} For a `fleet` without a KV database.
 *
 * @example In a plain `Deno.serve`
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { createDiagnosticsHandler } from "@slabscope/slabscope/dashboard";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "tcp_buffers", slotSize: 4096, capacity: 64 }));
 * const diagnostics = createDiagnosticsHandler(registry);
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, diagnostics);
 *
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/debug/diagnostics/snapshot`);
 * assert.equal((await response.json()).slabs[0].name, "tcp_buffers");
 * await diagnostics.close();
 * await server.shutdown();
 * ```
 */
export function createDiagnosticsHandler(
  registry: DiagnosticsRegistry,
  options: DiagnosticsHandlerOptions = {},
): DiagnosticsHandler {
  const service = createDiagnosticsService(
    registry,
    options,
    "create diagnostics handler",
    true,
  );
  return asHandler(createRouter(service), service);
}

/**
 * A router with its service's parts attached: what `createDiagnosticsHandler()`
 * and `createDashboard()` return. Internal.
 *
 * @param router The router in front of the service.
 * @param service Its stream, guard, prefix and publisher.
 * @returns The handler.
 */
export function asHandler(router: Router, service: DiagnosticsService): DiagnosticsHandler {
  return Object.assign(router, {
    stream: service.stream,
    guard: service.guard,
    prefix: service.prefix,
    publisher: service.publisher,
    close: () => service.close(),
  });
}
