// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode LiveStream}: the dashboard's connection to the diagnostics
 * stream. Keeps the latest state (keyframe + deltas), reports whether the
 * stream is live, and reconnects.
 *
 * A dropped connection is left to `EventSource`'s own retry, which sends
 * `Last-Event-ID`: the server's flight recorder then sends only the deltas
 * missed. After a few failed retries in a row (the server is down, not
 * just a blip), it takes over with exponential backoff and jitter, and
 * still resumes: its own connections carry the last id as `?lastEventId=`.
 * Only what a keyframe must fix (a keyframe or delta that does not decode)
 * reconnects without an id. The heap history that follows a first keyframe
 * (`heap-history`) is handed on as it comes.
 *
 * @module
 */

import { applyDeltaTransition, DeltaBaseError } from "../core/wire/apply_delta.ts";
import { decodeHeapHistory, type HeapHistory } from "../core/wire/heap_history.ts";
import { decodeKeyframe } from "../core/wire/keyframe.ts";
import type { MemorySnapshot } from "../core/wire/types.ts";
import { noteCycled } from "./cycled_slots.ts";

/**
 * - `connecting`: the first connection is being made.
 * - `live`: events (or pings) arrive.
 * - `stale`: connected, but nothing arrived for `staleAfter` ms.
 * - `reconnecting`: the connection failed; another attempt is scheduled.
 * - `offline`: the browser says it is offline, or many attempts failed in
 *   a row (attempts continue, every 30 s).
 */
export type ConnectionState = "connecting" | "live" | "stale" | "reconnecting" | "offline";

/** Options for {@linkcode LiveStream}. */
export interface LiveStreamOptions {
  /** URL of `…/diagnostics/memory`. */
  url: string;
  /**
   * Called with every new state: after each keyframe and delta. The slots
   * that cycled on the way to a delta's state are noted beside it (see
   * `cycledSlots()`).
   */
  onState(state: MemorySnapshot, kind: "keyframe" | "delta"): void;
  /**
   * Called with the heap's samples of the last minutes, which the server
   * sends after a connection's first keyframe (none when it resumes: the
   * page holds them already).
   */
  onHeapHistory?(history: HeapHistory): void;
  /** Called when the connection state changes. */
  onConnection(state: ConnectionState): void;
  /** Called with the message of a server `error` event, or of a keyframe it cannot decode. */
  onServerError?(message: string): void;
  /** No event for this long means stale. @default {2000} */
  staleAfter?: number;
}

/** First retry delay; doubles per failed attempt up to MAX_DELAY. */
const FIRST_DELAY = 500;
const MAX_DELAY = 30_000;
/** Failed attempts in a row after which the badge says offline. */
const OFFLINE_AFTER = 8;
/** `EventSource`'s own retries that may fail in a row before backoff takes over. */
const NATIVE_RETRIES = 3;

/** The dashboard's side of the diagnostics stream. */
export class LiveStream {
  #options: LiveStreamOptions;
  #staleAfter: number;
  #source: EventSource | undefined;
  #state: MemorySnapshot | undefined;
  #connection: ConnectionState = "connecting";
  #attempts = 0;
  #nativeRetries = 0;
  /** The id of the state held, to resume from; `undefined` when a keyframe is needed. */
  #lastEventId: string | undefined;
  #lastEventAt = 0;
  #lastEventTime: number | undefined;
  #openedAt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  /** @param options Where to connect and what to call. */
  constructor(options: LiveStreamOptions) {
    this.#options = options;
    this.#staleAfter = options.staleAfter ?? 2000;
  }

  /**
   * When the last event (a state or a ping) arrived, in ms since the epoch
   * by the local clock; `undefined` before the first. A stale page is stale
   * since then.
   */
  get lastEventTime(): number | undefined {
    return this.#lastEventTime;
  }

  /** The latest state, if any arrived. */
  get state(): MemorySnapshot | undefined {
    return this.#state;
  }

