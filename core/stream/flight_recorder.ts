// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode FlightRecorder}: the diagnostics stream's recent past, kept as
 * the very events it sent. A keyframe every `keyframeInterval` and every
 * delta between them, as bytes, for the last `window` milliseconds and at
 * most `maxBytes`: what a reconnecting client missed is replayed from it,
 * and `GET …/diagnostics/recording` writes it out as a file.
 *
 * The events are grouped in segments, each opening with a keyframe, and
 * the oldest segment goes as a whole: so the recorder always starts with
 * a keyframe, and any moment it holds is the keyframe before it plus the
 * deltas up to it.
 *
 * @module
 */

import { positiveOption } from "../options.ts";
import { type RecordingBound, selectRange } from "./recording_range.ts";

/** Options of the stream's flight recorder (`DiagnosticsStreamOptions.recorder`). */
export interface FlightRecorderOptions {
  /**
   * Milliseconds of history to keep: the oldest segment goes once the one
   * after it starts at least this long ago, so the recorder holds between
   * `window` and `window + keyframeInterval`.
   *
   * @default {300000}
   */
  window?: number;
  /**
   * Bytes to hold at most, events and their bookkeeping together; past it
   * the oldest segments go, whatever `window` says. The newest segment is
   * kept in any case.
   *
   * @default {33554432}
   */
  maxBytes?: number;
  /**
   * Milliseconds between the keyframes the recorder keeps (while anything
   * changes). Going back to a moment costs the keyframe before it plus at
   * most this much of deltas.
   *
   * @default {2500}
   */
  keyframeInterval?: number;
}

/** The recorder's settings, checked, with the defaults filled in. */
export type FlightRecorderSettings = Readonly<Required<FlightRecorderOptions>>;

/**
 * The defaults of {@linkcode FlightRecorderOptions}: 5 minutes, 32 MiB, a
 * keyframe every 2.5 s. Each keyframe costs the recorder its bytes (44 KiB
 * at 262,144 slots); each second between two costs a scrub to the moment
 * before the next one ten more deltas to apply (about 0.2 ms each in a
 * browser): at 5 s, the page's worst case was past 50 ms.
 */
export const RECORDER_DEFAULTS: FlightRecorderSettings = Object.freeze({
  window: 5 * 60 * 1000,
  maxBytes: 32 * 1024 * 1024,
  keyframeInterval: 2_500,
});

/**
 * A segment also ends once its deltas reach this share of `maxBytes`, so
 * that trimming never has to choose between the byte bound and a segment
 * as large as the whole budget.
 */
const SEGMENT_SHARE = 8;

/**
 * What one event costs beyond its bytes: the entry object, the
 * `Uint8Array` and its `ArrayBuffer` (V8 on x86-64; `bench/recorder.ts`
 * measures the whole).
 */
export const EVENT_OVERHEAD_BYTES = 200;

/** The two kinds of state event: a keyframe and a delta. */
export type RecordedEventType = "diagnostics" | "diagnostics-delta";

/** One event the stream sent, as it sent it. */
export interface RecordedEvent {
  /** `"diagnostics"` (a keyframe) or `"diagnostics-delta"`. */
  readonly event: RecordedEventType;
  /** The state it brings a client to. */
  readonly seq: number;
  /** The state a delta applies to; a keyframe's own `seq`. */
  readonly base: number;
  /** When that state was collected, ms since the Unix epoch. */
  readonly ts: number;
  /** Whether a delta changes a pool (rather than only the heap). */
  readonly poolChange: boolean;
  /** The whole event, `event:`, `data:` and `id:` lines, UTF-8. */
  readonly bytes: Uint8Array;
}

const ACTION = "create flight recorder";

/**
 * Checks the recorder's options and fills in the defaults.
 *
 * @param options The options as given.
 * @returns The settings.
 * @throws {RangeError} If a window, size or interval is not a positive number.
 *
 * @example
 * ```ts
 * import { recorderSettings } from "./flight_recorder.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(recorderSettings().window, 300_000);
 * assert.equal(recorderSettings({ maxBytes: 1 << 20 }).maxBytes, 1_048_576);
 * assert.throws(() => recorderSettings({ window: 0 }), RangeError);
 * ```
 */
export function recorderSettings(options: FlightRecorderOptions = {}): FlightRecorderSettings {
  const setting = (name: keyof FlightRecorderSettings) =>
    positiveOption(options[name], RECORDER_DEFAULTS[name], `recorder.${name}`, ACTION);
  return {
    window: setting("window"),
    maxBytes: setting("maxBytes"),
    keyframeInterval: setting("keyframeInterval"),
  };
}

