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

const SEGMENTS: { key: keyof StateCounts; label: string; state: number }[] = [
  { key: "N", label: "Connecting", state: 2 },
  { key: "A", label: "Active", state: 3 },
  { key: "I", label: "Idle", state: 4 },
  { key: "C", label: "Closing", state: 5 },
];

function total(counts: StateCounts): number {
  return counts.N + counts.A + counts.I + counts.C;
}

/** Per handle slab, a stacked bar per owner: Connecting / Active / Idle / Closing. */
export default function OwnerBreakdown({ snapshot }: OwnerBreakdownProps) {
  const state = snapshot.value;
  const slabs = (state?.slabs ?? []).filter((slab) => slab.kind === "handle");
  return (
    <section class="panel owners" aria-labelledby="owners-title">
      <h2 id="owners-title">Owners</h2>
      {slabs.length === 0 && <p class="muted">No handle slabs registered.</p>}
      {slabs.map((slab) => {
        const rows = Object.entries(slab.summary.by_owner).map(([owner, counts]) => ({
          owner: Number(owner),
          name: state!.owner_map[Number(owner)] ?? `owner #${owner}`,
          kind: state!.owner_kinds[Number(owner)] ?? "",
          counts,
        }));
        const owned = rows.reduce((sum, row) => sum + total(row.counts), 0);
        const unowned = total(slab.summary) - owned;
        if (unowned > 0) {
          rows.push({
            owner: -1,
            name: "no owner",
            kind: "",
            counts: {
              U: 0,
              N: slab.summary.N - rows.reduce((n, r) => n + r.counts.N, 0),
              A: slab.summary.A - rows.reduce((n, r) => n + r.counts.A, 0),
              I: slab.summary.I - rows.reduce((n, r) => n + r.counts.I, 0),
              C: slab.summary.C - rows.reduce((n, r) => n + r.counts.C, 0),
            },
          });
        }
        rows.sort((a, b) => total(b.counts) - total(a.counts));
        const widest = Math.max(1, ...rows.map((row) => total(row.counts)));
        return (
          <div class="owner-slab" key={slab.name}>
            <h3>
              {slab.name} <span class="muted">{formatCount(total(slab.summary))} open</span>
            </h3>
            {rows.length === 0 && <p class="muted">No open handles.</p>}
            <table class="owner-table">
              <thead>
                <tr>
                  <th scope="col">owner</th>
                  <th scope="col" class="bar-col">by state</th>
                  {SEGMENTS.map((s) => <th scope="col" key={s.key} title={s.label}>{s.key}</th>)}
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.owner}>
                    <th scope="row">
                      {row.name} {row.kind && <span class="muted">{row.kind}</span>}
                    </th>
                    <td class="bar-col">
                      <div class="stacked" aria-hidden="true">
                        {SEGMENTS.map((s) =>
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
                    {SEGMENTS.map((s) => (
                      <td key={s.key} class="num">{formatCount(row.counts[s.key])}</td>
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
