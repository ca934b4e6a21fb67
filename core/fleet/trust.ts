// Copyright 2026 the slabscope authors. MIT license.
/**
 * A fleet is one trust domain: the instances that share a KV database and
 * the token that protects their endpoints (or all without one). This
 * module holds the two proofs of it, both HMAC-SHA-256 keyed by the token,
 * so that neither reveals it:
 *
 * - {@linkcode trustFingerprint}: what an instance's summary carries, so
 *   that a reader can tell whether the instance is in its domain before it
 *   asks for anything;
 * - {@linkcode keyframeProof}: what a keyframe request carries, so that a
 *   protected instance answers only readers that hold its token.
 *
 * Whoever can read the KV database itself reads every summary and every
 * keyframe written there: the database is as sensitive as the token.
 *
 * @module
 */

const encoder = new TextEncoder();

async function hmac(token: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(token),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  let text = "";
  for (const byte of mac) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * The fingerprint of the token that protects an instance, as its fleet
 * summary carries it; `null` for an instance without a token. Two instances
 * are in one trust domain when their fingerprints are equal.
 *
 * @param token The token, if any.
 * @returns The fingerprint (43 characters of base64url), or `null`.
 *
 * @example Usage
 * ```ts
 * import { trustFingerprint } from "./trust.ts";
 * import assert from "node:assert/strict";
 *
 * const token = "a-token-of-at-least-22-characters";
 * assert.equal(await trustFingerprint(undefined), null);
 * assert.equal(await trustFingerprint(token), await trustFingerprint(token));
 * assert.notEqual(await trustFingerprint(token), await trustFingerprint(`${token}!`));
 * assert.ok(!(await trustFingerprint(token))!.includes(token));
 * ```
 */
export function trustFingerprint(token: string | undefined): Promise<string | null> {
  return token === undefined
    ? Promise.resolve(null)
    : hmac(token, "slabscope fleet trust domain\n");
}

/**
 * The proof a keyframe request carries: it binds the instance id and the
 * request's nonce to the token, so it can be neither forged without the
 * token nor replayed for another request.
 *
 * @param token The token that protects the instance.
 * @param id The instance id.
 * @param nonce The request's nonce.
 * @returns The proof (43 characters of base64url).
 *
 * @example Usage
 * ```ts
 * import { keyframeProof } from "./trust.ts";
 * import assert from "node:assert/strict";
 *
 * const token = "a-token-of-at-least-22-characters";
 * const proof = await keyframeProof(token, "api-1", "n1");
 * assert.equal(proof, await keyframeProof(token, "api-1", "n1"));
 * assert.notEqual(proof, await keyframeProof(token, "api-1", "n2"));
 * ```
 */
export function keyframeProof(token: string, id: string, nonce: string): Promise<string> {
  return hmac(token, `slabscope keyframe request\n${id}\n${nonce}`);
}
