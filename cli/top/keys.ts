// Copyright 2026 the slabscope authors. MIT license.
/**
 * Key presses from a terminal in raw mode.
 *
 * @module
 */

/**
 * Splits raw terminal input into keys: printable characters as themselves
 * (lower-cased), `"ctrl-c"` and `"ctrl-d"`, `"enter"`, and escape sequences
 * (arrows, function keys, mouse reports) skipped whole so that their letters
 * are never read as commands. A lone ESC is `"escape"`.
 *
 * @param bytes What one read returned.
 * @returns The keys, in order.
 *
 * @example Usage
 * ```ts
 * import { parseKeys } from "./keys.ts";
 * import assert from "node:assert/strict";
 *
 * const input = new TextEncoder().encode("u\x1b[Aq\x03");
 * assert.deepEqual(parseKeys(input), ["u", "q", "ctrl-c"]);
 * ```
 */
export function parseKeys(bytes: Uint8Array): string[] {
  const keys: string[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x1b) {
      const next = bytes[i + 1];
      if (next === 0x5b /* [ */ || next === 0x4f /* O */) {
        // CSI or SS3: parameters and intermediates up to a final byte 0x40-0x7e.
        let j = i + 2;
        while (j < bytes.length && (bytes[j]! < 0x40 || bytes[j]! > 0x7e)) j++;
        i = j;
      } else if (next !== undefined && next >= 0x20 && next < 0x7f) {
        i++; // Alt+key: ignored
      } else {
        keys.push("escape");
      }
      continue;
    }
    if (byte === 0x03) keys.push("ctrl-c");
    else if (byte === 0x04) keys.push("ctrl-d");
    else if (byte === 0x0d || byte === 0x0a) keys.push("enter");
    else if (byte >= 0x20 && byte < 0x7f) keys.push(String.fromCharCode(byte).toLowerCase());
  }
  return keys;
}
