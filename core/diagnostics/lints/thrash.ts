// Copyright 2026 the slabscope authors. MIT license.
/**
 * The `thrash` rule: slots freed and allocated again more than
 * `perSecond` times a second over a `window`. A handle slot cycling that
 * fast is a connection opened and closed per operation (no keep-alive, no
 * pool); a plain slot, an object allocated per message that an arena
 * (reset per request) or one reused buffer would serve better. A slab whose
 * handles are requests (`instrumentServer()`, `instrumentFetch()`: they
 * label them) is not judged: it takes one handle per request, and under
 * load the free list hands a few slots out again at the request rate. The
 * alternative, telling request slots from others, would need a count per
 * slot of its labelled allocations, written on every request; the whole
 * slab is left alone instead (docs/lints.md says to keep other handles
 * apart).
 *
 * Every free bumps a slot's generation (the high 24 bits of its slot
 * word), and each collection records, for every slot it found touched,
 * how far the generation advanced since the collection before
 * (`slot_touches.ts`): the rule adds up the records between the snapshot
 * it saw last and this one, so every cycle is counted exactly however many
 * happened between two collections, not just whether one did. O(touched)
 * per evaluation and nothing when the rule starts watching a slab; memory:
 * 4 bytes per slot once one cycled (the window's counts in a typed array,
 * a tenth of a `Map` per touched slot at 1 % churn). The alternative
 * rejected, a copy of the slot words to compare generations with later,
 * cost 4 bytes more per slot and a full copy on the first look. Internal
 * to the lint engine.
 *
 * @module
 */

import type { SlabAllocator } from "../../allocator/slab.ts";
import { recordsBetween } from "../../wire/slot_touches.ts";
import { existingLabels } from "../handle_labels.ts";
import type { SlabSnapshot } from "../../wire/types.ts";
import type { ThrashLintOptions } from "./lint_options.ts";
import type { LintContext, LintFinding, LintRule } from "./lint_rule.ts";
import { duration, plural, rate, SlotList } from "./_lint_helpers.ts";

interface Watch {
  /** The snapshot the rule saw last. */
  last: SlabSnapshot;
  /** When the current window began (ms). */
  start: number;
  /** Cycles per slot in the current window (0 for a slot not in `hot`); made at the first. */
  cycles: Uint32Array | undefined;
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
      for (const { slab, snapshot } of context.slabs) {
        // One handle per request: such a slab cycles at the request rate by design.
        if (existingLabels(slab) !== undefined) continue;
        const watch = watches.get(slab);
        const between = watch === undefined ? undefined : recordsBetween(watch.last, snapshot);
        if (watch === undefined || between === undefined || ts < watch.start) {
          // Start over: the window begins at this snapshot.
          watches.set(slab, {
            last: snapshot,
            start: ts,
            cycles: undefined,
            hot: new Uint32Array(64),
            hotCount: 0,
            finding: watch?.finding,
          });
          if (watch?.finding !== undefined) findings.push(watch.finding);
          continue;
        }
        for (const record of between) {
          const { slots, cycles } = record;
          for (let t = 0; t < slots.length; t++) {
            const n = cycles[t]!;
            if (n === 0) continue;
            const i = slots[t]!;
            const counts = watch.cycles ??= new Uint32Array(snapshot.total);
            if (counts[i] === 0) {
              if (watch.hotCount === watch.hot.length) {
                const grown = new Uint32Array(watch.hot.length * 2);
                grown.set(watch.hot);
                watch.hot = grown;
              }
              watch.hot[watch.hotCount++] = i;
            }
            counts[i] = Math.min(counts[i]! + n, 0xffffffff);
          }
        }
        watch.last = snapshot;
        const elapsed = ts - watch.start;
        if (elapsed >= options.window) {
          const counts = watch.cycles;
          watch.finding = undefined;
          if (counts !== undefined) {
            const hot = watch.hot.subarray(0, watch.hotCount);
            watch.finding = judge(counts, hot, elapsed, snapshot.name, options);
            for (const i of hot) counts[i] = 0;
          }
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
