// Copyright 2026 the slabscope authors. MIT license.
/**
 * Helpers shared by the lint rules: durations and rates in words, and the
 * bounded list of slots a lint names. Internal to the lint rules.
 *
 * @module
 */

import { slotTime } from "../../allocator/slot_time.ts";
import { MAX_LINT_SLOTS } from "../../wire/lints.ts";

/**
 * `slotTime()` with the common case inline: a stamp of the slab's current
 * 49.7-day wrap, not after `now`. Small, so that V8 inlines it in the
 * rules' loops over every slot.
 */
export function stampTime(stamp: number, epoch: number, now: number): number {
  const time = epoch + (stamp >>> 0);
  return time <= now && time + 4294967296 > now ? time : slotTime(stamp, epoch, now);
}

/** Rules that read slots one by one run at most this often (ms). */
export const SCAN_EVERY_MS = 1000;

/** A duration in words, rounded as a person reads it: "300 ms", "45 s", "3 min", "2 h". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** A rate in two significant digits: "1.4", "25", "1200". */
export function rate(value: number): string {
  return value >= 100 ? String(Math.round(value)) : String(Number(value.toPrecision(2)));
}

/** `n` with the word for one or many: "1 slot", "3 slots". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Whether slot `i` of a snapshot is held: an open handle state, or a used bit. */
export function held(
  i: number,
  states: Uint8Array | undefined,
  bitmap: Uint8Array | undefined,
): boolean {
  if (states !== undefined) {
    const s = states[i]!;
    return s >= 2 && s <= 5; // N, A, I, C
  }
  return ((bitmap![i >> 3]! >> (i & 7)) & 1) !== 0;
}

/** Collects the slots a lint names: every one counted, the first `MAX_LINT_SLOTS` kept. */
export class SlotList {
  count = 0;
  slots: number[] = [];

  /** Counts slot `slot` (offered in ascending order). */
  add(slot: number): void {
    this.count++;
    if (this.slots.length < MAX_LINT_SLOTS) this.slots.push(slot);
  }
}

/**
 * A counter's recent values, for "how much did it grow in the last
 * `window` ms": samples at least `SAMPLE_SPACING_MS` apart, the oldest
 * being the latest at or before the window's start. O(window / spacing)
 * memory per counter set.
 */
export class CounterWindow {
  #times: number[] = [];
  #values: number[][] = [];

  /**
   * Adds the counters' values at `ts` and returns how much each grew over
   * the window (since the first sample, when the window is not yet full).
   * A counter that went down (its pool was replaced) starts over.
   */
  growth(ts: number, values: number[], window: number): number[] {
    const times = this.#times;
    const samples = this.#values;
    const first = samples[0];
    if (
      first !== undefined &&
      (ts < times.at(-1)! || values.some((v, i) => v < samples.at(-1)![i]!))
    ) {
      times.length = samples.length = 0; // a clock or counter that went back
    }
    if (times.length <= 1 || ts - times.at(-1)! >= SAMPLE_SPACING_MS) {
      // The first sample is the baseline: the second comes at once.
      times.push(ts);
      samples.push(values);
    } else {
      // Within the spacing: the last sample takes the new values, dated as
      // it was, so a rise is never left out of the window's last sample (at
      // worst one of the window's first half second is counted as before it).
      samples[samples.length - 1] = values;
    }
    while (times.length > 1 && times[1]! <= ts - window) {
      times.shift();
      samples.shift();
    }
    const base = samples[0]!;
    return values.map((v, i) => v - base[i]!);
  }
}

/** Samples of a counter window are at least this far apart (ms). */
export const SAMPLE_SPACING_MS = 500;
