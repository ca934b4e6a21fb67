// Copyright 2026 the slabscope authors. MIT license.
/**
 * What a lint rule is to the engine: a function of one evaluation's view
 * of the pools to what it finds, per pool. Internal to the lint engine.
 *
 * @module
 */

import type { SlabAllocator } from "../../allocator/slab.ts";
import type { ArenaSnapshot, LintRuleId, SlabSnapshot } from "../../wire/types.ts";
import type { SlotHistory } from "../slab_collector.ts";

/** One slab as an evaluation sees it. */
export interface LintSlab {
  /** The live slab. */
  slab: SlabAllocator;
  /** Its snapshot, just collected. */
  snapshot: SlabSnapshot;
  /** What the collector read of its slots for that snapshot. */
  history: SlotHistory | undefined;
}

/** One evaluation's input: a registry snapshot's pools, and its time. */
export interface LintContext {
  /** The snapshot's time, ms since the Unix epoch (the registry's clock). */
  ts: number;
  /** The slabs, in snapshot order. */
  slabs: readonly LintSlab[];
  /** The arenas, in snapshot order. */
  arenas: readonly ArenaSnapshot[];
  /** Owner names by index; `null` for an index no owner holds. */
  ownerMap: readonly (string | null)[];
}

/** What a rule found about one pool. */
export interface LintFinding {
  /** The slab or arena. */
  pool: string;
  /** Slots it holds for (1 for the pool as a whole). */
  count: number;
  /** Slots at fault, ascending, at most `MAX_LINT_SLOTS`. */
  slots?: number[];
  /** What was found, in a sentence. */
  detail: string;
}

/** A lint rule. */
export interface LintRule {
  /** Its id on the wire. */
  readonly id: LintRuleId;
  /**
   * For a rule that reads slots one by one, the least time (ms) between
   * two of its runs (its thresholds are seconds or more; in between, the
   * engine keeps its findings); 0 for a rule that runs every evaluation.
   */
  readonly every: number;
  /** What it finds now, at most one finding per pool. */
  evaluate(context: LintContext): LintFinding[];
}
