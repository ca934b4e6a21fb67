// Copyright 2026 the slabscope authors. MIT license.
/**
 * File routing: {@linkcode pathToPattern} turns a route file's path into a
 * URLPattern pathname with Fresh's rules, {@linkcode Router} matches
 * pathnames (static paths first, then patterns in order), and
 * {@linkcode selectMethod} picks a handler by HTTP method.
 *
 * @module
 */

/** Route files whose names match this are tests, never routes. */
export const TEST_FILE_REGEXP: RegExp = /[._]test\.(?:[tj]sx?|[mc][tj]s)$/;

/** Extensions of route and island modules. */
export const MODULE_EXTENSION_REGEXP: RegExp = /\.(?:tsx|ts|jsx|js|mts|mjs)$/;

/** Characters that make a pattern dynamic. */
const DYNAMIC_REGEXP = /[*:{}+?()\\]/;
/** Characters URLPattern treats as syntax, escaped in static text. */
const SYNTAX_REGEXP = /[*:{}+?()\\]/g;
/** A param name: a JavaScript identifier. */
const PARAM_NAME_REGEXP = /^[A-Za-z_$][\w$]*$/;

/**
 * Converts a route file's path, relative to `routes/` and without its
 * extension, to a URLPattern pathname:
 *
 * | file | pattern |
 * | --- | --- |
 * | `index` | `/` |
 * | `blog/index` | `/blog` |
 * | `blog/[slug]` | `/blog/:slug` |
 * | `docs/[...rest]` | `/docs/:rest*` |
 * | `shop/[[id]]` | `/shop{/:id}?` |
 * | `(marketing)/about` | `/about` |
 *
 * @param path The route's path, e.g. `"blog/[slug]"`.
 * @returns The URLPattern pathname.
 * @throws {SyntaxError} For adjacent params (`[a][b]`), an empty or
 * non-identifier param name, or an unclosed bracket.
 *
 * @example Dynamic segments
 * ```ts
 * import { pathToPattern } from "./router.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(pathToPattern("(admin)/users/[id]/index"), "/users/:id");
 * ```
 */
export function pathToPattern(path: string): string {
  if (typeof path !== "string") {
    throw new TypeError(`Cannot convert route path: expected a string, received ${typeof path}`);
  }
  const segments = path.split("/").filter((segment) => segment !== "");
  if (segments.at(-1) === "index") segments.pop();
  let pattern = "";
  for (const segment of segments) {
    if (segment.startsWith("(") && segment.endsWith(")")) continue;
    if (segment.includes("][")) {
      throw new SyntaxError(`Cannot convert route path "${path}": params must not be adjacent`);
    }
    const optional = /^\[\[([^\]]*)\]\]$/.exec(segment);
    if (optional !== null) {
      pattern += `{/:${paramName(optional[1]!, path)}}?`;
      continue;
    }
    pattern += "/" + convertSegment(segment, path);
  }
  return pattern === "" ? "/" : pattern;
}

function convertSegment(segment: string, path: string): string {
  let out = "";
  let rest = segment;
  while (rest !== "") {
    const open = rest.indexOf("[");
    if (open === -1) {
      if (rest.includes("]")) {
        throw new SyntaxError(`Cannot convert route path "${path}": unmatched "]"`);
      }
      out += escapeText(rest);
      break;
    }
    out += escapeText(rest.slice(0, open));
    const close = rest.indexOf("]", open);
    if (close === -1) throw new SyntaxError(`Cannot convert route path "${path}": unclosed "["`);
    const inner = rest.slice(open + 1, close);
    if (inner.startsWith("[")) {
      throw new SyntaxError(
        `Cannot convert route path "${path}": an optional param must be a whole segment`,
      );
    }
    out += inner.startsWith("...")
      ? `:${paramName(inner.slice(3), path)}*`
      : `:${paramName(inner, path)}`;
    rest = rest.slice(close + 1);
  }
  return out;
}

function paramName(name: string, path: string): string {
  if (!PARAM_NAME_REGEXP.test(name)) {
    throw new SyntaxError(
      `Cannot convert route path "${path}": param name "${name}" is not an identifier`,
    );
  }
  return name;
}

function escapeText(text: string): string {
  return text.replace(SYNTAX_REGEXP, (char) => `\\${char}`);
}

/**
 * Orders patterns so the more specific ones are tried first: segment by
 * segment, static text before params, params before optional ones, and
 * catch-alls (`:x*`) last. Ties keep their order.
 *
 * @param a A URLPattern pathname.
 * @param b Another.
 * @returns Negative when `a` goes first.
 */
export function comparePatterns(a: string, b: string): number {
  const ra = rankSegments(a);
  const rb = rankSegments(b);
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    // A shorter pattern runs out first: it is the more specific one.
    const x = ra[i] ?? -1;
    const y = rb[i] ?? -1;
    if (x !== y) return x - y;
  }
  return 0;
}

