// Copyright 2026 the slabscope authors. MIT license.
/**
 * The `time_to_full` rule: a slab whose use has grown steadily over the
 * last `window`, and that would be full within `horizon` at that rate.
 * The rate is a least-squares line through `used` sampled once a second;
 * "steadily" is the line's R² of at least `minFit`, and the growth over
 * the window at least `minGrowth` of the slab's slots, so that bursts and
 * noise say nothing. Once raised it holds while the line still rises and
 * would reach full within twice the horizon, so that a lint does not
 * flicker at its threshold. Internal to the lint engine.
 *
 * @module
 */

import type { SlabAllocator } from "../../allocator/slab.ts";
import type { TimeToFullLintOptions } from "./lint_options.ts";
import type { LintContext, LintFinding, LintRule } from "./lint_rule.ts";
import { duration, rate } from "./_lint_helpers.ts";

/** Samples of `used` are taken at most this often (ms). */
const SAMPLE_EVERY_MS = 1000;
/** The fewest samples a line is fitted through. */
const MIN_SAMPLES = 10;
/** The window must be this full of samples before a line says anything. */
const MIN_COVERAGE = 0.8;

interface Series {
  times: number[];
  used: number[];
  raised: boolean;
  finding: LintFinding | undefined;
}

/** The `time_to_full` rule with these thresholds. */
export function timeToFullRule(options: Required<TimeToFullLintOptions>): LintRule {
  const series = new WeakMap<SlabAllocator, Series>();
  return {
    id: "time_to_full",
    every: 0,
    evaluate(context: LintContext): LintFinding[] {
      const findings: LintFinding[] = [];
      const ts = context.ts;
      for (const { slab, snapshot } of context.slabs) {
        let s = series.get(slab);
        if (s === undefined || ts < s.times.at(-1)!) {
          s = { times: [], used: [], raised: false, finding: undefined };
          series.set(slab, s);
        }
        if (s.times.length === 0 || ts - s.times.at(-1)! >= SAMPLE_EVERY_MS) {
          s.times.push(ts);
          s.used.push(snapshot.used);
          while (s.times[0]! < ts - options.window) {
            s.times.shift();
            s.used.shift();
          }
          s.finding = judge(s, snapshot.name, snapshot.total, snapshot.used, options);
        }
        if (s.finding !== undefined) findings.push(s.finding);
      }
      return findings;
    },
  };
}

/** The finding for a slab's samples, if its line says it fills up soon. */
function judge(
  s: Series,
  pool: string,
  total: number,
  used: number,
  options: Required<TimeToFullLintOptions>,
): LintFinding | undefined {
  const fit = line(s.times, s.used);
  const span = s.times.at(-1)! - s.times[0]!;
  const left = total - used;
  const perMs = fit?.slope ?? 0;
  const eta = perMs > 0 ? left / perMs : Infinity;
  const holds = s.raised
    ? perMs > 0 && left > 0 && eta <= 2 * options.horizon
    : fit !== undefined && s.times.length >= MIN_SAMPLES &&
      span >= MIN_COVERAGE * options.window && perMs > 0 && left > 0 &&
      fit.r2 >= options.minFit && perMs * span >= options.minGrowth * total &&
      eta <= options.horizon;
  s.raised = holds;
  if (!holds) return undefined;
  return {
    pool,
    count: 1,
    detail: `full in about ${duration(eta)} at this rate (+${
      rate(perMs * 1000)
    } slots/s over the last ${duration(span)})`,
  };
}

/** The least-squares line through (t, y), its slope per ms and R²; `undefined` for under 2 points. */
function line(t: number[], y: number[]): { slope: number; r2: number } | undefined {
  const n = t.length;
  if (n < 2) return undefined;
  let mt = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mt += t[i]!;
    my += y[i]!;
  }
  mt /= n;
  my /= n;
  let stt = 0;
  let sty = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dt = t[i]! - mt;
    const dy = y[i]! - my;
    stt += dt * dt;
    sty += dt * dy;
    syy += dy * dy;
  }
  if (stt === 0) return undefined;
  const slope = sty / stt;
  // A flat line through flat data explains nothing (R² 0); otherwise 1 − SSres/SStot.
  const r2 = syy === 0 ? 0 : (sty * sty) / (stt * syy);
  return { slope, r2 };
}
