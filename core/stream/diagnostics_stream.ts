// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode DiagnosticsStream}: one ticker, any number of persistent SSE
 * clients, one encode per tick.
 *
 * What each tick does is decided by pure functions beside this file
 * (`publish_decision.ts`: what to publish; `client_decision.ts`: what each
 * client gets); this class holds the state and does the I/O.
 *
 * @module
 */

import { costMembers } from "../diagnostics/diagnostics_cost.ts";
import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
import { deltaObject } from "../wire/delta.ts";
import { encodeHeapHistory } from "../wire/heap_history.ts";
import { encodeKeyframe } from "../wire/keyframe.ts";
import type { MemorySnapshot, StreamSnapshot } from "../wire/types.ts";
import { type EventPosition, formatEventId, newBootId, parseLastEventId } from "./last_event_id.ts";
import { BASE_HEADERS } from "../http/responses.ts";
import { encodeServerSentEvent, formatServerSentEvent } from "./sse.ts";
import {
  decideForClient,
  decideOnConnect,
  hasRoom,
  heartbeatDue,
  nextDueAt,
  pingDue,
} from "./client_decision.ts";
import { FlightRecorder } from "./flight_recorder.ts";
import { HeapHistoryRing } from "./heap_history_ring.ts";
import { decidePublish, heapSampleDue, type PublishedDelta } from "./publish_decision.ts";
import { catchUp } from "./recorder_catch_up.ts";
import {
  type DiagnosticsStreamOptions,
  type StreamSettings,
  streamSettings,
} from "./stream_settings.ts";
import { type ClientHost, Pacer, StreamClient } from "./stream_client.ts";

export type { DiagnosticsStreamOptions } from "./stream_settings.ts";

/** The part of `Deno.ServeHandlerInfo` the stream uses. */
export interface ConnectionInfo {
  /** Settles when the response has been sent or the connection failed. */
  completed?: Promise<void>;
  /** The client's address, for per-address caps. */
  remoteAddr?: { hostname: string } | Deno.Addr;
}

/** This tick's delta event: what it is, and its bytes, shared by every client. */
interface EncodedDelta extends PublishedDelta {
  bytes: Uint8Array;
}

/** The current state's keyframe, encoded once; or why it cannot be. */
type KeyframeEvent =
  | { seq: number; text: string; bytes: Uint8Array }
  | { seq: number; failure: string };

/**
 * What an enqueue is, for the quiet timers: a state event (keyframe, delta,
 * error) resets both, a ping or the heap history only the ping timer, a
 * heartbeat only the heartbeat timer, the preamble (`retry:`, comments)
 * neither.
 */
type SendKind = "state" | "ping" | "history" | "heartbeat" | "preamble";

/** A heartbeat: an empty comment, the same bytes for everyone. */
const HEARTBEAT = encodeServerSentEvent({ comment: "" });
const encoder = new TextEncoder();
/** A queued chunk's size: its bytes. One function for every client's queue. */
const chunkSize = (chunk: Uint8Array): number => chunk.byteLength;

/**
 * Streams snapshots of a {@linkcode DiagnosticsRegistry} to any number of
 * clients as persistent Server-Sent Events: a `diagnostics` keyframe on
 * connect, then a `diagnostics-delta` whenever something changed.
 *
 * - One timer for all clients, running only while at least one is
 *   connected. Each tick collects one snapshot and encodes each event once;
 *   every client gets the same bytes. A tick where nothing changed visits
 *   no client unless one is due a ping, a heartbeat or a keyframe.
 * - Events larger than 16 KiB go to each client in 4 KiB pieces, a turn of
 *   the event loop apart, so that `Deno.serve` never holds a large write
 *   buffer per connection (see `stream_client.ts`).
 * - A quiet stream sends a small `ping` event (data: the current seq) every
 *   second, and a comment every 15 s, so clients can tell quiet from stale.
 * - A client's first keyframe is followed by a `heap-history` event: the
 *   heap samples of the last 3 minutes (`core/wire/heap_history.ts`), kept
 *   with or without the recorder. A client that resumes or catches up has
 *   them already and gets none; the recorder does not record it.
 * - Every state event has `id: <boot id>-<seq>`. A client reconnecting with the
 *   current id resumes without a keyframe, one with an older id that the
 *   flight recorder holds gets deltas only (`recorder`); any other
 *   `Last-Event-ID` (missing, garbage, another boot, too old, ahead) gets a
 *   keyframe. The id may also come as `?lastEventId=` (for a client that
 *   opens a new `EventSource` itself).
 * - The flight recorder keeps the last 5 minutes of events (at most
 *   32 MiB) and ticks with no client connected too; see
 *   {@linkcode DiagnosticsStream.prototype.recorder}.
 * - Backpressure is latest-wins: a client whose queue is full skips ticks,
 *   gets a keyframe when it drains, and is disconnected after
 *   `slowClientTimeout` of skipping.
 * - A client is cleaned up when its response ends (`Deno.serve`'s
 *   `info.completed`), when its stream is cancelled, or when an enqueue
 *   fails, whichever comes first; cleanup is idempotent.
 * - A snapshot or encode failure sends an `error` event (with no `id`, so a
 *   client's `Last-Event-ID` stays the state it holds); the stream stays.
 *
 * Mount it with `createDiagnosticsHandler()` rather than directly.
 *
 * @example Streaming a registry
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { DiagnosticsStream } from "@slabscope/slabscope/dashboard";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 8 }));
 * const stream = new DiagnosticsStream(registry, { bootId: "doc" });
 * const response = stream.connect(new Request("http://localhost/"));
 * const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
 * let text = "";
 * while (!text.includes("event:diagnostics\n")) text += (await reader.read()).value;
 * assert.match(text, /^retry:\d+\n\n:connected\n\n/);
 * await reader.cancel();
 * await stream.close();
 * ```
 */