/**
 * The data of a recorded event (its JSON text), without copying: what is
 * between `data:` and the `id:` line.
 *
 * @param event A recorded event.
 * @returns A view of its bytes.
 *
 * @example
 * ```ts
 * import { eventData } from "./flight_recorder.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode('event:diagnostics\ndata:{"v":1}\nid:b-3\n\n');
 * const event = { event: "diagnostics", seq: 3, base: 3, ts: 0, poolChange: false, bytes } as const;
 * assert.equal(new TextDecoder().decode(eventData(event)), '{"v":1}');
 * ```
 */
export function eventData(event: RecordedEvent): Uint8Array {
  const bytes = event.bytes;
  const start = event.event.length + "event:\ndata:".length;
  // The data is one line (JSON text has no raw line break): it ends at the
  // line break before the `id:` line, the last line before the blank one.
  let end = bytes.length - 3;
  while (end > start && bytes[end] !== 0x0a) end--;
  return bytes.subarray(start, end);
}

/**
 * The ring of the stream's recent events, bounded by time and by bytes.
 * `DiagnosticsStream` feeds it once per tick; it decides when it wants a
 * keyframe, and drops whole segments from the front.
 *
 * @example Keyframes, deltas and a replay from one of them
 * ```ts
 * import { FlightRecorder } from "./flight_recorder.ts";
 * import assert from "node:assert/strict";
 *
 * const recorder = new FlightRecorder({ keyframeInterval: 1000 });
 * const bytes = new Uint8Array(10);
 * const event = (e: "diagnostics" | "diagnostics-delta", seq: number, ts: number) =>
 *   ({ event: e, seq, base: e === "diagnostics" ? seq : seq - 1, ts, poolChange: true, bytes });
 * assert.equal(recorder.keyframeDue(0), true);
 * recorder.record(event("diagnostics", 1, 0), 0);
 * recorder.record(event("diagnostics-delta", 2, 100), 100);
 * recorder.record(event("diagnostics-delta", 3, 200), 200);
 * assert.equal(recorder.keyframeDue(200), false);
 * assert.deepEqual(recorder.deltasAfter(1)?.map((e) => e.seq), [2, 3]);
 * assert.deepEqual(recorder.deltasAfter(3), []);
 * assert.equal(recorder.deltasAfter(0), undefined); // before the first keyframe
 * ```
 */
export class FlightRecorder {
  #settings: FlightRecorderSettings;
  #events: RecordedEvent[] = [];
  /** Indexes of the keyframes in `#events`; the first is always 0. */
  #keyframes: number[] = [];
  #bytes = 0;
  #deltaBytesSinceKeyframe = 0;
  #deltasSinceKeyframe = 0;

  /**
   * Creates an empty recorder.
   *
   * @param options Window, size and keyframe interval.
   * @throws {RangeError} If an option is not a positive number.
   */
  constructor(options: FlightRecorderOptions = {}) {
    this.#settings = recorderSettings(options);
  }

  /** The checked settings. */
  get settings(): FlightRecorderSettings {
    return this.#settings;
  }

  /** Bytes held: the events and their bookkeeping. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Events held, keyframes included. */
  get size(): number {
    return this.#events.length;
  }

  /** Milliseconds between the first and the last state held; 0 when empty. */
  get span(): number {
    const events = this.#events;
    return events.length === 0 ? 0 : events[events.length - 1]!.ts - events[0]!.ts;
  }

  /** The oldest event: always a keyframe. */
  get first(): RecordedEvent | undefined {
    return this.#events[0];
  }

  /** The newest event. */
  get last(): RecordedEvent | undefined {
    return this.#events[this.#events.length - 1];
  }

  /** The size of the newest keyframe held, in bytes; 0 when there is none. */
  get lastKeyframeBytes(): number {
    const index = this.#keyframes[this.#keyframes.length - 1];
    return index === undefined ? 0 : this.#events[index]!.bytes.byteLength;
  }

