// Copyright 2026 the slabscope authors. MIT license.
/**
 * The `stuck` rule: handle slots in Connecting or Closing for longer than
 * `after`. A connect that never completes, or a close that never finishes
 * (a peer that stopped reading, a drain that waits forever), keeps its
 * slot and usually a socket. Internal to the lint engine.
 *
 * @module
 */

import { HandleState } from "../../allocator/handle_state.ts";
import type { StuckLintOptions } from "./lint_options.ts";
import type { LintContext, LintFinding, LintRule } from "./lint_rule.ts";
import { duration, plural, SCAN_EVERY_MS, SlotList, stampTime } from "./_lint_helpers.ts";

/** The `stuck` rule with these thresholds. */
export function stuckRule(options: Required<StuckLintOptions>): LintRule {
  return {
    id: "stuck",
    every: SCAN_EVERY_MS,
    evaluate(context: LintContext): LintFinding[] {
      const findings: LintFinding[] = [];
      const cutoff = context.ts - options.after;
      for (const { snapshot, history } of context.slabs) {
        const states = snapshot.states;
        if (snapshot.kind !== "handle" || states === undefined || history === undefined) continue;
        if (snapshot.summary.N + snapshot.summary.C === 0) continue;
        const { times } = history;
        const epoch = history.views.epoch;
        if (times.length !== states.length) continue; // no times recorded
        const list = new SlotList();
        let connecting = 0;
        for (let i = 0; i < states.length; i++) {
          const s = states[i]!;
          if (s !== HandleState.Connecting && s !== HandleState.Closing) continue;
          if (stampTime(times[i]!, epoch, context.ts) > cutoff) continue;
          list.add(i);
          if (s === HandleState.Connecting) connecting++;
        }
        if (list.count === 0) continue;
        const closing = list.count - connecting;
        const parts = [];
        if (connecting > 0) parts.push(`${plural(connecting, "slot")} in Connecting`);
        if (closing > 0) {
          parts.push(
            connecting > 0 ? `${closing} in Closing` : `${plural(closing, "slot")} in Closing`,
          );
        }
        findings.push({
          pool: snapshot.name,
          count: list.count,
          slots: list.slots,
          detail: `${parts.join(", ")} for over ${duration(options.after)}`,
        });
      }
      return findings;
    },
  };
}
