// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode DiagnosticsStream}: one ticker, any number of persistent SSE
 * clients, one encode per tick.
 *
 * @module
 */

import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
import { deltaObject } from "../wire/delta.ts";
import { encodeKeyframe } from "../wire/keyframe.ts";
import type { MemorySnapshot, StreamSnapshot } from "../wire/types.ts";
import { type EventPosition, formatEventId, newBootId, parseLastEventId } from "./last_event_id.ts";
import { BASE_HEADERS } from "./access.ts";
import { encodeServerSentEvent } from "./sse.ts";
import { positiveOption } from "../options.ts";

const STREAM_ACTION = "create diagnostics stream";

/** Options for {@linkcode DiagnosticsStream}. */
export interface DiagnosticsStreamOptions {
  /**
   * Milliseconds between ticks: one snapshot and one encode for all clients.
   *
   * @default {100}
   */
  interval?: number;
  /**
   * A comment is sent to a client that got nothing for this long, so that
   * proxies and Deno Deploy keep the connection open.
   *
   * @default {15000}
   */
  heartbeatInterval?: number;
  /**
   * A `ping` event (data: the current seq) goes to a client that got no
   * event for this long. `EventSource` never surfaces comments, so this is
   * how a dashboard tells a live quiet stream from a stale one, and spots a
   * missed event (the seq differs from its own).
   *
   * @default {1000}
   */
  pingInterval?: number;
  /**
   * A client that received pool changes gets a fresh keyframe at least this
   * often, so that every client converges whatever happened.
   *
   * @default {30000}
   */
  keyframeInterval?: number;
  /**
   * Milliseconds between heap samples. A new sample rides along with any
   * delta that is sent anyway.
   *
   * @default {1000}
   */
  heapInterval?: number;
  /**
   * When nothing but the heap changed, a delta is sent at most this often:
   * it keeps an idle stream under 100 bytes per second.
   *
   * @default {5000}
   */
  heapQuietInterval?: number;
  /**
   * Bytes queued for one client above which it skips ticks (latest wins):
   * it gets a keyframe once it drains. Memory per client stays below this
   * plus one event, whatever the client does.
   *
   * @default {262144}
   */
  maxQueuedBytes?: number;
  /**
   * A client that has skipped ticks for this long is disconnected. The
   * default leaves room for the ~1 s a stalled socket takes to fill its
   * kernel buffers (which the server cannot see), so that a client that
   * never reads is gone about 6 s after it stopped reading.
   *
   * @default {4500}
   */
  slowClientTimeout?: number;
  /**
   * Base reconnection delay sent as `retry:`; each client gets up to 1 s of
   * random jitter on top so that a restart does not cause a reconnect storm.
   *
   * @default {1000}
   */
  retry?: number;
  /** Boot id used in event ids; a fresh random one by default. */
  bootId?: string;
}

/** The part of `Deno.ServeHandlerInfo` the stream uses. */
export interface ConnectionInfo {
  /** Settles when the response has been sent or the connection failed. */
  completed?: Promise<void>;
  /** The client's address, for per-address caps. */
  remoteAddr?: { hostname: string } | Deno.Addr;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** The state this client holds; -1 until it got a keyframe. */
  seq: number;
  /** Last state event or heartbeat: drives the 15 s comment heartbeat. */
  lastSentAt: number;
  /** Last event of any kind, pings included: drives the 1 s ping. */
  lastEventAt: number;
  lastKeyframeAt: number;
  /** Received pool changes since its last keyframe. */
  dirty: boolean;
  /** When it started skipping ticks, or 0. */
  skippingSince: number;
  closed: boolean;
  onClose: (() => void) | undefined;
}

/** A heartbeat: an empty comment, the same bytes for everyone. */
const HEARTBEAT = encodeServerSentEvent({ comment: "" });

/** Keys of a delta that are not pool changes. */
const QUIET_KEYS = new Set(["v", "seq", "base", "ts", "heap", "stream"]);

