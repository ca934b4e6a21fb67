// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import type { MemorySnapshot, StateCounts } from "../core/wire/types.ts";
import { formatCount } from "../client/format.ts";
import { STATE_COLORS } from "../client/palette.ts";

/** Props of {@linkcode OwnerBreakdown}. */
export interface OwnerBreakdownProps {
  /** The live state. */
  snapshot: Signal<MemorySnapshot | null>;
}

type Segment = { key: keyof StateCounts; label: string; state: number };

/** A handle slab's states, besides free. */
const HANDLE_SEGMENTS: readonly Segment[] = [
  { key: "N", label: "Connecting", state: 2 },
  { key: "A", label: "Active", state: 3 },
  { key: "I", label: "Idle", state: 4 },
  { key: "C", label: "Closing", state: 5 },
];
/** A plain slab's one state besides free. */
const PLAIN_SEGMENTS: readonly Segment[] = [{ key: "U", label: "Used", state: 1 }];

function total(counts: StateCounts): number {
  return counts.U + counts.N + counts.A + counts.I + counts.C;
}

/**
 * Per slab that records owners, a stacked bar per owner: Connecting /
 * Active / Idle / Closing for a handle slab, Used for a plain slab whose
 * slots are given owners (Workers sharing a slab, say).
 */
export default function OwnerBreakdown({ snapshot }: OwnerBreakdownProps) {
  const state = snapshot.value;
  // A plain slab records owners once a slot was given one (its per-slot
  // owners arrive with the keyframe; the first paint has only the summary).
  const slabs = (state?.slabs ?? []).filter((slab) =>
    slab.kind === "handle" || slab.owners !== undefined ||
    Object.keys(slab.summary.by_owner).length > 0
  );
  return (
    <section class="panel owners" aria-labelledby="owners-title">
      <h2 id="owners-title">Owners</h2>
      {slabs.length === 0 && <p class="muted">No slab records owners.</p>}
      {slabs.map((slab) => {
        const segments = slab.kind === "handle" ? HANDLE_SEGMENTS : PLAIN_SEGMENTS;
        const rows = Object.entries(slab.summary.by_owner).map(([owner, counts]) => ({
          owner: Number(owner),
          name: state!.owner_map[Number(owner)] ?? `owner #${owner}`,
          kind: state!.owner_kinds[Number(owner)] ?? "",
          counts,
        }));
        const owned = rows.reduce((sum, row) => sum + total(row.counts), 0);
        const unowned = total(slab.summary) - owned;
        if (unowned > 0) {
          const rest = (key: keyof StateCounts) =>
            slab.summary[key] - rows.reduce((n, r) => n + r.counts[key], 0);
          rows.push({
            owner: -1,
            name: "no owner",
            kind: "",
            counts: { U: rest("U"), N: rest("N"), A: rest("A"), I: rest("I"), C: rest("C") },
          });
        }
        rows.sort((a, b) => total(b.counts) - total(a.counts));
        const widest = Math.max(1, ...rows.map((row) => total(row.counts)));
        const held = slab.kind === "handle" ? "open" : "used";
        return (
          <div class="owner-slab" key={slab.name} data-slab={slab.name}>
            <h3>
              {slab.name} <span class="muted">{formatCount(total(slab.summary))} {held}</span>
            </h3>
            {rows.length === 0 && <p class="muted">No open handles.</p>}
            <table class="owner-table" hidden={rows.length === 0}>
              <thead>
                <tr>
                  <th scope="col">owner</th>
                  <th scope="col" class="bar-col">by state</th>
                  {segments.map((s) => (
                    <th scope="col" key={s.key} class="num state-head" data-state={s.key}>
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.owner} data-owner={row.name}>
                    <th scope="row">
                      {row.name} {row.kind && <span class="muted">{row.kind}</span>}
                    </th>
                    <td class="bar-col">
                      <div class="stacked" aria-hidden="true">
                        {segments.map((s) =>
                          row.counts[s.key] > 0 && (
                            <span
                              key={s.key}
                              class={`segment state-${s.key}`}
                              style={{
                                width: `${(100 * row.counts[s.key]) / widest}%`,
                                background: STATE_COLORS[s.state],
                              }}
                              title={`${s.label}: ${row.counts[s.key]}`}
                            />
                          )
                        )}
                      </div>
                    </td>
                    {segments.map((s) => (
                      <td key={s.key} class="num" data-state={s.key}>
                        {formatCount(row.counts[s.key])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </section>
  );
}
