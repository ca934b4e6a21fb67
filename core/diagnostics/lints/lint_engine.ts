// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode LintEngine}: the lint rules over a registry's snapshots, and
 * the set of lints active now.
 *
 * The registry evaluates the rules on every snapshot it takes (the
 * stream's ticks, `/metrics`, the lints endpoint). Rules judge by the
 * snapshot's time, never by how often they are called, so extra
 * snapshots change nothing. Rules that read slots one by one run at most
 * once a second (`age_outlier` every 5 s), and keep their findings in
 * between; the others are O(pools), or O(slots touched) for `thrash`, per
 * evaluation.
 *
 * A lint is raised when a rule first finds something about a pool, is
 * changed when what it finds changes (its count, slots or sentence), and
 * cleared when the rule finds nothing there any more. The list of active
 * lints is the same array from one evaluation to the next while nothing
 * changed, so a stream sends lints only when they change.
 *
 * @module
 */

import type { Lint } from "../../wire/types.ts";
import { compareLints, lintKey, sameLint } from "../../wire/lints.ts";
import { ageOutlierRule } from "./age_outlier.ts";
import { arenaFallbacksRule } from "./arena_fallbacks.ts";
import { idleRule } from "./idle.ts";
import { invalidFreesRule } from "./invalid_frees.ts";
import { type LintOptions, type LintSettings, lintSettings } from "./lint_options.ts";
import type { LintContext, LintFinding, LintRule } from "./lint_rule.ts";
import { orphanRule } from "./orphan.ts";
import { stuckRule } from "./stuck.ts";
import { thrashRule } from "./thrash.ts";
import { timeToFullRule } from "./time_to_full.ts";

export type { LintContext, LintSlab } from "./lint_rule.ts";

/** The rules of these settings, in wire order. */
function rulesOf(settings: LintSettings): LintRule[] {
  const rules: (LintRule | undefined)[] = [
    settings.stuck && stuckRule(settings.stuck),
    settings.idle && idleRule(settings.idle),
    settings.ageOutlier && ageOutlierRule(settings.ageOutlier),
    settings.orphan && orphanRule(settings.orphan),
    settings.timeToFull && timeToFullRule(settings.timeToFull),
    settings.thrash && thrashRule(settings.thrash),
    settings.arenaFallbacks && arenaFallbacksRule(settings.arenaFallbacks),
    settings.invalidFrees && invalidFreesRule(settings.invalidFrees),
  ];
  return rules.filter((rule) => rule !== undefined);
}

/**
 * What a registry's lint engine tells: the lints active now, the
 * thresholds, and what the last evaluation cost (`registry.lints`).
 */
export interface ActiveLints {
  /** The lints active as of the last evaluation, in wire order. */
  readonly active: readonly Lint[];
  /** The checked thresholds; `undefined` for a rule turned off. */
  readonly settings: LintSettings;
  /** Microseconds the last evaluation took. */
  readonly lastMicros: number;
  /** The time of the snapshot last evaluated (ms since the Unix epoch); 0 before the first. */
  readonly evaluatedAt: number;
}

/**
 * Evaluates the lint rules on each snapshot of a registry and keeps the
 * set of active lints. `DiagnosticsRegistry` makes one (its `lints`
 * option) and runs it in `snapshot()`; read it as `registry.lints`.
 *
 * @example The engine of a registry
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry({ lints: { stuck: { after: 1000 } } });
 * registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 8 }));
 * assert.deepEqual(registry.snapshot().lints, []);
 * assert.equal(registry.lints?.settings.stuck?.after, 1000);
 * assert.equal(new DiagnosticsRegistry({ lints: false }).lints, undefined);
 * ```
 */
export class LintEngine implements ActiveLints {
  #settings: LintSettings;
  #rules: LintRule[];
  #active = new Map<string, Lint>();
  #list: Lint[] = [];
  /** Per rule that reads slots: when it last ran, and what it found then. */
  #held = new Map<LintRule, { at: number; findings: LintFinding[] }>();
  #micros = 0;
  #evaluatedAt = 0;

  /**
   * Creates an engine with these thresholds.
   *
   * @param options Each rule's thresholds, or `false` to turn it off.
   * @throws {RangeError} If a threshold is out of its range.
   * @throws {TypeError} If a rule's options are neither an object nor `false`.
   */
  constructor(options: LintOptions = {}) {
    this.#settings = lintSettings(options);
    this.#rules = rulesOf(this.#settings);
  }

  /** The checked thresholds; `undefined` for a rule turned off. */
  get settings(): LintSettings {
    return this.#settings;
  }

  /** The lints active as of the last evaluation, in wire order. */
  get active(): readonly Lint[] {
    return this.#list;
  }

  /** The time of the snapshot last evaluated (ms since the Unix epoch); 0 before the first. */
  get evaluatedAt(): number {
    return this.#evaluatedAt;
  }

  /** Microseconds the last evaluation took. */
  get lastMicros(): number {
    return this.#micros;
  }

  /**
   * Runs the rules on one snapshot's pools.
   *
   * @param context The pools, as just collected, and the snapshot's time.
   * @returns The active lints, in wire order: the same array as the last
   * evaluation's when nothing changed.
   */
  evaluate(context: LintContext): Lint[] {
    const started = performance.now();
    const ts = context.ts;
    this.#evaluatedAt = ts;
    const pools = new Set<string>();
    for (const { snapshot } of context.slabs) pools.add(snapshot.name);
    for (const arena of context.arenas) pools.add(arena.name);
    const next = new Map<string, Lint>();
    let changed = false;
    for (const rule of this.#rules) {
      let findings: LintFinding[];
      const held = this.#held.get(rule);
      if (rule.every === 0 || held === undefined || ts - held.at >= rule.every || ts < held.at) {
        findings = rule.evaluate(context);
        if (rule.every > 0) this.#held.set(rule, { at: ts, findings });
      } else {
        // Held from its last run; a pool removed since has no lint.
        findings = held.findings.filter((finding) => pools.has(finding.pool));
      }
      for (const finding of findings) {
        const key = lintKey({ rule: rule.id, pool: finding.pool });
        const old = this.#active.get(key);
        const lint: Lint = {
          rule: rule.id,
          pool: finding.pool,
          since: old?.since ?? ts,
          count: finding.count,
          detail: finding.detail,
        };
        if (finding.slots !== undefined && finding.slots.length > 0) lint.slots = finding.slots;
        if (old !== undefined && sameLint(old, lint)) {
          next.set(key, old);
        } else {
          next.set(key, lint);
          changed = true;
        }
      }
    }
    if (changed || next.size !== this.#active.size) {
      this.#active = next;
      this.#list = [...next.values()].sort(compareLints);
    }
    this.#micros = Math.round((performance.now() - started) * 1000);
    return this.#list;
  }
}
