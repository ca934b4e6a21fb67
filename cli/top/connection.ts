// Copyright 2026 the slabscope authors. MIT license.
/**
 * The connection of `slabscope top` to an instance's diagnostics stream:
 * `fetch` with an optional bearer token, reconnection with exponential
 * backoff and jitter (capped at 30 s), resumption with `Last-Event-ID`, a
 * fresh keyframe after a gap, and a watchdog for silent streams.
 *
 * @module
 */

import { readServerSentEvents, ServerSentEventParser, type ServerSentItem } from "./sse.ts";
import { type KeeperOutcome, StreamKeeper } from "./state.ts";

/**
 * - `connecting`: the first connection is being made.
 * - `live`: events (or pings) arrive.
 * - `stale`: connected, but nothing arrived for `staleAfter` ms.
 * - `reconnecting`: the connection failed or was dropped; another attempt
 *   is scheduled.
 */
export type ConnectionState = "connecting" | "live" | "stale" | "reconnecting";

/** What the header shows about the connection. */
export interface ConnectionStatus {
  /** The state. */
  state: ConnectionState;
  /** Failed attempts in a row. */
  attempt: number;
  /** When the next attempt starts (`performance.now()` time), while reconnecting. */
  retryAt?: number;
  /** Why the last connection ended, or failed. */
  error?: string;
  /** When the last byte arrived (`performance.now()` time). */
  lastActivity?: number;
}

/**
 * The server refused the request (401 or 403): retrying would not help.
 * The message never contains the token.
 */
export class AuthError extends Error {
  /** The HTTP status. */
  readonly status: number;

  /**
   * Constructs a new instance.
   *
   * @param status The HTTP status.
   * @param url The URL that refused.
   * @param withToken Whether a token was sent.
   */
  constructor(status: number, url: URL, withToken: boolean) {
    const what = status === 401 ? "401 Unauthorized" : `${status} Forbidden`;
    super(
      withToken
        ? `${url.href} refused the token (${what}): check --token or SLABSCOPE_TOKEN`
        : `${url.href} requires a token (${what}): pass --token <token> or set SLABSCOPE_TOKEN`,
    );
    this.name = "AuthError";
    this.status = status;
  }
}

/** The stream could not be read: an HTTP error, not an event stream, a bad keyframe. */
export class StreamError extends Error {
  /**
   * Constructs a new instance.
   *
   * @param message What went wrong, naming the URL.
   */
  constructor(message: string) {
    super(message);
    this.name = "StreamError";
  }
}

/** First retry delay when the server sent no `retry:`. */
export const FIRST_DELAY = 1000;
/** The longest wait between two attempts. */
export const MAX_DELAY = 30_000;

/**
 * The wait before attempt `attempt` (1 for the first retry): `first`
 * doubled per failed attempt, capped at {@linkcode MAX_DELAY}, times a
 * jitter from 0.5 to 1.5 so that many clients of a restarted server do not
 * come back at once; never more than {@linkcode MAX_DELAY}.
 *
 * @param attempt Failed attempts in a row, from 1.
 * @param first The first delay in ms.
 * @param random A random number from 0 (inclusive) to 1 (exclusive).
 * @returns Milliseconds to wait.
 * @throws {RangeError} If `attempt` is not a positive integer.
 */
export function backoffDelay(attempt: number, first: number, random: number): number {
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw new RangeError(
      `Cannot compute backoff: attempt must be a positive integer, received ${attempt}`,
    );
  }
  const base = Math.min(MAX_DELAY, first * 2 ** Math.min(attempt - 1, 30));
  return Math.min(MAX_DELAY, Math.round(base * (0.5 + random)));
}

/**
 * The request headers: `Accept`, the bearer token, and `Last-Event-ID` to
 * resume.
 *
 * @param token The bearer token, if any.
 * @param lastEventId The id to resume from, if any.
 * @returns The headers.
 */
