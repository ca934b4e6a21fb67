// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode Timeline}: the dashboard's copy of a recording, the server's
 * flight recorder or a file being replayed, fetched from
 * `…/diagnostics/recording` and extended with what the server recorded
 * since. It knows every moment, rebuilds the state of any of them, and
 * keeps every pool's usage history.
 *
 * @module
 */

import { readRecording } from "../core/stream/recording_file.ts";
import type { RecordingEvent } from "../core/stream/recording_format.ts";
import { RecordingStates } from "../core/stream/recording_states.ts";
import type { MemorySnapshot } from "../core/wire/types.ts";
import { UsageHistory } from "./usage_history.ts";

/** A recording fetched and read. */
async function fetchEvents(
  url: string,
  signal?: AbortSignal,
): Promise<{ boot: string; events: readonly RecordingEvent[] }> {
  const response = await fetch(url, { signal, credentials: "same-origin" });
  if (!response.ok || response.body === null) {
    let reason = `${response.status} ${response.statusText}`.trim();
    try {
      reason = ((await response.json()) as { error?: string }).error ?? reason;
    } catch {
      // Not JSON: the status says it.
    }
    throw new Error(`Cannot load the recording: ${reason}`);
  }
  const recording = await readRecording(response.body, new URL(url, location.href).pathname);
  return { boot: recording.header.boot, events: recording.events };
}

/**
 * The moments of a recording, their states and their history.
 *
 * @example The id of a moment
 * ```ts
 * import { Timeline } from "./timeline.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(Timeline.parseMoment("ab12-42", "ab12"), 42);
 * assert.equal(Timeline.parseMoment("zz-42", "ab12"), undefined);
 * ```
 */
export class Timeline {
  readonly #url: string;
  #boot: string;
  #states: RecordingStates;
  #history = new UsageHistory();

  private constructor(url: string, boot: string, events: readonly RecordingEvent[]) {
    this.#url = url;
    this.#boot = boot;
    this.#states = new RecordingStates(events);
    this.#history.addEvents(events);
  }

  /**
   * Fetches and reads a recording.
   *
   * @param url `…/diagnostics/recording`.
   * @param signal Aborts the fetch.
   * @throws {Error} If the server refuses; a `RecordingError` for a file it cannot read.
   */
  static async load(url: string, signal?: AbortSignal): Promise<Timeline> {
    const { boot, events } = await fetchEvents(url, signal);
    return new Timeline(url, boot, events);
  }

  /**
   * The seq a moment id names in a recording of `boot`, or `undefined`.
   *
   * @param id `<boot>-<seq>`.
   * @param boot The recording's boot id.
   */
  static parseMoment(id: string | null | undefined, boot: string): number | undefined {
    const match = /^([0-9a-z]{1,32})-(0|[1-9][0-9]{0,15})$/.exec(id ?? "");
    return match !== null && match[1] === boot ? Number(match[2]) : undefined;
  }

  /** The boot id of the recording's events. */
  get boot(): string {
    return this.#boot;
  }

  /** Every moment's seq, ascending. */
  get seqs(): readonly number[] {
    return this.#states.seqs;
  }

  /** Every moment's time, ms since the Unix epoch. */
  get times(): readonly number[] {
    return this.#states.times;
  }

  /** Every pool's use, and the heap's, over the recording (and live states added since). */
  get history(): UsageHistory {
    return this.#history;
  }

  /** The events held. */
  get events(): readonly RecordingEvent[] {
    return this.#states.events;
  }

  /** `<boot>-<seq>`. */
  idOf(seq: number): string {
    return `${this.#boot}-${seq}`;
  }

  /** The index of moment `seq`, or -1. */
  indexOf(seq: number): number {
    return this.#states.indexOf(seq);
  }

  /** The index of the last moment at or before `ts`. */
  indexAt(ts: number): number {
    return this.#states.indexAt(ts);
  }

  /** The state at moment `seq` (the nearest checkpoint plus a few deltas). */
  stateAt(seq: number): MemorySnapshot {
    return this.#states.stateAt(seq);
  }

  /**
   * Fetches what the server recorded since the last moment held and adds
   * it. When the server no longer holds that moment (the tab slept past its
   * window), the recording is fetched whole instead.
   *
   * @returns Whether anything was added.
   */
  async refresh(signal?: AbortSignal): Promise<boolean> {
    const last = this.seqs[this.seqs.length - 1]!;
    const url = `${this.#url}${this.#url.includes("?") ? "&" : "?"}from=${this.idOf(last)}`;
    let fetched: Awaited<ReturnType<typeof fetchEvents>>;
    try {
      fetched = await fetchEvents(url, signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      fetched = await fetchEvents(this.#url, signal);
    }
    // The answer starts at the keyframe before `last` when the server still
    // holds it, and at its first event otherwise.
    const continues = fetched.boot === this.#boot && (fetched.events[0]?.seq ?? Infinity) <= last;
    if (continues) {
      const added = fetched.events.filter((event) => event.seq > last);
      if (added.length === 0) return false;
      this.#states.extend(added);
      // Rebuilt rather than extended: live states added since the last
      // fetch did not see every tick.
      this.#history = new UsageHistory();
      this.#history.addEvents(this.#states.events);
      return true;
    }
    // It does not continue what is held (the window moved past it, or the
    // server restarted): start over from what the server has.
    this.#boot = fetched.boot;
    this.#states = new RecordingStates(fetched.events);
    this.#history = new UsageHistory();
    this.#history.addEvents(fetched.events);
    return true;
  }
}
