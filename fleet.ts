// Copyright 2026 the slabscope authors. MIT license.
/**
 * Many processes in one view, over Deno KV: {@linkcode publishToFleet}
 * (one instance's summary, and its keyframe on request),
 * {@linkcode listInstances} and {@linkcode requestKeyframe}. Locally every
 * process opens the same KV file (`--unstable-kv`); on Deno Deploy,
 * `Deno.openKv()` is shared by every isolate and region.
 *
 * A fleet is one trust domain: an instance protected by a token says so in
 * its summary ({@linkcode trustFingerprint}) and answers only keyframe
 * requests made with the same token ({@linkcode keyframeProof}).
 *
 * @example One instance, listed
 * ```ts
 * /// <reference lib="deno.unstable" />
 * import { DiagnosticsRegistry } from "@slabscope/slabscope";
 * import { listInstances, publishToFleet } from "@slabscope/slabscope/fleet";
 * import assert from "node:assert/strict";
 *
 * const kv = await Deno.openKv(":memory:");
 * const publisher = publishToFleet(new DiagnosticsRegistry(), kv, { name: "api-1" });
 * await publisher.ready;
 * assert.equal((await listInstances(kv))[0]?.name, "api-1");
 * await publisher.close();
 * kv.close();
 * ```
 *
 * @module
 */

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
  readInstance,
  requestKeyframe,
  type RequestKeyframeOptions,
} from "./core/fleet/reader.ts";
export type { InstanceSummary, WorstPool } from "./core/fleet/summary.ts";
export { keyframeProof, trustFingerprint } from "./core/fleet/trust.ts";
