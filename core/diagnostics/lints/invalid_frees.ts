// Copyright 2026 the slabscope authors. MIT license.
/**
 * The `invalid_frees` rule: a slab whose count of invalid and double frees
 * rose by at least `minCount` in the last `window`. The slab refused each
 * of them (nothing was corrupted), but each is a bug: a handle freed
 * twice, a stale handle kept after its slot was reused, or a handle of
 * another slab. Frees refused before the rule first saw the slab are not
 * "rising" and are not reported. Internal to the lint engine.
 *
 * @module
 */

import type { SlabAllocator } from "../../allocator/slab.ts";
import type { InvalidFreesLintOptions } from "./lint_options.ts";
import type { LintContext, LintFinding, LintRule } from "./lint_rule.ts";
import { CounterWindow, duration, plural } from "./_lint_helpers.ts";

/** The `invalid_frees` rule with these thresholds. */
export function invalidFreesRule(options: Required<InvalidFreesLintOptions>): LintRule {
  const windows = new WeakMap<SlabAllocator, CounterWindow>();
  return {
    id: "invalid_frees",
    every: 0,
    evaluate(context: LintContext): LintFinding[] {
      const findings: LintFinding[] = [];
      for (const { slab, snapshot } of context.slabs) {
        let window = windows.get(slab);
        if (window === undefined) windows.set(slab, window = new CounterWindow());
        const [rise] = window.growth(context.ts, [snapshot.invalid_frees], options.window);
        if (rise! < options.minCount) continue;
        findings.push({
          pool: snapshot.name,
          count: 1,
          detail: `${plural(rise!, "invalid or double free")} in the last ${
            duration(options.window)
          } (${snapshot.invalid_frees} in all)`,
        });
      }
      return findings;
    },
  };
}
