// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Standard base64 (RFC 4648 §4, padded) for bitmaps. Uses the built-in
 * `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64` where the
 * runtime has them (Deno 2.9, Chromium 140+), and a small fallback elsewhere.
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64_REGEXP = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface NativeBase64 {
  toBase64?: (this: Uint8Array) => string;
}
interface NativeBase64Static {
  fromBase64?: (text: string) => Uint8Array;
}

const nativeEncode = (Uint8Array.prototype as NativeBase64).toBase64;
const nativeDecode = (Uint8Array as unknown as NativeBase64Static).fromBase64;

/** Encodes bytes as padded standard base64. */
export function encodeBase64(bytes: Uint8Array): string {
  if (nativeEncode !== undefined) return nativeEncode.call(bytes);
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! +
      ALPHABET[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! +
      (i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63]! : "=") + "=";
  }
  return out;
}

/**
 * Decodes padded standard base64.
 *
 * @throws {SyntaxError} If `text` is not canonical padded base64.
 */
export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0 || !BASE64_REGEXP.test(text)) {
    throw new SyntaxError(
      `Cannot decode base64: expected padded standard base64, received ${text.length} characters`,
    );
  }
  if (nativeDecode !== undefined) return nativeDecode(text);
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  for (let i = 0, o = 0; i < text.length; i += 4) {
    const n = (ALPHABET.indexOf(text[i]!) << 18) | (ALPHABET.indexOf(text[i + 1]!) << 12) |
      ((ALPHABET.indexOf(text[i + 2]!) & 63) << 6) | (ALPHABET.indexOf(text[i + 3]!) & 63);
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
