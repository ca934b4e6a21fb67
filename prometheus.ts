// Copyright 2026 the slabscope authors. MIT license.
/**
 * Prometheus text exposition (format 0.0.4) of a registry's pools:
 * {@linkcode formatPrometheus} for a snapshot, {@linkcode createMetricsHandler}
 * for a `GET /metrics` of your own. (The dashboard serves `{prefix}/metrics`
 * already.)
 *
 * @example A scrape
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { formatPrometheus } from "@slabscope/slabscope/prometheus";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "buffers", slotSize: 64, capacity: 8 })).alloc();
 * assert.match(formatPrometheus(registry.snapshot()), /slabscope_slab_slots_used\{pool="buffers"\} 1/);
 * ```
 *
 * @module
 */

export {
  createMetricsHandler,
  formatPrometheus,
  PROMETHEUS_CONTENT_TYPE,
  type PrometheusOptions,
} from "./core/export/prometheus.ts";
