// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode createStaticHandler}: serves the app's static files and client
 * build from memory, out of the module `deno task build` generates, so
 * nothing is read from disk or fetched at run time. `@std/http`'s
 * `serveDir` and Fresh's static middleware are the contract:
 *
 * - a weak `ETag` from a SHA-256 of the content (valid for any
 *   `Content-Encoding`), `If-None-Match` → 304 with `Vary`;
 * - `Cache-Control: public, max-age=31536000, immutable` for the build's
 *   `/_frsh/js/<BUILD_ID>/…` files and `?__frsh_c=<BUILD_ID>` URLs,
 *   `no-cache` for everything else;
 * - the caller decides the method (this host treats `HEAD` like `GET`,
 *   whoever calls it drops the body).
 *
 * @module
 */

/** One static file, as the build writes it. */
export interface HostAsset {
  /** The `Content-Type`. */
  readonly contentType: string;
  /** A weak ETag of the content: `W/"<hex>"`. */
  readonly etag: string;
  /** The content (every asset of this app is text). */
  readonly text: string;
}

/** The build's output: its id, the client entry and every static file by path. */
export interface HostAssets {
  /** The build id: a content hash of the client bundle and the static files. */
  readonly buildId: string;
  /** The client entry's path, e.g. `/_frsh/js/<id>/client.js`. */
  readonly clientEntry: string;
  /** Files by absolute path inside the app, e.g. `/styles.css`. */
  readonly files: Readonly<Record<string, HostAsset>>;
}

/** `Cache-Control` of content-addressed URLs. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** `Cache-Control` of everything else: revalidate with the ETag. */
export const REVALIDATE = "no-cache";

/**
 * Answers a request for a static file, or `undefined` when there is no such
 * file (so the caller can go on to its routes).
 *
 * @param req The request.
 * @param path The file's path inside the app (the base path removed).
 */
export type StaticHandler = (req: Request, path: string) => Response | undefined;

/**
 * Creates the handler for a build's files.
 *
 * @param assets What `deno task build` generated.
 * @returns The handler.
 *
 * @example Serve a file
 * ```ts
 * import { createStaticHandler } from "./static.ts";
 * import assert from "node:assert/strict";
 *
 * const serve = createStaticHandler({
 *   buildId: "0123456789abcdef",
 *   clientEntry: "/_frsh/js/0123456789abcdef/client.js",
 *   files: { "/hi.txt": { contentType: "text/plain; charset=utf-8", etag: 'W/"1"', text: "hi" } },
 * });
 * const response = serve(new Request("http://localhost/hi.txt"), "/hi.txt");
 * assert.equal(await response?.text(), "hi");
 * assert.equal(serve(new Request("http://localhost/x", { headers: { "if-none-match": 'W/"1"' } }), "/hi.txt")?.status, 304);
 * assert.equal(serve(new Request("http://localhost/no.txt"), "/no.txt"), undefined);
 * ```
 */
export function createStaticHandler(assets: HostAssets): StaticHandler {
  const encoder = new TextEncoder();
  const files = new Map(
    Object.entries(assets.files).map(([path, file]) => [path, {
      ...file,
      body: encoder.encode(file.text),
    }]),
  );
  const buildPrefix = `/_frsh/js/${assets.buildId}/`;
  return (req, path) => {
    const file = files.get(path);
    if (file === undefined) return undefined;
    const busted = new URL(req.url).searchParams.get("__frsh_c") === assets.buildId;
    const headers = new Headers({
      etag: file.etag,
      vary: "if-none-match",
      "cache-control": busted || path.startsWith(buildPrefix) ? IMMUTABLE : REVALIDATE,
    });
    if (ifNoneMatch(req.headers.get("if-none-match"), file.etag)) {
      return new Response(null, { status: 304, headers });
    }
    headers.set("content-type", file.contentType);
    headers.set("content-length", String(file.body.byteLength));
    return new Response(file.body, { status: 200, headers });
  };
}

/** `If-None-Match` with weak comparison (RFC 9110 §13.1.2). */
function ifNoneMatch(header: string | null, etag: string): boolean {
  if (header === null) return false;
  if (header.trim() === "*") return true;
  const opaque = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === opaque);
}
