// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
// Base64 for serialized typed arrays, with no Deno APIs.

const CHUNK = 0x8000;

/** Standard base64 (with padding) of the bytes. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** The bytes of standard base64; throws `SyntaxError` on malformed input. */
export function decodeBase64(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new SyntaxError(`Cannot decode base64: "${text.slice(0, 20)}" is not valid base64`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
