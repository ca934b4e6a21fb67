// Copyright 2026 the slabscope authors. MIT license.
/**
 * How many body bytes a request or response carries, for the request
 * metrics: declared by `content-length`, known from the body itself, or
 * counted as it is read. Internal to the instrumentation.
 *
 * @module
 */

/** A `content-length` value: decimal digits only (RFC 9110 §8.6). */
export const LENGTH_REGEXP: RegExp = /^[0-9]{1,15}$/;

/**
 * The `content-length` of a message, when it has a valid one.
 *
 * @param headers The message's headers.
 * @returns The declared body length, or `undefined`.
 */
export function declaredLength(headers: Headers): number | undefined {
  const value = headers.get("content-length");
  return value !== null && LENGTH_REGEXP.test(value) ? Number(value) : undefined;
}

/**
 * The byte length of a `fetch` body known without reading it: strings (as
 * UTF-8), buffers and views, blobs and URL-encoded forms; `undefined` for
 * streams and multipart forms, whose length only the transfer tells.
 *
 * @param body A `RequestInit.body`.
 * @returns The length, 0 for no body, or `undefined`.
 */
export function knownBodySize(body: BodyInit | null | undefined): number | undefined {
  if (body === null || body === undefined) return 0;
  if (typeof body === "string") return utf8Length(body);
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength;
  if (body instanceof Blob) return body.size;
  if (body instanceof URLSearchParams) return utf8Length(body.toString());
  return undefined;
}

/** Up to this many UTF-16 units a loop is cheaper than a call into the encoder. */
const LOOP_LIMIT = 32;
/** Where longer strings are encoded to be measured, piece by piece; made at first use. */
let scratch: Uint8Array | undefined;
const encoder = new TextEncoder();

/**
 * The UTF-8 length of a string, as `TextEncoder` would encode it (a lone
 * surrogate as U+FFFD, 3 bytes). Short strings are counted in a loop; longer
 * ones encoded into a scratch buffer, 16 KiB at a time, which the encoder
 * does faster than the loop: 84 ns against 980 for 1 KiB of JSON, 1.7 µs
 * against 143 for 100 KB.
 *
 * @param text Any string.
 * @returns Its length in UTF-8 bytes.
 *
 * @example Usage
 * ```ts
 * import { utf8Length } from "./body_size.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(utf8Length("€ for all"), 11);
 * assert.equal(utf8Length("é".repeat(100)), 200);
 * ```
 */
export function utf8Length(text: string): number {
  if (text.length > LOOP_LIMIT) return encodedLength(text);
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
      continue;
    }
    // Three bytes; a surrogate pair is four for its two code units.
    bytes += 2;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return bytes;
}

function encodedLength(text: string): number {
  const into = scratch ??= new Uint8Array(16 * 1024);
  let total = 0;
  let rest = text;
  for (;;) {
    // `read` never ends inside a surrogate pair: the encoder stops before a
    // character that does not fit.
    const { read, written } = encoder.encodeInto(rest, into);
    total += written;
    if (read === rest.length) return total;
    rest = rest.slice(read);
  }
}

/**
 * Methods a `Request` cannot be made with (Fetch § 2.2.1, forbidden
 * methods), or not with a body (GET and HEAD in any case).
 */
const UNCOPYABLE_METHOD_REGEXP = /^(CONNECT|TRACE|TRACK|GET|HEAD)$/i;
/** The methods a `Request` writes in upper case whatever case it is given (Fetch § 2.2.1). */
const NORMALIZED_METHOD_REGEXP = /^(DELETE|OPTIONS|POST|PUT)$/i;

/**
 * Whether a request being served, whose method is `method`, can be copied
 * with another body ({@linkcode withBody}) into one the handler cannot tell
 * from it: not for a method a `Request` refuses or writes in another case
 * (a client's `post` stays `post`), nor for a URL that `new Request()`
 * would rewrite or refuse (`/a/../b`, a `Host` that is no host name).
 * Such a request goes to the handler as it came.
 *
 * @param request A request being served, with a body.
 * @param method Its method.
 * @returns Whether {@linkcode withBody} may copy it.
 */
export function copyable(request: Request, method: string): boolean {
  if (UNCOPYABLE_METHOD_REGEXP.test(method)) return false;
  if (NORMALIZED_METHOD_REGEXP.test(method) && method !== method.toUpperCase()) return false;
  try {
    return new URL(request.url).href === request.url;
  } catch {
    return false;
  }
}

/**
 * A copy of `request` with another body: its URL, method and headers, and
 * its abort signal as `signal` and in `clone()`. The signal is the
 * original's, read only when the handler reads it: reading it makes
 * Deno.serve print a warning about its legacy abort behaviour, which a
 * handler that never asks should not cause (and copying the Request
 * itself, `new Request(request, …)`, reads it). A request made from the
 * copy (`new Request(copy)`, `fetch(copy)`) gets the copy's own signal,
 * which never aborts.
 *
 * @param request A request being served, {@linkcode copyable}.
 * @param body The copy's body.
 * @returns The copy.
 */
export function withBody(request: Request, body: BodyInit | null): Request {
  const copy = new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body,
  });
  return followingSignal(copy, request);
}

/** `copy`, whose `signal` (and its clones') is `original`'s. */
function followingSignal(copy: Request, original: Request): Request {
  const clone = copy.clone;
  Object.defineProperties(copy, {
    signal: { get: () => original.signal, configurable: true },
    clone: {
      value: () => followingSignal(clone.call(copy), original),
      configurable: true,
      writable: true,
    },
  });
  return copy;
}

/**
 * A copy of `request` (see {@linkcode withBody}) whose body reports each
 * chunk's length to `onBytes` as the handler reads it, and calls `onFailed`
 * if reading the original failed (the client went away mid-upload).
 *
 * @param request A request with a body, whose method is {@linkcode copyable}.
 * @param onBytes Called with the length of every chunk read.
 * @param onFailed Called once if the body could not be read to its end.
 * @returns The counting request.
 */
export function countedRequest(
  request: Request,
  onBytes: (n: number) => void,
  onFailed: () => void,
): Request {
  const reader = request.body!.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        onFailed();
        controller.error(error);
        return;
      }
      if (chunk.done) {
        controller.close();
        return;
      }
      onBytes(chunk.value.byteLength);
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return withBody(request, body);
}
