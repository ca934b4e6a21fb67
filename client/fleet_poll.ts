// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode FleetPoll}: the dashboard's view of another instance of the
 * fleet. Another process has no stream to this page; its state comes as a
 * keyframe through KV (`…/fleet/keyframe?id=`), asked for again and again.
 *
 * @module
 */

import { decodeKeyframe } from "../core/wire/keyframe.ts";
import type { MemorySnapshot } from "../core/wire/types.ts";
import type { ConnectionState } from "./live_stream.ts";

/** Options for {@linkcode FleetPoll}. */
export interface FleetPollOptions {
  /** URL of `…/fleet/keyframe`. */
  url: string;
  /** The instance to show. */
  id: string;
  /** Called with every keyframe. */
  onState(state: MemorySnapshot): void;
  /** `connecting`, then `live` while answers come, `reconnecting` while they do not. */
  onConnection(state: ConnectionState): void;
  /** Called with why an instance did not answer. */
  onServerError?(message: string): void;
  /** Milliseconds from one answer to the next request. @default {2000} */
  interval?: number;
}

/** Polls one fleet instance for keyframes until stopped. */
export class FleetPoll {
  #options: FleetPollOptions;
  #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastEventTime: number | undefined;

  /** @param options Which instance, where to ask, and what to call. */
  constructor(options: FleetPollOptions) {
    this.#options = options;
  }

  /** When the last keyframe came, in ms since the epoch by the local clock. */
  get lastEventTime(): number | undefined {
    return this.#lastEventTime;
  }

  /** Asks at once, then `interval` after every answer. */
  start(): void {
    this.#options.onConnection("connecting");
    void this.#poll();
  }

  /** Stops asking; a request in flight is aborted. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#controller.abort();
  }

  async #poll(): Promise<void> {
    const { url, id, onState, onConnection, onServerError } = this.#options;
    const signal = this.#controller.signal;
    try {
      const response = await fetch(`${url}?id=${encodeURIComponent(id)}`, { signal });
      if (response.ok) {
        onState(decodeKeyframe(await response.text()));
        this.#lastEventTime = Date.now();
        onConnection("live");
      } else {
        const { error } = await response.json().catch(() => ({ error: response.statusText }));
        onServerError?.(String(error));
        onConnection("reconnecting");
      }
    } catch (error) {
      if (signal.aborted) return;
      onServerError?.((error as Error).message);
      onConnection("reconnecting");
    }
    if (!signal.aborted) {
      this.#timer = setTimeout(() => this.#poll(), this.#options.interval ?? 2_000);
    }
  }
}
