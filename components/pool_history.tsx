// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
// This module is browser compatible.
/**
 * The timeline's "Pool usage" rows: each pool's use, high-water mark and
 * overflows over the recording, with its figures at the moment shown. A
 * click on a chart asks to go to that moment.
 *
 * @module
 */

import { formatBytes, formatCount } from "../client/format.ts";
import type { PoolSeries } from "../client/usage_history.ts";
import { lastAtOrBefore } from "../core/last_at_or_before.ts";
import { UsageChart } from "./usage_chart.tsx";

/** Props of {@linkcode PoolHistory}. */
export interface PoolHistoryProps {
  /** Every pool's series. */
  pools: readonly PoolSeries[];
  /** The time at the charts' left edge, ms. */
  start: number;
  /** The time at their right edge, ms. */
  end: number;
  /** The moment shown; `undefined` while live (the figures are the latest). */
  cursor: number | undefined;
  /** The moment compared with, if any. */
  compare: number | undefined;
  /** A recording replayed (the charts span it), not the recorder's window. */
  replay: boolean;
  /** Called with the time under a click. */
  onSeek: (ts: number) => void;
}

/** The pools' usage over the window, one row each, open by default. */
export function PoolHistory(props: PoolHistoryProps) {
  // An arena pool backed by a slab of its name (stream_arenas) has a row of each kind.
  const slabs = new Set(props.pools.filter((p) => p.kind === "slab").map((p) => p.name));
  return (
    <details class="history" open>
      <summary>Pool usage over the {props.replay ? "recording" : "window"}</summary>
      <div class="history-rows">
        {props.pools.map((series) => (
          <PoolRow
            key={`${series.kind}:${series.name}`}
            series={series}
            twin={series.kind === "arena" && slabs.has(series.name)}
            {...props}
          />
        ))}
      </div>
    </details>
  );
}

function PoolRow(props: PoolHistoryProps & { series: PoolSeries; twin: boolean }) {
  const { series } = props;
  const at = props.cursor === undefined
    ? series.times.length - 1
    : lastAtOrBefore(series.times, props.cursor);
  const figure = (value: number) =>
    series.kind === "arena" ? formatBytes(value) : formatCount(value);
  const used = at < 0 ? undefined : series.used[at];
  const hwm = at < 0 ? undefined : series.hwm[at];
  const overflow = at < 0 ? 0 : series.overflow[at]! - series.overflow[0]!;
  return (
    <div class="history-row" data-pool={series.name} data-kind={series.kind}>
      <span class="history-name" title={series.name}>
        {props.twin ? `${series.name} · arenas` : series.name}
      </span>
      <UsageChart
        series={series}
        start={props.start}
        end={props.end}
        cursor={props.cursor}
        compare={props.compare}
        onSeek={props.onSeek}
        label={`${series.name}: use, high-water mark and overflows over time`}
      />
      <span class="history-figures">
        {used === undefined ? "—" : `${figure(used)} used · hwm ${figure(hwm!)}`}
        {overflow > 0 && <span class="critical-text">· {formatCount(overflow)} overflows</span>}
      </span>
    </div>
  );
}
