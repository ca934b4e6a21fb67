// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Server-Sent Events framing with the semantics of `@std/http`'s
 * `ServerSentEventStream` (which is JSR-only, so unreachable here): fields in
 * the order comment, event, data, id, retry; `field:value` with no space;
 * multi-line comments and data split on CRLF, LF or a bare CR into one line
 * each; and a `SyntaxError` for a CR or LF in `event` or `id`, so that no
 * name can forge an event.
 *
 * @module
 */

/** One Server-Sent Event. Every field is optional. */
export interface ServerSentEventMessage {
  /** Ignored by clients; used for heartbeats and notes. */
  comment?: string;
  /** The event type; must not contain a line break. */
  event?: string;
  /** The payload; line breaks are allowed and become several `data:` lines. */
  data?: string;
  /** The event id, echoed back as `Last-Event-ID`; must not contain a line break. */
  id?: string | number;
  /** The client's reconnection delay in milliseconds. */
  retry?: number;
}

const LINE_BREAK_REGEXP = /\r\n|\r|\n/;
const encoder = new TextEncoder();

function assertSingleLine(value: string, field: string): void {
  if (LINE_BREAK_REGEXP.test(value)) {
    throw new SyntaxError(
      `Cannot serialize message: \`message.${field}\` cannot contain a newline`,
    );
  }
}

/**
 * Formats one event as text, ending with the blank line that dispatches it.
 *
 * @param message The event's fields.
 * @returns The event's wire text.
 * @throws {SyntaxError} If `event` or `id` contains CR or LF.
 * @throws {RangeError} If `retry` is not a non-negative integer.
 *
 * @example Usage
 * ```ts
 * import { formatServerSentEvent } from "./sse.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   formatServerSentEvent({ event: "tick", data: "a\nb", id: 7 }),
 *   "event:tick\ndata:a\ndata:b\nid:7\n\n",
 * );
 * assert.throws(() => formatServerSentEvent({ event: "x\ndata: forged" }), SyntaxError);
 * ```
 */
export function formatServerSentEvent(message: ServerSentEventMessage): string {
  const lines: string[] = [];
  if (message.comment !== undefined) {
    for (const line of message.comment.split(LINE_BREAK_REGEXP)) lines.push(`:${line}`);
  }
  if (message.event !== undefined) {
    assertSingleLine(message.event, "event");
    lines.push(`event:${message.event}`);
  }
  if (message.data !== undefined) {
    for (const line of message.data.split(LINE_BREAK_REGEXP)) lines.push(`data:${line}`);
  }
  if (message.id !== undefined) {
    const id = String(message.id);
    assertSingleLine(id, "id");
    lines.push(`id:${id}`);
  }
  if (message.retry !== undefined) {
    if (!Number.isSafeInteger(message.retry) || message.retry < 0) {
      throw new RangeError(
        `Cannot serialize message: \`message.retry\` must be a non-negative integer, received ${message.retry}`,
      );
    }
    lines.push(`retry:${message.retry}`);
  }
  return `${lines.join("\n")}\n\n`;
}

/**
 * Formats one event as UTF-8 bytes (see {@linkcode formatServerSentEvent}).
 *
 * @param message The event's fields.
 * @returns The event's wire bytes.
 *
 * @example Usage
 * ```ts
 * import { encodeServerSentEvent } from "./sse.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeServerSentEvent({ comment: "ping" });
 * assert.equal(new TextDecoder().decode(bytes), ":ping\n\n");
 * ```
 */
export function encodeServerSentEvent(message: ServerSentEventMessage): Uint8Array {
  return encoder.encode(formatServerSentEvent(message));
}

/**
 * A `TransformStream` from messages to event-stream bytes, like `@std/http`'s:
 * pipe messages in, return the readable side as a `Response` body.
 *
 * @example Usage
 * ```ts
 * import { ServerSentEventStream } from "./sse.ts";
 * import assert from "node:assert/strict";
 *
 * const body = ReadableStream.from([{ data: "hello" }, { comment: "bye" }])
 *   .pipeThrough(new ServerSentEventStream());
 * assert.equal(await new Response(body).text(), "data:hello\n\n:bye\n\n");
 * ```
 */
export class ServerSentEventStream extends TransformStream<ServerSentEventMessage, Uint8Array> {
  /** Constructs a new instance. */
  constructor() {
    super({
      transform(message, controller) {
        controller.enqueue(encodeServerSentEvent(message));
      },
    });
  }
}
