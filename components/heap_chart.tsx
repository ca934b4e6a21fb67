// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
// This module is browser compatible.
/**
 * {@linkcode HeapChart}: one heap figure over a time window, in a box of its
 * own with its own scale (0 at the bottom edge, a round value above its
 * peak at the top, written in the corner) and, under the pointer, the value and time of the sample
 * there. Rows of a shared scale put a large line at the top edge of its box,
 * where it reads as the bottom of the row above; a box per figure does not.
 *
 * @module
 */

import { useState } from "npm:preact@^10.29.8/hooks";
import { formatClock } from "../client/format.ts";
import { lastAtOrBefore } from "../core/last_at_or_before.ts";
import type { Series } from "./sparkline.tsx";

/** Props of {@linkcode HeapChart}. */
export interface HeapChartProps {
  /** The samples, oldest first. */
  series: Series;
  /** Right edge of the window, ms since the epoch. */
  end: number;
  /** Window length, ms. */
  window: number;
  /** Formats a value and the scale (bytes, say). */
  format: (value: number) => string;
  /** Accessible description. */
  label: string;
  /** Which figure (a CSS class `line-<key>` sets its colour; `data-line` names it). */
  line: string;
}

const WIDTH = 240;
const HEIGHT = 32;

/**
 * The top of a scale: the smallest of 1, 2, 2.5 or 5 times a power of 1,024 or 10
 * that leaves a tenth of room above `peak`.
 *
 * @param peak The largest value shown.
 * @returns The scale's top, at least 1.
 *
 * @example
 * ```ts
 * import { scaleTop } from "./heap_chart.tsx";
 * import assert from "node:assert/strict";
 *
 * assert.equal(scaleTop(0), 1);
 * assert.equal(scaleTop(171 * 2 ** 20), 200 * 2 ** 20);
 * assert.equal(scaleTop(220 * 2 ** 20), 250 * 2 ** 20);
 * assert.ok(scaleTop(95) >= 95 * 1.1);
 * ```
 */
export function scaleTop(peak: number): number {
  const target = Math.max(1, peak * 1.1);
  const unit = 1024 ** Math.max(0, Math.floor(Math.log(target) / Math.log(1024)));
  const scaled = target / unit;
  const decade = 10 ** Math.floor(Math.log10(scaled));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * decade >= scaled) return step * decade * unit;
  }
  return 10 * decade * unit;
}

type Scale = (value: number) => number;

/** The step line through the first `shown` samples, two points a sample. */
function stepLine(series: Series, shown: number, x: Scale, y: Scale): string[] {
  const points: string[] = [];
  for (let i = 0; i < shown; i++) {
    const t = x(series.times[i]!).toFixed(1);
    if (i > 0) points.push(`${t},${y(series.values[i - 1]!).toFixed(1)}`);
    points.push(`${t},${y(series.values[i]!).toFixed(1)}`);
  }
  return points;
}

/**
 * The same line drawn a column of the box at a time, for more samples than
 * columns: in each column the value it enters with, its lowest and highest,
 * and the value it leaves with, at most four points. A recording's five
 * minutes are thousands of samples: two points each would cost every
 * render (each step of a scrub) their strings and Chromium their layout,
 * for lines no wider than a column apart.
 */
function columnLine(series: Series, shown: number, x: Scale, y: Scale): string[] {
  const points: string[] = [];
  let column = -1;
  let enter = 0;
  let low = 0;
  let high = 0;
  let leave = 0;
  const flush = () => {
    const at = `${column},`;
    points.push(at + y(enter).toFixed(1));
    if (low < Math.min(enter, leave)) points.push(at + y(low).toFixed(1));
    if (high > Math.max(enter, leave)) points.push(at + y(high).toFixed(1));
    if (leave !== enter) points.push(at + y(leave).toFixed(1));
  };
  for (let i = 0; i < shown; i++) {
    const c = Math.min(WIDTH - 1, Math.floor(x(series.times[i]!)));
    const v = series.values[i]!;
    if (c !== column) {
      if (column >= 0) flush();
      column = c;
      enter = i === 0 ? v : leave;
      low = Math.min(enter, v);
      high = Math.max(enter, v);
    } else {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    leave = v;
  }
  if (column >= 0) flush();
  return points;
}

/** One heap figure's chart: a step line, its scale, and the value under the pointer. */
export function HeapChart(props: HeapChartProps) {
  const { series, end, window, format, label, line } = props;
  const [hover, setHover] = useState<number | null>(null);
  const start = end - window;
  let peak = 0;
  for (let i = 0; i < series.values.length; i++) {
    if (series.times[i]! >= start || i + 1 === series.values.length) {
      peak = Math.max(peak, series.values[i]!);
    }
  }
  const top = scaleTop(peak);
  const x = (t: number) => ((Math.max(t, start) - start) / window) * WIDTH;
  const y = (v: number) => HEIGHT - (v / top) * HEIGHT;
  const shown = lastAtOrBefore(series.times, end) + 1;
  const last = shown === 0 ? undefined : series.values[shown - 1]!;
  const points = shown > WIDTH ? columnLine(series, shown, x, y) : stepLine(series, shown, x, y);
  if (last !== undefined) points.push(`${WIDTH},${y(last).toFixed(1)}`);
  const hovered = hover === null ? -1 : lastAtOrBefore(series.times, hover);
  const onPointerMove = (event: PointerEvent) => {
    const rect = (event.currentTarget as Element).getBoundingClientRect();
    const share = Math.min(1, Math.max(0, (event.clientX - rect.left) / Math.max(1, rect.width)));
    setHover(start + share * window);
  };
  return (
    <div
      class={`heap-chart line-${line}`}
      data-line={line}
      data-scale={top}
      data-samples={series.times.length}
      data-first={series.times[0]}
      data-last-value={last}
      onPointerMove={onPointerMove}
      onPointerLeave={() => setHover(null)}
    >
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={label}
        preserveAspectRatio="none"
      >
        <polyline points={points.join(" ")} fill="none" vector-effect="non-scaling-stroke" />
        {hover !== null && (
          <line
            class="cursor"
            x1={x(hover)}
            x2={x(hover)}
            y1={0}
            y2={HEIGHT}
            vector-effect="non-scaling-stroke"
          />
        )}
      </svg>
      <span class="heap-scale heap-scale-max" aria-hidden="true">{format(top)}</span>
      {hover !== null && (
        <span class="heap-readout" role="status">
          {hovered < 0
            ? `${formatClock(hover)}: no sample`
            : `${formatClock(series.times[hovered]!)}: ${format(series.values[hovered]!)}`}
        </span>
      )}
    </div>
  );
}
