// Copyright 2026 the slabscope authors. MIT license.
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from "../core/export/prometheus.ts";
import { define } from "../utils.ts";

/**
 * `GET …/metrics`: the Prometheus text exposition of the same registry,
 * behind the same guard as the dashboard (scrapers send the Bearer token).
 */
export const handler = define.handlers({
  GET: (ctx) =>
    new Response(formatPrometheus(ctx.state.registry.snapshot()), {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
    }),
});
