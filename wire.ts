// Copyright 2026 the slabscope authors. MIT license.
/**
 * The wire format of snapshots (`docs/wire-format.md`): keyframes, deltas
 * between two snapshots, and the checking decoder that applies them; the
 * heap history that follows a client's first keyframe. What the stream
 * sends and a client of your own reads.
 *
 * @example A keyframe, then a delta
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { applyDelta, decodeKeyframe, encodeDelta, encodeKeyframe } from "@slabscope/slabscope/wire";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 64 }));
 * const before = registry.snapshot();
 * slab.alloc();
 * const after = registry.snapshot();
 *
 * const state = decodeKeyframe(encodeKeyframe(before));
 * const next = applyDelta(state, encodeDelta(before, after)!);
 * assert.equal(next.slabs[0].used, 1);
 * ```
 *
 * @module
 */

export {
  applyDelta,
  applyDeltaTransition,
  DeltaBaseError,
  type DeltaTransition,
} from "./core/wire/apply_delta.ts";
export { encodeDelta } from "./core/wire/delta.ts";
export { decodeKeyframe, encodeKeyframe } from "./core/wire/keyframe.ts";
export {
  decodeHeapHistory,
  encodeHeapHistory,
  HEAP_HISTORY_MAX_SAMPLES,
  HEAP_HISTORY_WINDOW,
  type HeapHistory,
} from "./core/wire/heap_history.ts";
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
export {
  bucketOf,
  bucketRange,
  DURATION_BOUNDS_US,
  DURATION_BUCKETS,
  OTEL_DURATION_BOUNDS_S,
  quantileUs,
} from "./core/wire/durations.ts";
export { type RequestRates, requestRates } from "./core/wire/request_rates.ts";
