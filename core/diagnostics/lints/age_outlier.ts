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

import type { AgeOutlierLintOptions } from "./lint_options.ts";
import type { LintContext, LintFinding, LintRule } from "./lint_rule.ts";
import type { SlabSnapshot } from "../../wire/types.ts";
import { duration, plural, SlotList, stampTime } from "./_lint_helpers.ts";

/**
 * The rule reads every held slot at most this often (ms): its ages are
 * minutes (\`minAge\`), and a full read of a large slab costs about 1 ms
 * per 262,144 slots.
 */
const AGE_SCAN_EVERY_MS = 5000;

/** The most ages the quantile is taken from: a stride sample of a larger pool. */
const SAMPLE_LIMIT = 8192;

/** The `age_outlier` rule with these thresholds. */
export function ageOutlierRule(options: Required<AgeOutlierLintOptions>): LintRule {
  const sample = new Float64Array(SAMPLE_LIMIT);
  return {
    id: "age_outlier",
    every: AGE_SCAN_EVERY_MS,
    evaluate(context: LintContext): LintFinding[] {
      const findings: LintFinding[] = [];
      const now = context.ts;
      for (const { snapshot, history } of context.slabs) {
        const held = snapshot.used;
        if (history === undefined || held < options.minSamples) continue;
        const handle = snapshot.kind === "handle";
        const starts = handle ? history.opened : history.times;
        if (starts.length !== snapshot.total) continue; // no times recorded
        const { epoch } = history.views;
        // The quantile from every held slot, or from every `stride`-th of a
        // large pool: 8,192 ages place the 99th percentile within a few
        // tenths of a percentile, and the factor dwarfs that.
        const stride = Math.max(1, Math.ceil(held / SAMPLE_LIMIT));
        const slots = heldSlots(snapshot);
        let n = 0;
        for (let k = 0; k < slots.length && n < SAMPLE_LIMIT; k += stride) {
          sample[n++] = now - stampTime(starts[slots[k]!]!, epoch, now);
        }
        if (n < Math.min(options.minSamples, SAMPLE_LIMIT)) continue;
        const usual = select(sample.subarray(0, n), Math.floor(options.quantile * (n - 1)));
        const limit = Math.max(options.minAge, options.factor * usual);
        const before = now - limit; // an outlier started before this
        const list = new SlotList();
        let oldest = now;
        for (let k = 0; k < slots.length; k++) {
          const i = slots[k]!;
          const start = stampTime(starts[i]!, epoch, now);
          if (start >= before) continue;
          list.add(i);
          if (start < oldest) oldest = start;
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
            duration(now - oldest)
          })`,
        });
      }
      return findings;
    },
  };
}

let heldScratch = new Uint32Array(1024);

/** The held slots of a snapshot, ascending (a view of a scratch array reused by the next call). */
function heldSlots(snapshot: SlabSnapshot): Uint32Array {
  if (heldScratch.length < snapshot.used) heldScratch = new Uint32Array(snapshot.used * 2);
  const out = heldScratch;
  let n = 0;
  const states = snapshot.states;
  if (states !== undefined) {
    for (let i = 0; i < states.length; i++) {
      const s = states[i]!;
      if (s >= 2 && s <= 5) out[n++] = i; // N, A, I, C
    }
  } else {
    const bitmap = snapshot.bitmap!;
    for (let byte = 0; byte < bitmap.length; byte++) {
      let bits = bitmap[byte]!;
      while (bits !== 0) {
        const low = bits & -bits;
        out[n++] = (byte << 3) + (31 - Math.clz32(low));
        bits ^= low;
      }
    }
  }
  return out.subarray(0, Math.min(n, snapshot.total));
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
