// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Recordings as files: the lines of `recording_format.ts`, gzip-compressed
 * with the platform's `CompressionStream` (Deno and browsers alike), written
 * as a stream and read from one. A file that is not gzip, is cut short, is
 * not UTF-8 or breaks any rule of the format is refused with a
 * {@linkcode RecordingError} naming its line.
 *
 * @module
 */

import {
  RecordingError,
  type RecordingEvent,
  type RecordingEventInput,
  type RecordingHeader,
  RecordingLineReader,
  RecordingLineWriter,
} from "./recording_format.ts";

/** A recording, read and checked line by line. */
export interface Recording {
  /** Line 1. */
  readonly header: RecordingHeader;
  /** The events, in order: the first is a keyframe. */
  readonly events: readonly RecordingEvent[];
}

/** The `content-type` a recording is served with: it is a gzip file. */
export const RECORDING_CONTENT_TYPE = "application/gzip";

/** Uncompressed bytes gathered before a chunk is handed to gzip. */
const CHUNK_BYTES = 64 * 1024;

/**
 * A recording file as a stream of gzip bytes, written as it is read (so a
 * large one is compressed a chunk at a time, between other work).
 *
 * @param header The boot id, where the events come from, and when.
 * @param events The events, in order, starting with a keyframe.
 * @returns The file's bytes.
 *
 * @example
 * ```ts
 * import { readRecording, recordingStream } from "./recording_file.ts";
 * import assert from "node:assert/strict";
 *
 * const file = recordingStream({ boot: "b1", source: "", created: 0 }, [
 *   { event: "diagnostics", seq: 3, base: 3, data: '{"v":1,"seq":3,"ts":5}' },
 *   { event: "diagnostics-delta", seq: 4, base: 3, data: '{"v":1,"seq":4,"base":3,"ts":6}' },
 * ]);
 * const recording = await readRecording(file);
 * assert.deepEqual(recording.events.map((e) => [e.event, e.seq, e.line]), [
 *   ["diagnostics", 3, 2],
 *   ["diagnostics-delta", 4, 3],
 * ]);
 * ```
 */
export function recordingStream(
  header: Pick<RecordingHeader, "boot" | "source" | "created">,
  events: Iterable<RecordingEventInput>,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  const writer = new RecordingLineWriter(header);
  const iterator = events[Symbol.iterator]();
  let started = false;
  let done = false;
  const lines = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (done) return;
      const parts: Uint8Array[] = [];
      let size = 0;
      if (!started) {
        started = true;
        parts.push(writer.header());
      }
      while (size < CHUNK_BYTES) {
        const next = iterator.next();
        if (next.done) {
          parts.push(writer.end());
          done = true;
          break;
        }
        const line = writer.event(next.value);
        parts.push(line);
        size += line.length;
      }
      controller.enqueue(concat(parts));
      if (done) controller.close();
    },
  });
  return lines.pipeThrough(new CompressionStream("gzip"));
}

/**
 * Reads and checks a recording file: gzip, then UTF-8 lines, each checked
 * by {@linkcode RecordingLineReader}.
 *
 * @param source The file's bytes, or a stream of them.
 * @param name The file's name, for error messages.
 * @returns The header and the events.
 * @throws {RecordingError} Naming the line and what was expected: not a
 * gzip file, compressed data cut short or corrupt, text that is not UTF-8,
 * a line that is not JSON, a wrong version, a gap, a missing end line.
 *
 * @example A file cut short is refused
 * ```ts
 * import { readRecording, recordingStream } from "./recording_file.ts";
 * import assert from "node:assert/strict";
 *
 * const file = recordingStream({ boot: "b1", source: "", created: 0 }, [
 *   { event: "diagnostics", seq: 1, base: 1, data: '{"v":1,"seq":1,"ts":5}' },
 * ]);
 * const bytes = new Uint8Array(await new Response(file).arrayBuffer());
 * await assert.rejects(readRecording(bytes.subarray(0, bytes.length - 4), "cut.jsonl.gz"), {
 *   name: "RecordingError",
 *   message: /^Cannot read recording "cut\.jsonl\.gz": line \d: expected .*truncated/,
 * });
 * ```
 */
export async function readRecording(
  source: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>>,
  name?: string,
): Promise<Recording> {
  const reader: RecordingLineReader = new RecordingLineReader(name);
  const bytes = source instanceof Uint8Array ? new Blob([source]).stream() : source;
  const inflated = withGzipMagic(bytes, reader).pipeThrough(new DecompressionStream("gzip"))
    .getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true });
  // Lines are cut from the bytes, then decoded one by one: a byte that is
  // not UTF-8 is named by its own line.
  const line = (bytes: Uint8Array) => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      reader.fail("expected UTF-8 text, received bytes that are not", true);
    }
    reader.line(text);
  };
  let pending: Uint8Array[] = [];
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await inflated.read();
    } catch (error) {
      if (error instanceof RecordingError) throw error;
      // The platform says "corrupt gzip stream" and the like: name the line
      // the file stops at instead.
      reader.fail(
        `expected more compressed data, but it is cut short or damaged (${
          (error as Error).message
        }): the file is truncated or corrupt`,
        true,
      );
    }
    if (chunk.done) break;
    const bytes = chunk.value;
    let start = 0;
    for (let end = bytes.indexOf(0x0a); end >= 0; end = bytes.indexOf(0x0a, start)) {
      const piece = bytes.subarray(start, end);
      if (pending.length > 0) {
        line(concat([...pending, piece]));
        pending = [];
      } else {
        line(piece);
      }
      start = end + 1;
    }
    if (start < bytes.length) pending.push(bytes.slice(start));
  }
  if (pending.length > 0) line(concat(pending));
  reader.finish();
  return { header: reader.header!, events: reader.events };
}

/** The bytes as they are, once their first two are gzip's magic (1f 8b). */
function withGzipMagic(
  bytes: ReadableStream<Uint8Array<ArrayBuffer>>,
  reader: RecordingLineReader,
): ReadableStream<Uint8Array<ArrayBuffer>> {
  let seen: number[] = [];
  return bytes.pipeThrough(
    new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
      transform(chunk, controller) {
        if (seen.length < 2) {
          seen = [...seen, ...chunk.subarray(0, 2 - seen.length)];
          if (seen.length === 2 && (seen[0] !== 0x1f || seen[1] !== 0x8b)) {
            reader.fail(
              `expected a gzip file (its first bytes 1f 8b), received ${
                JSON.stringify(new TextDecoder().decode(chunk.subarray(0, 24)))
              }`,
              true,
            );
          }
        }
        controller.enqueue(chunk);
      },
      flush() {
        if (seen.length < 2) reader.fail("expected a gzip file, received an empty one", true);
      },
    }),
  );
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
