// Copyright 2026 the slabscope authors. MIT license.
/**
 * The dashboard's state and its `define` helpers, the Fresh 2 way (what a
 * Fresh project keeps in `utils.ts`).
 *
 * @module
 */

import type { DiagnosticsStream } from "../core/stream/diagnostics_stream.ts";
import { createDefine, type Define } from "./fresh.ts";

/** What the dashboard's page reaches through `ctx.state`. */
export interface State {
  /** The stream serving the pools (its current snapshot seeds the page). */
  stream: DiagnosticsStream;
  /** Where the dashboard is mounted, without a trailing slash (`"/debug"`). */
  basePath: string;
  /** Whether the dashboard shows a fleet. */
  fleet: boolean;
}

/** Typed identity helpers for the dashboard's routes and pages. */
export const define: Define<State> = createDefine<State>();