  /**
   * Whether the recorder wants a keyframe of the state at `ts`: when it
   * holds nothing, and once deltas arrived since its last keyframe and
   * either `keyframeInterval` has passed or they reached an eighth of
   * `maxBytes`.
   *
   * @param ts The current state's time.
   */
  keyframeDue(ts: number): boolean {
    const last = this.#keyframes[this.#keyframes.length - 1];
    if (last === undefined) return true;
    if (this.#deltasSinceKeyframe === 0) return false;
    return ts - this.#events[last]!.ts >= this.#settings.keyframeInterval ||
      this.#deltaBytesSinceKeyframe >= this.#settings.maxBytes / SEGMENT_SHARE;
  }

  /**
   * Adds an event, then drops what falls outside the window or the bytes.
   * A delta must apply to the newest state held, a keyframe must be of it
   * (or come first); a delta before the first keyframe is ignored.
   *
   * @param event The event, as sent.
   * @param now The wall clock (ms since the Unix epoch), for the window.
   * @throws {RangeError} If the event does not follow the newest one.
   */
  record(event: RecordedEvent, now: number): void {
    const last = this.last;
    if (event.event === "diagnostics-delta") {
      if (last === undefined) return;
      if (event.base !== last.seq || event.seq <= event.base) {
        throw new RangeError(
          `Cannot record delta ${event.base}→${event.seq}: the recorder holds state ${last.seq}`,
        );
      }
      this.#deltaBytesSinceKeyframe += event.bytes.byteLength;
      this.#deltasSinceKeyframe++;
    } else {
      if (last !== undefined && event.seq !== last.seq) {
        throw new RangeError(
          `Cannot record keyframe ${event.seq}: the recorder holds state ${last.seq}`,
        );
      }
      this.#keyframes.push(this.#events.length);
      this.#deltaBytesSinceKeyframe = 0;
      this.#deltasSinceKeyframe = 0;
    }
    this.#events.push(event);
    this.#bytes += cost(event);
    this.trim(now);
  }

  /**
   * Drops the oldest segments while the next one starts outside the window
   * or the bytes exceed `maxBytes`; the newest segment always stays.
   *
   * @param now The wall clock (ms since the Unix epoch).
   */
  trim(now: number): void {
    const horizon = now - this.#settings.window;
    while (this.#keyframes.length >= 2) {
      const next = this.#keyframes[1]!;
      if (this.#bytes <= this.#settings.maxBytes && this.#events[next]!.ts > horizon) return;
      for (let i = 0; i < next; i++) this.#bytes -= cost(this.#events[i]!);
      this.#events.splice(0, next);
      this.#keyframes.shift();
      for (let i = 0; i < this.#keyframes.length; i++) this.#keyframes[i]! -= next;
    }
  }

  /**
   * The deltas that bring a client from state `seq` to the newest one, in
   * order: `[]` when `seq` is the newest, `undefined` when the recorder
   * does not hold `seq` (older than its first keyframe, or ahead).
   *
   * @param seq The state the client holds.
   */
  deltasAfter(seq: number): RecordedEvent[] | undefined {
    const first = this.first;
    const last = this.last;
    if (first === undefined || last === undefined || seq < first.seq || seq > last.seq) {
      return undefined;
    }
    const deltas: RecordedEvent[] = [];
    for (let i = this.#firstAfter(seq); i < this.#events.length; i++) {
      const event = this.#events[i]!;
      if (event.event === "diagnostics-delta") deltas.push(event);
    }
    return deltas[0] === undefined || deltas[0].base === seq ? deltas : undefined;
  }

  /**
   * The events from the last keyframe at or before `from` to the last
   * event at or before `to`: a recording that starts with a keyframe.
   * A `from` before the first event starts at the first, a `to` after the
   * last ends at the last.
   *
   * @param from Where to start; the first event when omitted.
   * @param to Where to end; the last event when omitted.
   * @returns The events, oldest first; `[]` when nothing is held between.
   */
  select(from?: RecordingBound, to?: RecordingBound): RecordedEvent[] {
    return selectRange(this.#events, from, to);
  }

  /**
   * The events needed to rebuild state `seq`: the keyframe before it and
   * the deltas up to it.
   *
   * @param seq A state the recorder holds.
   * @returns The events, or `undefined` when it does not hold `seq`.
   */
  eventsTo(seq: number): RecordedEvent[] | undefined {
    const first = this.first;
    if (first === undefined || seq < first.seq || seq > this.last!.seq) return undefined;
    return this.select({ seq }, { seq });
  }

  /** The index of the first event with a seq greater than `seq`. */
  #firstAfter(seq: number): number {
    const events = this.#events;
    let low = 0;
    let high = events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (events[middle]!.seq <= seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function cost(event: RecordedEvent): number {
  return event.bytes.byteLength + EVENT_OVERHEAD_BYTES;
}
