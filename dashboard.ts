// Copyright 2026 the slabscope authors. MIT license.
/**
 * The live side of slabscope: the dashboard page, its persistent
 * Server-Sent-Events stream and the diagnostics endpoints, mountable in any
 * Deno server.
 *
 * - {@linkcode createDashboard}: the page at `/debug/`, its assets and every
 *   endpoint below, as one `Request → Response` function;
 *   {@linkcode serveDashboard} gives it a server of its own.
 * - {@linkcode createDiagnosticsHandler}: the endpoints without the page:
 *   `…/diagnostics/memory` (the stream), `…/diagnostics/snapshot` (JSON),
 *   `…/diagnostics/slot`, `…/metrics` (Prometheus), `…/login`, `…/fleet/…`.
 * - {@linkcode AccessGuard}: closed by default (loopback host names,
 *   same-origin, read-only, capped streams, an optional token with one-time
 *   login links); see SECURITY.md.
 * - {@linkcode DiagnosticsStream}: the stream service itself: one timer,
 *   one encode per tick, keyframes, deltas, heartbeats, resumption and
 *   latest-wins backpressure.
 *
 * Nothing is read from disk or fetched at run time: the client bundle, the
 * styles and the icon ship as modules. `--allow-net` is all it needs.
 *
 * @example Diagnostics next to your app
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { createDiagnosticsHandler } from "@slabscope/slabscope/dashboard";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "objects", slotSize: 32, capacity: 1024 }));
 * const diagnostics = createDiagnosticsHandler(registry);
 *
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
 *   if (new URL(request.url).pathname.startsWith("/debug/")) return diagnostics(request);
 *   return new Response("hello");
 * });
 * const url = `http://127.0.0.1:${server.addr.port}`;
 * assert.equal(await (await fetch(url)).text(), "hello");
 * const events = await fetch(`${url}/debug/diagnostics/memory`);
 * assert.equal(events.headers.get("content-type"), "text/event-stream; charset=utf-8");
 * await events.body!.cancel();
 * await diagnostics.close();
 * await server.shutdown();
 * ```
 *
 * @module
 */

export {
  type AccessCheckOptions,
  AccessGuard,
  type AccessOptions,
  type AccessVerdict,
  generateToken,
  isLoopback,
} from "./core/http/access.ts";
export {
  createDiagnosticsHandler,
  type DiagnosticsFleetOptions,
  type DiagnosticsHandler,
  type DiagnosticsHandlerOptions,
} from "./core/http/diagnostics_handler.ts";
export {
  type ConnectionInfo,
  DiagnosticsStream,
  type DiagnosticsStreamOptions,
} from "./core/stream/diagnostics_stream.ts";
export {
  FlightRecorder,
  type FlightRecorderOptions,
  type FlightRecorderSettings,
  type RecordedEvent,
  type RecordedEventType,
} from "./core/stream/flight_recorder.ts";
export type { RecordingBound } from "./core/stream/recording_range.ts";
export { createDashboard, type Dashboard, type DashboardOptions } from "./app/create_dashboard.ts";
export {
  type DashboardServer,
  serveDashboard,
  type ServeDashboardOptions,
} from "./app/serve_dashboard.ts";
