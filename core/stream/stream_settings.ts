// Copyright 2026 the slabscope authors. MIT license.
/**
 * The diagnostics stream's options, their defaults, and the checked
 * settings the stream and its decisions run on.
 *
 * @module
 */

import { positiveOption } from "../options.ts";
import type { FlightRecorderOptions } from "./flight_recorder.ts";

/** Options for `DiagnosticsStream`. */
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
   * A client that has skipped ticks for this long is dropped at the next
   * tick. It starts skipping only once its queue is full, which for a
   * client that stopped reading comes after the kernel's socket buffers
   * filled (several MB on loopback, which the server cannot see): how long
   * after it stopped reading depends on the stream's rate (SECURITY.md).
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
  /**
   * The flight recorder: the stream keeps its own recent events (a
   * keyframe every `keyframeInterval`, the deltas between, for `window`
   * ms and at most `maxBytes`), so that a client reconnecting from any
   * state it holds gets deltas only, and `…/diagnostics/recording` serves
   * them as a file. While it records, the stream ticks with no client
   * connected too (on a timer that does not keep the process alive).
   * `false` turns it off.
   *
   * @default {{ window: 300000, maxBytes: 33554432, keyframeInterval: 2500 }}
   */
  recorder?: FlightRecorderOptions | false;
}

/** Every numeric option, checked, with its default filled in. */
export type StreamSettings = Readonly<
  Required<Omit<DiagnosticsStreamOptions, "bootId" | "recorder">>
>;

/** The defaults of {@linkcode DiagnosticsStreamOptions}, one place for each. */
export const STREAM_DEFAULTS: StreamSettings = Object.freeze({
  interval: 100,
  heartbeatInterval: 15_000,
  pingInterval: 1_000,
  keyframeInterval: 30_000,
  heapInterval: 1_000,
  heapQuietInterval: 5_000,
  maxQueuedBytes: 256 * 1024,
  slowClientTimeout: 4_500,
  retry: 1_000,
});

const ACTION = "create diagnostics stream";

/**
 * Checks the numeric options and fills in the defaults.
 *
 * @param options The options as given.
 * @returns The settings.
 * @throws {RangeError} If an interval or limit is not a positive number.
 *
 * @example
 * ```ts
 * import { streamSettings } from "./stream_settings.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(streamSettings({ interval: 50 }).interval, 50);
 * assert.equal(streamSettings().keyframeInterval, 30_000);
 * assert.throws(() => streamSettings({ retry: 0 }), RangeError);
 * ```
 */
export function streamSettings(options: DiagnosticsStreamOptions = {}): StreamSettings {
  const setting = (name: keyof StreamSettings) =>
    positiveOption(options[name], STREAM_DEFAULTS[name], name, ACTION);
  return {
    interval: setting("interval"),
    heartbeatInterval: setting("heartbeatInterval"),
    pingInterval: setting("pingInterval"),
    keyframeInterval: setting("keyframeInterval"),
    heapInterval: setting("heapInterval"),
    heapQuietInterval: setting("heapQuietInterval"),
    maxQueuedBytes: setting("maxQueuedBytes"),
    slowClientTimeout: setting("slowClientTimeout"),
    retry: setting("retry"),
  };
}