export class DiagnosticsStream {
  #registry: DiagnosticsRegistry;
  #settings: StreamSettings;
  #boot: string;
  #recorder: FlightRecorder | undefined;

  #clients = new Set<StreamClient>();
  #timer: ReturnType<typeof setInterval> | undefined;
  /**
   * No client is due anything on a tick that publishes nothing before this
   * time (`performance.now()`): at most the earliest {@linkcode nextDueAt}
   * of any client. Lowered whenever a client's due time may be earlier.
   */
  #nextVisit = -Infinity;
  /** Hands clients' large events over a piece per turn. */
  #pacer = new Pacer((client) => this.#remove(client));
  #host: ClientHost = {
    start: (client) => this.#register(client),
    end: (client) => this.#remove(client),
  };
  #strategy: QueuingStrategy<Uint8Array>;
  #closed = false;
  #current: MemorySnapshot | undefined;
  #keyframe: KeyframeEvent | undefined;
  #pingBytes: { seq: number; bytes: Uint8Array } | undefined;
  /** The heap samples of the last 3 minutes: one per state that carried a new one. */
  #heapHistory = new HeapHistoryRing();
  /** The `heap-history` event of the ring's `version`, encoded once. */
  #heapHistoryBytes: { version: number; bytes: Uint8Array | undefined } | undefined;
  #lastError = "no snapshot collected yet";
  #lastHeapSample = -Infinity;
  #lastHeapPublish = -Infinity;
  #lastSpacesPublish = -Infinity;
  #stats: StreamSnapshot = {
    clients: 0,
    events_sent: 0,
    bytes_sent: 0,
    skipped_ticks: 0,
    slow_dropped: 0,
    collect_us: 0,
    encode_us: 0,
    send_us: 0,
    recorded_ms: 0,
    recorded_bytes: 0,
    lint_us: 0,
  };

  /**
   * Creates a stream over a registry. With the flight recorder (the
   * default) it starts ticking at once, on a timer that does not keep the
   * process alive; without it, nothing runs until a client connects.
   *
   * @param registry The pools to stream.
   * @param options Intervals, limits and the recorder.
   * @throws {RangeError} If an interval or limit is not a positive number.
   */
  constructor(registry: DiagnosticsRegistry, options: DiagnosticsStreamOptions = {}) {
    this.#registry = registry;
    this.#settings = streamSettings(options);
    this.#strategy = { highWaterMark: this.#settings.maxQueuedBytes, size: chunkSize };
    this.#boot = options.bootId ?? newBootId();
    if (!/^[0-9a-z]{1,32}$/.test(this.#boot)) {
      throw new RangeError(
        `Cannot create diagnostics stream: bootId must be 1 to 32 lowercase letters and digits, received ${
          JSON.stringify(this.#boot)
        }`,
      );
    }
    if (options.recorder !== false) {
      this.#recorder = new FlightRecorder(options.recorder);
      this.#startTimer();
    }
  }

  /**
   * The flight recorder: the stream's recent events, from which clients
   * catch up and recordings are written; `undefined` when turned off.
   */
  get recorder(): FlightRecorder | undefined {
    return this.#recorder;
  }

  /** The boot id in every event id: it changes whenever the process restarts. */
  get bootId(): string {
    return this.#boot;
  }

  /** Clients connected now. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Whether the tick timer is running (while recording, or while clients are connected). */
  get ticking(): boolean {
    return this.#timer !== undefined;
  }

  /** The stream's own cost: clients, events and bytes sent, skips, drops, tick times. */
  get stats(): StreamSnapshot {
    return { ...this.#stats, clients: this.#clients.size, ...costMembers(this.#registry.cost) };
  }

  /**
   * Opens a persistent event stream for one client.
   *
   * The request's abort signal is never read: `Deno.serve` warns about
   * that (its signal also aborts on a successful response), and it is not
   * needed. The client is cleaned up when `info.completed` settles, when
   * the server cancels the body (as `Deno.serve` does when the client goes
   * away), or at the first enqueue that fails; a client that stops reading
   * without going away is dropped after `slowClientTimeout`.
   *
   * @param request The client's request: its `Last-Event-ID` header is read.
   * @param info `Deno.serve`'s handler info, when there is one: its
   * `completed` promise settles when the response ends for any reason.
   * @param onClose Called once when this client's stream ends, however it
   * ends (used to release a stream cap).
   * @returns A `200 text/event-stream` response, or 503 after `close()`.
   */
  connect(request: Request, info?: ConnectionInfo, onClose?: () => void): Response {
    if (this.#closed) {
      onClose?.();
      return new Response("The diagnostics stream is shut down\n", {
        status: 503,
        headers: {
          ...BASE_HEADERS,
          "content-type": "text/plain; charset=utf-8",
          "retry-after": "5",
        },
      });
    }
    const position = parseLastEventId(
      request.headers.get("last-event-id") ?? new URL(request.url).searchParams.get("lastEventId"),
    );
    const client = new StreamClient(this.#host, position, onClose, performance.now());
    // The client is the stream's source: its start() registers it.
    const body = new ReadableStream<Uint8Array>(client, this.#strategy);
    // However the response ends, the client is cleaned up (idempotently).
    info?.completed?.then(client.end, client.end);
    return new Response(body, {
      status: 200,
      headers: {
        ...BASE_HEADERS,
        "content-type": "text/event-stream; charset=utf-8",
        // no-store: diagnostics are never cached anywhere; no-transform:
        // proxies and compressors must not buffer or compress the stream.
        "cache-control": "no-cache, no-store, no-transform",
        "x-accel-buffering": "no",
      },
    });
  }

  /**
   * Returns the latest state as keyframe JSON: exactly what a client that
   * applied every delta holds. With no client connected, it is collected now
   * (and recorded, when the recorder runs); with clients, it is the last
   * tick's, at most `interval` old.
   *
   * @returns Keyframe JSON text.
   * @throws {Error} If no snapshot could be collected or encoded.
   */
  snapshot(): string {
    if (this.#clients.size === 0 || this.#current === undefined) this.#tick();
    if (this.#current === undefined) {
      throw new Error("Cannot read the diagnostics snapshot: collecting it failed");
    }
    const keyframe = this.#keyframeEvent();
    if ("failure" in keyframe) throw new Error(keyframe.failure);
    return keyframe.text;
  }

  /**
   * Ends every open stream and stops the timer. Later connections get 503.
   * Resolves once the streams are closed (well within a second).
   */
  close(): Promise<void> {
    this.#closed = true;
    for (const client of [...this.#clients]) this.#remove(client);
    this.#stop();
    return Promise.resolve();
  }

  #register(client: StreamClient): void {
    const position: EventPosition | undefined = client.position;
    // Bring the state up to date before this client's first keyframe (the
    // client is not registered yet, so the tick sends it nothing).
    if (this.#timer === undefined || this.#current === undefined) this.#tick();
    this.#clients.add(client);
    this.#startTimer();
    const jitter = Math.floor(Math.random() * 1000);
    // One chunk: the retry, and a comment that makes Deno flush the headers at once.
    const preamble = formatServerSentEvent({ retry: this.#settings.retry + jitter }) +
      formatServerSentEvent({ comment: "connected" });
    this.#send(client, encoder.encode(preamble), "preamble");
    switch (decideOnConnect(position, this.#boot, this.#current?.seq, this.#recorder?.first?.seq)) {
      case "error":
        // The first collection failed: say so; the client gets its keyframe
        // from the first tick that succeeds.
        this.#send(client, this.#errorEvent(this.#lastError), "state");
        break;
      case "resume":
        client.seq = this.#current!.seq;
        this.#send(client, encodeServerSentEvent({ comment: "resumed" }), "preamble");
        break;
      case "catch-up":
        this.#catchUp(client, position!.seq);
        break;
      case "keyframe":
        this.#sendKeyframe(client);
        break;
    }
    this.#nextVisit = Math.min(
      this.#nextVisit,
      nextDueAt(client, this.#current?.seq, this.#settings),
    );
  }

  #remove(client: StreamClient): void {
    if (client.closed) return;
    client.closed = true;
    this.#clients.delete(client);
    this.#pacer.delete(client);
    client.close();
    client.onClose?.();
    if (this.#clients.size > 0 || this.#closed) return;
    if (this.#recorder === undefined) this.#stop();
    else this.#startTimer();
  }

  /**
   * Starts the timer if it is not running. It keeps the process alive only
   * while clients are connected: the recorder alone must not keep alive a
   * process that would otherwise end.
   */
  #startTimer(): void {
    this.#timer ??= setInterval(() => this.#tick(), this.#settings.interval);
    if (this.#clients.size > 0) Deno.refTimer(this.#timer);
    else Deno.unrefTimer(this.#timer);
  }

  /**
   * Brings a client from a state the recorder holds to the current one with
   * deltas (`recorder_catch_up.ts`); a keyframe when that fails.
   */
  #catchUp(client: StreamClient, from: number): void {
    let events;
    try {
      events = catchUp(this.#recorder!, from, this.#current!, this.#boot);
    } catch (error) {
      console.error(`slabscope: ${failureMessage("catch a client up", error)}`);
    }
    if (events === undefined) return this.#sendKeyframe(client);
    this.#send(client, encodeServerSentEvent({ comment: "resumed" }), "preamble");
    client.seq = this.#current!.seq;
    client.dirty = events.poolChange;
    for (const bytes of events.events) this.#send(client, bytes, "state");
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#pacer.stop();
  }

  /** Collects, decides what to publish, encodes once, sends to everyone. */
  #tick(): void {
    const cost = this.#registry.cost;
    const now = performance.now();
    const next = this.#collect(now);
    const collected = performance.now();
    // The registry's lint evaluation is part of its snapshot: counted apart.
    const lint = this.#registry.lints?.lastMicros ?? 0;
    cost.add("collect", Math.max(0, collected - now - lint / 1000));
    cost.add("lint", lint / 1000);
    if (next === undefined) return;
    this.#stats.lint_us = lint;
    this.#stats.collect_us = Math.max(0, Math.round((collected - now) * 1000) - lint);
    const delta = this.#advance(next, now);
    const advanced = performance.now();
    cost.add("encode", advanced - collected);
    if (delta === false) return;
    this.#record(delta);
    const encoded = performance.now();
    cost.add("record", encoded - advanced);
    this.#stats.encode_us = Math.round((encoded - collected) * 1000);
    this.#fanOut(now, delta);
    const sent = performance.now();
    cost.add("send", sent - encoded);
    this.#stats.send_us = Math.round((sent - encoded) * 1000);
  }

  /** A new snapshot, or `undefined` when collecting failed (clients are told). */
  #collect(now: number): MemorySnapshot | undefined {
    const sampleHeap = heapSampleDue(now, this.#lastHeapSample, this.#settings);
    let next: MemorySnapshot;
    try {
      next = this.#registry.snapshot({ sampleHeap });
    } catch (error) {
      this.#broadcastError("collect a snapshot", error);
      return undefined;
    }
    if (sampleHeap) this.#lastHeapSample = now;
    return next;
  }

  /**
   * Publishes what `next` changed, as {@linkcode decidePublish} says. The
   * state advances only once its delta is encoded, so that no id names a
   * state no client could be sent.
   *
   * @returns This tick's delta event; `undefined` when none (the first
   * state, or nothing to publish); `false` when encoding failed (clients
   * are told).
   */
  #advance(next: MemorySnapshot, now: number): EncodedDelta | undefined | false {
    const current = this.#current;
    if (current === undefined) {
      this.#commit({ ...next, seq: 1, stream: this.stats }, now, true, true);
      return undefined;
    }
    next.seq = current.seq + 1;
    next.stream = this.stats;
    try {
      let delta = deltaObject(current, next);
      const decision = decidePublish(delta, {
        now,
        lastHeapPublish: this.#lastHeapPublish,
        lastSpacesPublish: this.#lastSpacesPublish,
      }, this.#settings);
      if (decision === "nothing") return undefined;
      if (decision !== "delta") {
        // Only the heap moved: lean, without the stream's own figures, and
        // with the heap spaces only every keyframeInterval. What is held
        // back rides along with the next delta that is sent anyway.
        next.stream = current.stream;
        if (decision === "heap") next.heap = { ...next.heap, spaces: current.heap.spaces };
        delta = deltaObject(current, next); // null when only the spaces moved
      }
      if (delta === null) return undefined;
      const bytes = encodeServerSentEvent({
        event: "diagnostics-delta",
        data: JSON.stringify(delta),
        id: formatEventId(this.#boot, next.seq),
      });
      const heap = delta.heap as Record<string, unknown> | undefined;
      this.#commit(next, now, heap !== undefined, heap !== undefined && "spaces" in heap);
      return { base: current.seq, seq: next.seq, poolChange: decision === "delta", bytes };
    } catch (error) {
      this.#broadcastError("encode a delta", error);
      return false;
    }
  }

  /**
   * Hands the recorder this tick's delta, and the current keyframe when it
   * wants one (the same encoded bytes clients get). Its time counts as
   * encoding.
   */
  #record(delta: EncodedDelta | undefined): void {
    const recorder = this.#recorder;
    if (recorder === undefined) return;
    const current = this.#current!;
    const now = Date.now();
    if (delta !== undefined) {
      recorder.record({
        event: "diagnostics-delta",
        seq: delta.seq,
        base: delta.base,
        ts: current.ts,
        poolChange: delta.poolChange,
        bytes: delta.bytes,
      }, now);
    } else {
      recorder.trim(now);
    }
    if (recorder.keyframeDue(current.ts)) {
      const keyframe = this.#keyframeEvent();
      // A keyframe that cannot be encoded is asked for again next tick.
      if (!("failure" in keyframe)) {
        recorder.record({
          event: "diagnostics",
          seq: keyframe.seq,
          base: keyframe.seq,
          ts: current.ts,
          poolChange: false,
          bytes: keyframe.bytes,
        }, now);
      }
    }
    this.#stats.recorded_ms = recorder.span;
    this.#stats.recorded_bytes = recorder.bytes;
  }

  /** Makes `next` the current state; notes whether it carried heap news, and keeps them. */
  #commit(next: MemorySnapshot, now: number, heap: boolean, spaces: boolean): void {
    this.#current = next;
    if (heap) {
      this.#lastHeapPublish = now;
      this.#heapHistory.add(next.ts, next.heap);
    }
    if (spaces) this.#lastSpacesPublish = now;
  }

  /**
   * Sends each client what {@linkcode decideForClient} says. A tick that
   * publishes nothing visits no client before {@linkcode nextDueAt} says
   * one can be due (the visit would decide `"quiet"` and send nothing), so
   * an idle stream costs O(1) per tick however many clients it has.
   */
  #fanOut(now: number, delta: EncodedDelta | undefined): void {
    // Rounding aside (`now < a + b` against `now - a >= b`: at most one tick late).
    if (delta === undefined && now < this.#nextVisit) return;
    const seq = this.#current!.seq;
    const tick = { now, seq, delta };
    const settings = this.#settings;
    let nextVisit = Infinity;
    for (const client of this.#clients) {
      if (client.closed) continue;
      switch (decideForClient(client, client.room, tick, settings)) {
        case "skip":
          // Latest wins: skip this tick; once drained it gets a keyframe.
          this.#stats.skipped_ticks++;
          client.skippingSince ??= now;
          break;
        case "drop":
          this.#stats.skipped_ticks++;
          this.#stats.slow_dropped++;
          this.#remove(client);
          continue;
        case "keyframe":
          client.skippingSince = undefined;
          this.#sendKeyframe(client, now);
          break;
        case "delta":
          client.skippingSince = undefined;
          client.dirty ||= delta!.poolChange;
          client.seq = delta!.seq;
          this.#send(client, delta!.bytes, "state", now);
          break;
        case "quiet":
          client.skippingSince = undefined;
          if (heartbeatDue(client, now, settings)) this.#send(client, HEARTBEAT, "heartbeat", now);
          if (pingDue(client, now, settings)) this.#send(client, this.#ping(), "ping", now);
          break;
      }
      nextVisit = Math.min(nextVisit, nextDueAt(client, seq, settings));
    }
    this.#nextVisit = nextVisit;
  }

  /** A `ping` event carrying the current seq; the same bytes for everyone in a tick. */
  #ping(): Uint8Array {
    const seq = this.#current?.seq ?? 0;
    if (this.#pingBytes?.seq !== seq) {
      this.#pingBytes = { seq, bytes: encodeServerSentEvent({ event: "ping", data: String(seq) }) };
    }
    return this.#pingBytes.bytes;
  }

  /** The current state's keyframe, encoded at most once per state. */
  #keyframeEvent(): KeyframeEvent {
    const current = this.#current!;
    if (this.#keyframe?.seq !== current.seq) {
      try {
        const text = encodeKeyframe(current);
        this.#keyframe = {
          seq: current.seq,
          text,
          bytes: encodeServerSentEvent({
            event: "diagnostics",
            data: text,
            id: formatEventId(this.#boot, current.seq),
          }),
        };
      } catch (error) {
        this.#keyframe = { seq: current.seq, failure: failureMessage("encode a keyframe", error) };
      }
    }
    return this.#keyframe;
  }

  /**
   * The keyframe; an error event instead when it cannot be encoded (a later
   * tick retries). A client's first keyframe is followed by the heap history.
   */
  #sendKeyframe(client: StreamClient, now: number = performance.now()): void {
    const keyframe = this.#keyframeEvent();
    if ("failure" in keyframe) {
      this.#lastError = keyframe.failure;
      this.#send(client, this.#errorEvent(keyframe.failure), "state", now);
      return;
    }
    const first = client.seq === -1;
    client.seq = keyframe.seq;
    client.dirty = false;
    client.lastKeyframeAt = now;
    this.#send(client, keyframe.bytes, "state", now);
    if (first && !client.closed) {
      const history = this.#heapHistoryEvent();
      if (history !== undefined) this.#send(client, history, "history", now);
    }
  }

  /**
   * The `heap-history` event of the samples of the 3 minutes up to the
   * current state, encoded once per change of the ring; `undefined` when it
   * holds none or they cannot be encoded (the keyframe goes out regardless).
   */
  #heapHistoryEvent(): Uint8Array | undefined {
    const ring = this.#heapHistory;
    ring.trim(this.#current!.ts);
    if (this.#heapHistoryBytes?.version !== ring.version) {
      let bytes: Uint8Array | undefined;
      try {
        if (ring.size > 0) {
          bytes = encodeServerSentEvent({
            event: "heap-history",
            data: encodeHeapHistory(ring.history()),
          });
        }
      } catch (error) {
        console.error(`slabscope: ${failureMessage("encode the heap history", error)}`);
      }
      this.#heapHistoryBytes = { version: ring.version, bytes };
    }
    return this.#heapHistoryBytes.bytes;
  }

  /**
   * Hands bytes to one client (large ones a piece per turn, see
   * `stream_client.ts`), and moves its quiet timers as `kind` says.
   *
   * @param now The time to record: the tick's, when sending from a tick.
   */
  #send(client: StreamClient, bytes: Uint8Array, kind: SendKind, now = performance.now()): void {
    try {
      if (client.send(bytes)) this.#pacer.add(client);
    } catch {
      this.#remove(client); // the stream is gone
      return;
    }
    this.#stats.bytes_sent += bytes.byteLength;
    if (kind === "preamble") return;
    if (kind === "heartbeat") {
      client.lastSentAt = now;
      return;
    }
    this.#stats.events_sent++;
    client.lastEventAt = now;
    if (kind === "state") client.lastSentAt = now;
  }

  #broadcastError(action: string, error: unknown): void {
    const message = failureMessage(action, error);
    this.#lastError = message;
    const bytes = this.#errorEvent(message);
    for (const client of this.#clients) {
      if (!client.closed && hasRoom(client.room)) {
        this.#send(client, bytes, "state");
      }
    }
  }

  /**
   * An `error` event. EventSource clients tell it from a connection error by
   * its `data`. It has no `id`: an event without one leaves a client's last
   * event id as it was, the state it holds, which a reconnect resumes from.
   */
  #errorEvent(message: string): Uint8Array {
    return encodeServerSentEvent({ event: "error", data: JSON.stringify({ message }) });
  }
}

/** `Cannot <action>: <what went wrong>`. */
function failureMessage(action: string, error: unknown): string {
  return `Cannot ${action}: ${error instanceof Error ? error.message : String(error)}`;
}
