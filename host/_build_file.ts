// Copyright 2026 the slabscope authors. MIT license.
// `static/_frsh/build.json`: written by build.ts, read by the app.

/** The contents of `static/_frsh/build.json`. */
export interface BuildFile {
  /** The build id: a content hash of the client bundle and the static files. */
  readonly buildId: string;
  /** The client entry, relative to `static/_frsh/`, e.g. `js/<id>/client.js`. */
  readonly entry: string;
  /** Every file the build wrote, relative to `static/_frsh/`, sorted. */
  readonly files: readonly string[];
}

const BUILD_ID_REGEXP = /^[0-9a-f]{8,64}$/;

/** Parses and checks `build.json`'s text. */
export function parseBuildFile(text: string): BuildFile {
  const value = JSON.parse(text) as Partial<BuildFile> | null;
  if (
    value === null || typeof value !== "object" || typeof value.buildId !== "string" ||
    !BUILD_ID_REGEXP.test(value.buildId) || typeof value.entry !== "string" ||
    !Array.isArray(value.files) || !value.files.every((file) => typeof file === "string")
  ) {
    throw new TypeError(
      "Cannot read build.json: expected { buildId: hex string, entry: string, files: string[] }",
    );
  }
  return { buildId: value.buildId, entry: value.entry, files: value.files };
}

/** The text of `build.json` as written: two-space JSON and a final newline. */
export function formatBuildFile(build: BuildFile): string {
  return JSON.stringify(
    { buildId: build.buildId, entry: build.entry, files: build.files },
    null,
    2,
  ) + "\n";
}

/**
 * Reads `_frsh/build.json` from a static folder (`file:` or fetched), or
 * `undefined` when there is none.
 */
export async function readBuildFile(staticDir: URL): Promise<BuildFile | undefined> {
  const url = new URL("_frsh/build.json", staticDir);
  let text: string;
  if (url.protocol === "file:") {
    try {
      text = await Deno.readTextFile(url);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  } else {
    const response = await fetch(url);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`Cannot read ${url.href}: ${response.status}`);
    }
    text = await response.text();
  }
  return parseBuildFile(text);
}
