// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode useServerNow}: the server's time now, for every age and uptime
 * the page shows, frozen while the connection is not live. A page that
 * lost its stream shows the figures it last had, with every clock stopped
 * at that moment: an age that kept growing would claim knowledge the page
 * no longer has.
 *
 * @module
 */

import { useEffect, useRef, useState } from "npm:preact@^10.29.8/hooks";
import type { ConnectionState } from "./live_stream.ts";

/** How often a live clock moves, ms. */
const TICK_MS = 1000;

/**
 * Whether clocks count in this connection state: live, or still connecting
 * (the page's first figures are fresh); never once the stream fell silent.
 *
 * @param state The connection's state.
 * @returns Whether ages and uptimes count on.
 *
 * @example
 * ```ts
 * import { clocksRun } from "./server_clock.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(clocksRun("live"), true);
 * assert.equal(clocksRun("stale"), false);
 * assert.equal(clocksRun("offline"), false);
 * ```
 */
export function clocksRun(state: ConnectionState): boolean {
  return state === "live" || state === "connecting";
}

/**
 * A Preact hook: the server's time now. It is `ts` (the server's time of
 * the latest state) when that changes, then counts on once a second with
 * the local clock, corrected by how far the local clock was from `ts` when
 * the state came; while `running` is false it stays where it was.
 *
 * @param ts The server's time of the latest state, ms since the epoch.
 * @param running Whether the clock counts (see {@linkcode clocksRun}).
 * @returns The server's time now, never before `ts`.
 *
 * @example
 * ```ts ignore
 * const now = useServerNow(snapshot.value?.ts, clocksRun(connection.value));
 * ```
 */
export function useServerNow(ts: number | undefined, running: boolean): number {
  const skew = useRef(0);
  const [now, setNow] = useState(ts ?? 0);
  useEffect(() => {
    if (ts === undefined) return;
    skew.current = ts - Date.now();
    setNow(ts);
  }, [ts]);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => !document.hidden && setNow(Date.now() + skew.current), TICK_MS);
    return () => clearInterval(timer);
  }, [running]);
  return Math.max(now, ts ?? 0);
}
