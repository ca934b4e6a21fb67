// Copyright 2026 the slabscope authors. MIT license.
/**
 * Demo Worker: churns an attached slab in waves, so the grid breathes.
 * Every 100 ms it frees and allocates a slice of its working set; the
 * working set's target size follows a slow sine with occasional bursts.
 * It attaches over the slab's `WebAssembly.Memory` with a cache of 32
 * handles (the WebAssembly core, and the shared free list touched only to
 * move half a cache at a time: see docs/allocator.md).
 *
 * Paused, it takes its first working set, says `"holding"`, and holds it,
 * asleep on the stop word (no timer), until the demo stops. Stops (freeing everything and
 * returning its cache) when `control[0]` becomes 1.
 *
 * @module
 */
import { SlabAllocator } from "../slab.ts";

/** What the Worker receives. */
export interface ChurnWorkerInit {
  /** The slab's memory (`slab.memory`). */
  slab: WebAssembly.Memory;
  /** Int32Array: [0] stop flag (set to 1, then `Atomics.notify`). */
  control: SharedArrayBuffer;
  /** Take a working set once and hold it: nothing changes until the demo stops. */
  paused: boolean;
  /** Which Worker this is (phase of the wave). */
  id: number;
  /** Owner index to stamp on this Worker's slots. */
  owner: number;
  /** Fraction of the slab this Worker aims to hold at the wave's top. */
  share: number;
  /** Fraction of the working set replaced per 100 ms tick. */
  churn: number;
}

/** Handles each Worker keeps in its own cache. */
const CACHE = 32;

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<ChurnWorkerInit>) => void) | null;
  postMessage(message: string): void;
  close(): void;
};

scope.onmessage = ({ data }) => {
  const slab = SlabAllocator.attach(data.slab, { cache: CACHE });
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
    if (!data.paused) {
      setTimeout(tick, 100);
      return;
    }
    // Paused: hold the working set, asleep until the stop word changes.
    scope.postMessage("holding");
    const stop = Atomics.waitAsync(control, 0, 0);
    if (stop.async) stop.value.then(tick);
    else tick();
  };
  tick();
};
