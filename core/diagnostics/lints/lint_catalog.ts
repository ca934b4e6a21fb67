// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * What each lint rule means and what to look at, in words: for the
 * dashboard's panel, `deno task top` and `GET /debug/diagnostics/lints`.
 *
 * @module
 */

import type { LintRuleId } from "../../wire/types.ts";

/** One rule, in words. */
export interface LintDescription {
  /** A short name: "Stuck in Connecting or Closing". */
  title: string;
  /** What it means. */
  explanation: string;
  /** Where to look first. */
  lookAt: string;
}

/**
 * Every lint rule, in words.
 *
 * @example Usage
 * ```ts
 * import { LINT_CATALOG } from "./lint_catalog.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(LINT_CATALOG.orphan.title, "Slots of an unregistered owner");
 * ```
 */
export const LINT_CATALOG: Readonly<Record<LintRuleId, LintDescription>> = {
  stuck: {
    title: "Stuck in Connecting or Closing",
    explanation:
      "Handles that started to connect or to close and have not finished: each holds its slot, and usually a socket.",
    lookAt:
      "The peer they talk to (down, or not reading), and whether connects and drains have a timeout.",
  },
  idle: {
    title: "Idle too long",
    explanation:
      "Handles kept open with nothing to do for minutes: connections nobody will use again.",
    lookAt: "The pool's idle timeout, or the code that opened them and forgot them.",
  },
  age_outlier: {
    title: "Held far longer than usual",
    explanation:
      "Slots held many times longer than the pool's usual age (its high-percentile age): usually a path that allocates and never frees.",
    lookAt:
      "What holds those slots (owner, request path in the tooltip): an error path or an early return that skips free().",
  },
  orphan: {
    title: "Slots of an unregistered owner",
    explanation:
      "Slots still held by an owner that was unregistered: whoever unregistered it thought it was done, and once its index is reused they count against someone else.",
    lookAt: "Free or re-own an owner's slots before unregistering it (a server's shutdown path).",
  },
  time_to_full: {
    title: "Filling up",
    explanation:
      "The pool's use has grown steadily; at the recent rate it will be full soon, and then allocations fail.",
    lookAt:
      "What grows (owners, open handles) and whether it is load or a leak; raise the capacity or shed load.",
  },
  thrash: {
    title: "Thrashing",
    explanation:
      "Slots freed and allocated again many times a second: a handle opened and closed per operation, or an object per message.",
    lookAt:
      "Keep-alive or a connection pool for handles; an arena reset per request, or one reused buffer, for scratch objects.",
  },
  arena_fallbacks: {
    title: "Arena falling back to the heap",
    explanation:
      "A steady share of the arena's allocations do not fit and go to the heap: the arena is too small for its work.",
    lookAt:
      "The sizes allocated between resets (the high-water mark); a larger arena, or resets more often.",
  },
  invalid_frees: {
    title: "Invalid or double frees",
    explanation:
      "The slab refused frees of handles that were already free, stale, or not its own. Nothing was corrupted, but each one is a bug.",
    lookAt: "Code that frees on two paths (error and finally), or keeps a handle after freeing it.",
  },
};
