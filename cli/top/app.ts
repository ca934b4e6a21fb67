// Copyright 2026 the slabscope authors. MIT license.
/**
 * The interactive session of `slabscope top`: the connection, the keys, the
 * redraw throttle and the terminal, tied together, and the terminal put back
 * whichever way the session ends (a key, a signal, a refused token, a bug).
 *
 * @module
 */

import { AuthError, TopConnection } from "./connection.ts";
import { parseKeys } from "./keys.ts";
import type { TopRecorder } from "./record.ts";
import { renderFrame, renderScreen } from "./render.ts";
import { StreamKeeper } from "./state.ts";
import { nextSort, type Sort, type SortKey } from "./table.ts";
import { Terminal } from "./terminal.ts";
import { RedrawThrottle } from "./throttle.ts";

/** Options for {@linkcode runInteractive}. */
export interface InteractiveOptions {
  /** The stream URL. */
  url: URL;
  /** Bearer token. */
  token?: string;
  /** Minimum ms between two redraws. */
  interval: number;
  /** The initial sort column. */
  sort: SortKey;
  /** Where `--record` writes, if it does. */
  recorder?: TopRecorder;
}

/** How a session ended. */
export interface SessionResult {
  /** The exit code: 0 for `q`, Ctrl-C and SIGINT, 143 for SIGTERM, 1 for errors. */
  code: number;
  /** What to print on stderr once the terminal is back, if anything. */
  message?: string;
}

/** Exit code for SIGTERM, as shells report a process it ended. */
const SIGTERM_CODE = 143;

/**
 * Runs the live view until `q`, Ctrl-C, SIGINT or SIGTERM, or a fatal error
 * (a refused token). The terminal is restored before this resolves.
 *
 * @param options Where to connect, and how to show it.
 * @returns How it ended.
 */
export async function runInteractive(options: InteractiveOptions): Promise<SessionResult> {
  const terminal = new Terminal();
  const keeper = new StreamKeeper(() => performance.now());
  const stop = new AbortController();
  let sort: Sort = { key: options.sort, reverse: false };
  let finish: (result: SessionResult) => void = () => {};
  const finished = new Promise<SessionResult>((resolve) => (finish = resolve));
  const quit = (code: number, message?: string) => {
    if (stop.signal.aborted) return;
    stop.abort();
    finish({ code, message });
  };
  const fail = (error: unknown) =>
    quit(1, `slabscope top: ${error instanceof Error ? error.message : String(error)}`);

  const recorder = options.recorder;
  const connection = new TopConnection({
    url: options.url,
    token: options.token,
    keeper,
    onChange: () => throttle.request(),
    onEvent: recorder && ((item, outcome) => recorder.handle(item, outcome, keeper)),
  });
  const draw = () => {
    try {
      const size = terminal.size();
      const screen = renderScreen({
        host: options.url.host,
        snapshot: keeper.snapshot,
        bootId: keeper.bootId,
        status: connection.status,
        updatedAt: keeper.updatedAt,
        serverError: keeper.serverError,
        now: performance.now(),
        sort,
        ...(recorder === undefined ? {} : { recording: describeRecording(recorder) }),
      }, size);
      terminal.write(renderFrame(screen, size.columns, { color: !Deno.noColor }));
    } catch (error) {
      fail(error);
    }
  };
  const throttle = new RedrawThrottle(options.interval, draw);
  const onKeys = (keys: string[]) => {
    for (const key of keys) {
      if (key === "q" || key === "ctrl-c") return quit(0);
      const next = nextSort(sort, key);
      if (next !== sort) {
        sort = next;
        throttle.request();
      }
    }
  };
  const signals: [Deno.Signal, () => void][] = [
    ["SIGINT", () => quit(0)],
    ["SIGTERM", () => quit(SIGTERM_CODE)],
    ["SIGWINCH", () => throttle.request()],
  ];
  const restore = () => terminal.restore();
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    fail(event.reason);
  };
  let ticker: ReturnType<typeof setInterval> | undefined;
  try {
    for (const [signal, listener] of signals) {
      try {
        Deno.addSignalListener(signal, listener);
      } catch {
        // Not supported here (SIGWINCH on Windows): a resize shows at the next tick.
      }
    }
    globalThis.addEventListener("unload", restore);
    globalThis.addEventListener("unhandledrejection", onRejection);
    terminal.enter();
    throttle.request();
    // Ages in the header move, and a resize without SIGWINCH shows up.
    ticker = setInterval(() => throttle.request(), 1000);
    connection.run(stop.signal).catch((error) =>
      error instanceof AuthError ? quit(1, `slabscope top: ${error.message}`) : fail(error)
    );
    if (terminal.interactive) readKeys(stop.signal, onKeys).then(() => quit(0), fail);
    return await finished;
  } finally {
    stop.abort();
    throttle.stop();
    clearInterval(ticker);
    for (const [signal, listener] of signals) {
      try {
        Deno.removeSignalListener(signal, listener);
      } catch {
        // Was never added.
      }
    }
    terminal.restore();
    globalThis.removeEventListener("unload", restore);
    globalThis.removeEventListener("unhandledrejection", onRejection);
  }
}

/** The header's recording line: the file, the events written, or why it stopped. */
export function describeRecording(recorder: TopRecorder): string {
  const { path, events, stopped } = recorder.status;
  return stopped ?? `${path} · ${events.toLocaleString("en-US")} events`;
}

/**
 * `--record` without a terminal: records until SIGINT, SIGTERM or `signal`,
 * drawing nothing.
 *
 * @param options Where to connect, and the recorder.
 * @param signal Stops it (besides the signals).
 * @returns How it ended.
 */
export async function runRecording(
  options: { url: URL; token?: string | undefined; recorder: TopRecorder },
  signal?: AbortSignal,
): Promise<SessionResult> {
  const keeper = new StreamKeeper(() => performance.now());
  const stop = new AbortController();
  const abort = () => stop.abort();
  signal?.addEventListener("abort", abort, { once: true });
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const name of signals) {
    try {
      Deno.addSignalListener(name, abort);
    } catch {
      // Not on this platform.
    }
  }
  const connection = new TopConnection({
    url: options.url,
    token: options.token,
    keeper,
    onChange: () => {},
    onEvent: (item, outcome) => options.recorder.handle(item, outcome, keeper),
  });
  try {
    await connection.run(stop.signal);
    return { code: 0 };
  } catch (error) {
    return {
      code: 1,
      message: `slabscope top: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    stop.abort();
    signal?.removeEventListener("abort", abort);
    for (const name of signals) {
      try {
        Deno.removeSignalListener(name, abort);
      } catch {
        // Was never added.
      }
    }
  }
}

/** Reads stdin until it ends or `signal` aborts, passing each read's keys on. */
async function readKeys(signal: AbortSignal, onKeys: (keys: string[]) => void): Promise<void> {
  const buffer = new Uint8Array(256);
  while (!signal.aborted) {
    const n = await Deno.stdin.read(buffer);
    if (n === null || signal.aborted) return;
    onKeys(parseKeys(buffer.subarray(0, n)));
  }
}
