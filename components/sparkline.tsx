// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
// This module is browser compatible.
/**
 * A tiny SVG sparkline over a time window.
 *
 * @module
 */

/** One series: timestamps (ms) and values, oldest first. */
export interface Series {
  times: number[];
  values: number[];
}

/** Props of {@linkcode Sparkline}. */
export interface SparklineProps {
  series: Series;
  /** Right edge of the window, ms. */
  now: number;
  /** Window length, ms. */
  window: number;
  /** Top of the scale (so that several lines share one). */
  max: number;
  /** Accessible description. */
  label: string;
  /** CSS class for the stroke colour. */
  class?: string;
}

const WIDTH = 240;
const HEIGHT = 36;

/** Draws `series` between `now - window` and `now`, as a step line that extends to `now`. */
export function Sparkline(props: SparklineProps) {
  const { series, now, window, max, label } = props;
  const start = now - window;
  const points: string[] = [];
  const x = (t: number) => (((t - start) / window) * WIDTH).toFixed(1);
  const y = (v: number) => (HEIGHT - 1 - (v / Math.max(1, max)) * (HEIGHT - 2)).toFixed(1);
  let last: number | undefined;
  for (let i = 0; i < series.times.length; i++) {
    const t = Math.max(series.times[i]!, start);
    const v = series.values[i]!;
    if (last !== undefined) points.push(`${x(t)},${y(last)}`);
    points.push(`${x(t)},${y(v)}`);
    last = v;
  }
  if (last !== undefined) points.push(`${x(now)},${y(last)}`);
  return (
    <svg
      class={`sparkline ${props.class ?? ""}`}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={label}
      preserveAspectRatio="none"
    >
      <polyline points={points.join(" ")} fill="none" vector-effect="non-scaling-stroke" />
    </svg>
  );
}

/** Appends a sample and drops those older than `window` (keeping one before it). */
export function pushSample(series: Series, time: number, value: number, window: number): void {
  series.times.push(time);
  series.values.push(value);
  let drop = 0;
  while (drop + 1 < series.times.length && series.times[drop + 1]! < time - window) drop++;
  if (drop > 0) {
    series.times.splice(0, drop);
    series.values.splice(0, drop);
  }
}
