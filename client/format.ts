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

/** `262144` → `"262,144"`. */
export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
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
