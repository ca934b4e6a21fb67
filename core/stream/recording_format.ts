// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The recording format, line by line (specified in `docs/wire-format.md`,
 * "Recordings"): a header line, one line per state event of the stream
 * (the event's type, its id and its data, unchanged), and an end line that
 * counts them. {@linkcode RecordingLineWriter} writes exactly that and
 * refuses what would make a file the reader refuses;
 * {@linkcode RecordingLineReader} checks every line as it comes and names
 * the first one that is wrong, with what was expected there.
 *
 * The gzip around it and the files themselves are `recording_file.ts`.
 *
 * @module
 */

/** The version of the recording format, in every header. */
export const RECORDING_VERSION = 1;

/** The wire version a version-1 recording carries. */
export const RECORDING_WIRE_VERSION = 1;

/** The file name ending of a recording: gzip-compressed JSON lines. */
export const RECORDING_EXTENSION = ".jsonl.gz";

/** The header: line 1 of every recording. */
export interface RecordingHeader {
  /** Always `"slabscope"`: what the file is. */
  readonly recording: "slabscope";
  /** The format version: {@linkcode RECORDING_VERSION}. */
  readonly version: number;
  /** The wire version of the events' data. */
  readonly wire: number;
  /** The boot id of the process recorded: every event id starts with it. */
  readonly boot: string;
  /** Where it was recorded from (a URL), or `""`. */
  readonly source: string;
  /** When the file was written, ms since the Unix epoch. */
  readonly created: number;
}

/** A state event as a recording holds it. */
export interface RecordingEvent {
  /** `"diagnostics"` (a keyframe) or `"diagnostics-delta"`. */
  readonly event: "diagnostics" | "diagnostics-delta";
  /** The state it brings a reader to. */
  readonly seq: number;
  /** A delta's base; a keyframe's own `seq`. */
  readonly base: number;
  /** When the state was collected, ms since the Unix epoch. */
  readonly ts: number;
  /** The event's data, parsed: a keyframe or a delta of the wire format. */
  readonly data: Record<string, unknown>;
  /** Its line in the file, from 1. */
  readonly line: number;
}

/** An event to write: its data as JSON text, or as that text's UTF-8 bytes. */
export interface RecordingEventInput {
  /** `"diagnostics"` or `"diagnostics-delta"`. */
  readonly event: "diagnostics" | "diagnostics-delta";
  /** The state it brings a reader to. */
  readonly seq: number;
  /** A delta's base; a keyframe's own `seq`. */
  readonly base: number;
  /** The data, exactly as the stream sent it. */
  readonly data: string | Uint8Array;
}

/**
 * A recording the reader refuses: a `SyntaxError` whose message names the
 * file (when known), the line, what was expected there and what was found.
 *
 * @example
 * ```ts
 * import { RecordingError } from "./recording_format.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new RecordingError(3, "expected a JSON object, received an empty line", "a.jsonl.gz");
 * assert.equal(error.message, 'Cannot read recording "a.jsonl.gz": line 3: expected a JSON object, received an empty line');
 * assert.ok(error instanceof SyntaxError);
 * ```
 */
export class RecordingError extends SyntaxError {
  /** The line that is wrong, from 1. */
  readonly line: number;

  /**
   * Constructs a new instance.
   *
   * @param line The line, from 1.
   * @param reason What was expected there, and what was found.
   * @param name The file's name, if known.
   */
  constructor(line: number, reason: string, name?: string) {
    super(
      `Cannot read recording${
        name === undefined ? "" : ` ${JSON.stringify(name)}`
      }: line ${line}: ${reason}`,
    );
    this.name = "RecordingError";
    this.line = line;
  }
}

const BOOT_REGEXP = /^[0-9a-z]{1,32}$/;
const ID_REGEXP = /^([0-9a-z]{1,32})-(0|[1-9][0-9]{0,15})$/;
const HEADER_FIELDS = ["recording", "version", "wire", "boot", "source", "created"];
const EVENT_FIELDS = ["event", "id", "data"];
const EVENT_TYPES = new Set(["diagnostics", "diagnostics-delta"]);

const encoder = new TextEncoder();

/**
 * Writes a recording's lines (UTF-8, uncompressed): the header at once,
 * then one line per event, then the end line. It refuses what the reader
 * would refuse: a delta that does not apply to the state before it, a
 * keyframe that skips states, anything before the first keyframe.
 *
 * @example
 * ```ts
 * import { RecordingLineWriter } from "./recording_format.ts";
 * import assert from "node:assert/strict";
 *
 * const writer = new RecordingLineWriter({ boot: "b1", source: "", created: 0 });
 * const text = new TextDecoder().decode(new Uint8Array([
 *   ...writer.header(),
 *   ...writer.event({ event: "diagnostics", seq: 4, base: 4, data: '{"v":1,"seq":4}' }),
 *   ...writer.end(),
 * ]));
 * assert.equal(text.split("\n")[1], '{"event":"diagnostics","id":"b1-4","data":{"v":1,"seq":4}}');
 * assert.equal(text.split("\n")[2], '{"end":{"events":1}}');
 * ```
 */
export class RecordingLineWriter {
  #header: RecordingHeader;
  #seq: number | undefined;
  #events = 0;
  #ended = false;

  /**
   * @param header The boot id of the events, where they came from, and when.
   * @throws {RangeError} For a boot id the stream would not write.
   */
  constructor(header: Pick<RecordingHeader, "boot" | "source" | "created">) {
    if (!BOOT_REGEXP.test(header.boot)) {
      throw new RangeError(
        `Cannot write recording: boot must be 1 to 32 lowercase letters and digits, received ${
          JSON.stringify(header.boot)
        }`,
      );
    }
    this.#header = {
      recording: "slabscope",
      version: RECORDING_VERSION,
      wire: RECORDING_WIRE_VERSION,
      boot: header.boot,
      source: header.source,
      created: header.created,
    };
  }

  /** Events written so far. */
  get events(): number {
    return this.#events;
  }

  /** The state of the last event written, if any. */
  get seq(): number | undefined {
    return this.#seq;
  }

  /** Line 1. */
  header(): Uint8Array<ArrayBuffer> {
    return encoder.encode(`${JSON.stringify(this.#header)}\n`);
  }

  /**
   * One event's line.
   *
   * @throws {RangeError} If it would not follow the last event written.
   */
  event(input: RecordingEventInput): Uint8Array<ArrayBuffer> {
    const gap = chainError(input.event, input.seq, input.base, this.#seq);
    if (gap !== undefined || this.#ended) {
      throw new RangeError(`Cannot write recording event ${input.seq}: ${gap ?? "it has ended"}`);
    }
    this.#seq = input.seq;
    this.#events++;
    const head = encoder.encode(
      `{"event":${JSON.stringify(input.event)},"id":"${this.#header.boot}-${input.seq}","data":`,
    );
    const data = typeof input.data === "string" ? encoder.encode(input.data) : input.data;
    const line = new Uint8Array(head.length + data.length + 2);
    line.set(head);
    line.set(data, head.length);
    line[line.length - 2] = 0x7d; // }
    line[line.length - 1] = 0x0a; // \n
    return line;
  }

  /** The end line; nothing can be written after it. */
  end(): Uint8Array<ArrayBuffer> {
    this.#ended = true;
    return encoder.encode(`{"end":{"events":${this.#events}}}\n`);
  }
}

/**
 * Reads a recording line by line, checking each as it comes: the header,
 * then events that each follow from the one before, then the end line.
 *
 * @example
 * ```ts
 * import { RecordingLineReader } from "./recording_format.ts";
 * import assert from "node:assert/strict";
 *
 * const reader = new RecordingLineReader();
 * reader.line('{"recording":"slabscope","version":1,"wire":1,"boot":"b1","source":"","created":0}');
 * reader.line('{"event":"diagnostics","id":"b1-4","data":{"v":1,"seq":4,"ts":10}}');
 * assert.throws(
 *   () => reader.line('{"event":"diagnostics-delta","id":"b1-9","data":{"v":1,"seq":9,"base":8,"ts":20}}'),
 *   /line 3: expected a delta from state 4 \(line 2\), received one from state 8: events are missing/,
 * );
 * ```
 */
export class RecordingLineReader {
  #name: string | undefined;
  #line = 0;
  #header: RecordingHeader | undefined;
  #events: RecordingEvent[] = [];
  #ended = false;

  /** @param name The file's name, for error messages. */
  constructor(name?: string) {
    this.#name = name;
  }

  /** The header, once line 1 was read. */
  get header(): RecordingHeader | undefined {
    return this.#header;
  }

  /** The events read so far. */
  get events(): readonly RecordingEvent[] {
    return this.#events;
  }

  /** Lines read so far. */
  get lines(): number {
    return this.#line;
  }

  /** Whether the end line was read. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Reads the next line (without its line break).
   *
   * @returns The event it holds, if it is one.
   * @throws {RecordingError} Naming the line and what was expected.
   */
  line(text: string): RecordingEvent | undefined {
    const line = ++this.#line;
    if (this.#ended) this.#fail(`expected nothing after the end line, received ${preview(text)}`);
    const value = this.#parse(text);
    if (this.#header === undefined) {
      this.#header = this.#readHeader(value);
      return undefined;
    }
    if ("end" in value) {
      this.#readEnd(value);
      return undefined;
    }
    const event = this.#readEvent(value, line);
    this.#events.push(event);
    return event;
  }

  /**
   * Says the file ended.
   *
   * @throws {RecordingError} Unless the end line was read: the file is truncated.
   */
  finish(): void {
    if (this.#ended) return;
    const next = this.#line + 1;
    const expected = this.#header === undefined
      ? "the recording header"
      : "an event or the end line";
    throw new RecordingError(
      next,
      `expected ${expected}, but the file ends: it is truncated`,
      this.#name,
    );
  }

  /**
   * Fails at the line being read (or the next one, for what comes between lines).
   *
   * @throws {RecordingError} Always.
   */
  fail(reason: string, next = false): never {
    throw new RecordingError(this.#line + (next ? 1 : 0), reason, this.#name);
  }

  #fail(reason: string): never {
    throw new RecordingError(this.#line, reason, this.#name);
  }

  #parse(text: string): Record<string, unknown> {
    if (text.length === 0) this.#fail("expected a JSON object, received an empty line");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.#fail(
        `expected a JSON object, received text that is not JSON (${(error as Error).message})`,
      );
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.#fail(`expected a JSON object, received ${preview(text)}`);
    }
    return value as Record<string, unknown>;
  }

  #readHeader(o: Record<string, unknown>): RecordingHeader {
    if (o.recording !== "slabscope") {
      this.#fail(
        `expected the recording header ({"recording":"slabscope","version":${RECORDING_VERSION},…}), received ${
          preview(JSON.stringify(o))
        }`,
      );
    }
    if (o.version !== RECORDING_VERSION) {
      this.#fail(`expected recording version ${RECORDING_VERSION}, received ${shown(o.version)}`);
    }
    this.#only(o, HEADER_FIELDS, "the header");
    if (o.wire !== RECORDING_WIRE_VERSION) {
      this.#fail(`expected wire version ${RECORDING_WIRE_VERSION}, received ${shown(o.wire)}`);
    }
    if (typeof o.boot !== "string" || !BOOT_REGEXP.test(o.boot)) {
      this.#fail(
        `expected "boot" to be 1 to 32 lowercase letters and digits, received ${shown(o.boot)}`,
      );
    }
    if (typeof o.source !== "string") {
      this.#fail(`expected "source" to be a string, received ${shown(o.source)}`);
    }
    this.#integer(o.created, '"created"');
    return o as unknown as RecordingHeader;
  }

  #readEvent(o: Record<string, unknown>, line: number): RecordingEvent {
    this.#only(o, EVENT_FIELDS, "an event");
    if (typeof o.event !== "string" || !EVENT_TYPES.has(o.event)) {
      this.#fail(
        `expected "event" to be "diagnostics" or "diagnostics-delta", received ${shown(o.event)}`,
      );
    }
    const boot = this.#header!.boot;
    const match = typeof o.id === "string" ? ID_REGEXP.exec(o.id) : null;
    if (match === null || match[1] !== boot || !Number.isSafeInteger(Number(match[2]))) {
      this.#fail(
        `expected "id" to be "${boot}-<seq>" (this recording's boot), received ${shown(o.id)}`,
      );
    }
    const seq = Number(match[2]);
    const data = o.data;
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      this.#fail(
        `expected "data" to be a keyframe or a delta (an object), received ${shown(data)}`,
      );
    }
    const d = data as Record<string, unknown>;
    if (d.v !== RECORDING_WIRE_VERSION) {
      this.#fail(
        `expected data.v to be wire version ${RECORDING_WIRE_VERSION}, received ${shown(d.v)}`,
      );
    }
    if (d.seq !== seq) {
      this.#fail(`expected data.seq to be ${seq} (the id's), received ${shown(d.seq)}`);
    }
    const ts = this.#integer(d.ts, "data.ts");
    const delta = o.event === "diagnostics-delta";
    const base = delta ? this.#integer(d.base, "data.base") : seq;
    const previous = this.#events[this.#events.length - 1];
    const gap = chainError(
      o.event as RecordingEvent["event"],
      seq,
      base,
      previous?.seq,
      previous?.line,
    );
    if (gap !== undefined) this.#fail(gap);
    if (previous !== undefined && ts < previous.ts) {
      this.#fail(`expected data.ts ≥ ${previous.ts} (line ${previous.line}), received ${ts}`);
    }
    return { event: o.event as RecordingEvent["event"], seq, base, ts, data: d, line };
  }

  #readEnd(o: Record<string, unknown>): void {
    this.#only(o, ["end"], "the end line");
    const end = o.end as Record<string, unknown> | null;
    if (typeof end !== "object" || end === null || Array.isArray(end)) {
      this.#fail(`expected the end line {"end":{"events":N}}, received ${shown(end)}`);
    }
    this.#only(end, ["events"], "the end line");
    const count = this.#integer(end.events, "end.events");
    if (count !== this.#events.length) {
      this.#fail(
        `expected the end line to count the ${this.#events.length} events before it, received ${count}`,
      );
    }
    this.#ended = true;
  }

  #only(o: Record<string, unknown>, fields: readonly string[], what: string): void {
    for (const key of Object.keys(o)) {
      if (!fields.includes(key)) {
        this.#fail(
          `expected only ${fields.join(", ")} in ${what}, received ${JSON.stringify(key)}`,
        );
      }
    }
    for (const key of fields) {
      if (!(key in o)) this.#fail(`expected ${JSON.stringify(key)} in ${what}`);
    }
  }

  #integer(value: unknown, what: string): number {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      this.#fail(`expected ${what} to be an integer from 0 to 2^53 − 1, received ${shown(value)}`);
    }
    return value;
  }
}

/**
 * Why an event cannot follow state `previous`, or `undefined` when it can:
 * the first event is a keyframe; a delta applies to the state before it; a
 * keyframe is of that state or of the next one (sent in place of a delta).
 */
function chainError(
  event: RecordingEvent["event"],
  seq: number,
  base: number,
  previous: number | undefined,
  previousLine?: number,
): string | undefined {
  const where = previousLine === undefined ? "" : ` (line ${previousLine})`;
  if (previous === undefined) {
    return event === "diagnostics"
      ? undefined
      : `expected a keyframe ("diagnostics") first, received a delta`;
  }
  if (event === "diagnostics-delta") {
    if (base !== previous) {
      return `expected a delta from state ${previous}${where}, received one from state ${base}: events are missing between them`;
    }
    if (seq <= base) return `expected a delta to a state after ${base}, received one to ${seq}`;
    return undefined;
  }
  if (seq !== previous && seq !== previous + 1) {
    return `expected a keyframe of state ${previous}${where} or ${
      previous + 1
    }, received one of state ${seq}: events are missing between them`;
  }
  return undefined;
}

function shown(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function preview(text: string): string {
  return text.length > 60 ? `${JSON.stringify(text.slice(0, 57))}…` : JSON.stringify(text);
}
