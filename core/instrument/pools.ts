// Copyright 2026 the slabscope authors. MIT license.
/**
 * Finding or creating the well-known pools of the instrumentation
 * (`handles`, `tcp_buffers`, `stream_arenas`, `http_clients`) in a registry,
 * so several servers and clients share them.
 *
 * @module
 */

import { ArenaPool } from "../allocator/arena_pool.ts";
import { SlabAllocator } from "../allocator/slab.ts";
import type { SlabKind } from "../allocator/slab_views.ts";
import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";

/** The registry's slab `name`, created with this shape if missing. */
export function ensureSlab(
  registry: DiagnosticsRegistry,
  name: string,
  slotSize: number,
  capacity: number,
  kind: SlabKind,
): SlabAllocator {
  const existing = registry.slab(name);
  if (existing !== undefined) {
    if (existing.kind !== kind) {
      throw new TypeError(
        `Cannot use slab "${name}": it is a ${existing.kind} slab, a ${kind} slab is needed`,
      );
    }
    return existing;
  }
  return registry.addSlab(new SlabAllocator({ name, slotSize, capacity, kind }));
}

/** The registry's arena pool `name`, created with this shape if missing. */
export function ensureArenaPool(
  registry: DiagnosticsRegistry,
  name: string,
  arenaCapacity: number,
  count: number,
): ArenaPool {
  const existing = registry.arenaPool(name);
  if (existing !== undefined) return existing;
  return registry.addArenaPool(new ArenaPool({ name, arenaCapacity, count }));
}