/**
 * Streams snapshots of a {@linkcode DiagnosticsRegistry} to any number of
 * clients as persistent Server-Sent Events: a `diagnostics` keyframe on
 * connect, then a `diagnostics-delta` whenever something changed.
 *
 * - One timer for all clients, running only while at least one is
 *   connected. Each tick collects one snapshot and encodes each event once;
 *   every client gets the same bytes.
 * - A quiet stream sends a small `ping` event (data: the current seq) every
 *   second, and a comment every 15 s, so clients can tell quiet from stale.
 * - Every state event has `id: <boot id>-<seq>`. A client reconnecting with the
 *   current id resumes without a keyframe; any other `Last-Event-ID`
 *   (missing, garbage, another boot, behind, ahead) gets a keyframe.
 * - Backpressure is latest-wins: a client whose queue is full skips ticks,
 *   gets a keyframe when it drains, and is disconnected after
 *   `slowClientTimeout` of skipping.
 * - A client is cleaned up when its response ends (`Deno.serve`'s
 *   `info.completed`), when its stream is cancelled, or when an enqueue
 *   fails, whichever comes first; cleanup is idempotent.
 * - A snapshot or encode failure sends an `error` event; the stream stays.
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
  #interval: number;
  #heartbeatInterval: number;
  #pingInterval: number;
  #keyframeInterval: number;
  #heapInterval: number;
  #heapQuietInterval: number;
  #maxQueuedBytes: number;
  #slowClientTimeout: number;
  #retry: number;
  #boot: string;

  #clients = new Set<Client>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #current: MemorySnapshot | undefined;
  #keyframe: { seq: number; text: string; bytes: Uint8Array } | undefined;
  #pingBytes: { seq: number; bytes: Uint8Array } | undefined;
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
  };

  /**
   * Creates a stream over a registry. Nothing runs until a client connects.
   *
   * @param registry The pools to stream.
   * @param options Intervals and limits.
   * @throws {RangeError} If an interval or limit is not a positive number.
   */
  constructor(registry: DiagnosticsRegistry, options: DiagnosticsStreamOptions = {}) {
    this.#registry = registry;
    this.#interval = positiveOption(options.interval, 100, "interval", STREAM_ACTION);
    this.#heartbeatInterval = positiveOption(
      options.heartbeatInterval,
      15_000,
      "heartbeatInterval",
      STREAM_ACTION,
    );
    this.#pingInterval = positiveOption(options.pingInterval, 1_000, "pingInterval", STREAM_ACTION);
    this.#keyframeInterval = positiveOption(
      options.keyframeInterval,
      30_000,
      "keyframeInterval",
      STREAM_ACTION,
    );
    this.#heapInterval = positiveOption(options.heapInterval, 1_000, "heapInterval", STREAM_ACTION);
    this.#heapQuietInterval = positiveOption(
      options.heapQuietInterval,
      5_000,
      "heapQuietInterval",
      STREAM_ACTION,
    );
    this.#maxQueuedBytes = positiveOption(
      options.maxQueuedBytes,
      256 * 1024,
      "maxQueuedBytes",
      STREAM_ACTION,
    );
    this.#slowClientTimeout = positiveOption(
      options.slowClientTimeout,
      4_500,
      "slowClientTimeout",
      STREAM_ACTION,
    );
    this.#retry = positiveOption(options.retry, 1_000, "retry", STREAM_ACTION);
    this.#boot = options.bootId ?? newBootId();
    if (!/^[0-9a-z]{1,32}$/.test(this.#boot)) {
      throw new RangeError(
        `Cannot create diagnostics stream: bootId must be 1 to 32 lowercase letters and digits, received ${
          JSON.stringify(this.#boot)
        }`,
      );
    }
  }

  /** The boot id in every event id: it changes whenever the process restarts. */
  get bootId(): string {
    return this.#boot;
  }

  /** Clients connected now. */
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Whether the tick timer is running (only while clients are connected). */
  get ticking(): boolean {
    return this.#timer !== undefined;
  }

  /** The stream's own cost: clients, events and bytes sent, skips, drops, tick times. */
  get stats(): StreamSnapshot {
    return { ...this.#stats, clients: this.#clients.size };
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
    const position = parseLastEventId(request.headers.get("last-event-id"));
    const completed = info?.completed;
    let client: Client | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        client = this.#register(controller, position, onClose);
        // However the response ends, the client is cleaned up (idempotently).
        completed?.then(() => this.#remove(client!), () => this.#remove(client!));
      },
      cancel: () => {
        if (client !== undefined) this.#remove(client);
      },
    }, { highWaterMark: this.#maxQueuedBytes, size: (chunk) => chunk.byteLength });
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
   * applied every delta holds. With no client connected, it is collected now.
   *
   * @returns Keyframe JSON text.
   * @throws {Error} If no snapshot could be collected.
   */
  snapshot(): string {
    if (this.#timer === undefined) this.#tick();
    if (this.#current === undefined) {
      throw new Error("Cannot read the diagnostics snapshot: collecting it failed");
    }
    return this.#keyframeText();
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

  #register(
    controller: ReadableStreamDefaultController<Uint8Array>,
    position: EventPosition | undefined,
    onClose: (() => void) | undefined,
  ): Client {
    const client: Client = {
      controller,
      seq: -1,
      lastSentAt: performance.now(),
      lastEventAt: performance.now(),
      lastKeyframeAt: performance.now(),
      dirty: false,
      skippingSince: 0,
      closed: false,
      onClose,
    };
    // Bring the state up to date before this client's first keyframe (the
    // client is not registered yet, so the tick sends it nothing).
    if (this.#timer === undefined) this.#tick();
    this.#clients.add(client);
    this.#timer ??= setInterval(() => this.#tick(), this.#interval);
    const jitter = Math.floor(Math.random() * 1000);
    this.#send(client, encodeServerSentEvent({ retry: this.#retry + jitter }), false);
    // The comment makes Deno flush the headers at once.
    this.#send(client, encodeServerSentEvent({ comment: "connected" }), false);
    const current = this.#current;
    if (current === undefined) {
      // The first collection failed: say so; the client gets its keyframe
      // from the first tick that succeeds.
      this.#send(client, this.#errorEvent(this.#lastError), true);
    } else if (position?.boot === this.#boot && position.seq === current.seq) {
      client.seq = current.seq;
      this.#send(client, encodeServerSentEvent({ comment: "resumed" }), false);
    } else {
      this.#sendKeyframe(client);
    }
    return client;
  }

  #remove(client: Client): void {
    if (client.closed) return;
    client.closed = true;
    this.#clients.delete(client);
    try {
      client.controller.close();
    } catch {
      // Already closed or errored: nothing left to end.
    }
    client.onClose?.();
    if (this.#clients.size === 0) this.#stop();
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Collects, decides what to publish, encodes once, sends to everyone. */
  #tick(): void {
    const now = performance.now();
    const started = performance.now();
    const sampleHeap = now - this.#lastHeapSample >= this.#heapInterval;
    let next: MemorySnapshot;
    try {
      next = this.#registry.snapshot({ sampleHeap });
    } catch (error) {
      this.#broadcastError("collect a snapshot", error);
      return;
    }
    if (sampleHeap) this.#lastHeapSample = now;
    const collected = performance.now();
    this.#stats.collect_us = Math.round((collected - started) * 1000);

    let deltaBytes: Uint8Array | undefined;
    let poolChange = false;
    let base = -1;
    try {
      const current = this.#current;
      if (current === undefined) {
        this.#publish({ ...next, seq: 1 }, now, true);
        this.#lastSpacesPublish = now;
      } else {
        next.seq = current.seq + 1;
        next.stream = this.stats;
        let delta = deltaObject(current, next);
        poolChange = delta !== null && Object.keys(delta).some((key) => !QUIET_KEYS.has(key));
        if (delta !== null && !poolChange) {
          // Only the heap moved. Send that at most every heapQuietInterval,
          // and lean: without the stream's own figures, and with the heap
          // spaces only every keyframeInterval. What is held back now rides
          // along with the next delta that is sent anyway.
          if (now - this.#lastHeapPublish < this.#heapQuietInterval) {
            delta = null;
          } else {
            next.stream = current.stream;
            if (now - this.#lastSpacesPublish < this.#keyframeInterval) {
              next.heap = { ...next.heap, spaces: current.heap.spaces };
            }
            delta = deltaObject(current, next);
          }
        }
        if (delta !== null) {
          base = current.seq;
          this.#publish(next, now, "heap" in delta);
          if ("spaces" in ((delta.heap ?? {}) as object)) this.#lastSpacesPublish = now;
          deltaBytes = encodeServerSentEvent({
            event: "diagnostics-delta",
            data: JSON.stringify(delta),
            id: formatEventId(this.#boot, next.seq),
          });
        }
      }
    } catch (error) {
      this.#broadcastError("encode a delta", error);
      return;
    }
    const encoded = performance.now();
    this.#stats.encode_us = Math.round((encoded - collected) * 1000);

    for (const client of this.#clients) {
      if (client.closed) continue;
      if ((client.controller.desiredSize ?? 0) <= 0) {
        // Latest wins: skip this tick; once drained it gets a keyframe.
        this.#stats.skipped_ticks++;
        if (client.skippingSince === 0) client.skippingSince = now;
        else if (now - client.skippingSince >= this.#slowClientTimeout) {
          this.#stats.slow_dropped++;
          this.#remove(client);
        }
        continue;
      }
      client.skippingSince = 0;
      const seq = this.#current!.seq;
      if (deltaBytes !== undefined && client.seq === base) {
        if (poolChange && client.dirty && now - client.lastKeyframeAt >= this.#keyframeInterval) {
          this.#sendKeyframe(client);
        } else {
          client.dirty ||= poolChange;
          client.seq = seq;
          this.#send(client, deltaBytes, true);
        }
      } else if (client.seq !== seq) {
        this.#sendKeyframe(client); // new, or missed ticks while slow
      } else if (client.dirty && now - client.lastKeyframeAt >= this.#keyframeInterval) {
        this.#sendKeyframe(client);
      } else {
        // Quiet: a comment heartbeat every heartbeatInterval (proxies, Deno
        // Deploy), and a ping event when no event went out for a second.
        if (now - client.lastSentAt >= this.#heartbeatInterval) {
          this.#send(client, HEARTBEAT, false);
        }
        if (now - client.lastEventAt >= this.#pingInterval) {
          this.#send(client, this.#ping(), "ping");
        }
      }
    }
    this.#stats.send_us = Math.round((performance.now() - encoded) * 1000);
  }

  /** A `ping` event carrying the current seq; the same bytes for everyone in a tick. */
  #ping(): Uint8Array {
    const seq = this.#current?.seq ?? 0;
    if (this.#pingBytes?.seq !== seq) {
      this.#pingBytes = { seq, bytes: encodeServerSentEvent({ event: "ping", data: String(seq) }) };
    }
    return this.#pingBytes.bytes;
  }

  #publish(next: MemorySnapshot, now: number, heapIncluded: boolean): void {
    next.stream ??= this.stats;
    this.#current = next;
    if (heapIncluded) this.#lastHeapPublish = now;
  }

  #keyframeText(): string {
    const current = this.#current!;
    if (this.#keyframe?.seq !== current.seq) {
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
    }
    return this.#keyframe.text;
  }

  #sendKeyframe(client: Client): void {
    this.#keyframeText();
    client.seq = this.#current!.seq;
    client.dirty = false;
    client.lastKeyframeAt = performance.now();
    this.#send(client, this.#keyframe!.bytes, true);
  }

  /**
   * Enqueues bytes for one client. `kind` says what they are: a state event
   * (keyframe, delta, error) resets both quiet timers, a ping only the ping
   * timer, anything else (`false`: retry, comments) neither.
   */
  #send(client: Client, bytes: Uint8Array, kind: boolean | "ping"): void {
    try {
      client.controller.enqueue(bytes);
    } catch {
      this.#remove(client); // the stream is gone
      return;
    }
    const now = performance.now();
    this.#stats.bytes_sent += bytes.byteLength;
    if (kind === false) {
      if (bytes === HEARTBEAT) client.lastSentAt = now;
      return;
    }
    this.#stats.events_sent++;
    client.lastEventAt = now;
    if (kind === true) client.lastSentAt = now;
  }

  #broadcastError(action: string, error: unknown): void {
    const message = `Cannot ${action}: ${error instanceof Error ? error.message : String(error)}`;
    this.#lastError = message;
    const bytes = this.#errorEvent(message);
    for (const client of this.#clients) {
      if (!client.closed && (client.controller.desiredSize ?? 0) > 0) {
        this.#send(client, bytes, true);
      }
    }
  }

  /** An `error` event. EventSource clients tell it from a connection error by its `data`. */
  #errorEvent(message: string): Uint8Array {
    return encodeServerSentEvent({
      event: "error",
      data: JSON.stringify({ message }),
      id: this.#current === undefined ? undefined : formatEventId(this.#boot, this.#current.seq),
    });
  }
}
