// Copyright 2026 the slabscope authors. MIT license.
/**
 * `GET …/diagnostics/recording?from=…&to=…`: a stretch of the flight
 * recorder (or of a recording being replayed) as a recording file to
 * download: gzip-compressed JSON lines, `docs/wire-format.md`
 * "Recordings". `from` and `to` are event ids, ISO 8601 times or ms since
 * the epoch; the file starts at the keyframe before `from`.
 *
 * @module
 */

import type { DiagnosticsStream } from "../stream/diagnostics_stream.ts";
import { eventData } from "../stream/flight_recorder.ts";
import { RECORDING_CONTENT_TYPE, recordingStream } from "../stream/recording_file.ts";
import type { RecordingEvent, RecordingEventInput } from "../stream/recording_format.ts";
import {
  parseRecordingBound,
  type RecordingBound,
  selectRange,
} from "../stream/recording_range.ts";
import { BASE_HEADERS, jsonResponse } from "./responses.ts";

/** An event a recording is served from: what a file line needs, and its time. */
export interface ServedEvent extends RecordingEventInput {
  /** When its state was collected, ms since the Unix epoch. */
  readonly ts: number;
}

/** Where recordings are served from: the live recorder, or a recording file. */
export interface RecordingSource {
  /** The boot id of the events. */
  readonly boot: string;
  /**
   * The events from the last keyframe at or before `from` to the last
   * event at or before `to`.
   */
  select(from?: RecordingBound, to?: RecordingBound): ServedEvent[];
}

/**
 * The live flight recorder of a stream, as a source; `undefined` when the
 * stream records nothing.
 *
 * @param stream The stream.
 * @returns The source.
 */
export function recorderSource(stream: DiagnosticsStream): RecordingSource | undefined {
  const recorder = stream.recorder;
  if (recorder === undefined) return undefined;
  return {
    boot: stream.bootId,
    select: (from, to) =>
      recorder.select(from, to).map((event) => ({
        event: event.event,
        seq: event.seq,
        base: event.base,
        ts: event.ts,
        data: eventData(event),
      })),
  };
}

/**
 * A recording read from a file, as a source (its events written out again
 * exactly as they were read).
 *
 * @param boot The recording's boot id.
 * @param events Its events.
 * @returns The source.
 */
export function fileSource(boot: string, events: readonly RecordingEvent[]): RecordingSource {
  return {
    boot,
    select: (from, to) =>
      selectRange(events, from, to).map((event) => ({
        event: event.event,
        seq: event.seq,
        base: event.base,
        ts: event.ts,
        data: JSON.stringify(event.data),
      })),
  };
}

/**
 * Answers `GET …/diagnostics/recording`: the file, or a JSON error (404
 * without a recorder or with nothing between the bounds, 400 for bounds
 * that do not parse).
 *
 * @param source What to serve from; `undefined` when there is nothing.
 * @param url The request's URL (`from`, `to`; the dashboard's address goes in the header).
 * @param prefix The dashboard's prefix.
 * @param head Whether only the headers are wanted.
 * @returns The response.
 */
export function recordingResponse(
  source: RecordingSource | undefined,
  url: URL,
  prefix: string,
  head = false,
): Response {
  if (source === undefined) {
    return jsonResponse(
      { error: "Nothing is recorded here: the stream's flight recorder is off" },
      404,
    );
  }
  let from: RecordingBound | undefined;
  let to: RecordingBound | undefined;
  try {
    const f = url.searchParams.get("from");
    const t = url.searchParams.get("to");
    if (f !== null) from = parseRecordingBound(f, source.boot, "from");
    if (t !== null) to = parseRecordingBound(t, source.boot, "to");
  } catch (error) {
    return jsonResponse({ error: (error as Error).message }, 400);
  }
  const events = source.select(from, to);
  if (events.length === 0) {
    const held = source.select();
    return jsonResponse({
      error: held.length === 0
        ? "Nothing is recorded yet"
        : `Nothing is recorded between ${url.searchParams.get("from") ?? "the start"} and ${
          url.searchParams.get("to") ?? "now"
        }: the recorder holds ${source.boot}-${held[0]!.seq} (${
          new Date(held[0]!.ts).toISOString()
        }) to ${source.boot}-${held.at(-1)!.seq} (${new Date(held.at(-1)!.ts).toISOString()})`,
    }, 404);
  }
  const name = `slabscope-${source.boot}-${events[0]!.seq}-${events.at(-1)!.seq}.jsonl.gz`;
  const headers = {
    ...BASE_HEADERS,
    "content-type": RECORDING_CONTENT_TYPE,
    "content-disposition": `attachment; filename="${name}"`,
    "cache-control": "no-store",
  };
  if (head) return new Response(null, { headers });
  const body = recordingStream({
    boot: source.boot,
    source: `${url.origin}${prefix}/`,
    created: Date.now(),
  }, events);
  return new Response(body, { headers });
}
