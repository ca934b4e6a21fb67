// Copyright 2026 the slabscope authors. MIT license.
/**
 * The body of `GET /debug/diagnostics/lints`: the active lints, each with
 * its rule's explanation, and the thresholds they were judged by.
 *
 * @module
 */

import type { Lint, LintRuleId } from "../../wire/types.ts";
import { LINT_RULES } from "../../wire/types.ts";
import { LINT_CATALOG } from "./lint_catalog.ts";
import type { ActiveLints } from "./lint_engine.ts";

/** One active lint, explained. */
export interface LintReportEntry extends Lint {
  /** The rule's short name. */
  title: string;
  /** What the rule means. */
  explanation: string;
  /** Where to look first. */
  look_at: string;
}

/** The lints endpoint's body. */
export interface LintReport {
  /** When the lints were evaluated, ms since the Unix epoch. */
  ts: number;
  /** Whether the registry evaluates lints at all (`lints: false` turns them off). */
  enabled: boolean;
  /** The active lints, by rule (in {@linkcode LINT_RULES} order), then pool. */
  lints: LintReportEntry[];
  /** Each rule's thresholds; `null` for a rule turned off. */
  rules: Record<LintRuleId, Record<string, number> | null>;
}

/**
 * The report of an engine's active lints; an empty, disabled one for no engine.
 *
 * @example Usage
 * ```ts
 * import { DiagnosticsRegistry } from "@slabscope/slabscope";
 * import { lintReport } from "./lint_report.ts";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const { ts } = registry.snapshot();
 * const report = lintReport(registry.lints, ts);
 * assert.equal(report.enabled, true);
 * assert.deepEqual(report.lints, []);
 * assert.equal(report.rules.stuck?.after, 30_000);
 * ```
 */
export function lintReport(engine: ActiveLints | undefined, ts: number): LintReport {
  const settings = engine?.settings;
  const rules = {} as LintReport["rules"];
  const keys: Record<LintRuleId, keyof NonNullable<typeof settings>> = {
    stuck: "stuck",
    idle: "idle",
    age_outlier: "ageOutlier",
    orphan: "orphan",
    time_to_full: "timeToFull",
    thrash: "thrash",
    arena_fallbacks: "arenaFallbacks",
    invalid_frees: "invalidFrees",
  };
  for (const rule of LINT_RULES) {
    const thresholds = settings?.[keys[rule]];
    rules[rule] = thresholds === undefined ? null : { ...thresholds };
  }
  return {
    ts,
    enabled: engine !== undefined,
    lints: (engine?.active ?? []).map((lint) => {
      const about = LINT_CATALOG[lint.rule];
      return {
        ...lint,
        title: about.title,
        explanation: about.explanation,
        look_at: about.lookAt,
      };
    }),
    rules,
  };
}
