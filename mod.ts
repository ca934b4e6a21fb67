// Copyright 2026 the slabscope authors. MIT license.
/**
 * slabscope: memory pools you can see.
 *
 * - {@linkcode SlabAllocator}: fixed-size slots in one `SharedArrayBuffer`,
 *   with a lock-free free list (a Treiber stack with an ABA-safe tagged
 *   head) that several Workers can use at once; double frees and stale
 *   handles are caught and counted.
 * - {@linkcode Arena} and {@linkcode ArenaPool}: bump allocators with
 *   high-water marks and a heap fallback when a request does not fit.
 * - Handle diagnostics: per-slot {@linkcode HandleState}
 *   (Free/Connecting/Active/Idle/Closing) and owners from an
 *   {@linkcode OwnerRegistry}.
 * - {@linkcode heapStats}, and {@linkcode DiagnosticsRegistry} to snapshot
 *   all of it at once; {@linkcode encodeKeyframe}, {@linkcode encodeDelta}
 *   and {@linkcode applyDelta} put snapshots on the wire.
 *
 * - {@linkcode formatPrometheus} and {@linkcode createMetricsHandler} (the
 *   Prometheus text format), {@linkcode registerOpenTelemetry} (Deno's
 *   built-in OpenTelemetry): the same figures for the tools you already run.
 * - {@linkcode publishToFleet}, {@linkcode listInstances} and
 *   {@linkcode requestKeyframe}: many processes (`deno serve --parallel`,
 *   Deno Deploy isolates) in one view, over Deno KV.
 *
 * The live dashboard and its stream are in `dashboard.ts`.
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

export { Arena, type ArenaOptions, type ArenaStats } from "./core/allocator/arena.ts";
export {
  ArenaPool,
  type ArenaPoolOptions,
  type ArenaPoolStats,
} from "./core/allocator/arena_pool.ts";
export {
  HandleError,
  type HandleErrorOptions,
  type HandleErrorReason,
} from "./core/allocator/handle_error.ts";
export {
  HandleState,
  isHandleState,
  stateFromLetter,
  type StateLetter,
  stateLetter,
} from "./core/allocator/handle_state.ts";
export {
  SlabAllocator,
  type SlabAllocatorOptions,
  type SlabAttachOptions,
  type SlabKind,
  type SlabRecoveryResult,
  type SlabStats,
  type SlabVerifyResult,
  type SlotInfo,
} from "./core/allocator/slab.ts";
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
} from "./core/diagnostics/registry.ts";
export type {
  FleetKv,
  FleetKvAtomic,
  FleetKvCommitResult,
  FleetKvEntry,
  FleetKvEntryMaybe,
  FleetKvKey,
} from "./core/fleet/kv.ts";
export {
  type FleetPublisher,
  type FleetSource,
  publishToFleet,
  type PublishToFleetOptions,
} from "./core/fleet/publisher.ts";
export {
  listInstances,
  type ListInstancesOptions,
  requestKeyframe,
  type RequestKeyframeOptions,
} from "./core/fleet/reader.ts";
export type { InstanceSummary, WorstPool } from "./core/fleet/summary.ts";
export {
  type OpenTelemetryOptions,
  type OpenTelemetryRegistration,
  registerOpenTelemetry,
} from "./core/export/otel.ts";
export {
  createMetricsHandler,
  formatPrometheus,
  PROMETHEUS_CONTENT_TYPE,
  type PrometheusOptions,
} from "./core/export/prometheus.ts";
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
export { applyDelta, DeltaBaseError } from "./core/wire/apply_delta.ts";
export { encodeDelta } from "./core/wire/delta.ts";
export { decodeKeyframe, encodeKeyframe } from "./core/wire/keyframe.ts";
export type {
  ArenaPoolSnapshot,
  ArenaSnapshot,
  HeapSnapshot,
  HeapSpaceSnapshot,
  MemorySnapshot,
  SlabSnapshot,
  SlabSummary,
  StateCounts,
  StreamSnapshot,
} from "./core/wire/types.ts";
