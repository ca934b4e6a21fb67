// Copyright 2026 the slabscope authors. MIT license.
// Worker for bench/slab_workers.ts: alloc+free pairs on an attached slab
// until told to stop, holding a small working set so pops and pushes mix.
import { SlabAllocator } from "../../mod.ts";

const scope = globalThis as unknown as {
  onmessage:
    | ((
      event: MessageEvent<
        { slab: SharedArrayBuffer | WebAssembly.Memory; cache: number; control: SharedArrayBuffer }
      >,
    ) => void)
    | null;
  postMessage(message: number): void;
};

scope.onmessage = ({ data }) => {
  const slab = SlabAllocator.attach(data.slab, { cache: data.cache });
  const control = new Int32Array(data.control); // [0] = go, [1] = stop, [2] = ready count
  const held: number[] = [];
  for (let i = 0; i < 16; i++) held.push(slab.alloc()!);
  Atomics.add(control, 2, 1);
  while (Atomics.load(control, 0) === 0) { /* spin until everyone is ready */ }
  let pairs = 0;
  let k = 0;
  while (Atomics.load(control, 1) === 0) {
    for (let i = 0; i < 1000; i++) {
      slab.free(held[k]!);
      held[k] = slab.alloc()!;
      k = (k + 1) & 15;
    }
    pairs += 1000;
  }
  for (const h of held) slab.free(h);
  slab.close();
  scope.postMessage(pairs);
};
