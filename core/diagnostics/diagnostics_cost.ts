// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode DiagnosticsCost}: the time the diagnostics themselves spend,
 * phase by phase, so that a user can see what keeping them on costs.
 *
 * Every phase is synchronous work timed with `performance.now()` around it
 * where it runs: the stream's collect, encode, record and send of each
 * tick, and the capture of sampled stacks inside `alloc()`, which each
 * slab adds up in its shared memory over every thread that attached it
 * (`SlabAllocator.prototype.siteCounters().captureMs`). Wall time of
 * synchronous code on one thread is its CPU time, unless the thread was
 * preempted meanwhile (then it counts more); what runs outside these
 * phases (the runtime writing bytes to sockets, garbage collection of what
 * the phases allocated, the browser drawing) is not seen.
 *
 * @module
 */

import type { SlabAllocator } from "../allocator/slab.ts";
import { COST_PHASES } from "../wire/fields.ts";
import type { CostPhase } from "../wire/types.ts";

export { COST_PHASES } from "../wire/fields.ts";
export type { CostPhase } from "../wire/types.ts";

/** The window over which the per-second figures are taken. */
export const COST_WINDOW_MS = 1000;

/** Figures per phase. */
export type CostFigures = Record<CostPhase, number>;

function zeros(): CostFigures {
  const figures = {} as CostFigures;
  for (const phase of COST_PHASES) figures[phase] = 0;
  return figures;
}

/**
 * The diagnostics' own time, per phase: totals since creation, and the
 * time spent over the last whole second. A registry has one
 * (`DiagnosticsRegistry.prototype.cost`); its stream and its snapshots add
 * to it.
 *
 * @example Timing a phase
 * ```ts
 * import { DiagnosticsCost } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const cost = new DiagnosticsCost();
 * cost.add("encode", 0.25);
 * assert.equal(cost.totalMs().encode, 0.25);
 * assert.equal(cost.totalMs().collect, 0);
 * ```
 */
export class DiagnosticsCost {
  #total: CostFigures = zeros();
  #windowStart: number;
  #windowTotal: CostFigures = zeros();
  #perSecond: CostFigures | undefined;
  #captured = new WeakMap<SlabAllocator, number>();

  /**
   * Creates an empty account.
   *
   * @param now The time the first window starts (`performance.now()` ms).
   */
  constructor(now: number = performance.now()) {
    this.#windowStart = now;
  }

  /**
   * Adds `ms` milliseconds to `phase`.
   *
   * @param phase One of {@linkcode COST_PHASES}.
   * @param ms The time spent, in milliseconds (negative values are ignored).
   *
   * @example Usage
   * ```ts
   * import { DiagnosticsCost } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const cost = new DiagnosticsCost();
   * const start = performance.now();
   * JSON.stringify({ some: "work" });
   * cost.add("encode", performance.now() - start);
   * assert.ok(cost.totalMs().encode >= 0);
   * ```
   */
  add(phase: CostPhase, ms: number): void {
    if (ms > 0) this.#total[phase] += ms;
  }

  /**
   * Adds what the slabs' instances spent capturing sampled stacks since
   * the last call (each slab's shared capture time, in every thread that
   * attached it), to `"sample"`. O(slabs).
   *
   * @param slabs The registered slabs.
   *
   * @example Usage
   * ```ts
   * import { DiagnosticsCost, SlabAllocator } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const cost = new DiagnosticsCost();
   * const slab = new SlabAllocator({
   *   name: "s",
   *   slotSize: 8,
   *   capacity: 8,
   *   sampleSites: 1,
   *   sampleBudget: 1,
   * });
   * cost.addCaptures([slab]); // counts from here on
   * slab.alloc(); // sampled: its stack is captured
   * cost.addCaptures([slab]);
   * assert.ok(cost.totalMs().sample > 0);
   * ```
   */
  addCaptures(slabs: Iterable<SlabAllocator>): void {
    for (const slab of slabs) {
      const { maxSites, captureMs } = slab.siteCounters();
      if (maxSites === 0) continue;
      // A slab first seen counts from then: what it spent before it was
      // registered is not this registry's.
      const seen = this.#captured.get(slab) ?? captureMs;
      this.#captured.set(slab, captureMs);
      this.add("sample", captureMs - seen);
    }
  }

  /**
   * Milliseconds spent per phase since creation.
   *
   * @returns A fresh object, one figure per phase.
   *
   * @example Usage
   * ```ts
   * import { DiagnosticsCost } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new DiagnosticsCost().totalMs().send, 0);
   * ```
   */
  totalMs(): CostFigures {
    return { ...this.#total };
  }

  /**
   * Milliseconds spent per phase in the last whole window of
   * {@linkcode COST_WINDOW_MS} ending at or before `now`, per second; a
   * window closes at the first call after it ended. `undefined` before the
   * first window closed.
   *
   * @param now `performance.now()` ms.
   * @returns The figures per second, or `undefined`.
   *
   * @example Usage
   * ```ts
   * import { DiagnosticsCost } from "@slabscope/slabscope";
   * import assert from "node:assert/strict";
   *
   * const cost = new DiagnosticsCost(0);
   * cost.add("collect", 5);
   * assert.equal(cost.perSecondMs(500), undefined);
   * assert.equal(cost.perSecondMs(2000)?.collect, 2.5); // 5 ms over 2 s
   * ```
   */
  perSecondMs(now: number = performance.now()): CostFigures | undefined {
    const elapsed = now - this.#windowStart;
    if (elapsed >= COST_WINDOW_MS) {
      const rates = zeros();
      for (const phase of COST_PHASES) {
        rates[phase] = (this.#total[phase] - this.#windowTotal[phase]) * 1000 / elapsed;
      }
      this.#perSecond = rates;
      this.#windowTotal = { ...this.#total };
      this.#windowStart = now;
    }
    return this.#perSecond === undefined ? undefined : { ...this.#perSecond };
  }
}

/** Whole microseconds of each figure in milliseconds (what the wire carries). */
export function microseconds(figures: CostFigures): CostFigures {
  const us = {} as CostFigures;
  for (const phase of COST_PHASES) us[phase] = Math.round(figures[phase] * 1000);
  return us;
}

/**
 * The stream object's `cpu_us_per_s` (once a window closed) and
 * `cpu_us_total` for `cost` at `now`.
 */
export function costMembers(
  cost: DiagnosticsCost,
  now: number = performance.now(),
): { cpu_us_per_s?: CostFigures; cpu_us_total: CostFigures } {
  const perSecond = cost.perSecondMs(now);
  const total = microseconds(cost.totalMs());
  return perSecond === undefined
    ? { cpu_us_total: total }
    : { cpu_us_per_s: microseconds(perSecond), cpu_us_total: total };
}
