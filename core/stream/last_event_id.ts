// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Event ids of the diagnostics stream, `<boot id>-<seq>`, and a defensive
 * parser for the `Last-Event-ID` header a reconnecting client sends.
 *
 * @module
 */

/** Where a client says it is: the server boot it saw and the last state. */
export interface EventPosition {
  /** The boot id of the server process that sent the event. */
  boot: string;
  /** The state sequence number. */
  seq: number;
}

/** Longest header value worth parsing. */
const MAX_LENGTH = 64;
const EVENT_ID_REGEXP = /^([0-9a-z]{1,32})-(0|[1-9][0-9]{0,15})$/;

/** Formats an event id. */
export function formatEventId(boot: string, seq: number): string {
  return `${boot}-${seq}`;
}

/**
 * Parses a `Last-Event-ID` header value. Anything unexpected (missing, empty,
 * garbage, huge, NUL or line breaks, a number beyond 2^53) gives `undefined`,
 * never an exception: the stream then simply opens with a keyframe. A bad
 * header must never turn into a non-200 answer, because `EventSource` gives
 * up for good on one.
 *
 * @param value The header's value, or `null` when absent.
 * @returns The position, or `undefined`.
 */
export function parseLastEventId(value: string | null): EventPosition | undefined {
  if (value === null || value.length === 0 || value.length > MAX_LENGTH) return undefined;
  return parseEventId(value.trim());
}

/**
 * Splits an event id, `<boot id>-<seq>`, exactly as the stream writes it.
 *
 * @param id An event's `id:` field.
 * @returns The position, or `undefined` for anything else (a sequence
 * number beyond 2^53 included).
 */
export function parseEventId(id: string): EventPosition | undefined {
  const match = EVENT_ID_REGEXP.exec(id);
  if (match === null) return undefined;
  const seq = Number(match[2]);
  if (!Number.isSafeInteger(seq)) return undefined;
  return { boot: match[1]!, seq };
}

/** A fresh random boot id: 10 base-36 characters. */
export function newBootId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (b) => (b % 36).toString(36)).join("");
}
