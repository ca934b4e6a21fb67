// Copyright 2026 the slabscope authors. MIT license.
/**
 * The dashboard app's `define` helpers and state, the Fresh 2 way.
 *
 * @module
 */
import { createDefine } from "fresh";
import type { DiagnosticsRegistry } from "./core/diagnostics/registry.ts";
import type { AccessGuard } from "./core/stream/access.ts";
import type { DiagnosticsStream } from "./core/stream/diagnostics_stream.ts";
import type { FleetKv } from "./core/fleet/kv.ts";

/** What every route of the dashboard can reach through `ctx.state`. */
export interface State {
  /** The pools shown. */
  registry: DiagnosticsRegistry;
  /** The stream serving them. */
  stream: DiagnosticsStream;
  /** Access checks: stream caps, login links. */
  guard: AccessGuard;
  /** Where the dashboard is mounted, without a trailing slash (`"/debug"`). */
  basePath: string;
  /** The fleet's database and this process's id in it, when there is a fleet. */
  fleet: { kv: FleetKv; self: string | undefined } | undefined;
}

/** Typed identity helpers for routes, pages, layouts and middleware. */
export const define: ReturnType<typeof createDefine<State>> = createDefine<State>();
