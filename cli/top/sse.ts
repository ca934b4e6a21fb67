// Copyright 2026 the slabscope authors. MIT license.
/**
 * A Server-Sent Events parser for `slabscope top`, following the HTML
 * standard's "event stream interpretation": lines end with CRLF, LF or a bare
 * CR (also when a CRLF is split across chunks), one leading BOM is dropped,
 * `:` starts a comment, one space after the colon is dropped, `data` lines
 * join with LF, an event with no data is not dispatched, an `id` containing
 * NUL is ignored, `retry` counts only when it is all ASCII digits, and an
 * event left unterminated at the end of the stream is discarded.
 *
 * @module
 */

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
    /** The text after the colon. */
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

const LINE_END_REGEXP = /[\r\n]/g;

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
  #partial: string[] = [];
  #partialLength = 0;
  #started = false;
  #skipLineFeed = false;
  #data: string[] = [];
  #dataLength = 0;
  #event = "";
  #lastEventId = "";

  /**
   * Creates a parser.
   *
   * @param options Limits.
   * @throws {RangeError} If `maxEventLength` is not a positive integer.
   */
  constructor(options: ServerSentEventParserOptions = {}) {
    const max = options.maxEventLength ?? 64 * 1024 * 1024;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(
        `Cannot create event stream parser: maxEventLength must be a positive integer, received ${max}`,
      );
    }
    this.#maxEventLength = max;
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
   * @throws {RangeError} If one event grows beyond `maxEventLength`.
   */
  feed(chunk: string): ServerSentItem[] {
    const items: ServerSentItem[] = [];
    if (chunk.length === 0) return items;
    let start = 0;
    if (!this.#started) {
      this.#started = true;
      if (chunk.charCodeAt(0) === 0xfeff) start = 1;
    }
    if (this.#skipLineFeed) {
      this.#skipLineFeed = false;
      if (chunk.charCodeAt(start) === 0x0a) start++;
    }
    LINE_END_REGEXP.lastIndex = start;
    for (
      let match = LINE_END_REGEXP.exec(chunk);
      match !== null;
      match = LINE_END_REGEXP.exec(chunk)
    ) {
      const end = match.index;
      let line = chunk.slice(start, end);
      if (this.#partial.length > 0) {
        line = this.#partial.join("") + line;
        this.#partial = [];
        this.#partialLength = 0;
      }
      start = end + 1;
      if (chunk.charCodeAt(end) === 0x0d) {
        if (start === chunk.length) this.#skipLineFeed = true;
        else if (chunk.charCodeAt(start) === 0x0a) start++;
      }
      LINE_END_REGEXP.lastIndex = start;
      this.#line(line, items);
    }
    if (start < chunk.length) {
      this.#partial.push(chunk.slice(start));
      this.#partialLength += chunk.length - start;
      this.#checkLength();
    }
    return items;
  }

  /**
   * Ends the stream: an event not yet terminated by a blank line is
   * discarded, as the standard says. The parser can then read a new stream.
   */
  end(): void {
    this.#partial = [];
    this.#partialLength = 0;
    this.#data = [];
    this.#dataLength = 0;
    this.#event = "";
    this.#started = false;
    this.#skipLineFeed = false;
  }

  #line(line: string, items: ServerSentItem[]): void {
    if (line.length === 0) return this.#dispatch(items);
    const colon = line.indexOf(":");
    if (colon === 0) {
      items.push({ kind: "comment", text: line.slice(1) });
      return;
    }
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case "event":
        this.#event = value;
        break;
      case "data":
        this.#data.push(value);
        this.#dataLength += value.length + 1;
        this.#checkLength();
        break;
      case "id":
        if (!value.includes("\0")) this.#lastEventId = value;
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) items.push({ kind: "retry", retry: Number(value) });
        break;
        // Any other field is ignored.
    }
  }

  #dispatch(items: ServerSentItem[]): void {
    const event = this.#event || "message";
    const data = this.#data;
    this.#data = [];
    this.#dataLength = 0;
    this.#event = "";
    if (data.length === 0) return;
    items.push({ kind: "event", event, data: data.join("\n"), id: this.#lastEventId });
  }

  #checkLength(): void {
    if (this.#partialLength + this.#dataLength > this.#maxEventLength) {
      const length = this.#partialLength + this.#dataLength;
      this.#partial = [];
      this.#partialLength = 0;
      this.#data = [];
      this.#dataLength = 0;
      throw new RangeError(
        `Cannot parse event stream: an event exceeds ${this.#maxEventLength} characters (${length} so far)`,
      );
    }
  }
}

/**
 * Reads an event stream body (UTF-8, as the standard requires) and yields
 * its events, comments and retries as they complete.
 *
 * @param body A response body.
 * @param parser The parser to use (one per connection).
 * @returns The items, until the body ends or fails.
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  parser: ServerSentEventParser = new ServerSentEventParser(),
): AsyncGenerator<ServerSentItem, void, undefined> {
  // The parser drops the BOM itself, once.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.feed(decoder.decode(value, { stream: true }));
    }
    yield* parser.feed(decoder.decode());
  } finally {
    parser.end();
    reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
