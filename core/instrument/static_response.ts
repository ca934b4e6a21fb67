// Copyright 2026 the slabscope authors. MIT license.
/**
 * Tells a `Response` whose body Deno holds as one string or byte array
 * (sent whole, never a stream), and its byte length, without reading
 * `response.headers`. Internal to the instrumentation.
 *
 * Reading `response.headers` of `new Response("hello")` makes Deno build a
 * `Headers` object and take the response off its fastest way out (the
 * static body written by one call, or the native response prepared when
 * the response was made): about a tenth of a small request's cost
 * (BENCHMARKS.md). Deno keeps that state
 * in symbol-keyed fields of the response. They are not public API, so they
 * are found once, by their descriptions, on probe responses whose bodies and
 * headers are known, and used only if every probe reads as expected: in
 * another runtime, or a Deno whose fields changed, {@linkcode wholeBodyBytes}
 * answers `undefined` and the caller reads the headers as before (correct,
 * only slower). The fields are only read, never written. The alternative,
 * a public getter, does not exist: `body` turns a static body into a
 * stream, `bodyUsed` and `headers` materialize it.
 *
 * @module
 */

import { LENGTH_REGEXP, utf8Length } from "./body_size.ts";

/** Deno's fields of a response. */
interface Fields {
  /** `"serve fast body"`: the body (a string or bytes) on the fastest way out, or `null`. */
  fast: symbol;
  /** `"serve native response"`: a response prepared natively, or `null`. */
  native: symbol;
  /** `"response"`: the inner response, with `headerList` and `body.streamOrStatic.body`. */
  inner: symbol;
}

interface InnerResponse {
  headerList?: [string, string][];
  body?: { streamOrStatic?: { body?: unknown } } | null;
}

/** Deno's fields, `null` where they were not found as expected; `undefined` until first asked. */
let fields: Fields | null | undefined;

function read(response: Response, field: symbol): unknown {
  return (response as unknown as Record<symbol, unknown>)[field];
}

function fieldOf(response: Response, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(response).find((s) => s.description === description);
}

/** Finds Deno's fields and checks them on responses whose bodies and headers are known. */
function detect(): Fields | null {
  try {
    const text = new Response("probe");
    const fast = fieldOf(text, "serve fast body");
    const native = fieldOf(text, "serve native response");
    const inner = fieldOf(text, "response");
    if (fast === undefined || native === undefined || inner === undefined) return null;
    const found = { fast, native, inner };
    const bytes = new Response(new Uint8Array(3));
    const sized = new Response("probe", { status: 404, headers: { "content-length": "5" } });
    const stream = new Response(new ReadableStream());
    const expected = read(text, fast) === "probe" && read(text, native) === null &&
      wholeBodyBytesOf(found, text) === 5 &&
      wholeBodyBytesOf(found, bytes) === 3 &&
      read(sized, fast) === null && typeof read(sized, native) === "object" &&
      wholeBodyBytesOf(found, sized) === 5 &&
      wholeBodyBytesOf(found, new Response(new Uint8Array(7), { status: 201 })) === 7 &&
      wholeBodyBytesOf(found, stream) === undefined &&
      wholeBodyBytesOf(found, new Response(null, { status: 204 })) === 0;
    return expected ? found : null;
  } catch {
    return null;
  }
}

function wholeBodyBytesOf(fields: Fields, response: Response): number | undefined {
  const fast = read(response, fields.fast);
  // On the fastest way out a response has no header but its content type.
  if (fast instanceof Uint8Array) return fast.byteLength;
  if (typeof fast === "string") return utf8Length(fast);
  const inner = read(response, fields.inner) as InnerResponse | undefined;
  if (inner?.body === null) return 0;
  const native = read(response, fields.native);
  if (native === null || native === undefined) return undefined;
  // A native response is only ever prepared for a string or bytes body.
  const body = inner?.body?.streamOrStatic?.body;
  if (body instanceof Uint8Array) return body.byteLength;
  if (typeof body !== "string") return undefined;
  for (const [name, value] of inner?.headerList ?? []) {
    if (
      name.length === 14 && name.toLowerCase() === "content-length" && LENGTH_REGEXP.test(value)
    ) {
      return Number(value);
    }
  }
  return utf8Length(body);
}

/**
 * Whether Deno will send `response`'s body whole, from a string or bytes it
 * already holds, and how many bytes to count for it.
 *
 * @param response A response a handler returned, not yet read.
 * @returns `undefined` when that cannot be told without the headers (a
 * body that may be a stream, or not Deno); otherwise the length of a byte
 * body, or of a string body in UTF-8 (its declared `content-length`, if it
 * has one).
 */
export function wholeBodyBytes(response: Response): number | undefined {
  if (fields === undefined) fields = detect();
  return fields === null ? undefined : wholeBodyBytesOf(fields, response);
}
