// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode callerPath}: a file name as the user typed it, for `deno task
 * top --record FILE` and `deno task replay FILE`.
 *
 * @module
 */

/**
 * Resolves a path the way the user meant it: `deno task` runs its commands
 * in the project's folder and says where it was typed in `INIT_CWD`, so a
 * relative path is taken from there (from the current folder without it, or
 * without the permission to read it).
 *
 * @param path The path as typed.
 * @returns An absolute path.
 *
 * @example
 * ```ts
 * import { callerPath } from "./caller_path.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(callerPath("/tmp/a.jsonl.gz"), "/tmp/a.jsonl.gz");
 * assert.ok(callerPath("a.jsonl.gz").endsWith("/a.jsonl.gz"));
 * ```
 */
export function callerPath(path: string): string {
  if (path.startsWith("/")) return path;
  let base: string | undefined;
  try {
    if (Deno.permissions.querySync({ name: "env", variable: "INIT_CWD" }).state === "granted") {
      base = Deno.env.get("INIT_CWD");
    }
  } catch {
    base = undefined;
  }
  return `${base ?? Deno.cwd()}/${path}`;
}
