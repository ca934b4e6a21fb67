// Copyright 2026 the slabscope authors. MIT license.
/**
 * The `age_outlier` rule: slots held far longer than their pool's usual
 * age, measured against the pool's own distribution: older than `factor`
 * × its `quantile` age (and than `minAge`), in a pool holding at least
 * `minSamples` slots. A high quantile keeps a pool with two kinds of
 * holders (short requests, long streams) from flagging the long kind, and
 * the factor asks for a slot well beyond the tail, not merely in it: in a
 * pool whose holders come and go at random, a slot 4 × older than the
 * 99th percentile has a chance of e^-18 (about one in 10^8). Such a slot
 * is usually a leak: a path that allocates and never frees.
 *
 * A slot's age runs from its allocation: for a handle, from when a
 * collection first saw it open; for a plain slab that records owners,
 * from its last state change, which is its allocation. A plain slab
 * without owners records no times and is not checked. Internal to the
 * lint engine.
 *
 * @module
 */

import { slotTime } from "../../allocator/slot_time.ts";
import type { AgeOutlierLintOptions } from "./lint_options.ts";
import type { LintContext, LintFinding, LintRule } from "./lint_rule.ts";
import { duration, held, plural, SlotList } from "./_lint_helpers.ts";

/** The `age_outlier` rule with these thresholds. */
export function ageOutlierRule(options: Required<AgeOutlierLintOptions>): LintRule {
  let scratch = new Float64Array(1024);
  return {
    id: "age_outlier",
    scansSlots: true,
    evaluate(context: LintContext): LintFinding[] {
      const findings: LintFinding[] = [];
      const now = context.ts;
      for (const { snapshot, history } of context.slabs) {
        if (history === undefined || snapshot.used < options.minSamples) continue;
        const handle = snapshot.kind === "handle";
        const starts = handle ? history.opened : history.times;
        if (starts.length !== snapshot.total) continue; // no times recorded
        const { epoch } = history.views;
        const states = snapshot.states;
        const bitmap = snapshot.bitmap;
        if (scratch.length < snapshot.used) scratch = new Float64Array(snapshot.used * 2);
        let n = 0;
        for (let i = 0; i < snapshot.total; i++) {
          if (!held(i, states, bitmap)) continue;
          scratch[n++] = now - slotTime(starts[i]!, epoch, now);
        }
        if (n < options.minSamples) continue;
        const usual = select(scratch.subarray(0, n), Math.floor(options.quantile * (n - 1)));
        const limit = Math.max(options.minAge, options.factor * usual);
        const list = new SlotList();
        let oldest = 0;
        for (let i = 0; i < snapshot.total; i++) {
          if (!held(i, states, bitmap)) continue;
          const age = now - slotTime(starts[i]!, epoch, now);
          if (age <= limit) continue;
          list.add(i);
          oldest = Math.max(oldest, age);
        }
        if (list.count === 0) continue;
        const q = Math.round(options.quantile * 100);
        findings.push({
          pool: snapshot.name,
          count: list.count,
          slots: list.slots,
          detail: `${plural(list.count, "slot")} held over ${
            duration(limit)
          } (the pool's ${q}th percentile age is ${duration(usual)}; the oldest ${
            duration(oldest)
          })`,
        });
      }
      return findings;
    },
  };
}

/** The `k`-th smallest value of `a` (reorders `a`): Hoare's selection, O(n) expected. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
