// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Ranges of a recording: where one starts and ends (a state or a time), as
 * `?from=` and `?to=` say it, and the events between two such bounds.
 *
 * @module
 */

import { parseEventId } from "./last_event_id.ts";

/** Where a range starts or ends: a state (by its seq), or a time (ms since the Unix epoch). */
export type RecordingBound = { readonly seq: number } | { readonly ts: number };

/** What a range selects from: events in order, each a keyframe or a delta. */
export interface RangedEvent {
  /** `"diagnostics"` (a keyframe) or `"diagnostics-delta"`. */
  readonly event: string;
  /** Its state. */
  readonly seq: number;
  /** Its time. */
  readonly ts: number;
}

/** An ISO 8601 date and time with a time zone, as `Date.parse` reads it unambiguously. */
const ISO_REGEXP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const MS_REGEXP = /^(0|[1-9][0-9]{0,15})$/;

/**
 * Reads a `?from=` or `?to=` value: an event id of this boot
 * (`<boot>-<seq>`), an ISO 8601 time with its zone, or ms since the Unix
 * epoch.
 *
 * @param value The parameter's value.
 * @param boot The boot id the events carry.
 * @param name The parameter's name, for the message.
 * @returns The bound.
 * @throws {RangeError} For anything else, or an id of another boot.
 *
 * @example
 * ```ts
 * import { parseRecordingBound } from "./recording_range.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseRecordingBound("b1-42", "b1", "from"), { seq: 42 });
 * assert.deepEqual(parseRecordingBound("2026-12-01T10:00:00Z", "b1", "to"), { ts: 1796119200000 });
 * assert.deepEqual(parseRecordingBound("1796119200000", "b1", "to"), { ts: 1796119200000 });
 * assert.throws(() => parseRecordingBound("b2-42", "b1", "from"), /another boot/);
 * ```
 */
export function parseRecordingBound(value: string, boot: string, name: string): RecordingBound {
  if (MS_REGEXP.test(value)) return { ts: Number(value) };
  if (ISO_REGEXP.test(value)) {
    const ts = Date.parse(value);
    if (Number.isFinite(ts)) return { ts };
  }
  const position = parseEventId(value);
  if (position !== undefined) {
    if (position.boot !== boot) {
      throw new RangeError(
        `Cannot select recording: ${name} ${
          JSON.stringify(value)
        } is an event of another boot (this process is ${JSON.stringify(boot)})`,
      );
    }
    return { seq: position.seq };
  }
  throw new RangeError(
    `Cannot select recording: ${name} must be an event id (${boot}-<seq>), an ISO 8601 time with its zone or ms since the epoch, received ${
      JSON.stringify(value.slice(0, 64))
    }`,
  );
}

/**
 * The events from the last keyframe at or before `from` to the last event
 * at or before `to`: a range that starts with a keyframe. A `from` before
 * the first event starts at the first, a `to` after the last ends at the
 * last; a `from` state after the last one selects nothing (a time after it
 * selects the last segment: that state still holds).
 *
 * @param events Events in order, the first a keyframe.
 * @param from Where to start; the first event when omitted.
 * @param to Where to end; the last event when omitted.
 * @returns The events, oldest first; `[]` when there are none between.
 *
 * @example
 * ```ts
 * import { selectRange } from "./recording_range.ts";
 * import assert from "node:assert/strict";
 *
 * const events = [
 *   { event: "diagnostics", seq: 1, ts: 0 },
 *   { event: "diagnostics-delta", seq: 2, ts: 100 },
 *   { event: "diagnostics", seq: 2, ts: 100 },
 *   { event: "diagnostics-delta", seq: 3, ts: 200 },
 * ];
 * assert.deepEqual(selectRange(events, { seq: 3 }).map((e) => e.seq), [2, 3]);
 * assert.equal(selectRange(events, undefined, { ts: 150 }).length, 3);
 * ```
 */
export function selectRange<T extends RangedEvent>(
  events: readonly T[],
  from?: RecordingBound,
  to?: RecordingBound,
): T[] {
  let start = 0;
  const last = events[events.length - 1];
  if (last === undefined || (from !== undefined && "seq" in from && from.seq > last.seq)) return [];
  if (from !== undefined) {
    for (let i = 0; i < events.length && atOrBefore(events[i]!, from); i++) {
      if (events[i]!.event === "diagnostics") start = i;
    }
  }
  let end = events.length;
  if (to !== undefined) {
    while (end > start && !atOrBefore(events[end - 1]!, to)) end--;
  }
  return events.slice(start, end);
}

/** Whether an event is at or before a bound. */
function atOrBefore(event: RangedEvent, bound: RecordingBound): boolean {
  return "seq" in bound ? event.seq <= bound.seq : event.ts <= bound.ts;
}
