// Copyright 2026 the slabscope authors. MIT license.
/**
 * Server-Sent Events for `slabscope top`, read with
 * [eventsource-parser](https://github.com/rexxars/eventsource-parser) (the
 * HTML standard's "event stream interpretation": CRLF, LF or a bare CR, one
 * leading BOM dropped, comments, `data` lines joined with LF, an `id` with NUL
 * ignored, `retry` only when all digits, an event left unterminated at the
 * end of the stream discarded) and turned into one ordered list of items.
 *
 * What this adds to the package:
 * - A bound by default. The package buffers without limit unless given
 *   `maxBufferSize`, and once over it stops parsing until reset; here one event
 *   (its pending line and its data) over `maxEventLength` throws a
 *   `RangeError` and the parser starts over clean, so a hostile or broken
 *   server can make top hold at most that much before the connection is
 *   dropped. Lines that can never become a field are skipped by the package
 *   without being held at all.
 * - The last event id in force on every event, as `EventSource` keeps it
 *   (the package reports only the `id` field of the event's own block).
 *
 * @module
 */

import { createParser, type EventSourceParser } from "npm:eventsource-parser@^4.1.3";

/** One thing read from an event stream. */
export type ServerSentItem =
  | {
    /** A dispatched event. */
    kind: "event";
    /** The event type: `"message"` when the event named none. */
    event: string;
    /** The data lines, joined with LF. */
    data: string;
    /** The last event id in force when the event was dispatched (`""` for none). */
    id: string;
  }
  | {
    /** A comment line (`:text`). */
    kind: "comment";
    /** The text after the colon (and one space, if any). */
    text: string;
  }
  | {
    /** A valid `retry:` field. */
    kind: "retry";
    /** The reconnection delay in ms. */
    retry: number;
  };

/** Options for {@linkcode ServerSentEventParser}. */
export interface ServerSentEventParserOptions {
  /**
   * Characters one event (its pending line and data) may take before the
   * stream is refused: a server cannot make the client buffer without end.
   *
   * @default {67108864}
   */
  maxEventLength?: number;
}

/** The default bound: 64 Mi characters, far above any keyframe top can draw. */
const DEFAULT_MAX_EVENT_LENGTH = 64 * 1024 * 1024;

/**
 * Parses an event stream fed as text chunks of any size.
 *
 * @example Usage
 * ```ts
 * import { ServerSentEventParser } from "./sse.ts";
 * import assert from "node:assert/strict";
 *
 * const parser = new ServerSentEventParser();
 * const items = [...parser.feed("retry:1000\r\n:hi\r\nevent:x\r\ndata:a\r"), ...parser.feed("\ndata:b\n\n")];
 * assert.deepEqual(items, [
 *   { kind: "retry", retry: 1000 },
 *   { kind: "comment", text: "hi" },
 *   { kind: "event", event: "x", data: "a\nb", id: "" },
 * ]);
 * ```
 */
export class ServerSentEventParser {
  #maxEventLength: number;
  #parser: EventSourceParser;
  /** Where the package's callbacks put what the current `feed()` completes. */
  #items: ServerSentItem[] = [];
  #overflowed = false;
  #lastEventId = "";

  /**
   * Creates a parser.
   *
   * @param options Limits.
   * @throws {RangeError} If `maxEventLength` is not a positive integer.
   */
  constructor(options: ServerSentEventParserOptions = {}) {
    const max = options.maxEventLength ?? DEFAULT_MAX_EVENT_LENGTH;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot create event stream parser: maxEventLength must be a positive integer, received ${max}`,
      );
    }
    this.#maxEventLength = max;
    this.#parser = createParser({
      maxBufferSize: max,
      // Called at the end of every block that had an id field, before its event.
      onId: (id) => (this.#lastEventId = id),
      onEvent: ({ event, data }) =>
        this.#items.push({ kind: "event", event: event ?? "message", data, id: this.#lastEventId }),
      onComment: (text) => this.#items.push({ kind: "comment", text }),
      onRetry: (retry) => this.#items.push({ kind: "retry", retry }),
      // An unknown field or a bad retry is ignored, as the standard says; only
      // the bound matters here.
      onError: (error) => {
        if (error.type === "max-buffer-size-exceeded") this.#overflowed = true;
      },
    });
  }

  /** The last event id seen (`id:` fields), `""` for none. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /**
   * Parses the next chunk of the stream.
   *
   * @param chunk Decoded text, cut anywhere.
   * @returns The events, comments and retries completed by this chunk.
   * @throws {RangeError} If one event grows beyond `maxEventLength`; the
   * parser is then reset, as for a new stream.
   */
  feed(chunk: string): ServerSentItem[] {
    this.#items = [];
    this.#parser.feed(chunk);
    const items = this.#items;
    this.#items = [];
    if (this.#overflowed) {
      // The package stops at the bound and holds nothing more; what this
      // chunk completed before it is dropped with the stream.
      this.end();
      throw new RangeError(
        `Cannot parse event stream: an event exceeds ${this.#maxEventLength} characters`,
      );
    }
    return items;
  }

  /**
   * Ends the stream: an event not yet terminated by a blank line is
   * discarded, as the standard says. The parser can then read a new stream
   * (the last event id is kept, for resuming it).
   */
  end(): void {
    this.#parser.reset();
    this.#overflowed = false;
    this.#items = [];
  }
}

/**
 * Reads an event stream body (UTF-8, as the standard requires) and yields
 * its events, comments and retries as they complete.
 *
 * @param body A response body.
 * @param parser The parser to use (one per connection).
 * @param signal Ends the reading (the items end there).
 * @returns The items, until the body ends or fails, or `signal` aborts.
 * @throws {RangeError} If one event grows beyond the parser's bound.
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  parser: ServerSentEventParser = new ServerSentEventParser(),
  signal?: AbortSignal,
): AsyncGenerator<ServerSentItem, void, undefined> {
  // The parser drops the BOM itself, once.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const reader = body.getReader();
  // Aborting the fetch does not always settle a read already waiting on the
  // socket (seen in Deno 2.9 while the process also runs gzip): cancelling
  // the reader does, at once.
  const cancel = () => void reader.cancel().catch(() => {});
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.feed(decoder.decode(value, { stream: true }));
    }
    yield* parser.feed(decoder.decode());
  } finally {
    signal?.removeEventListener("abort", cancel);
    parser.end();
    reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
