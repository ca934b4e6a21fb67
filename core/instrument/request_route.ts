// Copyright 2026 the slabscope authors. MIT license.
/**
 * The route of a served request, for the site label of its handle
 * (`instrumentServer()` labels each request's handle `"<method> <route>"`,
 * so that the dashboard's top sites say which endpoints hold the handles).
 *
 * Without a router there is no route to ask for, so the default is the
 * path with every segment that looks like an identifier replaced by `:id`:
 * all digits, a UUID, or 16 and more hex digits (`/users/42/posts/7` →
 * `/users/:id/posts/:id`). That keeps the number of sites near the number
 * of endpoints; a path scheme it does not know (slugs, base64 ids) makes a
 * site per path, and the table counts those beyond its size as dropped.
 * The `route` option gives the real route instead.
 *
 * @module
 */

import { cut, METHOD_LIMIT } from "../diagnostics/handle_labels.ts";

/** Longest route in a label; a longer one is cut and ends in `…`. */
export const ROUTE_LIMIT = 80;
/** Routes of raw paths remembered, at most (then forgotten all at once). */
const ROUTE_MEMORY = 1024;
const ID_SEGMENT =
  /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/**
 * The default route of a path: segments that look like identifiers become
 * `:id`.
 */
export function defaultRoute(path: string): string {
  if (!/\d/.test(path)) return path; // no digit, no identifier: most paths
  return path.split("/").map((segment) => ID_SEGMENT.test(segment) ? ":id" : segment).join("/");
}

/** Maps requests to their handle's site label, remembering recent paths. */
export class RouteLabels {
  #route: ((request: Request) => string) | undefined;
  /** Labels of recent URLs of GET requests (most requests): one lookup, no new string. */
  #byUrl = new Map<string, string>();
  #known = new Map<string, string>();

  /** Labels from `route`, or from {@linkcode defaultRoute} of the path without one. */
  constructor(route?: (request: Request) => string) {
    this.#route = route;
  }

  /**
   * The label of `request`: `"<method> <route>"`, at most 16 + 1 + 80
   * characters. `method` is `request.method`, which the caller has read:
   * each read of it is a call into Deno.
   */
  labelOf(request: Request, method: string): string {
    method = cut(method, METHOD_LIMIT);
    if (this.#route !== undefined) {
      return `${method} ${cut(this.#route(request) || "/", ROUTE_LIMIT)}`;
    }
    // A served request's URL is absolute; its path ends at the query.
    const url = request.url;
    const get = method === "GET";
    if (get) {
      const label = this.#byUrl.get(url);
      if (label !== undefined) return label;
    }
    const start = url.indexOf("/", url.indexOf("//") + 2);
    let end = url.length;
    for (let i = start; i >= 0 && i < url.length; i++) {
      const c = url.charCodeAt(i);
      if (c === 0x3f || c === 0x23) { // ? or #
        end = i;
        break;
      }
    }
    const path = start < 0 ? "/" : url.slice(start, end) || "/";
    let route = this.#known.get(path);
    if (route === undefined) {
      route = cut(defaultRoute(path), ROUTE_LIMIT);
      if (this.#known.size >= ROUTE_MEMORY) this.#known.clear();
      this.#known.set(path, route);
    }
    const label = `${method} ${route}`;
    if (get) {
      if (this.#byUrl.size >= ROUTE_MEMORY) this.#byUrl.clear();
      this.#byUrl.set(url, label);
    }
    return label;
  }
}