  /** Connects, and keeps connecting until {@linkcode LiveStream.prototype.stop}. */
  start(): void {
    this.#stopped = false;
    globalThis.addEventListener?.("online", this.#online);
    globalThis.addEventListener?.("offline", this.#offline);
    this.#watchdog = setInterval(() => this.#checkLiveness(), 250);
    this.#connect();
  }

  /** Disconnects for good. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#watchdog);
    this.#source?.close();
    this.#source = undefined;
    globalThis.removeEventListener?.("online", this.#online);
    globalThis.removeEventListener?.("offline", this.#offline);
  }

  #connect(): void {
    clearTimeout(this.#retryTimer);
    this.#source?.close();
    const id = this.#lastEventId;
    const url = this.#options.url;
    const source = new EventSource(
      id === undefined
        ? url
        : `${url}${url.includes("?") ? "&" : "?"}lastEventId=${encodeURIComponent(id)}`,
    );
    this.#source = source;
    this.#openedAt = performance.now();
    source.addEventListener("diagnostics", (event) => {
      this.#received();
      let state: MemorySnapshot;
      try {
        state = decodeKeyframe((event as MessageEvent<string>).data);
      } catch (error) {
        // A keyframe this page cannot read (a server of another version, or
        // a broken one): say why the picture stopped, and try again with
        // backoff (the attempts are not reset) rather than draw it wrong.
        this.#options.onServerError?.((error as Error).message);
        this.#reconnect(true);
        return;
      }
      this.#attempts = 0;
      this.#lastEventId = (event as MessageEvent<string>).lastEventId;
      this.#setState(state, "keyframe");
    });
    source.addEventListener("diagnostics-delta", (event) => {
      this.#received();
      if (this.#state === undefined) return this.#reconnect(true); // a delta without a base
      let next: MemorySnapshot;
      let cycled: Map<string, Uint32Array>;
      try {
        ({ state: next, cycled } = applyDeltaTransition(
          this.#state,
          (event as MessageEvent<string>).data,
        ));
      } catch (error) {
        // A gap (DeltaBaseError): resume from the state held, which the
        // server's recorder brings up to date. A malformed delta: a
        // keyframe, rather than a wrong picture.
        const gap = error instanceof DeltaBaseError;
        if (!gap) console.warn("slabscope:", error);
        this.#reconnect(!gap);
        return;
      }
      this.#attempts = 0;
      this.#lastEventId = (event as MessageEvent<string>).lastEventId;
      noteCycled(next, cycled);
      this.#setState(next, "delta");
    });
    source.addEventListener("heap-history", (event) => {
      this.#received();
      let history: HeapHistory;
      try {
        history = decodeHeapHistory((event as MessageEvent<string>).data);
      } catch (error) {
        // The sparklines then start with what the page sees: the state is fine.
        console.warn("slabscope:", error);
        return;
      }
      this.#options.onHeapHistory?.(history);
    });
    source.addEventListener("ping", (event) => {
      this.#received();
      const seq = Number((event as MessageEvent<string>).data);
      // A missed event: resume from the state held.
      if (this.#state !== undefined && seq !== this.#state.seq) this.#reconnect();
    });
    source.addEventListener("error", (event) => {
      if (event instanceof MessageEvent) {
        // A server-sent `error` event: collecting failed; the stream is fine.
        this.#received();
        const { message } = JSON.parse(event.data) as { message: string };
        this.#options.onServerError?.(message);
        return;
      }
      if (this.#source !== source) return;
      // A connection error. While EventSource retries by itself (CONNECTING)
      // let it: it sends Last-Event-ID. A few failures in a row, or one it
      // gave up on (CLOSED), and the backoff takes over so that a restarted
      // server is not stormed.
      if (source.readyState === EventSource.CONNECTING && ++this.#nativeRetries <= NATIVE_RETRIES) {
        this.#setConnection("reconnecting");
        return;
      }
      this.#reconnect();
    });
  }

  /**
   * Connects again after a backoff: resuming from the state held, or,
   * with `keyframe`, asking for a keyframe.
   */
  #reconnect(keyframe = false): void {
    if (this.#stopped) return;
    if (keyframe) this.#lastEventId = undefined;
    this.#nativeRetries = 0;
    this.#source?.close();
    this.#source = undefined;
    this.#attempts++;
    const online = globalThis.navigator?.onLine ?? true;
    this.#setConnection(!online || this.#attempts >= OFFLINE_AFTER ? "offline" : "reconnecting");
    const base = Math.min(MAX_DELAY, FIRST_DELAY * 2 ** (this.#attempts - 1));
    const delay = base * (0.5 + Math.random());
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #received(): void {
    this.#lastEventAt = performance.now();
    this.#lastEventTime = Date.now();
    this.#nativeRetries = 0;
    if (this.#connection !== "live") this.#setConnection("live");
  }

  #setState(state: MemorySnapshot, kind: "keyframe" | "delta"): void {
    this.#state = state;
    this.#options.onState(state, kind);
  }

  #setConnection(state: ConnectionState): void {
    if (this.#connection === state) return;
    this.#connection = state;
    this.#options.onConnection(state);
  }

  #checkLiveness(): void {
    if (this.#source === undefined) return;
    const silent = performance.now() - Math.max(this.#lastEventAt, this.#openedAt);
    if (this.#connection === "live" && silent > this.#staleAfter) this.#setConnection("stale");
    // A stream silent for much longer (a frozen server, a half-open socket,
    // a request stuck before its headers) is torn down and reopened.
    if (silent > 5 * this.#staleAfter) this.#reconnect();
  }

  #online = (): void => {
    if (this.#connection === "offline" || this.#connection === "reconnecting") {
      this.#attempts = 0;
      this.#connect();
    }
  };

  #offline = (): void => this.#setConnection("offline");
}
