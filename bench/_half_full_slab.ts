// Copyright 2026 the slabscope authors. MIT license.
// The benchmarks' common slab: 262,144 slots half full at random (an
// incompressible bitmap), and 1 % of them flipping every tick.
import type { DiagnosticsRegistry } from "../mod.ts";
import { SlabAllocator } from "../mod.ts";

/** Slots of the slab. */
export const SLOTS = 262_144;

/** 1 % of the slots: what a tick flips at the benchmarks' churn. */
export const ONE_PERCENT = Math.floor(SLOTS / 100);

/** Adds an `"objects"` slab of `slots` (by default {@linkcode SLOTS}) 32-byte slots, half of them held at random. */
export function addHalfFullSlab(
  registry: DiagnosticsRegistry,
  slots: number = SLOTS,
): { slab: SlabAllocator; held: number[] } {
  const slab = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 32, capacity: slots }),
  );
  const held: number[] = [];
  for (let i = 0; i < slots; i++) held.push(slab.alloc()!);
  for (let i = held.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [held[i], held[j]] = [held[j]!, held[i]!];
  }
  for (const h of held.splice(0, slots / 2)) slab.free(h);
  return { slab, held };
}

/**
 * A function that, called once per tick, flips `count` random slots:
 * alternately it frees `count` held slots and takes them back (the free
 * list is LIFO), so every call changes exactly `count` slots.
 */
export function slotFlipper(slab: SlabAllocator, held: number[], count: number): () => void {
  // A fractional count would leave `freed` short of 0 after the take-back,
  // and the flipper would stop after two ticks.
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`Cannot flip slots: count must be a positive integer, received ${count}`);
  }
  let freed = 0;
  return () => {
    if (freed === 0) {
      for (let i = 0; i < count; i++) {
        const k = Math.floor(Math.random() * held.length);
        slab.free(held[k]!);
        held[k] = held[held.length - 1]!;
        held.pop();
      }
      freed = count;
    } else {
      for (; freed > 0; freed--) held.push(slab.alloc()!);
    }
  };
}

/**
 * Runs `change` first in every call of `registry.snapshot()`: once per tick,
 * inside the tick, whatever its timer does.
 */
export function beforeEachSnapshot(registry: DiagnosticsRegistry, change: () => void): void {
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => {
    change();
    return snapshot(options);
  };
}
