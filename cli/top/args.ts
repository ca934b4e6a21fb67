// Copyright 2026 the slabscope authors. MIT license.
/**
 * Command-line options of `slabscope top`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { CRITICAL_RATIO, WARNING_RATIO } from "../../core/capacity_level.ts";
import { SORT_KEYS, type SortKey } from "./table.ts";
import { DEFAULT_URL } from "./url.ts";

/** The parsed command line. */
export interface TopOptions {
  /** The instance, as typed (see `streamUrl()`). */
  url: string;
  /** Print one plain table from the first keyframe and exit. */
  once: boolean;
  /** Minimum ms between two redraws. */
  interval: number;
  /** Bearer token from `--token`, if given. */
  token?: string;
  /** The initial sort column. */
  sort: SortKey;
  /** `--record FILE`: write every state event to this recording file. */
  record?: string;
  /** `--help` was asked for. */
  help: boolean;
}

/** The default redraw throttle: at most 4 frames per second. */
export const DEFAULT_INTERVAL = 250;

const percent = (ratio: number): string => `${Math.round(ratio * 100)}%`;

/** What `--help` prints. */
export const USAGE = `Usage: deno task top [options] [URL]

A slabtop-like live view of a slabscope instance's pools.

URL is the instance (default ${DEFAULT_URL}): a base (http://host:port), the
dashboard (…/debug/) or the stream (…/debug/diagnostics/memory).

Options:
  -o, --once           print one plain table from the first keyframe and exit
  -d, --interval <ms>  minimum time between redraws (default ${DEFAULT_INTERVAL})
  -s, --sort <key>     initial sort: o a u s h v n (default o)
      --record <file>  also write every state to a recording file (FILE.jsonl.gz)
                       that \`deno task replay FILE\` opens; without a terminal,
                       record only, until Ctrl-C or SIGTERM
      --token <token>  send "Authorization: Bearer <token>" (or set SLABSCOPE_TOKEN)
  -h, --help           show this help

Keys: o OBJS, a ACTIVE, u USE, s SLOT SIZE, h HWM, v OVERFLOW, n NAME
(the same key again reverses the order); q or Ctrl-C quits.

A pool's row shows yellow from ${percent(WARNING_RATIO)} of its capacity and red
from ${percent(CRITICAL_RATIO)} (NO_COLOR turns colors off).
`;

/** The options, for `node:util`'s `parseArgs` (which splits `-os u`, `--x=v`, `--`). */
const OPTIONS = {
  once: { type: "boolean", short: "o" },
  interval: { type: "string", short: "d" },
  sort: { type: "string", short: "s" },
  token: { type: "string" },
  record: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type OptionName = keyof typeof OPTIONS;

/**
 * Parses the arguments of `slabscope top`.
 *
 * @param args `Deno.args`.
 * @returns The options.
 * @throws {TypeError} For an unknown option, a missing value, a value given
 * to a flag, a second URL, or `--record` with `--once`.
 * @throws {RangeError} For an interval that is not a number of ms from 10 to
 * 60000, or an unknown sort key.
 *
 * @example Usage
 * ```ts
 * import { parseTopArgs } from "./args.ts";
 * import assert from "node:assert/strict";
 *
 * const options = parseTopArgs(["--once", "--interval=500", "http://127.0.0.1:9000"]);
 * assert.deepEqual([options.once, options.interval, options.url], [true, 500, "http://127.0.0.1:9000"]);
 * ```
 */
export function parseTopArgs(args: readonly string[]): TopOptions {
  const options: TopOptions = {
    url: DEFAULT_URL,
    once: false,
    interval: DEFAULT_INTERVAL,
    sort: "objs",
    help: false,
  };
  // Tokens rather than parseArgs' own strict mode: every error then names the
  // option as typed, in std's voice, and never shows a value (a token's).
  const { tokens } = parseArgs({
    args: [...args],
    options: OPTIONS,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  let url: string | undefined;
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue;
    if (token.kind === "positional") {
      if (url !== undefined) {
        throw new TypeError(
          `Cannot parse arguments: expected one URL, received ${JSON.stringify(url)} and ${
            JSON.stringify(token.value)
          }`,
        );
      }
      url = token.value;
      continue;
    }
    const { rawName, value } = token;
    if (!Object.hasOwn(OPTIONS, token.name)) {
      throw new TypeError(`Cannot parse arguments: unknown option ${JSON.stringify(rawName)}`);
    }
    const name = token.name as OptionName;
    if (OPTIONS[name].type === "boolean") {
      if (value !== undefined) {
        throw new TypeError(`Cannot parse arguments: ${rawName} takes no value`);
      }
      if (name === "once") options.once = true;
      else options.help = true;
      continue;
    }
    if (value === undefined) {
      throw new TypeError(`Cannot parse arguments: ${rawName} needs a value`);
    }
    switch (name) {
      case "interval": {
        const ms = Number(value);
        if (value.trim() === "" || !Number.isFinite(ms) || ms < 10 || ms > 60_000) {
          throw new RangeError(
            `Cannot parse arguments: ${rawName} must be a number of ms from 10 to 60000, received ${
              JSON.stringify(value)
            }`,
          );
        }
        options.interval = ms;
        break;
      }
      case "sort": {
        const key = SORT_KEYS[value];
        if (key === undefined) {
          throw new RangeError(
            `Cannot parse arguments: ${rawName} must be one of ${
              Object.keys(SORT_KEYS).join(" ")
            }, received ${JSON.stringify(value)}`,
          );
        }
        options.sort = key;
        break;
      }
      case "token":
        options.token = value;
        break;
      case "record":
        if (value.trim() === "") {
          throw new TypeError(`Cannot parse arguments: ${rawName} needs a file name`);
        }
        options.record = value;
        break;
    }
  }
  if (options.once && options.record !== undefined) {
    throw new TypeError(
      "Cannot parse arguments: --record records a stream, --once reads one keyframe",
    );
  }
  if (url !== undefined) options.url = url;
  return options;
}