export function streamHeaders(token?: string, lastEventId?: string): Headers {
  const headers = new Headers({ accept: "text/event-stream", "cache-control": "no-cache" });
  if (token !== undefined && token !== "") headers.set("authorization", `Bearer ${token}`);
  if (lastEventId !== undefined) headers.set("last-event-id", lastEventId);
  return headers;
}

/**
 * A short reason for a failed fetch: `"Connection refused"` rather than
 * Deno's whole chain.
 */
export function describeError(error: unknown): string {
  const err = error as Error & { cause?: unknown };
  let message = err?.message ?? String(error);
  if (message === "fetch failed" && err.cause instanceof Error) message = err.cause.message;
  const last = message.split(": ").at(-1) ?? message;
  return last.replace(/ \(os error \d+\)$/, "") || message;
}

/** Opens the stream; throws for anything but a 200 event stream. */
async function open(
  url: URL,
  token: string | undefined,
  lastEventId: string | undefined,
  signal: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const response = await fetch(url, { headers: streamHeaders(token, lastEventId), signal });
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel();
    throw new AuthError(response.status, url, token !== undefined && token !== "");
  }
  const type = response.headers.get("content-type") ?? "";
  if (!response.ok || !/^text\/event-stream\b/i.test(type) || response.body === null) {
    await response.body?.cancel();
    throw new StreamError(
      response.ok
        ? `${url.href} is not an event stream (content-type ${JSON.stringify(type)})`
        : `${url.href} answered ${response.status} ${response.statusText}`.trimEnd(),
    );
  }
  return response.body;
}

/** Options for {@linkcode TopConnection}. */
export interface TopConnectionOptions {
  /** The stream URL (see `streamUrl()`). */
  url: URL;
  /** Bearer token. */
  token?: string;
  /** Where events go. */
  keeper: StreamKeeper;
  /** Called whenever the state or the connection status changed. */
  onChange(): void;
  /** Called with every item after the keeper handled it (to record it). */
  onEvent?(item: ServerSentItem, outcome: KeeperOutcome): void;
  /** No byte for this long means stale. @default {2500} */
  staleAfter?: number;
  /** First retry delay when the server sent no `retry:`. @default {FIRST_DELAY} */
  firstDelay?: number;
  /** Random numbers for the jitter. @default {Math.random} */
  random?: () => number;
}

/** Keeps one instance's stream connected until stopped. */
export class TopConnection {
  #options: TopConnectionOptions;
  #staleAfter: number;
  #status: ConnectionStatus = { state: "connecting", attempt: 0 };
  #retry: number | undefined;
  #connections = 0;
  #lastByte = 0;

  /**
   * Creates a connection; nothing happens until {@linkcode TopConnection.prototype.run}.
   *
   * @param options Where to connect and what to call.
   */
  constructor(options: TopConnectionOptions) {
    this.#options = options;
    this.#staleAfter = options.staleAfter ?? 2500;
  }

  /** The connection's status, for the header. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Requests made so far (the first connection and every reconnection). */
  get connections(): number {
    return this.#connections;
  }

