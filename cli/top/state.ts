// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode StreamKeeper}: the state a `slabscope top` holds, rebuilt from
 * the diagnostics stream's events with the project's own decoder: a
 * `diagnostics` keyframe replaces it, a `diagnostics-delta` is applied to
 * it, a `ping` checks it. Anything that does not fit (a gap, a delta from
 * another boot, a malformed event) asks for a keyframe instead of drawing a
 * wrong picture.
 *
 * @module
 */

import { applyDelta } from "../../core/wire/apply_delta.ts";
import { decodeKeyframe } from "../../core/wire/keyframe.ts";
import { parseEventId } from "../../core/stream/last_event_id.ts";
import type { MemorySnapshot } from "../../core/wire/types.ts";
import type { ServerSentItem } from "./sse.ts";

/**
 * What an event did:
 * - `"state"`: a new state (keyframe or delta).
 * - `"ok"`: nothing to redraw (a ping that matched, an unknown event).
 * - `"error"`: the server reported an error (see `serverError`).
 * - `"resync"`: the state cannot continue: reconnect for a keyframe
 *   (see `resyncReason`).
 */
export type KeeperOutcome = "state" | "ok" | "error" | "resync";

/**
 * Keeps the latest state of one instance from its stream events.
 *
 * @example Usage
 * ```ts
 * import { DiagnosticsRegistry } from "../../mod.ts";
 * import { encodeKeyframe } from "../../wire.ts";
 * import { StreamKeeper } from "./state.ts";
 * import assert from "node:assert/strict";
 *
 * const keeper = new StreamKeeper();
 * const data = encodeKeyframe({ ...new DiagnosticsRegistry().snapshot(), seq: 7 });
 * assert.equal(keeper.handle({ kind: "event", event: "diagnostics", data, id: "boot1-7" }), "state");
 * assert.equal(keeper.handle({ kind: "event", event: "ping", data: "9", id: "" }), "resync");
 * ```
 */
export class StreamKeeper {
  #snapshot: MemorySnapshot | undefined;
  #bootId: string | undefined;
  #lastEventId: string | undefined;
  #needKeyframe = true;
  #updatedAt: number | undefined;
  #serverError: string | undefined;
  #resyncReason: string | undefined;
  #keyframes = 0;
  #clock: () => number;

  /**
   * Creates a keeper holding no state yet.
   *
   * @param clock Milliseconds now (for `updatedAt`).
   */
  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** The latest state; kept on display while a keyframe is awaited. */
  get snapshot(): MemorySnapshot | undefined {
    return this.#snapshot;
  }

  /** The boot id of the instance the state came from. */
  get bootId(): string | undefined {
    return this.#bootId;
  }

  /**
   * The `Last-Event-ID` to send on reconnecting, to resume without a
   * keyframe; `undefined` when a keyframe is needed.
   */
  get lastEventId(): string | undefined {
    return this.#needKeyframe ? undefined : this.#lastEventId;
  }

  /** Whether a keyframe is awaited (no state yet, or after a resync). */
  get needsKeyframe(): boolean {
    return this.#needKeyframe;
  }

  /** When the last keyframe or delta arrived (the keeper's clock). */
  get updatedAt(): number | undefined {
    return this.#updatedAt;
  }

  /** The message of the last server `error` event, until the next state. */
  get serverError(): string | undefined {
    return this.#serverError;
  }

  /** Why the last `"resync"` was asked for. */
  get resyncReason(): string | undefined {
    return this.#resyncReason;
  }

  /** Keyframes received so far. */
  get keyframes(): number {
    return this.#keyframes;
  }

  /**
   * Handles one item of the stream.
   *
   * @param item An event (comments and retries are ignored here).
   * @returns What it did.
   */
  handle(item: ServerSentItem): KeeperOutcome {
    if (item.kind !== "event") return "ok";
    switch (item.event) {
      case "diagnostics":
        return this.#keyframe(item.data, item.id);
      case "diagnostics-delta":
        return this.#delta(item.data, item.id);
      case "ping":
        return this.#ping(item.data);
      case "error":
        return this.#error(item.data);
      default:
        return "ok";
    }
  }

  /** Marks the state as needing a keyframe (the connection is being replaced). */
  invalidate(reason: string): void {
    this.#needKeyframe = true;
    this.#resyncReason = reason;
  }

  #keyframe(data: string, id: string): KeeperOutcome {
    let snapshot: MemorySnapshot;
    try {
      snapshot = decodeKeyframe(data);
    } catch (error) {
      return this.#resync(`malformed keyframe: ${(error as Error).message}`);
    }
    const position = parseEventId(id);
    if (position !== undefined && position.seq !== snapshot.seq) {
      return this.#resync(
        `keyframe id ${JSON.stringify(id)} does not match its seq ${snapshot.seq}`,
      );
    }
    this.#snapshot = snapshot;
    this.#bootId = position?.boot;
    this.#lastEventId = position === undefined ? undefined : id;
    this.#needKeyframe = false;
    this.#serverError = undefined;
    this.#updatedAt = this.#clock();
    this.#keyframes++;
    return "state";
  }

  #delta(data: string, id: string): KeeperOutcome {
    if (this.#needKeyframe || this.#snapshot === undefined) {
      return this.#resync("a delta arrived before a keyframe");
    }
    const position = parseEventId(id);
    if (position !== undefined && position.boot !== this.#bootId) {
      return this.#resync(`a delta from boot ${position.boot}, not ${this.#bootId}`);
    }
    let next: MemorySnapshot;
    try {
      next = applyDelta(this.#snapshot, data);
    } catch (error) {
      // DeltaBaseError (a gap) or SyntaxError (malformed): a keyframe fixes both.
      return this.#resync((error as Error).message);
    }
    this.#snapshot = next;
    this.#lastEventId = position === undefined ? undefined : id;
    this.#serverError = undefined;
    this.#updatedAt = this.#clock();
    return "state";
  }

  #ping(data: string): KeeperOutcome {
    if (this.#needKeyframe || this.#snapshot === undefined) return "ok";
    const seq = Number(data);
    if (data.trim() === "" || !Number.isSafeInteger(seq)) {
      return this.#resync(`malformed ping ${JSON.stringify(data.slice(0, 40))}`);
    }
    if (seq !== this.#snapshot.seq) {
      return this.#resync(
        `missed an event: the server is at ${seq}, this view at ${this.#snapshot.seq}`,
      );
    }
    return "ok";
  }

  #error(data: string): KeeperOutcome {
    let message = data;
    try {
      const parsed = JSON.parse(data) as { message?: unknown };
      if (typeof parsed?.message === "string") message = parsed.message;
    } catch {
      // Not JSON: show the text as it came.
    }
    this.#serverError = message;
    return "error";
  }

  #resync(reason: string): KeeperOutcome {
    this.invalidate(reason);
    return "resync";
  }
}
