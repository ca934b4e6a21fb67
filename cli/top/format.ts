// Copyright 2026 the slabscope authors. MIT license.
/**
 * Text helpers for `slabscope top`: sizes, percentages and ages in few
 * characters, terminal display widths, and names made safe to print.
 *
 * @module
 */

import cliTruncate from "npm:cli-truncate@^6.2.0";
import stringWidth from "npm:string-width@^8.3.0";

const UNITS = ["B", "K", "M", "G", "T", "P"];

/**
 * Formats a byte count the way `slabtop` does, in at most 5 characters:
 * `64` → `"64B"`, `1536` → `"1.5K"`, `4096` → `"4K"`, `131072` → `"128K"`.
 *
 * @param bytes A non-negative byte count.
 * @returns The size with a one-letter unit.
 */
export function formatSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${value}B`;
  const text = value < 10 ? value.toFixed(1).replace(/\.0$/, "") : String(Math.round(value));
  // 1023.6K rounds to "1024K": say "1M" instead.
  if (text === "1024" && unit < UNITS.length - 1) return `1${UNITS[unit + 1]}`;
  return `${text}${UNITS[unit]}`;
}

/**
 * `part / whole` as a percentage with one decimal: `(1, 3)` → `"33.3%"`.
 * A zero `whole` gives `"0.0%"`.
 *
 * @param part The used amount.
 * @param whole The total.
 * @returns The percentage.
 */
export function formatPercent(part: number, whole: number): string {
  return `${(whole > 0 ? (part / whole) * 100 : 0).toFixed(1)}%`;
}

/**
 * A ratio as a whole percentage, rounded down as `slabtop` does, except that
 * a used pool never shows `0%`: `(1, 1000)` → `"<1%"`.
 *
 * @param ratio A ratio from 0 to 1.
 * @returns The percentage.
 */
export function formatUse(ratio: number): string {
  if (ratio > 0 && ratio < 0.01) return "<1%";
  return `${Math.floor(ratio * 100 + 1e-9)}%`;
}

/**
 * A duration in ms as a short age: `"0.2s"`, `"12s"`, `"3m05s"`, `"2h03m"`.
 *
 * @param ms Milliseconds (negative counts as 0).
 * @returns The age.
 */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/**
 * A duration in microseconds in at most 6 characters: `"49µs"`, `"1.3ms"`,
 * `"380ms"`, `"2.5s"`, `"95s"`.
 *
 * @param us Microseconds.
 * @returns The duration with its unit.
 */
export function formatMicros(us: number): string {
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) {
    const ms = us / 1000;
    return ms < 10 ? `${ms.toFixed(1)}ms` : `${Math.round(ms)}ms`;
  }
  const s = us / 1_000_000;
  return s < 10 ? `${s.toFixed(1)}s` : `${Math.round(s)}s`;
}

/**
 * Requests per second in few characters: `"0"`, `"0.62"`, `"12.3"`, `"1234"`.
 *
 * @param perSecond A rate.
 * @returns The rate, without a unit.
 */
export function formatRate(perSecond: number): string {
  if (perSecond === 0) return "0";
  if (perSecond < 10) return perSecond.toFixed(2);
  if (perSecond < 100) return perSecond.toFixed(1);
  return String(Math.round(perSecond));
}

/**
 * C0 and C1 controls, DEL, and the bidirectional overrides and isolates: a
 * name sent by a server must not move the cursor, clear the screen or
 * reorder the line it is printed on.
 */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const UNSAFE_REGEXP = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Replaces every character that could act on a terminal (controls, escape,
 * bidirectional overrides) with `"?"`.
 *
 * @param text Text from the network.
 * @returns Text that only prints.
 */
export function sanitize(text: string): string {
  return text.replace(UNSAFE_REGEXP, "?");
}

/**
 * The number of terminal columns a text takes, by
 * [string-width](https://github.com/sindresorhus/string-width): grapheme
 * clusters, East Asian wide characters, emoji sequences.
 *
 * @param text Printable text (see {@linkcode sanitize}).
 * @returns Its width in columns.
 */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/**
 * Cuts a text to at most `width` columns, ending with `"…"` when something
 * was cut, by [cli-truncate](https://github.com/sindresorhus/cli-truncate):
 * a grapheme cluster is never cut in two, and a wide one that would straddle
 * the edge is left out.
 *
 * @param text Printable text.
 * @param width The columns available (`Infinity`: no limit).
 * @returns The text, at most `width` columns wide.
 */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  if (width === Infinity) return text;
  return cliTruncate(text, width);
}

/**
 * Pads a text with spaces on the left to `width` columns (right-aligns it).
 *
 * @param text Printable text.
 * @param width The column width.
 * @returns The padded text (unchanged if already as wide).
 */
export function padStart(text: string, width: number): string {
  return " ".repeat(Math.max(0, width - displayWidth(text))) + text;
}

/**
 * Pads a text with spaces on the right to `width` columns.
 *
 * @param text Printable text.
 * @param width The column width.
 * @returns The padded text (unchanged if already as wide).
 */
export function padEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}
