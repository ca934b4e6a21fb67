// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode createStaticHandler}: serves the files of a `static/` folder
 * with `@std/http` `serveDir` semantics, from a `file:` folder or, for a
 * published copy of the package, any URL `fetch` can read.
 *
 * - Only `GET` and `HEAD`; other methods on a file get 405 with `Allow`.
 * - `Content-Type` from the extension; a strong `ETag` from a SHA-256 of
 *   the content; `If-None-Match` → 304.
 * - `Cache-Control: public, max-age=31536000, immutable` for the build's
 *   `/_frsh/js/<BUILD_ID>/…` files and `?__frsh_c=<BUILD_ID>` URLs,
 *   `no-cache` for everything else.
 * - No directory listings, no dotfiles, no way out of the folder: `..`,
 *   `.`, empty segments, backslashes and NUL are refused, encoded or not.
 *
 * @module
 */

/** Content types by extension; text types carry `charset=utf-8`. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json; charset=utf-8",
  map: "application/json; charset=utf-8",
  svg: "image/svg+xml; charset=utf-8",
  txt: "text/plain; charset=utf-8",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  ico: "image/vnd.microsoft.icon",
  woff: "font/woff",
  woff2: "font/woff2",
  wasm: "application/wasm",
};

/** `Cache-Control` of content-addressed URLs. */
export const IMMUTABLE = "public, max-age=31536000, immutable";
/** `Cache-Control` of everything else: revalidate with the ETag. */
export const REVALIDATE = "no-cache";

/** Options for {@linkcode createStaticHandler}. */
export interface StaticHandlerOptions {
  /**
   * The current build id: `/_frsh/js/<buildId>/…` and `?__frsh_c=<buildId>`
   * are served as immutable. Without it, nothing is.
   */
  readonly buildId?: string | undefined;
}

/**
 * Answers a request for a static file, or `undefined` when there is no such
 * file (so the caller can go on to its routes).
 *
 * @param req The request.
 * @param pathname The file's path in the folder, percent-encoded as in a URL;
 * defaults to the request URL's pathname.
 */
export type StaticHandler = (req: Request, pathname?: string) => Promise<Response | undefined>;

interface StaticFile {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly etag: string;
}

/**
 * Creates a handler for the files in `root`.
 *
 * @param root The folder, as a URL (`file:`, or `http(s):` for a published copy).
 * @param options The build id for immutable caching.
 * @returns The handler.
 *
 * @example Serve a folder
 * ```ts
 * import { createStaticHandler } from "./static.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/hello.txt`, "hi");
 * const serve = createStaticHandler(new URL(`file://${dir}/`));
 * const response = await serve(new Request("http://localhost/hello.txt"));
 * assert.equal(await response?.text(), "hi");
 * assert.equal(response?.headers.get("content-type"), "text/plain; charset=utf-8");
 * assert.equal(await serve(new Request("http://localhost/missing.txt")), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function createStaticHandler(
  root: URL,
  options: StaticHandlerOptions = {},
): StaticHandler {
  if (!(root instanceof URL)) {
    throw new TypeError(`Cannot serve static files: root must be a URL, received ${typeof root}`);
  }
  const base = root.href.endsWith("/") ? new URL(root.href) : new URL(root.href + "/");
  const local = base.protocol === "file:";
  const { buildId } = options;
  /** Fetched files of a non-`file:` root; a published copy does not change. */
  const remote = new Map<string, Promise<StaticFile | undefined>>();

  async function load(url: URL): Promise<StaticFile | undefined> {
    if (local) {
      try {
        const info = await Deno.stat(url);
        if (!info.isFile) return undefined;
        return await toStaticFile(await Deno.readFile(url));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
          return undefined;
        }
        throw error;
      }
    }
    let pending = remote.get(url.href);
    if (pending === undefined) {
      pending = (async () => {
        const response = await fetch(url);
        if (!response.ok) {
          await response.body?.cancel();
          if (response.status === 404 || response.status === 403) return undefined;
          throw new Error(`Cannot read static file ${url.href}: ${response.status}`);
        }
        return await toStaticFile(new Uint8Array(await response.arrayBuffer()));
      })();
      remote.set(url.href, pending);
      pending.catch(() => remote.delete(url.href));
    }
    return await pending;
  }

  return async (req, pathname) => {
    const url = new URL(req.url);
    const segments = safeSegments(pathname ?? url.pathname);
    if (segments === undefined) return undefined;
    const fileUrl = new URL(segments.map(encodeURIComponent).join("/"), base);
    if (!fileUrl.href.startsWith(base.href)) return undefined;
    const file = await load(fileUrl);
    if (file === undefined) return undefined;
    if (req.method !== "GET" && req.method !== "HEAD") {
      await req.body?.cancel();
      return new Response("Method Not Allowed", {
        status: 405,
        headers: { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" },
      });
    }
    const path = "/" + segments.join("/");
    const immutable = buildId !== undefined &&
      (path.startsWith(`/_frsh/js/${buildId}/`) ||
        url.searchParams.get("__frsh_c") === buildId);
    const headers = new Headers({
      etag: file.etag,
      "cache-control": immutable ? IMMUTABLE : REVALIDATE,
    });
    if (ifNoneMatch(req.headers.get("if-none-match"), file.etag)) {
      return new Response(null, { status: 304, headers });
    }
    const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
    headers.set("content-type", CONTENT_TYPES[extension] ?? "application/octet-stream");
    headers.set("content-length", String(file.body.byteLength));
    headers.set("x-content-type-options", "nosniff");
    return new Response(req.method === "HEAD" ? null : file.body, { status: 200, headers });
  };
}

/**
 * The decoded path segments of a pathname, or `undefined` when it could
 * leave the folder or name a directory or dotfile.
 */
function safeSegments(pathname: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith("/")) return undefined;
  const segments = decoded.slice(1).split("/");
  for (const segment of segments) {
    if (segment === "" || segment.startsWith(".") || /[\\\0]/.test(segment)) return undefined;
  }
  return segments;
}

async function toStaticFile(body: Uint8Array<ArrayBuffer>): Promise<StaticFile> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
  const hex = Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  return { body, etag: `"${hex}"` };
}

/** `If-None-Match` with weak comparison (RFC 9110 §13.1.2). */
function ifNoneMatch(header: string | null, etag: string): boolean {
  if (header === null) return false;
  if (header.trim() === "*") return true;
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}
