// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
// This module is browser compatible.
/**
 * One pool's use over the recording as a small SVG chart: in use (filled),
 * the high-water mark (a line), capacity (the top), overflows (red ticks
 * where the counter rose), the moment shown and the moment compared with.
 * A click asks to go to the moment under the pointer.
 *
 * @module
 */

import { useMemo } from "npm:preact@^10.29.8/hooks";
import type { PoolSeries } from "../client/usage_history.ts";

/** Props of {@linkcode UsageChart}. */
export interface UsageChartProps {
  /** The pool's series. */
  series: PoolSeries;
  /** The time at the left edge, ms. */
  start: number;
  /** The time at the right edge, ms. */
  end: number;
  /** The moment shown (a line), if not live. */
  cursor?: number | undefined;
  /** The moment compared with (a dashed line), if any. */
  compare?: number | undefined;
  /** Called with the time under a click. */
  onSeek?: (ts: number) => void;
  /** Accessible description. */
  label: string;
}

/** Columns of the chart: samples are bucketed into this many. */
const WIDTH = 600;
const HEIGHT = 40;

/** The drawn shape of a series between two times: the area in use, the mark's line, overflow columns. */
interface Shape {
  area: string;
  hwm: string;
  overflows: number[];
}

/**
 * The series bucketed by column: the highest use and mark of each, and
 * whether the overflow counter rose in it. A column without a sample keeps
 * the value before it (a value holds until the next sample), up to the
 * right edge.
 */
function shapeOf(series: PoolSeries, start: number, end: number): Shape {
  const span = Math.max(1, end - start);
  const top = Math.max(1, ...series.capacity, ...series.hwm);
  const x = (t: number) => ((t - start) / span) * WIDTH;
  const y = (v: number) => HEIGHT - (v / top) * (HEIGHT - 1);
  const used = new Float64Array(WIDTH).fill(-1);
  const hwm = new Float64Array(WIDTH).fill(-1);
  const overflows = new Set<number>();
  const column = (t: number) => Math.min(WIDTH - 1, Math.max(0, Math.floor(x(t))));
  for (let i = 0; i < series.times.length; i++) {
    const c = column(series.times[i]!);
    used[c] = Math.max(used[c]!, series.used[i]!);
    hwm[c] = Math.max(hwm[c]!, series.hwm[i]!);
    if (i > 0 && series.overflow[i]! > series.overflow[i - 1]!) overflows.add(c);
  }
  const first = series.times.length === 0 ? WIDTH : column(series.times[0]!);
  const last = Math.min(WIDTH, Math.ceil(x(end)));
  const usedPoints: string[] = [];
  const hwmPoints: string[] = [];
  for (let c = first; c < last; c++) {
    if (used[c]! < 0) used[c] = used[c - 1]!;
    if (hwm[c]! < 0) hwm[c] = hwm[c - 1]!;
    usedPoints.push(`${c},${y(used[c]!).toFixed(1)}`, `${c + 1},${y(used[c]!).toFixed(1)}`);
    hwmPoints.push(`${c},${y(hwm[c]!).toFixed(1)}`, `${c + 1},${y(hwm[c]!).toFixed(1)}`);
  }
  const area = usedPoints.length === 0
    ? ""
    : `M${first},${HEIGHT} L${usedPoints.join(" L")} L${last},${HEIGHT} Z`;
  return { area, hwm: hwmPoints.join(" "), overflows: [...overflows] };
}

/** The chart. */
export function UsageChart(props: UsageChartProps) {
  const { series, start, end } = props;
  const span = Math.max(1, end - start);
  const x = (t: number) => ((t - start) / span) * WIDTH;
  // The shape depends on the series and the window only: moving the moment
  // shown (each step of a scrub) redraws two lines, not the chart. The
  // length is in the key because live states append to the same series.
  const shape = useMemo(
    () => shapeOf(series, start, end),
    [series, series.times.length, start, end],
  );
  const onClick = (event: MouseEvent) => {
    const rect = (event.currentTarget as Element).getBoundingClientRect();
    const ratio = (event.clientX - rect.left) / Math.max(1, rect.width);
    props.onSeek?.(start + ratio * span);
  };
  return (
    <svg
      class="usage-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={props.label}
      data-overflows={shape.overflows.length}
      data-start={start}
      data-end={end}
      onClick={onClick}
    >
      <path class="used" d={shape.area} />
      <polyline
        class="hwm"
        points={shape.hwm}
        fill="none"
        vector-effect="non-scaling-stroke"
      />
      {shape.overflows.map((c) => (
        <line key={c} class="overflow" x1={c + 0.5} x2={c + 0.5} y1={0} y2={HEIGHT} />
      ))}
      {props.compare !== undefined && (
        <line class="compare" x1={x(props.compare)} x2={x(props.compare)} y1={0} y2={HEIGHT} />
      )}
      {props.cursor !== undefined && (
        <line class="cursor" x1={x(props.cursor)} x2={x(props.cursor)} y1={0} y2={HEIGHT} />
      )}
    </svg>
  );
}
