// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Standard base64 (RFC 4648 §4, padded) for bitmaps and slot lists, and the
 * host's typed-array props. Decoding accepts canonical text only: the
 * padding bits of the last group are zero and nothing but the 64 letters
 * and the final `=` padding appears, so each byte string has exactly one
 * text (RFC 4648 §3.5 lets a decoder refuse the others; this one does).
 *
 * The built-in `Uint8Array.prototype.toBase64` and `Uint8Array.fromBase64`
 * (with `lastChunkHandling: "strict"`) do the work where the runtime has
 * them (Deno 2.9, Chromium 140, Firefox 133, Safari 18.2); elsewhere a
 * portable codec does the same, and it also names what is wrong when the
 * built-in decoder refuses a text.
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUE_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) VALUE_OF[ALPHABET.charCodeAt(i)] = i;

interface NativeBase64 {
  toBase64?: (this: Uint8Array) => string;
}
interface NativeBase64Static {
  fromBase64?: (text: string, options: { lastChunkHandling: "strict" }) => Uint8Array;
}

const nativeEncode = (Uint8Array.prototype as NativeBase64).toBase64;
const nativeDecode = (Uint8Array as unknown as NativeBase64Static).fromBase64;
const STRICT = { lastChunkHandling: "strict" } as const;

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
 * Decodes canonical padded standard base64.
 *
 * @throws {SyntaxError} If `text` is not canonical padded base64, naming
 * what is wrong.
 */
export function decodeBase64(text: string): Uint8Array {
  if (nativeDecode !== undefined) {
    try {
      const bytes = nativeDecode(text, STRICT);
      // The strict built-in refuses set padding bits, a missing or misplaced
      // `=` and foreign characters, but skips ASCII whitespace. Whitespace
      // always leaves fewer bytes than the text's length implies, so this
      // comparison refuses it without a second pass over the text.
      if (text.length % 4 === 0 && bytes.length === (text.length / 4) * 3 - padding(text)) {
        return bytes;
      }
    } catch {
      // Refused: the portable decoder below says why.
    }
  }
  return decodePortable(text);
}

/** Number of `=` at the end of `text` (at most 2 count as padding). */
function padding(text: string): number {
  return text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
}

function refuse(detail: string): never {
  throw new SyntaxError(`Cannot decode base64: ${detail}`);
}

function decodePortable(text: string): Uint8Array {
  if (text.length % 4 !== 0) {
    refuse(`${text.length} characters, expected a multiple of 4 (padded with "=")`);
  }
  const pad = padding(text);
  const end = text.length - pad;
  const values = new Uint8Array(text.length);
  for (let i = 0; i < end; i++) {
    const code = text.charCodeAt(i);
    const value = code < 128 ? VALUE_OF[code]! : -1;
    if (value < 0) {
      refuse(`${JSON.stringify(text[i])} at ${i} is not a base64 letter`);
    }
    values[i] = value;
  }
  // Padding bits: the low 4 bits of the last letter before "==", the low 2
  // before "=".
  if ((pad === 2 && (values[end - 1]! & 15) !== 0) || (pad === 1 && (values[end - 1]! & 3) !== 0)) {
    refuse(`the padding bits after the last byte are set (${JSON.stringify(text.slice(-4))})`);
  }
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  for (let i = 0, o = 0; i < text.length; i += 4) {
    const n = (values[i]! << 18) | (values[i + 1]! << 12) | (values[i + 2]! << 6) | values[i + 3]!;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
