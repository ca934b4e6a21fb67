// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode RecordingStates}: every state of a recording, one moment per
 * distinct `seq`, rebuilt on demand from the keyframe before it and the
 * deltas up to it, through the strict decoder. Rebuilt states are kept as
 * checkpoints (a bounded number), so that stepping and scrubbing back and
 * forth near a moment replays few deltas. {@linkcode verifyRecording}
 * rebuilds every state once and refuses a recording whose events do not
 * decode, or whose keyframes contradict the deltas before them.
 *
 * @module
 */

import { applyDelta } from "../wire/apply_delta.ts";
import { encodeKeyframe, keyframeFromJson } from "../wire/keyframe.ts";
import type { MemorySnapshot } from "../wire/types.ts";
import { RecordingError, type RecordingEvent } from "./recording_format.ts";
import { lastAtOrBefore } from "../last_at_or_before.ts";

/** Deltas between two checkpoints kept while replaying. */
const CHECKPOINT_EVERY = 10;
/** Checkpoints kept besides the keyframes (the oldest made goes first). */
const MAX_CHECKPOINTS = 256;

/**
 * The states of a recording.
 *
 * @example
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { encodeDelta, encodeKeyframe } from "@slabscope/slabscope/wire";
 * import { RecordingStates } from "./recording_states.ts";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 8 }));
 * const first = { ...registry.snapshot(), seq: 1 };
 * slab.alloc();
 * const second = { ...registry.snapshot({ sampleHeap: false }), seq: 2 };
 * const states = new RecordingStates([
 *   { event: "diagnostics", seq: 1, base: 1, ts: first.ts, line: 2, data: JSON.parse(encodeKeyframe(first)) },
 *   { event: "diagnostics-delta", seq: 2, base: 1, ts: second.ts, line: 3, data: JSON.parse(encodeDelta(first, second)!) },
 * ]);
 * assert.deepEqual(states.seqs, [1, 2]);
 * assert.equal(states.stateAt(2).slabs[0].used, 1);
 * assert.equal(states.stateAt(1).slabs[0].used, 0);
 * ```
 */
export class RecordingStates {
  #events: RecordingEvent[] = [];
  /** Positions of the keyframes in `#events`. */
  #keyframes: number[] = [];
  /** Every distinct seq, ascending, and the position of its last event. */
  #seqs: number[] = [];
  #positions: number[] = [];
  #times: number[] = [];
  /** Rebuilt states by position: decoded keyframes, then checkpoints. */
  #states = new Map<number, MemorySnapshot>();
  #checkpoints: number[] = [];
  #name: string | undefined;

  /**
   * @param events A recording's events, checked by the line reader (the
   * first a keyframe, each following the one before).
   * @param name The file's name, for error messages.
   */
  constructor(events: readonly RecordingEvent[], name?: string) {
    this.#name = name;
    this.#add(events);
  }

  /**
   * Adds events that continue the recording: the first new one applies to
   * the last state held (a delta from it, or a keyframe of it or of the
   * next state).
   *
   * @param events The events after the last one held.
   * @throws {RangeError} If they do not continue it.
   */
  extend(events: readonly RecordingEvent[]): void {
    const last = this.#events[this.#events.length - 1];
    const next = events[0];
    if (last !== undefined && next !== undefined) {
      const follows = next.event === "diagnostics-delta"
        ? next.base === last.seq
        : next.seq === last.seq || next.seq === last.seq + 1;
      if (!follows) {
        throw new RangeError(
          `Cannot extend the recording with ${next.event} ${next.seq}: it holds states up to ${last.seq}`,
        );
      }
    }
    this.#add(events);
  }

