// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode StreamClient}: one connected client of the diagnostics stream,
 * the state it holds and the way bytes reach it. Internal to
 * `diagnostics_stream.ts`.
 *
 * Every event's bytes are encoded once and shared by every client: a client
 * holds references, never copies.
 *
 * Large events go out in pieces, one turn of the event loop apart. Under
 * `Deno.serve`, a response body's bytes pass from the stream's queue
 * straight into Deno's channel and on to hyper, which copies whatever is
 * there into one write buffer per connection before it writes to the socket,
 * and keeps that buffer's capacity for the connection's life. Handed a
 * 45 KB keyframe at once, every connection keeps a buffer of about twice
 * that (measured: +88 KiB of C heap, +48 KiB of RSS per client). Handed in
 * pieces of {@linkcode PIECE_BYTES}, with a turn in between in which hyper
 * writes each one out, the buffer keeps its initial 8 KiB. Sending the
 * pieces one per tick instead would delay a keyframe by seconds; one
 * `setImmediate` turn is a fraction of a millisecond.
 *
 * @module
 */

import type { EventPosition } from "./last_event_id.ts";
import type { ClientPosition } from "./client_decision.ts";

/**
 * Events up to this size go out whole (when nothing waits before them): a
 * delta at 1 % churn of 262,144 slots is about 4 KB, so deltas cost one
 * enqueue each. Larger ones go in pieces of {@linkcode PIECE_BYTES}.
 */
export const WHOLE_BYTES = 16 * 1024;

/**
 * The size of the pieces, and of what one turn hands a client: small
 * enough that a piece with its chunk framing fits hyper's initial 8 KiB
 * write buffer, which then never grows for it.
 */
export const PIECE_BYTES = 4 * 1024;

/** What a client calls back into: its stream, through one shared object. */
export interface ClientHost {
  /** The client's stream started: register it. */
  start(client: StreamClient): void;
  /** The client's stream was cancelled, or its response ended: remove it. */
  end(client: StreamClient): void;
}

/**
 * One client: its position (what {@linkcode ClientPosition} says), its
 * stream controller, and the bytes accepted for it but not yet handed to
 * the stream. It is its stream's underlying source too, so a connection
 * costs no closures beyond the one for `completed`.
 */
export class StreamClient implements ClientPosition, UnderlyingDefaultSource<Uint8Array> {
  seq = -1;
  dirty = false;
  lastKeyframeAt: number;
  lastSentAt: number;
  lastEventAt: number;
  skippingSince: number | undefined = undefined;
  closed = false;
  /** Where its `Last-Event-ID` said it was; read once, on start. */
  readonly position: EventPosition | undefined;
  /** Called once when its stream ends, however it ends. */
  readonly onClose: (() => void) | undefined;
  /** Ends this client; the same function for `completed`'s both outcomes. */
  readonly end: () => void;
  #host: ClientHost;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** Bytes accepted and not yet enqueued, in order; `undefined` when none. */
  #backlog: Uint8Array[] | undefined;
  #backlogBytes = 0;

  /**
   * @param host The stream it belongs to.
   * @param position Where its `Last-Event-ID` says it is.
   * @param onClose Called once when its stream ends.
   * @param now When it connected (`performance.now()`).
   */
  constructor(
    host: ClientHost,
    position: EventPosition | undefined,
    onClose: (() => void) | undefined,
    now: number,
  ) {
    this.#host = host;
    this.position = position;
    this.onClose = onClose;
    this.lastKeyframeAt = now;
    this.lastSentAt = now;
    this.lastEventAt = now;
    this.end = () => host.end(this);
  }

