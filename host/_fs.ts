// Copyright 2026 the slabscope authors. MIT license.
// File-system helpers for the host's build-time tools (manifest, build).

import { fileURLToPath, pathToFileURL } from "node:url";
import { compareCodeUnits } from "./_order.ts";

/** A folder as a `file:` URL ending in `/`; relative paths resolve from the cwd. */
export function toDirUrl(dir: string | URL): URL {
  if (dir instanceof URL) return dir.href.endsWith("/") ? dir : new URL(dir.href + "/");
  if (typeof dir !== "string") {
    throw new TypeError(`Cannot use folder: expected a path or URL, received ${typeof dir}`);
  }
  const url = pathToFileURL(dir);
  return url.href.endsWith("/") ? url : new URL(url.href + "/");
}

/** The path of a `file:` URL. */
export function toPath(url: URL): string {
  return fileURLToPath(url);
}

/**
 * Every file under `dir` (recursively), as paths relative to it with `/`
 * separators, sorted by code unit. Names starting with `.` are skipped, as
 * are folders for which `skipDir(relativePath)` is true. A missing `dir`
 * yields no files.
 */
export async function listFiles(
  dir: URL,
  skipDir: (relative: string) => boolean = () => false,
): Promise<string[]> {
  const out: string[] = [];
  async function walk(url: URL, prefix: string): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(url));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound && prefix === "") return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const relative = prefix + entry.name;
      if (entry.isDirectory) {
        if (!skipDir(relative)) {
          await walk(new URL(encodeURIComponent(entry.name) + "/", url), relative + "/");
        }
      } else if (entry.isFile) {
        out.push(relative);
      }
    }
  }
  await walk(dir, "");
  return out.sort(compareCodeUnits);
}

/** Encodes a relative path for use in a URL or an import specifier. */
export function encodePath(relative: string): string {
  return relative.split("/").map((part) => part.replace(/[%#? ]/g, encodeURIComponent)).join(
    "/",
  );
}
