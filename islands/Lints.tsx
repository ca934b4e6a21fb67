// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import type { Lint, MemorySnapshot } from "../core/wire/types.ts";
import { LINT_CATALOG } from "../core/diagnostics/lints/lint_catalog.ts";
import { lintKey } from "../core/wire/lints.ts";
import { formatClock, formatCount, formatDuration } from "../client/format.ts";
import type { SlotSelection } from "../client/slot_selection.ts";

/** Props of {@linkcode Lints}. */
export interface LintsProps {
  /** The live state. */
  snapshot: Signal<MemorySnapshot | null>;
  /** The selection shared with the grids: a lint selects its slots. */
  selection: Signal<SlotSelection | null>;
}

/**
 * The lints active now, like tokio-console's warnings: each with its rule,
 * pool, what was found, since when, what it means and what to look at.
 * Selecting one marks its slots on the grid (a lint about an arena, or
 * about a pool as a whole, has none to mark).
 */
export default function Lints({ snapshot, selection }: LintsProps) {
  const state = snapshot.value;
  const lints = state?.lints;
  if (state === null || lints === undefined) {
    return (
      <section class="panel lints" aria-labelledby="lints-title">
        <h2 id="lints-title">Lints</h2>
        <p class="muted">
          {state === null ? "Waiting for the first snapshot…" : "This process evaluates no lints."}
        </p>
      </section>
    );
  }
  const chosen = selection.value?.lint;
  const select = (lint: Lint) => {
    const key = lintKey(lint);
    if (chosen === key || lint.slots === undefined) {
      if (chosen === key) selection.value = null;
      return;
    }
    selection.value = { slab: lint.pool, slot: lint.slots[0]!, slots: lint.slots, lint: key };
  };
  return (
    <section class="panel lints" aria-labelledby="lints-title">
      <h2 id="lints-title">
        Lints <span class="muted" data-role="lint-count">{lints.length}</span>
      </h2>
      {lints.length === 0
        ? <p class="muted" data-role="no-lints">Nothing to report.</p>
        : (
          <ul class="lint-list">
            {lints.map((lint) => {
              const about = LINT_CATALOG[lint.rule];
              const key = lintKey(lint);
              const selectable = lint.slots !== undefined;
              return (
                <li
                  key={key}
                  class={`lint${chosen === key ? " selected" : ""}`}
                  data-rule={lint.rule}
                  data-pool={lint.pool}
                >
                  <button
                    type="button"
                    class="lint-head"
                    aria-pressed={selectable ? chosen === key : undefined}
                    disabled={!selectable}
                    title={selectable
                      ? `Mark ${
                        lint.slots!.length < lint.count
                          ? `the first ${lint.slots!.length} of its ${formatCount(lint.count)}`
                          : "its"
                      } slots on the grid`
                      : undefined}
                    onClick={() => select(lint)}
                  >
                    <strong>{about.title}</strong> <code>{lint.pool}</code>
                  </button>
                  <p class="lint-detail">{lint.detail}</p>
                  <p class="muted lint-since">
                    since {formatClock(lint.since)},{" "}
                    {formatDuration(Math.max(0, state.ts - lint.since))} ago
                  </p>
                  <p class="muted lint-explanation">{about.explanation}</p>
                  <details>
                    <summary>What to look at</summary>
                    <p>{about.lookAt}</p>
                  </details>
                </li>
              );
            })}
          </ul>
        )}
    </section>
  );
}
