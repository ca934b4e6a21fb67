// Copyright 2026 the slabscope authors. MIT license.
/**
 * The demo's load generator: a steady trickle of requests with bursts, slow
 * responses, long-lived streams, idle spells and aborted requests, all made
 * through the instrumented `fetch` so the client side shows up too. Bounded
 * (at most 160 requests in flight) and local (the demo's own servers only).
 *
 * @module
 */

import type { DiagnosticsRegistry } from "../mod.ts";
import { instrumentFetch } from "../mod.ts";

/** Where the load goes. */
export interface LoadTargets {
  /** The API's origin. */
  api: string;
  /** The streaming service's origin. */
  streams: string;
}

/** Options for {@linkcode startLoad}. */
export interface LoadOptions {
  /** Send nothing: the instrumented `fetch` (and its slab) exist, idle. */
  paused?: boolean;
}

/** A running load generator. */
export interface LoadGenerator {
  /** The phase it is in: `steady`, `burst`, `idle`, or `paused` for good. */
  readonly phase: string;
  /** Stops it: no new requests, every request in flight aborted. */
  stop(): Promise<void>;
}

const TICK_MS = 100;
const MAX_IN_FLIGHT = 160;
/** One cycle: 20 s steady, 4 s burst, 12 s steady, 6 s idle. Paused: `paused`, always. */
const CYCLE: { phase: "steady" | "burst" | "idle"; seconds: number }[] = [
  { phase: "steady", seconds: 20 },
  { phase: "burst", seconds: 4 },
  { phase: "steady", seconds: 12 },
  { phase: "idle", seconds: 6 },
];

/** Starts the load against `targets`, or only its instrumented `fetch` when paused. */
export function startLoad(
  registry: DiagnosticsRegistry,
  targets: LoadTargets,
  options: LoadOptions = {},
): LoadGenerator {
  // Owners by role, not by origin: the servers listen on ports the system
  // picks, and a label must not change from one run to the next.
  const roles = new Map([
    [new URL(targets.api).origin, "api"],
    [new URL(targets.streams).origin, "streams"],
  ]);
  const tracked = instrumentFetch(registry, {
    idleAfter: 1000,
    ownerLinger: 10_000,
    name: (url) => roles.get(url.origin) ?? url.origin,
  });
  if (options.paused) {
    return {
      phase: "paused",
      stop() {
        tracked.close();
        return Promise.resolve();
      },
    };
  }
  let stopped = false;
  const inFlight = new Set<Promise<unknown>>();
  // One controller per request, aborted one by one on stop. (Not
  // AbortSignal.any: a combined signal can be collected while its fetch still
  // runs, and then the abort never reaches it.)
  const controllers = new Set<AbortController>();
  let streams = 0;
  let phase = "steady";
  const started = performance.now();

  const request = (url: string, init: RequestInit = {}, abortAfter?: number) => {
    if (inFlight.size >= MAX_IN_FLIGHT || stopped) return;
    const abort = new AbortController();
    controllers.add(abort);
    const timer = abortAfter === undefined
      ? undefined
      : setTimeout(() => abort.abort(), abortAfter);
    const done = tracked(url, { ...init, signal: abort.signal })
      .then((response) => response.arrayBuffer())
      .catch(() => {/* aborted on purpose, or the demo is stopping */})
      .finally(() => {
        clearTimeout(timer);
        controllers.delete(abort);
        inFlight.delete(done);
      });
    inFlight.add(done);
  };

  const openStream = () => {
    if (streams >= 12 || stopped) return;
    streams++;
    const seconds = 8 + Math.floor(Math.random() * 22);
    const every = [200, 500, 1000][Math.floor(Math.random() * 3)]!;
    // One stream in five is abandoned early by its client.
    const abortAfter = Math.random() < 0.2 ? 2000 + Math.random() * 4000 : undefined;
    const abort = new AbortController();
    controllers.add(abort);
    const timer = abortAfter === undefined
      ? undefined
      : setTimeout(() => abort.abort(), abortAfter);
    const done = tracked(`${targets.streams}/events?seconds=${seconds}&every=${every}`, {
      signal: abort.signal,
    })
      .then(async (response) => {
        for await (const _ of response.body!) { /* read events as they come */ }
      })
      .catch(() => {})
      .finally(() => {
        clearTimeout(timer);
        streams--;
        controllers.delete(abort);
        inFlight.delete(done);
      });
    inFlight.add(done);
  };

  const tick = () => {
    const elapsed = (performance.now() - started) / 1000;
    const total = CYCLE.reduce((sum, scene) => sum + scene.seconds, 0);
    let at = elapsed % total;
    phase = CYCLE.find((scene) => (at -= scene.seconds) < 0)!.phase;
    const rate = phase === "burst" ? 14 : phase === "idle" ? 0 : 2;
    for (let i = 0; i < rate; i++) request(`${targets.api}/items`);
    if (phase !== "idle") {
      if (Math.random() < 0.3) {
        const size = 64 + Math.floor(Math.random() * 12_000);
        request(`${targets.api}/upload`, { method: "POST", body: new Uint8Array(size) });
      }
      // Slow requests; one in eight is aborted by its client half way.
      if (Math.random() < (phase === "burst" ? 0.8 : 0.12)) {
        const ms = 300 + Math.floor(Math.random() * 2500);
        request(`${targets.api}/slow?ms=${ms}`, {}, Math.random() < 0.125 ? ms / 2 : undefined);
      }
      if (Math.random() < 0.06) openStream();
      if (Math.random() < 0.2) request(`${targets.streams}/ping`);
    }
  };
  const timer = setInterval(tick, TICK_MS);
  for (let i = 0; i < 4; i++) openStream();

  return {
    get phase() {
      return phase;
    },
    async stop() {
      clearInterval(timer);
      stopped = true;
      for (const abort of controllers) abort.abort();
      await Promise.allSettled([...inFlight]);
      tracked.close();
    },
  };
}
