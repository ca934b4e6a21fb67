// Copyright 2026 the slabscope authors. MIT license.
/**
 * slabscope: memory pools you can see. This entry has what an app needs
 * to track its pools and requests; it loads no npm package.
 *
 * - {@linkcode SlabAllocator}, {@linkcode Arena}, {@linkcode ArenaPool},
 *   {@linkcode HandleState}, {@linkcode HandleError}: the pools (also alone
 *   in `./slab`, for Workers).
 * - {@linkcode DiagnosticsRegistry}: every pool of a process, with owners
 *   ({@linkcode OwnerRegistry}) and the V8 heap ({@linkcode heapStats}), in
 *   one {@linkcode DiagnosticsRegistry.prototype.snapshot}.
 * - {@linkcode instrumentServer} and {@linkcode instrumentFetch}: every
 *   request of a `Deno.serve` handler, and every outgoing `fetch`, tracked
 *   in handle slabs.
 *
 * The other entries, one concept each: `./dashboard` (the page, the stream
 * and the endpoints), `./wire` (keyframes and deltas), `./prometheus`,
 * `./otel`, `./fleet` (Deno KV), `./slab`, `./top` (the terminal client).
 *
 * @example A slab, a snapshot, and a double free caught
 * ```ts
 * import { DiagnosticsRegistry, HandleError, SlabAllocator } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const buffers = registry.addSlab(
 *   new SlabAllocator({ name: "tcp_buffers", slotSize: 4096, capacity: 576 }),
 * );
 * const handle = buffers.alloc()!;
 * buffers.bytes(handle).set(new TextEncoder().encode("hello"));
 *
 * const [slab] = registry.snapshot().slabs;
 * assert.deepEqual([slab.used, slab.total, slab.hwm], [1, 576, 1]);
 *
 * buffers.free(handle);
 * assert.throws(() => buffers.free(handle), HandleError);
 * assert.equal(buffers.stats().invalidFrees, 1);
 * ```
 *
 * @module
 */

export * from "./slab.ts";
export { type HeapSpaceStats, type HeapStats, heapStats } from "./core/diagnostics/heap.ts";
export {
  type Owner,
  type OwnerKind,
  OwnerRegistry,
  type OwnerRegistryOptions,
} from "./core/diagnostics/owners.ts";
export {
  DiagnosticsRegistry,
  type DiagnosticsRegistryOptions,
  type SlotDetails,
  type SnapshotOptions,
  type StreamSource,
} from "./core/diagnostics/registry.ts";
export {
  COST_PHASES,
  type CostFigures,
  DiagnosticsCost,
} from "./core/diagnostics/diagnostics_cost.ts";
export {
  type CompletionListener,
  type RequestKind,
  RequestMetrics,
  type RequestMetricsHooks,
} from "./core/diagnostics/request_metrics.ts";
export {
  type RequestListener,
  RequestMetricsSet,
  type RequestMetricsSetOptions,
} from "./core/diagnostics/request_set.ts";
export {
  type FetchInstrumentationOptions,
  type InstrumentedFetch,
  instrumentFetch,
} from "./core/instrument/fetch.ts";
export {
  type InstrumentableHandler,
  type InstrumentedServer,
  instrumentServer,
  type RequestScope,
  type ServerInstrumentationOptions,
} from "./core/instrument/serve.ts";
export type { ActiveLints } from "./core/diagnostics/lints/lint_engine.ts";
export type {
  AgeOutlierLintOptions,
  ArenaFallbacksLintOptions,
  IdleLintOptions,
  InvalidFreesLintOptions,
  LintOptions,
  LintSettings,
  OrphanLintOptions,
  StuckLintOptions,
  ThrashLintOptions,
  TimeToFullLintOptions,
} from "./core/diagnostics/lints/lint_options.ts";
export { LINT_DEFAULTS } from "./core/diagnostics/lints/lint_options.ts";
export { LINT_CATALOG, type LintDescription } from "./core/diagnostics/lints/lint_catalog.ts";
export type {
  ArenaPoolSnapshot,
  ArenaSnapshot,
  CostPhase,
  HeapSnapshot,
  HeapSpaceSnapshot,
  Lint,
  LintRuleId,
  MemorySnapshot,
  OpenHandle,
  OpenHandlesSnapshot,
  RequestClassSnapshot,
  RequestSnapshot,
  RequestsSnapshot,
  SiteSnapshot,
  SitesSnapshot,
  SlabSitesSnapshot,
  SlabSnapshot,
  SlabSummary,
  StateCounts,
  StatusClass,
  StreamSnapshot,
} from "./core/wire/types.ts";
export { HISTORY_SECONDS, LINT_RULES, STATUS_CLASSES } from "./core/wire/types.ts";
