// Copyright 2026 the slabscope authors. MIT license.
/**
 * Tells a `Response` whose body Deno holds as one string or byte array
 * (sent whole, never a stream), and its byte length, without reading
 * `response.headers`. Internal to the instrumentation.
 *
 * Reading `response.headers` of `new Response("hello")` makes Deno build a
 * `Headers` object and take the response off its fastest way out (the
 * static body written by one call, or the native response prepared when
 * the response was made): about 4 % of a hello-world request's CPU
 * (BENCHMARKS.md). Deno keeps that state
 * in symbol-keyed fields of the response. They are not public API, so they
 * are found once, by their descriptions, on probe responses whose bodies and
 * headers are known, and used only if every probe reads as expected: in
 * another runtime, or a Deno whose fields changed, {@linkcode wholeBodyBytes}
 * answers `undefined` and the caller reads `response.headers`: every
 * request is still tracked, ended when `completed` settles, and counted,
 * only slower, and a body's bytes count only when it declares a
 * `content-length` (tests/integration/instrument_fallback_test.ts). The
 * fields are only read, never written. The alternative,
 * a public getter, does not exist: `body` turns a static body into a
 * stream, `bodyUsed` and `headers` materialize it.
 *
 * @module
 */

import { utf8Length } from "./body_size.ts";

/** Deno's fields of a response. */
interface Fields {
  /** `"serve fast body"`: the body (a string or bytes) on the fastest way out, or `null`. */
  fast: symbol;
  /** `"serve native response"`: a response prepared natively, or `null`. */
  native: symbol;
  /** `"serve fast consumed"`: `true` once Deno has sent the response (it is not sent twice). */
  consumed: symbol;
  /** `"response"`: the inner response, with `body.streamOrStatic`. */
  inner: symbol;
}

interface InnerResponse {
  body?: { streamOrStatic?: { body?: unknown; consumed?: unknown } } | null;
}

/**
 * What {@linkcode wholeBodyBytes} answers for a response Deno refuses (and
 * answers 500 for): one it sent already, whose body was read, or whose
 * stream body is locked to a reader.
 */
export const REFUSED = -1;

/** Deno's fields, `null` where they were not found as expected; `undefined` until first asked. */
let fields: Fields | null | undefined;

function read(response: Response, field: symbol): unknown {
  return (response as unknown as Record<symbol, unknown>)[field];
}

/** Finds Deno's fields and checks them on responses whose bodies and headers are known. */
function detect(): Fields | null {
  try {
    const text = new Response("probe");
    const byDescription = new Map(
      Object.getOwnPropertySymbols(text).map((symbol) => [symbol.description, symbol]),
    );
    const fast = byDescription.get("serve fast body");
    const native = byDescription.get("serve native response");
    const inner = byDescription.get("response");
    const consumed = byDescription.get("serve fast consumed");
    if (
      fast === undefined || native === undefined || inner === undefined || consumed === undefined
    ) return null;
    const found = { fast, native, inner, consumed };
    const bytes = new Response(new Uint8Array(3));
    // A declared length that is not the body's (Deno sends the body's own).
    const sized = new Response("probe", { status: 404, headers: { "content-length": "3" } });
    const stream = new Response(new ReadableStream());
    // Headers changed after it was made: neither fast nor prepared, still whole.
    const changed = new Response("probe");
    changed.headers.set("x-probe", "1");
    const used = new Response("probe");
    void used.text(); // marks the body consumed at once
    const locked = new Response(new ReadableStream());
    locked.body!.getReader();
    const expected = read(text, fast) === "probe" && read(text, native) === null &&
      read(text, consumed) === false &&
      wholeBodyBytesOf(found, text, true) === 5 &&
      wholeBodyBytesOf(found, bytes, true) === 3 &&
      read(sized, fast) === null && typeof read(sized, native) === "object" &&
      read(sized, native) !== null &&
      wholeBodyBytesOf(found, sized, true) === 5 &&
      wholeBodyBytesOf(found, new Response("é", { status: 201 }), true) === 2 &&
      wholeBodyBytesOf(found, new Response(new Uint8Array(7), { status: 201 }), true) === 7 &&
      wholeBodyBytesOf(found, stream, true) === undefined &&
      wholeBodyBytesOf(found, changed, true) === 5 &&
      wholeBodyBytesOf(found, used, true) === REFUSED &&
      wholeBodyBytesOf(found, locked, true) === REFUSED &&
      wholeBodyBytesOf(found, new Response(null, { status: 204 }), true) === 0;
    return expected ? found : null;
  } catch {
    return null;
  }
}

function wholeBodyBytesOf(
  fields: Fields,
  response: Response,
  measure: boolean,
): number | undefined {
  // A response Deno sent already, or whose body was read, is refused.
  if (read(response, fields.consumed) === true) return REFUSED;
  const inner = read(response, fields.inner) as InnerResponse | undefined;
  const held = inner?.body?.streamOrStatic;
  // A static body read already, or a stream body someone holds a reader of.
  if (held?.consumed === true || (held instanceof ReadableStream && held.locked)) return REFUSED;
  // On the fastest way out a response has no header but its content type
  // (and no inner body until one is asked for).
  const fast = read(response, fields.fast);
  if (fast instanceof Uint8Array) return fast.byteLength;
  if (typeof fast === "string") return measure ? utf8Length(fast) : fast.length;
  if (inner?.body === null) return 0;
  // Otherwise a body held whole (prepared natively, or with headers changed
  // since the response was made) is a string or bytes; a stream is neither.
  const body = held?.body;
  if (body instanceof Uint8Array) return body.byteLength;
  if (typeof body !== "string") return undefined;
  // A `content-length` of the handler's is not read: Deno sends the body's own.
  return measure ? utf8Length(body) : body.length;
}

/**
 * Whether Deno will send `response`'s body whole, from a string or bytes it
 * already holds, and how many bytes to count for it.
 *
 * @param response A response a handler returned, not yet read.
 * @param measure Whether to measure a string body in UTF-8 (a pass over
 * it); otherwise its length in UTF-16 code units is returned, a size
 * without the pass.
 * @returns {@linkcode REFUSED} for a response Deno will refuse with a 500
 * (sent already, or its body read); `undefined` when that cannot be told
 * without the headers (a body that may be a stream, or not Deno);
 * otherwise the length of a byte body, or of a string body in UTF-8 (a
 * `content-length` the response declares is not read: Deno replaces it
 * with the body's own).
 *
 * @example Usage
 * ```ts
 * import { wholeBodyBytes } from "./static_response.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(wholeBodyBytes(new Response("Hello, world!"), true), 13);
 * assert.equal(wholeBodyBytes(new Response(new ReadableStream()), true), undefined);
 * ```
 */
export function wholeBodyBytes(response: Response, measure: boolean): number | undefined {
  if (fields === undefined) fields = detect();
  return fields === null ? undefined : wholeBodyBytesOf(fields, response, measure);
}
