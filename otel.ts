// Copyright 2026 the slabscope authors. MIT license.
/**
 * OpenTelemetry instruments for Deno's built-in OpenTelemetry
 * (`OTEL_DENO=true`): {@linkcode registerOpenTelemetry} observes a
 * registry's pools through `npm:@opentelemetry/api`. Without `OTEL_DENO`
 * the API is a no-op, so it costs nothing. This is the only entry that
 * loads an npm package outside the dashboard.
 *
 * @example Register, then stop
 * ```ts
 * import { DiagnosticsRegistry } from "@slabscope/slabscope";
 * import { registerOpenTelemetry } from "@slabscope/slabscope/otel";
 *
 * const registration = registerOpenTelemetry(new DiagnosticsRegistry());
 * registration.close();
 * ```
 *
 * @module
 */

export {
  type OpenTelemetryOptions,
  type OpenTelemetryRegistration,
  registerOpenTelemetry,
} from "./core/export/otel.ts";
