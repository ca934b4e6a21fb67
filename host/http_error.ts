// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.

/**
 * An error that carries an HTTP status. Throw it from a handler or a
 * middleware: the host answers with that status and renders the nearest
 * `_404` (for 404) or `_500`/`_error` page, with the error in `props.error`.
 *
 * @example Not found
 * ```ts
 * import { HttpError } from "fresh";
 * import assert from "node:assert/strict";
 *
 * const error = new HttpError(404);
 * assert.equal(error.status, 404);
 * assert.equal(error.message, "Not Found");
 * assert.equal(error.name, "HttpError");
 * ```
 */
export class HttpError extends Error {
  /** The HTTP status code, from 400 to 599. */
  readonly status: number;

  /**
   * Creates an error for an HTTP status.
   *
   * @param status An HTTP error status, from 400 to 599.
   * @param message The message; defaults to the status text (e.g. `"Not Found"`).
   * @param options Standard error options, e.g. `cause`.
   */
  constructor(status: number, message?: string, options?: ErrorOptions) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(
        `Cannot create HttpError: status must be an integer from 400 to 599, received ${status}`,
      );
    }
    super(message ?? STATUS_TEXT[status] ?? `HTTP error ${status}`, options);
    this.name = this.constructor.name;
    this.status = status;
  }
}

/** Reason phrases for the statuses the host produces or that are common. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  409: "Conflict",
  410: "Gone",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};