  #add(events: readonly RecordingEvent[]): void {
    for (const event of events) {
      const position = this.#events.push(event) - 1;
      if (event.event === "diagnostics") this.#keyframes.push(position);
      if (this.#seqs[this.#seqs.length - 1] === event.seq) {
        this.#positions[this.#positions.length - 1] = position;
      } else {
        this.#seqs.push(event.seq);
        this.#positions.push(position);
        this.#times.push(event.ts);
      }
    }
  }

  /** Every moment's seq, ascending. */
  get seqs(): readonly number[] {
    return this.#seqs;
  }

  /** Every moment's time (ms since the Unix epoch), in the order of {@linkcode seqs}. */
  get times(): readonly number[] {
    return this.#times;
  }

  /** The events. */
  get events(): readonly RecordingEvent[] {
    return this.#events;
  }

  /** Whether the recording holds state `seq`. */
  has(seq: number): boolean {
    return this.indexOf(seq) >= 0;
  }

  /** The index of moment `seq` in {@linkcode seqs}, or -1. */
  indexOf(seq: number): number {
    const index = lastAtOrBefore(this.#seqs, seq);
    return index >= 0 && this.#seqs[index] === seq ? index : -1;
  }

  /** The index of the last moment at or before `ts` (the first moment for an earlier `ts`). */
  indexAt(ts: number): number {
    return Math.max(0, lastAtOrBefore(this.#times, ts));
  }

  /**
   * State `seq`: the nearest rebuilt state at or after the keyframe before
   * it, plus the deltas after that.
   *
   * @throws {RangeError} If the recording does not hold `seq`.
   * @throws {RecordingError} If an event on the way does not decode.
   */
  stateAt(seq: number): MemorySnapshot {
    const index = this.indexOf(seq);
    if (index < 0) {
      throw new RangeError(
        `Cannot show state ${seq}: the recording holds ${this.#seqs[0]} to ${
          this.#seqs[this.#seqs.length - 1]
        }`,
      );
    }
    const target = this.#positions[index]!;
    const keyframe = this.#keyframes[lastAtOrBefore(this.#keyframes, target)]!;
    let from = keyframe;
    for (const position of this.#checkpoints) {
      if (position > from && position <= target) from = position;
    }
    let state = this.#states.get(from) ?? this.#decodeKeyframe(from);
    for (let position = from + 1; position <= target; position++) {
      const event = this.#events[position]!;
      if (event.event === "diagnostics") continue; // a checkpoint of the state held
      state = this.#apply(state, event);
      if ((position - keyframe) % CHECKPOINT_EVERY === 0) this.#keep(position, state);
    }
    return state;
  }

  #decodeKeyframe(position: number): MemorySnapshot {
    const event = this.#events[position]!;
    let state: MemorySnapshot;
    try {
      state = keyframeFromJson(event.data);
    } catch (error) {
      throw new RecordingError(
        event.line,
        `expected a valid keyframe: ${(error as Error).message}`,
        this.#name,
      );
    }
    this.#states.set(position, state);
    return state;
  }

  #apply(state: MemorySnapshot, event: RecordingEvent): MemorySnapshot {
    try {
      return applyDelta(state, event.data);
    } catch (error) {
      throw new RecordingError(
        event.line,
        `expected a valid delta: ${(error as Error).message}`,
        this.#name,
      );
    }
  }

  #keep(position: number, state: MemorySnapshot): void {
    if (this.#states.has(position)) return;
    this.#states.set(position, state);
    this.#checkpoints.push(position);
    if (this.#checkpoints.length > MAX_CHECKPOINTS) this.#states.delete(this.#checkpoints.shift()!);
  }
}

/**
 * Rebuilds every state of a recording once: every keyframe and delta goes
 * through the strict decoder, and a keyframe of a state the deltas before it
 * already built must say exactly the same.
 *
 * @param events The recording's events (checked by the line reader).
 * @param name The file's name, for error messages.
 * @returns The last state.
 * @throws {RecordingError} Naming the first line that does not decode or
 * contradicts the lines before it.
 */
export function verifyRecording(events: readonly RecordingEvent[], name?: string): MemorySnapshot {
  let state: MemorySnapshot | undefined;
  for (const event of events) {
    if (event.event === "diagnostics-delta") {
      try {
        state = applyDelta(state!, event.data);
      } catch (error) {
        throw new RecordingError(
          event.line,
          `expected a valid delta: ${(error as Error).message}`,
          name,
        );
      }
      continue;
    }
    let keyframe: MemorySnapshot;
    try {
      keyframe = keyframeFromJson(event.data);
    } catch (error) {
      throw new RecordingError(
        event.line,
        `expected a valid keyframe: ${(error as Error).message}`,
        name,
      );
    }
    if (state !== undefined && state.seq === keyframe.seq) {
      const difference = firstDifference(state, keyframe);
      if (difference !== undefined) {
        throw new RecordingError(
          event.line,
          `expected the keyframe of state ${keyframe.seq} to match the deltas before it, but its ${difference} differs`,
          name,
        );
      }
    }
    state = keyframe;
  }
  if (state === undefined) {
    throw new RecordingError(2, "expected a keyframe, the recording has no event", name);
  }
  return state;
}

/** The first part in which two states differ (`slabs[1] "x"`, `heap`), or `undefined`. */
function firstDifference(a: MemorySnapshot, b: MemorySnapshot): string | undefined {
  // Both went through the decoder, so their encodings are canonical.
  if (encodeKeyframe(a) === encodeKeyframe(b)) return undefined;
  const parts = (s: MemorySnapshot) => JSON.parse(encodeKeyframe(s)) as Record<string, unknown>;
  const left = parts(a);
  const right = parts(b);
  for (const key of Object.keys(right)) {
    const l = left[key];
    const r = right[key];
    if (Array.isArray(l) && Array.isArray(r)) {
      for (let i = 0; i < Math.max(l.length, r.length); i++) {
        if (JSON.stringify(l[i]) !== JSON.stringify(r[i])) {
          const name = (r[i] ?? l[i] as { name?: string })?.name;
          return `${key}[${i}]${typeof name === "string" ? ` ${JSON.stringify(name)}` : ""}`;
        }
      }
    } else if (JSON.stringify(l) !== JSON.stringify(r)) {
      return key;
    }
  }
  return "content";
}
