// Copyright 2026 the slabscope authors. MIT license.
// Worker for bench/slab_pairs.ts: the limit, the WebAssembly core over the
// slab's memory and the JavaScript core over its buffer alone, side by side.
import { SlabAllocator } from "../../mod.ts";
import { wasmTreiber } from "../_baselines.ts";
import { sideBySide } from "../_side_by_side.ts";

interface Job {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  buffer: SharedArrayBuffer;
  rounds: number;
  pairs: number;
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<Job>) => void) | null;
  postMessage(message: unknown): void;
};

scope.onmessage = async ({ data }) => {
  const { pairs } = data;
  const wasm = await wasmTreiber(data.module);
  // Before the memory arrives in this thread, a buffer attach cannot find it
  // and runs the JavaScript core, as in a Worker that received the buffer alone.
  const jsCore = SlabAllocator.attach(data.buffer);
  const cached = SlabAllocator.attach(data.memory, { cache: 32 });
  const uncached = SlabAllocator.attach(data.memory);
  if (jsCore.core !== "javascript" || cached.core !== "webassembly") {
    throw new Error(`unexpected cores: ${jsCore.core}, ${cached.core}`);
  }
  const results = sideBySide(
    [
      {
        name: "tagged Treiber in WebAssembly (the limit)",
        run: (n) => {
          for (let i = 0; i < n; i++) wasm.push(wasm.pop());
        },
      },
      {
        name: "SlabAllocator.attach(slab.memory, { cache: 32 })",
        run: (n) => {
          for (let i = 0; i < n; i++) cached.free(cached.alloc()!);
        },
      },
      {
        name: "SlabAllocator.attach(slab.memory)",
        run: (n) => {
          for (let i = 0; i < n; i++) uncached.free(uncached.alloc()!);
        },
      },
      {
        name: "SlabAllocator.attach(slab.buffer): JavaScript core",
        run: (n) => {
          for (let i = 0; i < n; i++) jsCore.free(jsCore.alloc()!);
        },
      },
    ],
    pairs,
    data.rounds,
  );
  for (const slab of [cached, uncached, jsCore]) slab.close();
  scope.postMessage(results);
};
