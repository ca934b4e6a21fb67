// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The package's version, as in `deno.json` (a test keeps them equal): the
 * OpenTelemetry meter's version and Prometheus' `slabscope_build_info`.
 *
 * @module
 */

/** This package's version. */
export const VERSION = "0.2.0";
