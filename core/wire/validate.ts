// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Small readers that check the shape of parsed JSON and name the exact path
 * of anything wrong. Every failure is a `SyntaxError`: the payload as a whole
 * is unparsable, whatever detail broke.
 *
 * @module
 */

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** Throws the decoder's error for `path`. */
export function fail(path: string, detail: string): never {
  throw new SyntaxError(`Cannot decode ${path}: ${detail}`);
}

function kind(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** A short rendering of a received value for an error message. */
export function shown(value: unknown): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "string") {
    return value.length > 64 ? `${JSON.stringify(value.slice(0, 64))}…` : JSON.stringify(value);
  }
  if (typeof value === "boolean") return String(value);
  return kind(value);
}

/** Parses JSON text, naming what was being parsed on failure. */
export function parseJson(text: unknown, what: string): unknown {
  if (typeof text !== "string") fail(what, `expected JSON text, received ${kind(text)}`);
  try {
    return JSON.parse(text);
  } catch (error) {
    fail(what, `not JSON (${(error as Error).message})`);
  }
}

/** Reads a JSON object. */
export function object(value: unknown, path: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(path, `expected an object, received ${kind(value)}`);
  }
  return value as JsonObject;
}

/** Reads an array. */
export function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, `expected an array, received ${kind(value)}`);
  return value;
}

/** Reads a string. */
export function string(value: unknown, path: string): string {
  if (typeof value !== "string") fail(path, `expected a string, received ${kind(value)}`);
  return value;
}

/** Reads an integer from 0 to 2^53 - 1 (`-0` is not one: its text is not canonical). */
export function count(value: unknown, path: string): number {
  if (
    typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || Object.is(value, -0)
  ) {
    fail(path, `expected a non-negative integer, received ${shown(value)}`);
  }
  return value;
}

/** Reads an array of strings or nulls. */
export function nullableStrings(value: unknown, path: string): (string | null)[] {
  return array(value, path).map((item, i) => item === null ? null : string(item, `${path}[${i}]`));
}

/** The path of member `key` of `path`, quoting a key that is not a plain name. */
export function member(path: string, key: string): string {
  return /^[A-Za-z0-9_]{1,64}$/.test(key)
    ? `${path}.${key}`
    : `${path}[${JSON.stringify(key.slice(0, 64))}]`;
}

/**
 * Refuses any member of `o` not in `allowed`: a field the format does not
 * define is an error, never silently dropped (a decoder that ignored it
 * would show a state other than the one sent).
 */
export function onlyFields(
  o: JsonObject,
  allowed: ReadonlySet<string>,
  path: string,
  what: string,
): void {
  for (const key of Object.keys(o)) {
    if (!allowed.has(key)) fail(member(path, key), `not a field of ${what}`);
  }
}

/** Runs a nested decoder and puts `path` in front of its error. */
export function nested<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new SyntaxError(`Cannot decode ${path}: ${error.message.replace(/^Cannot decode /, "")}`);
  }
}
