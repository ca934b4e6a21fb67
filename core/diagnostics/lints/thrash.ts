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
 * rule starts watching a slab or loses track of its touches. Internal to
 * the lint engine.
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
  /** Cycles per slot in the current window. */
  cycles: Map<number, number>;
  /** The last full window's finding. */
  finding: LintFinding | undefined;
}

/** The `thrash` rule with these thresholds. */
export function thrashRule(options: Required<ThrashLintOptions>): LintRule {
  const watches = new WeakMap<SlabAllocator, Watch>();
  return {
    id: "thrash",
    scansSlots: false,
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
            cycles: new Map(),
            finding: watch?.finding,
          });
          if (watch?.finding !== undefined) findings.push(watch.finding);
          continue;
        }
        const seen = watch.words;
        for (const i of touched) {
          const cycles = ((words[i]! >>> GENERATION_SHIFT) - (seen[i]! >>> GENERATION_SHIFT)) &
            GENERATION_MASK;
          seen[i] = words[i]!;
          if (cycles > 0) watch.cycles.set(i, (watch.cycles.get(i) ?? 0) + cycles);
        }
        watch.last = snapshot;
        const elapsed = ts - watch.start;
        if (elapsed >= options.window) {
          watch.finding = judge(watch.cycles, elapsed, snapshot.name, options);
          watch.cycles.clear();
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
  cycles: Map<number, number>,
  elapsed: number,
  pool: string,
  options: Required<ThrashLintOptions>,
): LintFinding | undefined {
  const limit = options.perSecond * elapsed / 1000;
  const hot = [...cycles].filter(([, n]) => n > limit).sort((a, b) => a[0] - b[0]);
  if (hot.length === 0) return undefined;
  const list = new SlotList();
  let fastest = 0;
  for (const [slot, n] of hot) {
    list.add(slot);
    fastest = Math.max(fastest, n);
  }
  return {
    pool,
    count: list.count,
    slots: list.slots,
    detail: `${plural(list.count, "slot")} freed and allocated again over ${
      rate(options.perSecond)
    } times a second (the fastest ${rate(fastest * 1000 / elapsed)}/s over ${duration(elapsed)})`,
  };
}
