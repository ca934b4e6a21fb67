// Copyright 2026 the slabscope authors. MIT license.
/**
 * The `idle` rule: handles Idle for longer than `after`. An idle
 * keep-alive connection is fine for a while; one idle for minutes is a
 * connection nobody will use again, kept open by a pool without an idle
 * timeout or a client that forgot it. Internal to the lint engine.
 *
 * @module
 */

import { HandleState } from "../../allocator/handle_state.ts";
import type { IdleLintOptions } from "./lint_options.ts";
import type { LintContext, LintFinding, LintRule } from "./lint_rule.ts";
import { duration, plural, SCAN_EVERY_MS, SlotList, stampTime } from "./_lint_helpers.ts";

/** The `idle` rule with these thresholds. */
export function idleRule(options: Required<IdleLintOptions>): LintRule {
  return {
    id: "idle",
    every: SCAN_EVERY_MS,
    evaluate(context: LintContext): LintFinding[] {
      const findings: LintFinding[] = [];
      const cutoff = context.ts - options.after;
      for (const { snapshot, history } of context.slabs) {
        const states = snapshot.states;
        if (snapshot.kind !== "handle" || states === undefined || history === undefined) continue;
        if (snapshot.summary.I === 0) continue;
        const { times } = history;
        const epoch = history.views.epoch;
        if (times.length !== states.length) continue; // no times recorded
        const list = new SlotList();
        for (let i = 0; i < states.length; i++) {
          if (states[i] !== HandleState.Idle) continue;
          if (stampTime(times[i]!, epoch, context.ts) <= cutoff) list.add(i);
        }
        if (list.count === 0) continue;
        findings.push({
          pool: snapshot.name,
          count: list.count,
          slots: list.slots,
          detail: `${plural(list.count, "handle")} Idle for over ${duration(options.after)}`,
        });
      }
      return findings;
    },
  };
}
