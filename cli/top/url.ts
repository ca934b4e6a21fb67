// Copyright 2026 the slabscope authors. MIT license.
/**
 * Where the diagnostics stream of an instance is, from whatever URL a user
 * types: a base, the dashboard, the snapshot endpoint or the stream itself.
 *
 * @module
 */

/** The instance `slabscope top` watches when given no URL. */
export const DEFAULT_URL = "http://127.0.0.1:8000";

const STREAM_PATH = "/diagnostics/memory";

/**
 * Derives the stream URL (`…/debug/diagnostics/memory`):
 *
 * | given | stream |
 * | --- | --- |
 * | `http://host:8000`, `host:8000` | `http://host:8000/debug/diagnostics/memory` |
 * | `http://host:8000/debug/` (the dashboard, any prefix) | `…/debug/diagnostics/memory` |
 * | `…/debug/diagnostics/snapshot`, `…/debug/diagnostics` | `…/debug/diagnostics/memory` |
 * | `…/debug/diagnostics/memory` | itself |
 *
 * The query is kept; the fragment is dropped.
 *
 * @param input The URL as typed.
 * @returns The stream URL.
 * @throws {TypeError} If the input is not an http or https URL.
 *
 * @example Usage
 * ```ts
 * import { streamUrl } from "./url.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(streamUrl("127.0.0.1:8000").href, "http://127.0.0.1:8000/debug/diagnostics/memory");
 * assert.equal(streamUrl("http://h/admin/debug/").pathname, "/admin/debug/diagnostics/memory");
 * ```
 */
export function streamUrl(input: string): URL {
  const text = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TypeError(`Cannot watch ${JSON.stringify(input)}: it is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `Cannot watch ${JSON.stringify(input)}: expected an http or https URL, received ${
        JSON.stringify(url.protocol)
      }`,
    );
  }
  url.hash = "";
  const path = url.pathname.replace(/\/+$/, "");
  if (path.endsWith(STREAM_PATH)) {
    url.pathname = path;
  } else if (/\/diagnostics(\/snapshot|\/slot)?$/.test(path)) {
    url.pathname = path.replace(/\/diagnostics(\/snapshot|\/slot)?$/, STREAM_PATH);
  } else if (path === "") {
    url.pathname = `/debug${STREAM_PATH}`;
  } else {
    url.pathname = `${path}${STREAM_PATH}`;
  }
  return url;
}
