// Copyright 2026 the slabscope authors. MIT license.
/**
 * Demo Worker: churns an attached slab in waves, so the grid breathes.
 * Every 100 ms it frees and allocates a slice of its working set; the
 * working set's target size follows a slow sine with occasional bursts.
 * Stops (freeing everything) when `control[0]` becomes 1.
 *
 * @module
 */
import { SlabAllocator } from "../slab.ts";

/** What the Worker receives. */
export interface ChurnWorkerInit {
  /** The slab's buffer. */
  slab: SharedArrayBuffer;
  /** Int32Array: [0] stop flag. */
  control: SharedArrayBuffer;
  /** Which Worker this is (phase of the wave). */
  id: number;
  /** Owner index to stamp on this Worker's slots. */
  owner: number;
  /** Fraction of the slab this Worker aims to hold at the wave's top. */
  share: number;
  /** Fraction of the working set replaced per 100 ms tick. */
  churn: number;
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<ChurnWorkerInit>) => void) | null;
  postMessage(message: string): void;
  close(): void;
};

scope.onmessage = ({ data }) => {
  const slab = SlabAllocator.attach(data.slab);
  const control = new Int32Array(data.control);
  const held: number[] = [];
  let random = 0x2545f491 ^ (data.id * 0x9e3779b9);
  const next = () => ((random = (Math.imul(random, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const started = performance.now();
  const tick = () => {
    if (Atomics.load(control, 0) !== 0) {
      for (const handle of held) slab.free(handle);
      slab.close();
      scope.postMessage("stopped");
      return;
    }
    const t = (performance.now() - started) / 1000;
    const wave = 0.55 + 0.35 * Math.sin(t / 6 + data.id * Math.PI);
    const burst = next() < 0.02 ? 1.3 : 1;
    const target = Math.floor(slab.capacity * data.share * wave * burst);
    // Replace a slice of the working set: random frees, fresh allocations.
    const replace = Math.floor(held.length * data.churn);
    for (let i = 0; i < replace; i++) {
      const k = Math.floor(next() * held.length);
      slab.free(held[k]!);
      held[k] = held[held.length - 1]!;
      held.pop();
    }
    while (held.length > target) slab.free(held.pop()!);
    while (held.length < target) {
      const handle = slab.alloc(data.owner);
      if (handle === null) break; // full: counted as an overflow
      held.push(handle);
    }
    setTimeout(tick, 100);
  };
  tick();
};
