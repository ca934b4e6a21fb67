// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Number formatting for the dashboard.
 *
 * @module
 */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** `1536` → `"1.5 KiB"`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${
    UNITS[unit]
  }`;
}

/** One formatter for every count: `toLocaleString()` builds a new one per call. */
const COUNT_FORMAT = new Intl.NumberFormat("en-US");

/** `262144` → `"262,144"`. */
export function formatCount(value: number): string {
  return COUNT_FORMAT.format(value);
}

/** `0.8123` → `"81.2 %"`. */
export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 2 : 1)} %`;
}

/** A duration in ms as `"850 ms"`, `"12.3 s"`, `"4 min 2 s"`, `"3 h 5 min"`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A moment in ms since the epoch as the local time of day, `"12:04:31"`. */
export function formatClock(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A moment in ms since the epoch as the local time of day to a tenth of a second, `"12:04:31.5"`. */
export function formatMoment(ms: number): string {
  return `${formatClock(ms)}.${Math.floor(new Date(ms).getMilliseconds() / 100)}`;
}

/** A duration in µs as `"42 µs"`, `"1.25 ms"`, `"380 ms"`, `"2.50 s"`. */
export function formatMicros(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) {
    const ms = us / 1000;
    return `${ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`;
  }
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** Requests per second as `"0"`, `"0.27"`, `"12.3"`, `"1,234"`. */
export function formatRate(perSecond: number): string {
  if (perSecond === 0) return "0";
  if (perSecond < 10) return perSecond.toFixed(2);
  if (perSecond < 100) return perSecond.toFixed(1);
  return formatCount(Math.round(perSecond));
}
