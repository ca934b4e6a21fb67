// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The families of the Prometheus exposition about the diagnostics
 * themselves and the slabs' site tables: the CPU time the diagnostics
 * spend per phase, and each site table's size, dropped sites and skipped
 * samples. Internal to `prometheus.ts`.
 *
 * @module
 */

import { COST_PHASES } from "../wire/fields.ts";
import type { SitesSnapshot, StreamSnapshot } from "../wire/types.ts";
import type { Exposition, Sample } from "./exposition.ts";

/** `…_diagnostics_cpu_seconds_total{phase}`, when the stream's figures carry the totals. */
export function writeDiagnosticsCost(out: Exposition, stream: StreamSnapshot): void {
  const total = stream.cpu_us_total;
  if (total === undefined) return;
  const samples: Sample[] = [];
  for (const phase of COST_PHASES) {
    const us = total[phase];
    if (us !== undefined) samples.push([[phase], us / 1e6]);
  }
  out.family(
    "diagnostics_cpu_seconds_total",
    "counter",
    "Time the diagnostics themselves spent, by phase: the stream's collect, encode, record and send, and capturing sampled allocation stacks in every thread of a registered slab.",
    ["phase"],
    samples,
  );
}

/** Per slab with a site table: sites held, sites dropped, samples skipped. */
export function writeSiteTables(out: Exposition, sites: SitesSnapshot): void {
  if (sites.slabs.length === 0) return;
  const of = (value: (entry: SitesSnapshot["slabs"][number]) => number): Sample[] =>
    sites.slabs.map((entry) => [[entry.slab], value(entry)]);
  out.family(
    "slab_sites",
    "gauge",
    "Allocation sites the slab's site table holds.",
    ["pool"],
    of((e) => e.count),
  );
  out.family(
    "slab_sites_capacity",
    "gauge",
    "Allocation sites the slab's site table can hold (maxSites).",
    ["pool"],
    of((e) => e.max_sites),
  );
  out.family(
    "slab_sites_dropped_total",
    "counter",
    "Allocation sites not recorded because the slab's site table was full.",
    ["pool"],
    of((e) => e.dropped),
  );
  out.family(
    "slab_site_samples_skipped_total",
    "counter",
    "Sampled allocations whose stack was not taken because a capture budget was spent.",
    ["pool"],
    of((e) => e.skipped),
  );
}
