// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import { formatCount, formatDuration } from "../client/format.ts";
import type { MomentDiff } from "../client/moment_diff.ts";

/** Props of {@linkcode DiffPanel}. */
export interface DiffPanelProps {
  /** The differences between the two moments compared, when there are two. */
  diff: Signal<MomentDiff | null>;
}

/**
 * What happened between the two moments compared: per slab, the cells that
 * differ (marked on the grids) and, per owner, allocations, frees and state
 * changes seen tick by tick, with the slab's own counters beside.
 */
export default function DiffPanel({ diff }: DiffPanelProps) {
  const d = diff.value;
  if (d === null) return <div class="diff-panel hidden" />;
  const slabs = d.slabs.filter((slab) => slab.cells.length > 0 || slab.owners.length > 0);
  return (
    <section class="panel diff-panel" aria-labelledby="diff-title" data-ticks={d.ticks}>
      <h2 id="diff-title">Between the two moments</h2>
      <p class="muted small">
        {formatDuration(d.to.ts - d.from.ts)} apart, {formatCount(d.ticks)}{" "}
        recorded ticks. Allocations and frees are counted tick by tick; the counters also see what
        was taken and given back within one tick.
      </p>
      {slabs.length === 0 && <p class="muted">Nothing changed.</p>}
      {slabs.map((slab) => (
        <div class="diff-slab" key={slab.name} data-slab={slab.name}>
          <h3>
            {slab.name}{" "}
            <span class="muted">
              {formatCount(slab.cells.length)} cells differ · counters: +{formatCount(
                slab.counted.allocs,
              )} / −{formatCount(slab.counted.frees)}
            </span>
          </h3>
          <table class="diff-table">
            <thead>
              <tr>
                <th scope="col">owner</th>
                <th scope="col" class="num" title="free → taken">allocs</th>
                <th scope="col" class="num" title="taken → free">frees</th>
                <th scope="col" class="num" title="a state change while taken">changes</th>
                <th scope="col" class="num" title="allocs − frees">net</th>
              </tr>
            </thead>
            <tbody>
              {slab.owners.map((row) => (
                <tr key={row.owner} data-owner={row.owner}>
                  <th scope="row">
                    {row.owner < 0 ? "no owner" : d.ownerMap[row.owner] ?? `owner #${row.owner}`}
                  </th>
                  <td class="num">{formatCount(row.allocs)}</td>
                  <td class="num">{formatCount(row.frees)}</td>
                  <td class="num">{formatCount(row.changes)}</td>
                  <td class={`num ${row.allocs - row.frees > 0 ? "warning-text" : ""}`}>
                    {row.allocs - row.frees > 0 ? "+" : ""}
                    {formatCount(row.allocs - row.frees)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
