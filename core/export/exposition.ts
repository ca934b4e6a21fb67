// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Writing the Prometheus text exposition format 0.0.4: families with
 * `# HELP` and `# TYPE` and their samples together, names, types and labels
 * checked as they are written, label values escaped. Internal to
 * `prometheus.ts` and its families.
 *
 * @module
 */

import { describe } from "../allocator/describe.ts";

/** Letters, digits, underscores and colons; no leading digit. */
const METRIC_NAME_REGEXP = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Letters, digits and underscores; no leading digit. `__` prefixes are reserved. */
const LABEL_NAME_REGEXP = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_VALUE_ESCAPE_REGEXP = /[\\"\n]/g;
const HELP_ESCAPE_REGEXP = /[\\\n]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n" };

/** The types of family written here. */
export type MetricType = "counter" | "gauge" | "histogram";

/** Label values in the order of the family's label names, and the value. */
export type Sample = readonly [labelValues: readonly string[], value: number];

/** One series of a histogram: its label values and what it counted. */
export interface HistogramSeries {
  /** Label values in the order of the family's label names (`le` is added). */
  labels: readonly string[];
  /** Cumulative counts at each of the family's bounds (`+Inf` is `count`). */
  cumulative: readonly number[];
  /** The sum of the observed values. */
  sum: number;
  /** The number of observations. */
  count: number;
}

/** Writes families, checking names, types and labels as it goes. */
export class Exposition {
  #namespace: string;
  #lines: string[] = [];
  #families = new Set<string>();

  /** @param namespace The prefix of every family this writes, followed by `_`. */
  constructor(namespace: string) {
    this.#namespace = namespace;
  }

  /** Writes one family under the namespace: HELP, TYPE, then its samples. Nothing when there are none. */
  family(
    suffix: string,
    type: Exclude<MetricType, "histogram">,
    help: string,
    labelNames: readonly string[],
    samples: readonly Sample[],
  ): void {
    this.unprefixed(`${this.#namespace}_${suffix}`, type, help, labelNames, samples);
  }

  /**
   * Writes one family by its full name, without the namespace: for the
   * names every Prometheus client library writes alike
   * (`process_start_time_seconds`).
   */
  unprefixed(
    name: string,
    type: Exclude<MetricType, "histogram">,
    help: string,
    labelNames: readonly string[],
    samples: readonly Sample[],
  ): void {
    if (!this.#claim(name, type, help, labelNames, samples.length)) return;
    for (const [values, value] of samples) {
      this.#lines.push(`${name}${labels(labelNames, values)} ${formatValue(value)}`);
    }
  }

  /**
   * Writes a histogram family under the namespace: per series, one
   * `_bucket` sample per bound and `+Inf`, then `_sum` and `_count`.
   */
  histogram(
    suffix: string,
    help: string,
    labelNames: readonly string[],
    bounds: readonly number[],
    series: readonly HistogramSeries[],
  ): void {
    const name = `${this.#namespace}_${suffix}`;
    if (!this.#claim(name, "histogram", help, [...labelNames, "le"], series.length)) return;
    const les = [...bounds.map(formatValue), "+Inf"];
    for (const { labels: values, cumulative, sum, count } of series) {
      for (let i = 0; i < les.length; i++) {
        const n = i < bounds.length ? cumulative[i]! : count;
        this.#lines.push(
          `${name}_bucket${labels([...labelNames, "le"], [...values, les[i]!])} ${formatValue(n)}`,
        );
      }
      this.#lines.push(`${name}_sum${labels(labelNames, values)} ${formatValue(sum)}`);
      this.#lines.push(`${name}_count${labels(labelNames, values)} ${formatValue(count)}`);
    }
  }

  /** The exposition: one line each, ending with a newline. */
  text(): string {
    return this.#lines.length === 0 ? "" : this.#lines.join("\n") + "\n";
  }

  /** Checks a family and writes its HELP and TYPE; `false` when it has no samples. */
  #claim(
    name: string,
    type: MetricType,
    help: string,
    labelNames: readonly string[],
    samples: number,
  ): boolean {
    checkFamily(name, type, labelNames);
    if (this.#families.has(name)) {
      throw new TypeError(`Cannot write metric family "${name}": it was already written`);
    }
    this.#families.add(name);
    if (samples === 0) return false;
    this.#lines.push(`# HELP ${name} ${help.replace(HELP_ESCAPE_REGEXP, escape)}`);
    this.#lines.push(`# TYPE ${name} ${type}`);
    return true;
  }
}

function labels(names: readonly string[], values: readonly string[]): string {
  let text = "";
  for (let i = 0; i < names.length; i++) {
    text += `${i === 0 ? "{" : ","}${names[i]}="${
      String(values[i]).replace(LABEL_VALUE_ESCAPE_REGEXP, escape)
    }"`;
  }
  return text === "" ? "" : text + "}";
}

function checkFamily(name: string, type: MetricType, labelNames: readonly string[]): void {
  if (!METRIC_NAME_REGEXP.test(name)) {
    throw new TypeError(`Cannot write metric family ${describe(name)}: invalid metric name`);
  }
  // Counters and only counters end in _total (Prometheus naming guide).
  if (name.endsWith("_total") !== (type === "counter")) {
    throw new TypeError(
      `Cannot write metric family "${name}": a ${type} ${
        type === "counter" ? "must" : "must not"
      } end in "_total"`,
    );
  }
  for (const label of labelNames) {
    if (!LABEL_NAME_REGEXP.test(label) || label.startsWith("__")) {
      throw new TypeError(
        `Cannot write metric family "${name}": invalid label name ${describe(label)}`,
      );
    }
  }
}

function escape(char: string): string {
  return ESCAPES[char]!;
}

/** Go's float syntax, as Prometheus parses it: integers plain, `+Inf`, `-Inf`, `NaN`. */
function formatValue(value: number): string {
  if (Number.isFinite(value)) return value === 0 ? "0" : String(value);
  return Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
}
