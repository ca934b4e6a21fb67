// Copyright 2026 the slabscope authors. MIT license.
/**
 * The `thrash` rule: slots freed and allocated again more than
 * `perSecond` times a second over a `window`. A handle slot cycling that
 * fast is a connection opened and closed per operation (no keep-alive, no
 * pool); a plain slot, an object allocated per message that an arena
 * (reset per request) or one reused buffer would serve better.
 *
 * Every free bumps a slot's generation (the high 24 bits of its slot
 * word), so the generations the collector read, compared with the ones
 * this rule saw last, count every cycle exactly however many happened
 * between two collections, not just whether one did. Only the slots the
 * collector found touched since (`slot_touches.ts`) are compared:
 * O(touched) per evaluation, plus one copy of the slot words when the
 * rule starts watching a slab or loses track of its touches. Memory: 8
 * bytes per slot (the words seen, and the window's counts in a typed
 * array, which costs a tenth of a `Map` per touched slot at 1 % churn).
 * Internal to the lint engine.
 *
 * @module
 */

import type { SlabAllocator } from "../../allocator/slab.ts";
import { GENERATION_SHIFT } from "../../allocator/slab_layout.ts";
import { touchedBetween } from "../../wire/slot_touches.ts";
import type { SlabSnapshot } from "../../wire/types.ts";
import type { ThrashLintOptions } from "./lint_options.ts";
import type { LintContext, LintFinding, LintRule } from "./lint_rule.ts";
import { duration, plural, rate, SlotList } from "./_lint_helpers.ts";

/** Generations wrap at 2^24. */
const GENERATION_MASK = 0xffffff;

interface Watch {
  /** Slot words as this rule last compared them. */
  words: Int32Array;
  /** The snapshot those words belong to. */
  last: SlabSnapshot;
  /** When the current window began (ms). */
  start: number;
  /** Cycles per slot in the current window (0 for a slot not in `hot`). */
  cycles: Uint32Array;
  /** The slots that cycled in the current window, `hotCount` of them. */
  hot: Uint32Array;
  hotCount: number;
  /** The last full window's finding. */
  finding: LintFinding | undefined;
}

/** The `thrash` rule with these thresholds. */
export function thrashRule(options: Required<ThrashLintOptions>): LintRule {
  const watches = new WeakMap<SlabAllocator, Watch>();
  return {
    id: "thrash",
    every: 0,
    evaluate(context: LintContext): LintFinding[] {
      const findings: LintFinding[] = [];
      const ts = context.ts;
      for (const { slab, snapshot, history } of context.slabs) {
        if (history === undefined) continue;
        const words = history.words;
        const watch = watches.get(slab);
        const touched = watch === undefined ? undefined : touchedBetween(watch.last, snapshot);
        if (
          watch === undefined || touched === undefined || watch.words.length !== words.length ||
          ts < watch.start
        ) {
          // Start over: the words as they are now are the baseline.
          watches.set(slab, {
            words: words.slice(),
            last: snapshot,
            start: ts,
            cycles: new Uint32Array(words.length),
            hot: new Uint32Array(64),
            hotCount: 0,
            finding: watch?.finding,
          });
          if (watch?.finding !== undefined) findings.push(watch.finding);
          continue;
        }
        const seen = watch.words;
        const counts = watch.cycles;
        for (let t = 0; t < touched.length; t++) {
          const i = touched[t]!;
          const cycles = ((words[i]! >>> GENERATION_SHIFT) - (seen[i]! >>> GENERATION_SHIFT)) &
            GENERATION_MASK;
          seen[i] = words[i]!;
          if (cycles === 0) continue;
          if (counts[i] === 0) {
            if (watch.hotCount === watch.hot.length) {
              const grown = new Uint32Array(watch.hot.length * 2);
              grown.set(watch.hot);
              watch.hot = grown;
            }
            watch.hot[watch.hotCount++] = i;
          }
          counts[i] = Math.min(counts[i]! + cycles, 0xffffffff);
        }
        watch.last = snapshot;
        const elapsed = ts - watch.start;
        if (elapsed >= options.window) {
          const hot = watch.hot.subarray(0, watch.hotCount);
          watch.finding = judge(counts, hot, elapsed, snapshot.name, options);
          for (const i of hot) counts[i] = 0;
          watch.hotCount = 0;
          watch.start = ts;
        }
        if (watch.finding !== undefined) findings.push(watch.finding);
      }
      return findings;
    },
  };
}

/** The finding for one window's cycles, if any slot cycled faster than allowed. */
function judge(
  counts: Uint32Array,
  cycled: Uint32Array,
  elapsed: number,
  pool: string,
  options: Required<ThrashLintOptions>,
): LintFinding | undefined {
  const limit = options.perSecond * elapsed / 1000;
  const over: number[] = [];
  let fastest = 0;
  for (const slot of cycled) {
    const n = counts[slot]!;
    if (n <= limit) continue;
    over.push(slot);
    fastest = Math.max(fastest, n);
  }
  if (over.length === 0) return undefined;
  over.sort((a, b) => a - b);
  const list = new SlotList();
  for (const slot of over) list.add(slot);
  return {
    pool,
    count: list.count,
    slots: list.slots,
    detail: `${plural(list.count, "slot")} freed and allocated again over ${
      rate(options.perSecond)
    } times a second (the fastest ${rate(fastest * 1000 / elapsed)}/s over ${duration(elapsed)})`,
  };
}
