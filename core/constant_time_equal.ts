// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode constantTimeEqual}: string comparison for secrets (tokens,
 * sessions, proofs).
 *
 * @module
 */

/**
 * Compares two strings in time that depends only on their lengths, so that
 * a secret cannot be guessed one character at a time from response times.
 *
 * @param a One string.
 * @param b The other.
 * @returns Whether they are equal.
 *
 * @example Usage
 * ```ts
 * import { constantTimeEqual } from "./constant_time_equal.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(constantTimeEqual("secret", "secret"));
 * assert.ok(!constantTimeEqual("secret", "secreT"));
 * ```
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let difference = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) difference |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return difference === 0;
}
