// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode page}: what a handler returns to render its route's page.
 *
 * @module
 */

/** Status and headers of a rendered page. */
export interface PageResponseInit {
  /** The status. @default {200} */
  readonly status?: number;
  /** Extra headers. */
  readonly headers?: HeadersInit;
}

/** A handler's request to render its page with `data`. */
export interface PageResponse<T> extends PageResponseInit {
  /** The page's `props.data`. */
  readonly data: T;
}

const PAGE_RESPONSE: unique symbol = Symbol.for("slabscope.host.PageResponse");

/**
 * Asks the host to render the route's page with `data`, as Fresh 2's
 * `page()`.
 *
 * @param data The page's `props.data`.
 * @param init Status and headers.
 * @returns The page response.
 *
 * @example Usage
 * ```ts
 * import { page } from "./fresh.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(page({ n: 1 }, { status: 404 }).data, { n: 1 });
 * ```
 */
export function page<T = undefined>(data?: T, init?: PageResponseInit): PageResponse<T> {
  const response = { data: data as T, ...init };
  Object.defineProperty(response, PAGE_RESPONSE, { value: true });
  return response;
}

/** Whether a handler's result is a {@linkcode page} response. */
export function isPageResponse(value: unknown): value is PageResponse<unknown> {
  return value !== null && typeof value === "object" && PAGE_RESPONSE in value;
}
