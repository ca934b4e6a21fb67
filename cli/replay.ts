// Copyright 2026 the slabscope authors. MIT license.
/**
 * `deno task replay FILE`: a recording (from the dashboard's download,
 * `…/diagnostics/recording`, or `deno task top --record`) served in the
 * dashboard, read-only, with the timeline.
 *
 * ```sh
 * deno run --allow-read --allow-net=127.0.0.1 --allow-env=INIT_CWD,PORT cli/replay.ts FILE [--port N]
 * ```
 *
 * The file is checked whole before anything is served: a file that is cut
 * short, has a gap, a wrong version or bad JSON is refused with the line at
 * fault and what was expected there. It listens on loopback only (reach it
 * from elsewhere through an SSH tunnel); Ctrl-C stops it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { createReplayDashboard, openRecording } from "../app/replay_dashboard.ts";
import { formatDuration } from "../client/format.ts";
import { callerPath } from "./caller_path.ts";
import { sanitize } from "./top/format.ts";

/** What `--help` prints. */
export const REPLAY_USAGE = `Usage: deno task replay [options] FILE

Serves a slabscope recording (FILE.jsonl.gz) in the dashboard, read-only,
with the timeline, on http://127.0.0.1:PORT/debug/.

Options:
  -p, --port <port>  the port (default 8000, or PORT; 0 picks a free one)
  -h, --help         show this help
`;

/** The default port, as the demo's. */
const DEFAULT_PORT = 8000;

/**
 * Runs `slabscope replay` with the given arguments; resolves once the server
 * stops (SIGINT, SIGTERM, or `signal`).
 *
 * @param args The command-line arguments.
 * @param options Where messages go, and a signal that stops the server.
 * @returns The exit code: 0 when stopped, 1 when the file is refused or
 * cannot be read, 2 for bad arguments.
 *
 * @example A file that is not a recording is refused, naming the line
 * ```ts
 * import { replay } from "./replay.ts";
 * import assert from "node:assert/strict";
 *
 * const file = await Deno.makeTempFile({ suffix: ".jsonl.gz" });
 * await Deno.writeTextFile(file, "not a recording\n");
 * const errors: string[] = [];
 * assert.equal(await replay([file], { error: (line) => errors.push(line) }), 1);
 * assert.match(errors[0], /line 1: expected a gzip file/);
 * await Deno.remove(file);
 * ```
 */
export async function replay(
  args: readonly string[],
  options: {
    log?: (line: string) => void;
    error?: (line: string) => void;
    signal?: AbortSignal;
    onListen?: (url: string) => void;
  } = {},
): Promise<number> {
  // Every line passes the terminal sanitizer: a recording's own text (its
  // name, V8's error quoting a line) must not act on the user's terminal.
  const printable = (print: (line: string) => void) => (text: string) =>
    print(text.split("\n").map(sanitize).join("\n"));
  const log = printable(options.log ?? console.log);
  const error = printable(options.error ?? console.error);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: { port: { type: "string", short: "p" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    error(`slabscope replay: ${(e as Error).message}\nRun with --help for usage.`);
    return 2;
  }
  if (parsed.values.help) {
    log(REPLAY_USAGE);
    return 0;
  }
  if (parsed.positionals.length !== 1) {
    error(
      `slabscope replay: expected one FILE, received ${parsed.positionals.length}\nRun with --help for usage.`,
    );
    return 2;
  }
  const portText = parsed.values.port ?? envPort();
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    error(
      `slabscope replay: --port must be an integer from 0 to 65535, received ${
        JSON.stringify(portText)
      }`,
    );
    return 2;
  }
  const path = callerPath(parsed.positionals[0]!);
  const started = performance.now();
  let recording;
  try {
    // Read whole: the whole recording is then served as the file it is.
    recording = await openRecording(await Deno.readFile(path), path.split("/").pop()!);
  } catch (e) {
    error(`slabscope replay: ${describe(e, path)}`);
    return 1;
  }
  const events = recording.events;
  const span = events[events.length - 1]!.ts - events[0]!.ts;
  const handler = createReplayDashboard(recording);
  const stop = new AbortController();
  options.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const onSignal = () => stop.abort();
  for (const name of signals) {
    try {
      Deno.addSignalListener(name, onSignal);
    } catch {
      // Not on this platform (SIGTERM on Windows).
    }
  }
  try {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      signal: stop.signal,
      onListen(address) {
        const url = `http://127.0.0.1:${address.port}/debug/`;
        log(
          `slabscope replay: ${recording.name}: ${events.length.toLocaleString("en-US")} events, ${
            formatDuration(span)
          } from ${new Date(events[0]!.ts).toISOString()}, checked in ${
            formatDuration(performance.now() - started)
          }`,
        );
        log(`slabscope replay: ${url}`);
        options.onListen?.(url);
      },
    }, handler);
    await server.finished;
  } catch (e) {
    error(`slabscope replay: ${describe(e, path)}`);
    return 1;
  } finally {
    for (const name of signals) {
      try {
        Deno.removeSignalListener(name, onSignal);
      } catch {
        // Was never added.
      }
    }
  }
  return 0;
}

function envPort(): string | undefined {
  try {
    return Deno.permissions.querySync({ name: "env", variable: "PORT" }).state === "granted"
      ? Deno.env.get("PORT")
      : undefined;
  } catch {
    return undefined;
  }
}

function describe(e: unknown, path: string): string {
  if (e instanceof Deno.errors.NotFound) return `no such file: ${path}`;
  if (e instanceof Deno.errors.AddrInUse) {
    return `${(e as Error).message}: the port is in use (pass --port 0 for a free one)`;
  }
  return e instanceof Error ? e.message : String(e);
}

if (import.meta.main) Deno.exit(await replay(Deno.args));
