// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode compressResponse}: gzip for the page, its assets, JSON and
 * Prometheus text when the client accepts it; never for event streams,
 * which must reach the client one event at a time.
 *
 * @module
 */

/** Bodies below this many bytes (when known) are sent as they are. */
const MIN_BYTES = 1024;
/** Content types worth compressing. */
const COMPRESSIBLE_REGEXP =
  /^(text\/(html|css|javascript|plain)|application\/json|image\/svg\+xml)\b/;
/** Compressed bodies kept by ETag: the build's assets, a handful of files. */
const CACHE_LIMIT = 32;

const cache = new Map<string, Uint8Array<ArrayBuffer>>();

/**
 * Whether an `Accept-Encoding` header accepts gzip (`gzip` or `*` with a
 * non-zero quality, RFC 9110 §12.5.3).
 *
 * @param header The request's `Accept-Encoding`, or `null`.
 * @returns `true` when gzip is acceptable.
 */
export function acceptsGzip(header: string | null): boolean {
  if (header === null) return false;
  let star: boolean | undefined;
  for (const part of header.split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const accepted = q === undefined || Number(q.slice(2)) > 0;
    if (name.trim() === "gzip") return accepted;
    if (name.trim() === "*") star = accepted;
  }
  return star ?? false;
}

/**
 * Compresses a response with gzip when the request accepts it and the body
 * is worth it: text, JSON or SVG of at least 1 KiB (or of unknown length),
 * not already encoded, never `text/event-stream`. Responses with an `ETag`
 * (the build's assets) are compressed once and kept; their ETag is weak,
 * so it stays valid for either encoding. Adds `Vary: Accept-Encoding` to
 * every compressible response.
 *
 * @param request The request (for `Accept-Encoding`).
 * @param response The response to send.
 * @returns The response to send: compressed, or the same one.
 */
export async function compressResponse(request: Request, response: Response): Promise<Response> {
  const type = response.headers.get("content-type") ?? "";
  if (
    response.body === null || !COMPRESSIBLE_REGEXP.test(type) ||
    response.headers.has("content-encoding")
  ) {
    return response;
  }
  const headers = new Headers(response.headers);
  headers.append("vary", "accept-encoding");
  const length = Number(response.headers.get("content-length") ?? Infinity);
  if (!acceptsGzip(request.headers.get("accept-encoding")) || length < MIN_BYTES) {
    return new Response(response.body, { status: response.status, headers });
  }
  headers.set("content-encoding", "gzip");
  headers.delete("content-length");
  const etag = response.headers.get("etag");
  if (etag === null) {
    const body = response.body.pipeThrough(new CompressionStream("gzip"));
    return new Response(body, { status: response.status, headers });
  }
  let bytes = cache.get(etag);
  if (bytes === undefined) {
    const compressed = response.body.pipeThrough(new CompressionStream("gzip"));
    bytes = new Uint8Array(await new Response(compressed).arrayBuffer());
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(etag, bytes);
  } else {
    await response.body.cancel();
  }
  headers.set("content-length", String(bytes.byteLength));
  return new Response(bytes, { status: response.status, headers });
}
