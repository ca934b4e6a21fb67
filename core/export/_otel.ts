// Copyright 2026 the slabscope authors. MIT license.
/**
 * What `otel.ts` and its parts share: the pool attribute, and observable
 * instruments made the one way, from a name, a unit and a description.
 * Internal to `otel.ts`.
 *
 * @module
 */

import type {
  Meter,
  ObservableCounter,
  ObservableGauge,
  ObservableUpDownCounter,
} from "npm:@opentelemetry/api@^1.10.0";

/** The pool (slab, arena or arena pool) a measurement is about. */
export const POOL_NAME = "slabscope.pool.name";

/** Makers of the three observable kinds on one meter. */
export interface ObservableMakers {
  upDown(name: string, unit: string, description: string): ObservableUpDownCounter;
  counter(name: string, unit: string, description: string): ObservableCounter;
  gauge(name: string, unit: string, description: string): ObservableGauge;
}

/**
 * The makers for `meter`. Deno 2.9.6's meter accepts only the default
 * `valueType` (DOUBLE), so none is given; the values are integers all the
 * same.
 *
 * @param meter The meter of `registerOpenTelemetry()`.
 * @returns The makers.
 *
 * @example Usage
 * ```ts
 * import { metrics } from "npm:@opentelemetry/api@^1.10.0";
 * import { observableMakers } from "./_otel.ts";
 *
 * const { gauge } = observableMakers(metrics.getMeter("example"));
 * gauge("example.size", "By", "A size."); // a no-op instrument without a meter provider
 * ```
 */
export function observableMakers(meter: Meter): ObservableMakers {
  return {
    upDown: (name, unit, description) =>
      meter.createObservableUpDownCounter(name, { unit, description }),
    counter: (name, unit, description) =>
      meter.createObservableCounter(name, { unit, description }),
    gauge: (name, unit, description) => meter.createObservableGauge(name, { unit, description }),
  };
}
