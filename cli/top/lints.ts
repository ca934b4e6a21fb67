// Copyright 2026 the slabscope authors. MIT license.
/**
 * The lints of `deno task top`: a summary line, and one line per active
 * lint (rule, pool, what was found, for how long). Pure: text in, text
 * out; the renderer sanitizes and fits every line.
 *
 * @module
 */

import { LINT_CATALOG } from "../../core/diagnostics/lints/lint_catalog.ts";
import type { MemorySnapshot } from "../../core/wire/types.ts";
import { formatAge } from "./format.ts";

/**
 * The lints summary, `none`, `2 active` or `off` (the process evaluates
 * none), and one line per active lint.
 *
 * @param snapshot The state shown.
 * @returns The summary and the lint lines, in wire order.
 *
 * @example Usage
 * ```ts
 * import { lintLines } from "./lints.ts";
 * import { DiagnosticsRegistry } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * const snapshot = new DiagnosticsRegistry().snapshot();
 * assert.deepEqual(lintLines(snapshot), { summary: "none", lines: [] });
 * ```
 */
export function lintLines(snapshot: MemorySnapshot): { summary: string; lines: string[] } {
  const lints = snapshot.lints;
  if (lints === undefined) return { summary: "off", lines: [] };
  if (lints.length === 0) return { summary: "none", lines: [] };
  return {
    summary: `${lints.length} active`,
    lines: lints.map((lint) =>
      `  ! ${LINT_CATALOG[lint.rule].title} · ${lint.pool} · ${lint.detail} · for ${
        formatAge(snapshot.ts - lint.since)
      }`
    ),
  };
}