  /** The underlying source's start: the stream is ready for bytes. */
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
    this.#host.start(this);
  }

  /** The underlying source's cancel: the server or the reader gave up. */
  cancel(): void {
    this.#host.end(this);
  }

  /**
   * How many more bytes it may be sent before its queue is full: its
   * stream's `desiredSize` less what waits to be handed over (`null` once
   * the stream errored).
   */
  get room(): number | null {
    const size = this.#controller!.desiredSize;
    return size === null ? null : size - this.#backlogBytes;
  }

  /** Whether bytes wait to be handed over, a piece per turn ({@linkcode sendPieces}). */
  get backlogged(): boolean {
    return this.#backlog !== undefined;
  }

  /**
   * Hands bytes to the stream: at once when nothing waits and they are at
   * most {@linkcode WHOLE_BYTES}, otherwise the first piece now and the
   * rest queued.
   *
   * @returns Whether bytes now wait (then call {@linkcode sendPieces} at
   * the next turns until it returns `false`).
   * @throws {TypeError} If the stream is closed or errored.
   */
  send(bytes: Uint8Array): boolean {
    const backlog = this.#backlog;
    if (backlog !== undefined) {
      backlog.push(bytes);
      this.#backlogBytes += bytes.byteLength;
      return true;
    }
    if (bytes.byteLength <= WHOLE_BYTES) {
      this.#controller!.enqueue(bytes);
      return false;
    }
    this.#controller!.enqueue(bytes.subarray(0, PIECE_BYTES));
    this.#backlog = [bytes.subarray(PIECE_BYTES)];
    this.#backlogBytes = bytes.byteLength - PIECE_BYTES;
    return true;
  }

  /**
   * One turn's worth: hands over up to {@linkcode PIECE_BYTES} of what
   * waits, whole events where they fit.
   *
   * @returns Whether bytes still wait.
   * @throws {TypeError} If the stream is closed or errored.
   */
  sendPieces(): boolean {
    const backlog = this.#backlog;
    if (backlog === undefined) return false;
    const controller = this.#controller!;
    let budget = PIECE_BYTES;
    while (backlog.length > 0 && budget > 0) {
      const head = backlog[0]!;
      if (head.byteLength <= budget) {
        controller.enqueue(head);
        backlog.shift();
        budget -= head.byteLength;
        this.#backlogBytes -= head.byteLength;
      } else {
        controller.enqueue(head.subarray(0, budget));
        backlog[0] = head.subarray(budget);
        this.#backlogBytes -= budget;
        budget = 0;
      }
    }
    if (backlog.length > 0) return true;
    this.#backlog = undefined;
    return false;
  }

  /** Closes its stream (what waits is dropped); a no-op when already closed. */
  close(): void {
    this.#backlog = undefined;
    this.#backlogBytes = 0;
    try {
      this.#controller?.close();
    } catch {
      // Already closed or errored: nothing left to end.
    }
  }
}

/**
 * The turns of the event loop in which clients' large events go out: one
 * `setImmediate` for every client with bytes waiting, each getting a
 * piece per turn, and none while nothing waits.
 */
export class Pacer {
  #waiting = new Set<StreamClient>();
  #turn: ReturnType<typeof setImmediate> | undefined;
  #gone: (client: StreamClient) => void;

  /** @param gone Called for a client whose stream failed while handing it a piece. */
  constructor(gone: (client: StreamClient) => void) {
    this.#gone = gone;
  }

  /** Gives `client` its next piece at the next turn, and at each one after until it has none. */
  add(client: StreamClient): void {
    this.#waiting.add(client);
    this.#turn ??= setImmediate(this.#next);
  }

  /** Forgets `client` (it is being removed). */
  delete(client: StreamClient): void {
    this.#waiting.delete(client);
  }

  /** Forgets every client and cancels the next turn. */
  stop(): void {
    this.#waiting.clear();
    if (this.#turn !== undefined) clearImmediate(this.#turn);
    this.#turn = undefined;
  }

  #next = (): void => {
    this.#turn = undefined;
    for (const client of this.#waiting) {
      try {
        if (!client.sendPieces()) this.#waiting.delete(client);
      } catch {
        this.#waiting.delete(client);
        this.#gone(client); // its stream is gone
      }
    }
    if (this.#waiting.size > 0) this.#turn = setImmediate(this.#next);
  };
}
