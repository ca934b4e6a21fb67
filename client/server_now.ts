// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The server's time for ages shown on the page (the open-handle list, the
 * top sites): a state's `ts` counted on with the local clock while live.
 *
 * @module
 */

import { useEffect, useRef, useState } from "npm:preact@^10.29.8/hooks";

/**
 * The server's time now, for ages: the state's `ts`, then counting on with
 * the local clock (corrected by how far it was from `ts` when the state
 * came) once a second while `live`; frozen otherwise, so that a stale page
 * never shows ages growing.
 */
export function useServerNow(ts: number | undefined, live: boolean): number {
  const skew = useRef(0);
  const [now, setNow] = useState(ts ?? 0);
  useEffect(() => {
    if (ts === undefined) return;
    skew.current = ts - Date.now();
    setNow(ts);
  }, [ts]);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now() + skew.current), 1000);
    return () => clearInterval(timer);
  }, [live]);
  return Math.max(now, ts ?? 0);
}
