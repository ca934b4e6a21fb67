// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode page}: the value a handler returns to render its page.
 *
 * @module
 */

/** Status and headers of a rendered page. */
export interface PageResponseInit {
  /** The response status. @default {200} */
  readonly status?: number;
  /** Extra response headers. */
  readonly headers?: HeadersInit;
}

/**
 * What {@linkcode page} returns: tells the host to render the route's page
 * component with `data`. A plain `{ data }` object is accepted too.
 *
 * @typeParam T The type of the data.
 */
export interface PageResponse<T> extends PageResponseInit {
  /** The page's `props.data`. */
  readonly data: T;
}

/** Marks objects made by {@linkcode page}. */
const PAGE_RESPONSE: unique symbol = Symbol.for("slabscope.host.PageResponse");

/**
 * Asks the host to render the route's page with `data`.
 *
 * @typeParam T The type of the data.
 * @param data The page's `props.data`.
 * @param init The status and extra headers of the response.
 * @returns A page response for the host to render.
 *
 * @example Render with data
 * ```ts
 * import { page } from "fresh";
 * import assert from "node:assert/strict";
 *
 * const response = page({ count: 3 }, { status: 201 });
 * assert.deepEqual(response.data, { count: 3 });
 * assert.equal(response.status, 201);
 * ```
 */
export function page<T = undefined>(data?: T, init?: PageResponseInit): PageResponse<T> {
  const response = { data: data as T, ...init };
  Object.defineProperty(response, PAGE_RESPONSE, { value: true });
  return response;
}

/**
 * Whether a handler's return value asks for the page: made by
 * {@linkcode page}, or a plain object with a `data` property.
 *
 * @param value A handler's return value.
 * @returns `true` for a page response.
 */
export function isPageResponse(value: unknown): value is PageResponse<unknown> {
  if (value === null || typeof value !== "object" || value instanceof Response) return false;
  if (PAGE_RESPONSE in value) return true;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && Object.hasOwn(value, "data");
}
