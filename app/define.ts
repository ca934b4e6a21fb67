// Copyright 2026 the slabscope authors. MIT license.
/**
 * The dashboard's state and its `define` helpers, the Fresh 2 way (what a
 * Fresh project keeps in `utils.ts`).
 *
 * @module
 */

import { createDefine, type Define } from "./fresh.ts";

/** What the dashboard's page reaches through `ctx.state`. */
export interface State {
  /**
   * Where the page's first picture comes from: the stream serving the pools
   * (its current state), or a recording being replayed (its last state).
   */
  stream: { snapshot(): string };
  /** The name of the recording replayed, or `null` for a live process. */
  replay: string | null;
  /**
   * Whether there is a recording to fetch: a replay, or a stream whose
   * flight recorder is on. Without one the page shows no timeline.
   */
  recording: boolean;
  /** Where the dashboard is mounted, without a trailing slash (`"/debug"`). */
  basePath: string;
  /** Whether the dashboard shows a fleet. */
  fleet: boolean;
}

/** Typed identity helpers for the dashboard's routes and pages. */
export const define: Define<State> = createDefine<State>();