function rankSegments(pattern: string): number[] {
  // `/shop{/:id}?` ranks as the segments `shop` and `{:id}?`.
  return pattern.replaceAll("{/", "/{").split("/").slice(1).map((segment) => {
    if (/^:\w+\*$/.test(segment) || segment.includes("*")) return 3;
    if (segment.includes("{")) return 2;
    return DYNAMIC_REGEXP.test(segment.replaceAll(/\\./g, "")) ? 1 : 0;
  });
}

/** A successful {@linkcode Router.match}. */
export interface RouteMatch<T> {
  /** The value registered for the pattern. */
  readonly value: T;
  /** The pattern that matched. */
  readonly pattern: string;
  /** The named groups, percent-decoded where they decode. */
  readonly params: Record<string, string>;
}

/**
 * Matches pathnames against registered patterns. Static pathnames are looked
 * up in a `Map` first; dynamic ones are tried in registration order.
 *
 * @typeParam T The value stored per pattern.
 *
 * @example Static first
 * ```ts
 * import { Router } from "./router.ts";
 * import assert from "node:assert/strict";
 *
 * const router = new Router<string>();
 * router.add("/posts/:id", "post");
 * router.add("/posts/new", "new");
 * assert.equal(router.match("/posts/new")?.value, "new");
 * assert.deepEqual(router.match("/posts/7")?.params, { id: "7" });
 * ```
 */
export class Router<T> {
  #statics = new Map<string, T>();
  #dynamics: { pattern: string; urlPattern: URLPattern; value: T }[] = [];
  #patterns = new Set<string>();

  /**
   * Registers a pattern.
   *
   * @param pattern A URLPattern pathname, starting with `/`.
   * @param value The value to return on a match.
   * @throws {TypeError} When the pattern is registered already or does not
   * start with `/`.
   */
  add(pattern: string, value: T): void {
    if (typeof pattern !== "string" || !pattern.startsWith("/")) {
      throw new TypeError(`Cannot add route: pattern "${pattern}" must start with "/"`);
    }
    if (this.#patterns.has(pattern)) {
      throw new TypeError(`Cannot add route: pattern "${pattern}" is registered already`);
    }
    this.#patterns.add(pattern);
    if (DYNAMIC_REGEXP.test(pattern)) {
      this.#dynamics.push({ pattern, urlPattern: new URLPattern({ pathname: pattern }), value });
    } else {
      this.#statics.set(pattern, value);
    }
  }

  /**
   * Finds the route for a pathname.
   *
   * @param pathname A URL pathname, starting with `/`.
   * @returns The match, or `undefined`.
   */
  match(pathname: string): RouteMatch<T> | undefined {
    const value = this.#statics.get(pathname);
    if (value !== undefined || this.#statics.has(pathname)) {
      return { value: value as T, pattern: pathname, params: {} };
    }
    for (const { pattern, urlPattern, value } of this.#dynamics) {
      const result = urlPattern.exec({ pathname });
      if (result === null) continue;
      const params: Record<string, string> = {};
      for (const [name, raw] of Object.entries(result.pathname.groups)) {
        if (raw !== undefined) params[name] = safeDecode(raw);
      }
      return { value, pattern, params };
    }
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The outcome of {@linkcode selectMethod}. */
export type MethodSelection<H> =
  | { readonly handler: H; readonly method: string }
  | { readonly handler: undefined; readonly allow: string };

/**
 * Picks the handler for a request method from handlers per method: `HEAD`
 * falls back to `GET`; a method with no handler gets the `Allow` value for
 * a 405.
 *
 * @typeParam H The handler type.
 * @param handlers Handlers keyed by upper-case method.
 * @param method The request's method.
 * @returns The handler and the method it was registered for, or the allowed methods.
 *
 * @example HEAD falls back to GET
 * ```ts
 * import { selectMethod } from "./router.ts";
 * import assert from "node:assert/strict";
 *
 * const handlers = { GET: "get", POST: "post" };
 * assert.deepEqual(selectMethod(handlers, "HEAD"), { handler: "get", method: "GET" });
 * assert.deepEqual(selectMethod(handlers, "PUT"), { handler: undefined, allow: "GET, HEAD, POST" });
 * ```
 */
export function selectMethod<H>(
  handlers: Readonly<Partial<Record<string, H>>>,
  method: string,
): MethodSelection<H> {
  const own = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
  if (own !== undefined) return { handler: own, method };
  if (method === "HEAD" && Object.hasOwn(handlers, "GET") && handlers.GET !== undefined) {
    return { handler: handlers.GET, method: "GET" };
  }
  const allow = new Set(Object.keys(handlers).filter((key) => handlers[key] !== undefined));
  if (allow.has("GET")) allow.add("HEAD");
  return { handler: undefined, allow: [...allow].sort().join(", ") };
}
