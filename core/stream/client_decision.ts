// Copyright 2026 the slabscope authors. MIT license.
/**
 * The stream's decisions for one client: what it gets on connect, and what
 * it gets each tick given the state it holds, its queue and its clocks.
 * Pure: `DiagnosticsStream` applies the answers.
 *
 * @module
 */

import type { EventPosition } from "./last_event_id.ts";
import type { PublishedDelta } from "./publish_decision.ts";
import type { StreamSettings } from "./stream_settings.ts";

/** What the stream knows of one client (`performance.now()` milliseconds). */
export interface ClientPosition {
  /** The state the client holds; -1 until it got a keyframe. */
  readonly seq: number;
  /** Whether it received pool changes since its last keyframe. */
  readonly dirty: boolean;
  /** Its last keyframe (or when it connected). */
  readonly lastKeyframeAt: number;
  /** Its last state event or heartbeat comment: drives the heartbeat. */
  readonly lastSentAt: number;
  /** Its last event of any kind, pings included: drives the ping. */
  readonly lastEventAt: number;
  /** When it started skipping ticks, or `undefined` while it keeps up. */
  readonly skippingSince: number | undefined;
}

/** The outcome of a tick that published or kept a state. */
export interface TickOutcome {
  /** Now. */
  readonly now: number;
  /** The current state. */
  readonly seq: number;
  /** The delta published this tick, if one was. */
  readonly delta: PublishedDelta | undefined;
}

/**
 * What one client gets this tick:
 *
 * - `"skip"`: its queue is full; it gets nothing (latest wins) and a
 *   keyframe once it drains.
 * - `"drop"`: it has been skipping for `slowClientTimeout`: disconnect it.
 * - `"keyframe"`: the whole state: it is new, missed ticks, or received
 *   pool changes and its last keyframe is `keyframeInterval` old.
 * - `"delta"`: this tick's delta: it holds the delta's base.
 * - `"quiet"`: it is up to date; it may be due a heartbeat
 *   ({@linkcode heartbeatDue}) or a ping ({@linkcode pingDue}).
 */
export type ClientDecision = "skip" | "drop" | "keyframe" | "delta" | "quiet";

/**
 * What a client that connects gets after the stream's preamble:
 *
 * - `"error"`: no state was ever collected: an error event (its keyframe
 *   follows from the first tick that collects one).
 * - `"resume"`: its `Last-Event-ID` names the current state of this boot:
 *   nothing to send.
 * - `"catch-up"`: it names an older state of this boot that the flight
 *   recorder holds: deltas bring it up to date, no keyframe.
 * - `"keyframe"`: anything else (no id, another boot, older than the
 *   recorder's window, ahead).
 */
export type ConnectDecision = "error" | "resume" | "catch-up" | "keyframe";

/**
 * Whether a client's queue has room, from its stream controller's
 * `desiredSize` (`null` when the stream errored: no room).
 *
 * @example
 * ```ts
 * import { hasRoom } from "./client_decision.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual([hasRoom(1), hasRoom(0), hasRoom(-5), hasRoom(null)], [true, false, false, false]);
 * ```
 */
export function hasRoom(desiredSize: number | null): boolean {
  return (desiredSize ?? 0) > 0;
}

/**
 * Decides what a connecting client gets.
 *
 * @param position Where its `Last-Event-ID` says it is, if anywhere.
 * @param boot This process's boot id.
 * @param seq The current state, or `undefined` when none was collected.
 * @param heldFrom The oldest state the flight recorder can bring a client
 * up from (its first keyframe), or `undefined` without a recorder.
 *
 * @example
 * ```ts
 * import { decideOnConnect } from "./client_decision.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(decideOnConnect({ boot: "b", seq: 7 }, "b", 7), "resume");
 * assert.equal(decideOnConnect({ boot: "b", seq: 6 }, "b", 7), "keyframe");
 * assert.equal(decideOnConnect({ boot: "b", seq: 6 }, "b", 7, 3), "catch-up");
 * assert.equal(decideOnConnect({ boot: "b", seq: 2 }, "b", 7, 3), "keyframe");
 * assert.equal(decideOnConnect(undefined, "b", undefined), "error");
 * ```
 */
export function decideOnConnect(
  position: EventPosition | undefined,
  boot: string,
  seq: number | undefined,
  heldFrom?: number,
): ConnectDecision {
  if (seq === undefined) return "error";
  if (position?.boot !== boot) return "keyframe";
  if (position.seq === seq) return "resume";
  return heldFrom !== undefined && position.seq >= heldFrom && position.seq < seq
    ? "catch-up"
    : "keyframe";
}

/**
 * Decides what one client gets this tick.
 *
 * @param client What the stream knows of it.
 * @param desiredSize Its stream controller's `desiredSize`.
 * @param tick This tick's outcome.
 * @param settings The stream's settings.
 *
 * @example
 * ```ts
 * import { decideForClient } from "./client_decision.ts";
 * import { STREAM_DEFAULTS } from "./stream_settings.ts";
 * import assert from "node:assert/strict";
 *
 * const client = {
 *   seq: 4,
 *   dirty: false,
 *   lastKeyframeAt: 0,
 *   lastSentAt: 0,
 *   lastEventAt: 0,
 *   skippingSince: undefined,
 * };
 * const tick = { now: 100, seq: 5, delta: { base: 4, seq: 5, poolChange: true } };
 * assert.equal(decideForClient(client, 1024, tick, STREAM_DEFAULTS), "delta");
 * assert.equal(decideForClient({ ...client, seq: 3 }, 1024, tick, STREAM_DEFAULTS), "keyframe");
 * assert.equal(decideForClient(client, 0, tick, STREAM_DEFAULTS), "skip");
 * ```
 */
