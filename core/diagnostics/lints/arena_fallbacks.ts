// Copyright 2026 the slabscope authors. MIT license.
/**
 * The `arena_fallbacks` rule: an arena (or arena pool) whose allocations
 * go to the heap ever more: at least `minCount` fallbacks in the last
 * `window`, and at least `ratio` of its allocations in that window. A
 * fallback now and then is what the fallback is for (a request larger
 * than usual); a steady share of them means the arena is too small for
 * its work, and each fallback costs a heap allocation and garbage the
 * arena was there to avoid. Internal to the lint engine.
 *
 * @module
 */

import type { ArenaFallbacksLintOptions } from "./lint_options.ts";
import type { LintContext, LintFinding, LintRule } from "./lint_rule.ts";
import { CounterWindow, duration } from "./_lint_helpers.ts";

/** The `arena_fallbacks` rule with these thresholds. */
export function arenaFallbacksRule(options: Required<ArenaFallbacksLintOptions>): LintRule {
  let windows = new Map<string, CounterWindow>();
  return {
    id: "arena_fallbacks",
    every: 0,
    evaluate(context: LintContext): LintFinding[] {
      const findings: LintFinding[] = [];
      const next = new Map<string, CounterWindow>();
      for (const arena of context.arenas) {
        const window = windows.get(arena.name) ?? new CounterWindow();
        next.set(arena.name, window);
        const [allocations, fallbacks] = window.growth(
          context.ts,
          [arena.allocations, arena.overflow],
          options.window,
        ) as [number, number];
        if (fallbacks < options.minCount || fallbacks < options.ratio * allocations) continue;
        findings.push({
          pool: arena.name,
          count: 1,
          detail: `${fallbacks} of ${allocations} allocations (${
            Math.round(100 * fallbacks / allocations)
          } %) went to the heap in the last ${duration(options.window)}`,
        });
      }
      windows = next; // arenas gone are forgotten
      return findings;
    },
  };
}
