// Copyright 2026 the slabscope authors. MIT license.
/**
 * The `orphan` rule: slots still held by an owner that was unregistered,
 * for longer than `after` since the rule first saw them so. Whoever
 * unregistered the owner thought it was done: its slots are a leak, and
 * once the index is reused they will be counted against a new owner.
 * Internal to the lint engine.
 *
 * @module
 */

import type { SlabAllocator } from "../../allocator/slab.ts";
import type { OrphanLintOptions } from "./lint_options.ts";
import type { LintContext, LintFinding, LintRule } from "./lint_rule.ts";
import { duration, held, plural, SCAN_EVERY_MS, SlotList } from "./_lint_helpers.ts";

/** The `orphan` rule with these thresholds. */
export function orphanRule(options: Required<OrphanLintOptions>): LintRule {
  /** Per slab: when each orphaned owner index was first seen holding slots. */
  const seen = new WeakMap<SlabAllocator, Map<number, number>>();
  return {
    id: "orphan",
    every: SCAN_EVERY_MS,
    evaluate(context: LintContext): LintFinding[] {
      const findings: LintFinding[] = [];
      const names = context.ownerMap;
      for (const { slab, snapshot } of context.slabs) {
        const owners = snapshot.owners;
        if (owners === undefined) continue;
        const first = seen.get(slab) ?? new Map<number, number>();
        const now = new Set<number>();
        for (const [key, counts] of Object.entries(snapshot.summary.by_owner)) {
          const index = Number(key);
          if ((names[index] ?? null) !== null) continue;
          if (counts.U + counts.N + counts.A + counts.I + counts.C === 0) continue;
          now.add(index);
          if (!first.has(index)) first.set(index, context.ts);
        }
        for (const index of first.keys()) if (!now.has(index)) first.delete(index);
        if (first.size === 0) {
          seen.delete(slab);
          continue;
        }
        seen.set(slab, first);
        const due = new Set<number>();
        for (const [index, since] of first) if (context.ts - since >= options.after) due.add(index);
        if (due.size === 0) continue;
        const list = new SlotList();
        const { states, bitmap } = snapshot;
        for (let i = 0; i < owners.length; i++) {
          if (due.has(owners[i]!) && held(i, states, bitmap)) list.add(i);
        }
        if (list.count === 0) continue;
        const indexes = [...due].sort((a, b) => a - b).join(", ");
        findings.push({
          pool: snapshot.name,
          count: list.count,
          slots: list.slots,
          detail: `${plural(list.count, "slot")} of ${
            due.size === 1 ? "an unregistered owner" : `${due.size} unregistered owners`
          } (index ${indexes}) held for over ${duration(options.after)}`,
        });
      }
      return findings;
    },
  };
}
