// Copyright 2026 the slabscope authors. MIT license.
/**
 * Bringing a reconnecting client from a state the flight recorder holds to
 * the current one with deltas only: the deltas it missed, as they were
 * sent, or, when those would weigh more than a keyframe, one delta
 * computed from its state to the current one (the net change, never more
 * than a keyframe, since a delta sends a slab whole when that is shorter).
 *
 * @module
 */

import { applyDelta } from "../wire/apply_delta.ts";
import { deltaObject } from "../wire/delta.ts";
import { decodeKeyframe } from "../wire/keyframe.ts";
import type { MemorySnapshot } from "../wire/types.ts";
import { eventData, type FlightRecorder } from "./flight_recorder.ts";
import { formatEventId } from "./last_event_id.ts";
import { isPoolChange } from "./publish_decision.ts";
import { encodeServerSentEvent } from "./sse.ts";

/** What a reconnecting client is sent instead of a keyframe. */
export interface CatchUp {
  /** The events, in order (each a whole `diagnostics-delta` event). */
  readonly events: Uint8Array[];
  /** Whether any of them changes a pool. */
  readonly poolChange: boolean;
  /** Whether the events are one delta computed for this client (not the recorded ones). */
  readonly composed: boolean;
}

const decoder = new TextDecoder();

/**
 * Rebuilds a state the recorder holds: the keyframe before it, then the
 * deltas up to it, through the strict decoder.
 *
 * @param recorder The recorder.
 * @param seq The state.
 * @returns The state, or `undefined` when the recorder does not hold it.
 * @throws {SyntaxError} If a recorded event does not decode (it never should).
 *
 * @example
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { DiagnosticsStream } from "@slabscope/slabscope/dashboard";
 * import { recordedState } from "./recorder_catch_up.ts";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 8 })).alloc();
 * const stream = new DiagnosticsStream(registry);
 * stream.snapshot(); // the first state, recorded as a keyframe
 * assert.equal(recordedState(stream.recorder!, 1)?.slabs[0].used, 1);
 * await stream.close();
 * ```
 */
export function recordedState(recorder: FlightRecorder, seq: number): MemorySnapshot | undefined {
  const events = recorder.eventsTo(seq);
  if (events === undefined || events.length === 0) return undefined;
  let state = decodeKeyframe(decoder.decode(eventData(events[0]!)));
  for (let i = 1; i < events.length; i++) {
    const event = events[i]!;
    if (event.event === "diagnostics-delta") {
      state = applyDelta(state, decoder.decode(eventData(event)));
    }
  }
  return state;
}

/**
 * What brings a client holding state `from` to `current`, when the
 * recorder holds `from`: the recorded deltas while they weigh no more than
 * the newest keyframe, else one delta from `from` to `current`.
 *
 * @param recorder The stream's recorder; its newest state is `current`.
 * @param from The state the client holds.
 * @param current The stream's current state.
 * @param boot The stream's boot id, for the composed delta's id.
 * @returns The events, or `undefined` when the recorder cannot do it.
 */
export function catchUp(
  recorder: FlightRecorder,
  from: number,
  current: MemorySnapshot,
  boot: string,
): CatchUp | undefined {
  if (recorder.last?.seq !== current.seq) return undefined;
  const deltas = recorder.deltasAfter(from);
  if (deltas === undefined) return undefined;
  let bytes = 0;
  for (const delta of deltas) bytes += delta.bytes.byteLength;
  if (bytes <= recorder.lastKeyframeBytes) {
    return {
      events: deltas.map((delta) => delta.bytes),
      poolChange: deltas.some((delta) => delta.poolChange),
      composed: false,
    };
  }
  const state = recordedState(recorder, from);
  if (state === undefined) return undefined;
  // Nothing but ts may differ (a state published for the stream's own
  // figures): an empty delta still moves the client to `current`.
  const delta = deltaObject(state, current) ??
    { v: current.v, seq: current.seq, base: from, ts: current.ts };
  return {
    events: [encodeServerSentEvent({
      event: "diagnostics-delta",
      data: JSON.stringify(delta),
      id: formatEventId(boot, current.seq),
    })],
    poolChange: isPoolChange(delta),
    composed: true,
  };
}
