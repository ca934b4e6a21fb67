// Copyright 2026 the slabscope authors. MIT license.
/**
 * The terminal of `slabscope top`: the alternate screen, a hidden cursor and
 * raw input while it runs, and everything put back when it ends, however it
 * ends; and the only ways top prints text, each passing it through
 * {@linkcode sanitize} first.
 *
 * @module
 */

import { sanitize } from "./format.ts";

/** Enter the alternate screen, clear it, hide the cursor. */
export const ENTER_SCREEN = "\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l";
/** Show the cursor, reset attributes, leave the alternate screen (always last). */
export const LEAVE_SCREEN = "\x1b[m\x1b[?25h\x1b[?1049l";

/** The size used when the terminal does not say (0×0, or not a terminal). */
export const FALLBACK_SIZE = { columns: 80, rows: 24 } as const;

const encoder = new TextEncoder();

/**
 * Writes all of `text` to stdout as it is, synchronously (also from an exit
 * path): only for control sequences top composes itself around text that
 * already went through {@linkcode sanitize} (a frame, the alternate screen).
 */
function writeAll(
  text: string,
  to: { writeSync(bytes: Uint8Array): number } = Deno.stdout,
): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += to.writeSync(bytes.subarray(written));
}

/**
 * Prints text on stdout, each of its lines passed through
 * {@linkcode sanitize}: the plain table, the usage.
 *
 * @param text Lines, each ended by LF.
 */
export function printText(text: string): void {
  writeAll(text.split("\n").map(sanitize).join("\n"));
}

/**
 * Prints a message on stderr, on one line: whatever it quotes (a server's
 * text, V8's error quoting it, the user's own arguments) can neither act on
 * the terminal nor start a line of its own. `hint`, top's own advice, goes on
 * the next line.
 *
 * @param message The message, from anywhere.
 * @param hint A line of advice.
 */
export function printError(message: string, hint?: string): void {
  const lines = hint === undefined ? [message] : [message, hint];
  writeAll(`${lines.map(sanitize).join("\n")}\n`, Deno.stderr);
}

/** The alternate screen and raw input, entered once and restored once. */
export class Terminal {
  #entered = false;
  #raw = false;

  /** Whether key presses can be read (stdin is a terminal). */
  get interactive(): boolean {
    return Deno.stdin.isTerminal();
  }

  /**
   * The terminal's size now; {@linkcode FALLBACK_SIZE} when it does not say.
   *
   * @returns Columns and rows.
   */
  size(): { columns: number; rows: number } {
    try {
      const { columns, rows } = Deno.consoleSize();
      if (columns > 0 && rows > 0) return { columns, rows };
    } catch {
      // Not a terminal: fall through.
    }
    return { ...FALLBACK_SIZE };
  }

  /** Enters the alternate screen, hides the cursor and sets raw input. */
  enter(): void {
    if (this.#entered) return;
    this.#entered = true;
    writeAll(ENTER_SCREEN);
    if (this.interactive) {
      Deno.stdin.setRaw(true);
      this.#raw = true;
    }
  }

  /**
   * Puts the terminal back: raw input off, cursor shown, main screen. Safe to
   * call more than once, and from any exit path.
   */
  restore(): void {
    if (!this.#entered) return;
    this.#entered = false;
    if (this.#raw) {
      this.#raw = false;
      try {
        Deno.stdin.setRaw(false);
      } catch {
        // stdin went away: nothing to restore there.
      }
    }
    try {
      writeAll(LEAVE_SCREEN);
    } catch {
      // stdout went away (a closed terminal): nothing to restore there.
    }
  }

  /** Writes a frame. */
  write(text: string): void {
    writeAll(text);
  }
}
