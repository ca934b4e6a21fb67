// Copyright 2026 the slabscope authors. MIT license.
/**
 * `slabscope top`: a slabtop-like live view of a running slabscope instance,
 * in the terminal.
 *
 * ```sh
 * deno run --allow-net --allow-env=SLABSCOPE_TOKEN cli/top.ts [options] [URL]
 * ```
 *
 * URL defaults to `http://127.0.0.1:8000`; a base, the dashboard (`…/debug/`)
 * or the stream (`…/debug/diagnostics/memory`) all work. `--once` prints one
 * plain table and exits; `--token` (or `SLABSCOPE_TOKEN`) sends a bearer
 * token; `--record FILE` also writes every state to a recording file that
 * `deno task replay FILE` opens (without a terminal it only records).
 * Keys: `o a u s h v n` sort (again: reverse), `q` or Ctrl-C quits.
 *
 * @module
 */

import { callerPath } from "./caller_path.ts";
import { runInteractive, runRecording } from "./top/app.ts";
import { TopRecorder } from "./top/record.ts";
import { parseTopArgs, type TopOptions, USAGE } from "./top/args.ts";
import { fetchKeyframe } from "./top/connection.ts";
import { renderPlain } from "./top/render.ts";
import { printError, printText } from "./top/terminal.ts";
import { streamUrl } from "./top/url.ts";

/**
 * The environment variable holding a bearer token, read when `--token` is
 * not given (and only with `--allow-env=SLABSCOPE_TOKEN`: no prompt).
 *
 * @example Usage
 * ```ts
 * import { TOKEN_ENV } from "@slabscope/slabscope/top";
 * import assert from "node:assert/strict";
 *
 * assert.equal(TOKEN_ENV, "SLABSCOPE_TOKEN");
 * ```
 */
export const TOKEN_ENV = "SLABSCOPE_TOKEN";

/** The token from the environment, without a permission prompt. */
function envToken(): string | undefined {
  try {
    const status = Deno.permissions.querySync({ name: "env", variable: TOKEN_ENV });
    if (status.state !== "granted") return undefined;
    const token = Deno.env.get(TOKEN_ENV);
    return token === "" ? undefined : token;
  } catch {
    return undefined;
  }
}

/**
 * Asks for network access to the instance before the screen is taken over
 * (a permission prompt inside the alternate screen could not be answered).
 */
function netAllowed(url: URL): boolean {
  const descriptor = { name: "net", host: url.host } as const;
  const state = Deno.permissions.querySync(descriptor).state;
  if (state === "granted") return true;
  if (state === "prompt" && Deno.stdin.isTerminal()) {
    return Deno.permissions.requestSync(descriptor).state === "granted";
  }
  return false;
}

/**
 * Runs `slabscope top` with the given arguments.
 *
 * @param args The command-line arguments.
 * @returns The exit code: 0 when done, 1 on errors (a refused token, an
 * unreachable instance with `--once`), 2 on bad arguments.
 *
 * @example One table from a running instance
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { createDiagnosticsHandler } from "@slabscope/slabscope/dashboard";
 * import { main } from "@slabscope/slabscope/top";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "buffers", slotSize: 64, capacity: 128 })).alloc();
 * const handler = createDiagnosticsHandler(registry);
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
 *
 * // Prints OBJS, ACTIVE, USE, SLOT SIZE, HWM, OVERFLOW and NAME, and returns 0.
 * assert.equal(await main(["--once", `127.0.0.1:${server.addr.port}`]), 0);
 * assert.equal(await main(["--no-such-option"]), 2);
 * await handler.close();
 * await server.shutdown();
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  try {
    return await run(args);
  } catch (error) {
    // Not expected: still printed like every other message, never as Deno's
    // uncaught error (which would print its text as it is).
    printError(`slabscope top: ${describe(error)}`);
    return 1;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function run(args: readonly string[]): Promise<number> {
  let options: TopOptions;
  let url: URL;
  try {
    options = parseTopArgs(args);
    url = streamUrl(options.url);
  } catch (error) {
    printError(`slabscope top: ${describe(error)}`, "Run with --help for usage.");
    return 2;
  }
  if (options.help) {
    printText(USAGE);
    return 0;
  }
  if (!netAllowed(url)) {
    printError(`slabscope top: no network access to ${url.host}: run with --allow-net`);
    return 1;
  }
  const token = options.token ?? envToken();
  if (options.once) {
    try {
      const keeper = await fetchKeyframe(url, { token });
      printText(renderPlain(keeper.snapshot!, url.host, keeper.bootId, {
        key: options.sort,
        reverse: false,
      }));
      return 0;
    } catch (error) {
      printError(`slabscope top: ${describe(error)}`);
      return 1;
    }
  }
  const interactive = Deno.stdout.isTerminal();
  if (!interactive && options.record === undefined) {
    printError("slabscope top: stdout is not a terminal: use --once for a plain table");
    return 1;
  }
  let recorder: TopRecorder | undefined;
  if (options.record !== undefined) {
    const path = callerPath(options.record);
    if (!writeAllowed(path)) {
      printError(`slabscope top: no write access to ${path}: run with --allow-write=${path}`);
      return 1;
    }
    try {
      recorder = await TopRecorder.create({ path, streamUrl: url, token });
    } catch (error) {
      printError(`slabscope top: cannot record to ${path}: ${describe(error)}`);
      return 1;
    }
  }
  const result = interactive
    ? await runInteractive({
      url,
      token,
      interval: options.interval,
      sort: options.sort,
      ...(recorder === undefined ? {} : { recorder }),
    })
    : await runRecording({ url, token, recorder: recorder! });
  if (recorder !== undefined) {
    await recorder.close();
    const { path, events, stopped } = recorder.status;
    printText(
      events === 0
        ? `slabscope top: nothing recorded (no keyframe arrived); ${path} not written`
        : `slabscope top: recorded ${events} events to ${path}${stopped ? ` (${stopped})` : ""}`,
    );
  }
  if (result.message !== undefined) printError(result.message);
  return result.code;
}

/** Asks for write access to the recording before the screen is taken over. */
function writeAllowed(path: string): boolean {
  const descriptor = { name: "write", path } as const;
  const state = Deno.permissions.querySync(descriptor).state;
  if (state === "granted") return true;
  if (state === "prompt" && Deno.stdin.isTerminal()) {
    return Deno.permissions.requestSync(descriptor).state === "granted";
  }
  return false;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