export function decideForClient(
  client: ClientPosition,
  desiredSize: number | null,
  tick: TickOutcome,
  settings: Pick<StreamSettings, "keyframeInterval" | "slowClientTimeout">,
): ClientDecision {
  if (!hasRoom(desiredSize)) {
    const since = client.skippingSince;
    return since !== undefined && tick.now - since >= settings.slowClientTimeout ? "drop" : "skip";
  }
  const delta = tick.delta;
  if (delta !== undefined && client.seq === delta.base) {
    // A pool change to a client whose periodic keyframe is due: the
    // keyframe carries the change too.
    return delta.poolChange && keyframeDue(client, tick.now, settings) ? "keyframe" : "delta";
  }
  if (client.seq !== tick.seq) return "keyframe"; // new, or missed ticks while slow
  return keyframeDue(client, tick.now, settings) ? "keyframe" : "quiet";
}

/**
 * Whether a quiet client is due a heartbeat comment (for proxies and Deno
 * Deploy, which close connections silent for too long).
 *
 * @example
 * ```ts
 * import { heartbeatDue } from "./client_decision.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(heartbeatDue({ lastSentAt: 0 }, 15_000, { heartbeatInterval: 15_000 }), true);
 * assert.equal(heartbeatDue({ lastSentAt: 1 }, 15_000, { heartbeatInterval: 15_000 }), false);
 * ```
 */
export function heartbeatDue(
  client: Pick<ClientPosition, "lastSentAt">,
  now: number,
  settings: Pick<StreamSettings, "heartbeatInterval">,
): boolean {
  return now - client.lastSentAt >= settings.heartbeatInterval;
}

/**
 * Whether a quiet client is due a `ping` event (which `EventSource` shows,
 * unlike comments: it tells a quiet stream from a stale one).
 *
 * @example
 * ```ts
 * import { pingDue } from "./client_decision.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pingDue({ lastEventAt: 0 }, 1_000, { pingInterval: 1_000 }), true);
 * assert.equal(pingDue({ lastEventAt: 500 }, 1_000, { pingInterval: 1_000 }), false);
 * ```
 */
export function pingDue(
  client: Pick<ClientPosition, "lastEventAt">,
  now: number,
  settings: Pick<StreamSettings, "pingInterval">,
): boolean {
  return now - client.lastEventAt >= settings.pingInterval;
}

/**
 * When a client can next be due anything on a tick that publishes nothing:
 * a ping, a heartbeat or its periodic keyframe. Before that time,
 * {@linkcode decideForClient} answers `"quiet"` for it (or `"skip"`, should
 * its queue fill meanwhile) and neither {@linkcode heartbeatDue} nor
 * {@linkcode pingDue} holds, so such a tick need not visit it at all.
 * `-Infinity` for a client to visit at every tick: one that skips ticks,
 * or does not hold the current state.
 *
 * A client whose queue fills while nothing is published is noticed at its
 * next ping (within `pingInterval`), and dropped `slowClientTimeout` after.
 *
 * @param client What the stream knows of it.
 * @param seq The current state, or `undefined` when none was collected.
 * @param settings The stream's settings.
 *
 * @example
 * ```ts
 * import { nextDueAt } from "./client_decision.ts";
 * import { STREAM_DEFAULTS } from "./stream_settings.ts";
 * import assert from "node:assert/strict";
 *
 * const client = {
 *   seq: 4,
 *   dirty: false,
 *   lastKeyframeAt: 0,
 *   lastSentAt: 500,
 *   lastEventAt: 700,
 *   skippingSince: undefined,
 * };
 * assert.equal(nextDueAt(client, 4, STREAM_DEFAULTS), 1_700); // its ping
 * assert.equal(nextDueAt(client, 5, STREAM_DEFAULTS), -Infinity); // behind
 * ```
 */
export function nextDueAt(
  client: ClientPosition,
  seq: number | undefined,
  settings: Pick<StreamSettings, "keyframeInterval" | "pingInterval" | "heartbeatInterval">,
): number {
  if (client.skippingSince !== undefined || client.seq !== seq) return -Infinity;
  const due = Math.min(
    client.lastEventAt + settings.pingInterval,
    client.lastSentAt + settings.heartbeatInterval,
  );
  return client.dirty ? Math.min(due, client.lastKeyframeAt + settings.keyframeInterval) : due;
}

/** Whether a client that received pool changes is due its periodic keyframe. */
function keyframeDue(
  client: ClientPosition,
  now: number,
  settings: Pick<StreamSettings, "keyframeInterval">,
): boolean {
  return client.dirty && now - client.lastKeyframeAt >= settings.keyframeInterval;
}