  /**
   * Connects and keeps connecting until `signal` aborts.
   *
   * @param signal Stops it.
   * @returns Resolves once stopped.
   * @throws {AuthError} When the server refuses the request (401, 403).
   */
  async run(signal: AbortSignal): Promise<void> {
    const { keeper } = this.#options;
    while (!signal.aborted) {
      const attempt = new AbortController();
      const stop = () => attempt.abort();
      signal.addEventListener("abort", stop, { once: true });
      // The watchdog also ends a request stuck before its headers.
      this.#lastByte = performance.now();
      const watchdog = setInterval(() => this.#watch(attempt), 250);
      let error = "the server closed the stream";
      try {
        this.#connections++;
        const body = await open(
          this.#options.url,
          this.#options.token,
          keeper.lastEventId,
          attempt.signal,
        );
        this.#activity();
        for await (
          const item of readServerSentEvents(body, new ServerSentEventParser(), attempt.signal)
        ) {
          this.#activity();
          if (item.kind === "retry") {
            this.#retry = item.retry;
            continue;
          }
          const outcome = keeper.handle(item);
          this.#options.onEvent?.(item, outcome);
          if (outcome === "resync") {
            error = keeper.resyncReason ?? "resynchronizing";
            break;
          }
          // A valid event: the connection works, so the backoff starts over.
          if (item.kind === "event") this.#status.attempt = 0;
          if (outcome !== "ok") this.#options.onChange();
        }
      } catch (caught) {
        if (caught instanceof AuthError) throw caught;
        error = attempt.signal.aborted && !signal.aborted
          ? `no answer for ${Math.round((5 * this.#staleAfter) / 1000)}s`
          : describeError(caught);
      } finally {
        clearInterval(watchdog);
        signal.removeEventListener("abort", stop);
        attempt.abort();
      }
      if (signal.aborted) return;
      const n = this.#status.attempt + 1;
      const delay = backoffDelay(
        n,
        this.#retry ?? this.#options.firstDelay ?? FIRST_DELAY,
        (this.#options.random ?? Math.random)(),
      );
      this.#status = {
        state: "reconnecting",
        attempt: n,
        retryAt: performance.now() + delay,
        error,
        lastActivity: this.#status.lastActivity,
      };
      this.#options.onChange();
      await sleep(delay, signal);
    }
  }

  #activity(): void {
    this.#lastByte = performance.now();
    const changed = this.#status.state !== "live";
    this.#status = {
      state: "live",
      attempt: this.#status.attempt,
      lastActivity: performance.now(),
    };
    if (changed) this.#options.onChange();
  }

  #watch(attempt: AbortController): void {
    const silent = performance.now() - this.#lastByte;
    if (this.#status.state === "live" && silent > this.#staleAfter) {
      this.#status = { ...this.#status, state: "stale" };
      this.#options.onChange();
    }
    // A stream silent for much longer (a frozen server, a half-open socket)
    // is torn down and reopened.
    if (silent > 5 * this.#staleAfter) attempt.abort();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Options for {@linkcode fetchKeyframe}. */
export interface FetchKeyframeOptions {
  /** Bearer token. */
  token?: string;
  /** Give up after this many ms. @default {10000} */
  timeout?: number;
}

/**
 * Connects once and returns the first keyframe (for `--once`).
 *
 * @param url The stream URL.
 * @param options Token and timeout.
 * @returns The keeper holding the keyframe.
 * @throws {AuthError} When the server refuses the request.
 * @throws {StreamError} When the connection fails, the answer is not an
 * event stream, an event exceeds the parser's bound, or no valid keyframe
 * arrives in time.
 */
export async function fetchKeyframe(
  url: URL,
  options: FetchKeyframeOptions = {},
): Promise<StreamKeeper> {
  const timeout = options.timeout ?? 10_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  const keeper = new StreamKeeper();
  try {
    const body = await open(url, options.token, undefined, controller.signal);
    for await (const item of readServerSentEvents(body)) {
      const outcome = keeper.handle(item);
      if (outcome === "state") return keeper;
      if (outcome === "resync") throw new StreamError(`${url.href}: ${keeper.resyncReason}`);
    }
    throw new StreamError(`${url.href} closed the stream before sending a keyframe`);
  } catch (error) {
    if (error instanceof AuthError || error instanceof StreamError) throw error;
    // The event stream parser's bound: connected, but the stream is refused.
    if (error instanceof RangeError) throw new StreamError(`${url.href}: ${error.message}`);
    if (controller.signal.aborted) {
      throw new StreamError(`${url.href} sent no keyframe within ${timeout} ms`);
    }
    throw new StreamError(`Cannot connect to ${url.href}: ${describeError(error)}`);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
