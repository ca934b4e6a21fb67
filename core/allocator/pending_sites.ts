// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Sites recorded on a slab's behalf only when they are read: a slab's
 * site readers ({@linkcode SlabAllocator.prototype.sites},
 * `siteCounters()`, `slotInfo()`) first let whoever holds sites still to
 * be recorded for it record them, so that every reader sees the same
 * sites whichever reads first. `instrumentServer()` names a request's site
 * (its method and route) this way only for requests still open when it is
 * asked: a request that ends sooner is never asked for its URL. Internal.
 *
 * A hook per slab, in a table beside the allocator rather than a field of
 * it: the slab never needs to know what labels its slots, and a slab that
 * nobody labels pays one failed lookup per read.
 *
 * @module
 */

import type { SlabAllocator } from "./slab.ts";

const recorders = new WeakMap<SlabAllocator, () => void>();
/** Slabs whose recorder is running: a read from inside it does not start it again. */
const recording = new WeakSet<SlabAllocator>();

/**
 * Makes `record` run before every read of `slab`'s sites (one per slab:
 * a second call replaces the first). It should cost nothing when nothing
 * is pending.
 *
 * @example Usage
 * ```ts
 * import { SlabAllocator } from "../../mod.ts";
 * import { onSiteRead } from "./pending_sites.ts";
 * import assert from "node:assert/strict";
 *
 * const slab = new SlabAllocator({ name: "req", slotSize: 1, capacity: 4, kind: "handle" });
 * const handle = slab.alloc()!;
 * let pending = true;
 * onSiteRead(slab, () => {
 *   if (pending) slab.setSite(handle, "GET /late");
 *   pending = false;
 * });
 * assert.equal(slab.sites().sites[0].site, "GET /late");
 * ```
 */
export function onSiteRead(slab: SlabAllocator, record: () => void): void {
  recorders.set(slab, record);
}

/** Runs `slab`'s recorder, if it has one and it is not running already. */
export function recordPendingSites(slab: SlabAllocator): void {
  const record = recorders.get(slab);
  if (record === undefined || recording.has(slab)) return;
  recording.add(slab);
  try {
    record();
  } finally {
    recording.delete(slab);
  }
}
