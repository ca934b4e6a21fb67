// Copyright 2026 the slabscope authors. MIT license.
// The single-thread baselines of the allocator benchmarks (bench/slab_bench.ts,
// bench/slab_pairs.ts): the tagged Treiber stack in WebAssembly assembled from
// bench/treiber_baseline.wat (the practical limit), the textbook Treiber stack
// in JavaScript, and a plain array free list.
import wabtInit from "npm:wabt@1.0.39";

/** Slots of every baseline (and of the slabs measured against them). */
export const N = 1 << 16;

/**
 * The textbook Treiber stack on an Int32Array: head = index + 1, link reads
 * and writes with Atomics, one CAS per pop and per push. No tag (ABA-unsafe),
 * no double-free check, no counters.
 */
export class BareTreiber {
  #words = new Int32Array(new SharedArrayBuffer(4 * (N + 1)));
  constructor(plainLinks: boolean) {
    for (let i = 0; i < N; i++) this.#words[1 + i] = i + 2 <= N ? i + 2 : 0;
    this.#words[0] = 1;
    if (plainLinks) {
      this.pop = this.#popPlain;
      this.push = this.#pushPlain;
    }
  }
  pop = (): number => {
    const w = this.#words;
    for (;;) {
      const h = Atomics.load(w, 0);
      if (h === 0) return -1;
      const next = Atomics.load(w, h);
      if (Atomics.compareExchange(w, 0, h, next) === h) return h - 1;
    }
  };
  push = (i: number): void => {
    const w = this.#words;
    for (;;) {
      const h = Atomics.load(w, 0);
      Atomics.store(w, 1 + i, h);
      if (Atomics.compareExchange(w, 0, h, i + 1) === h) return;
    }
  };
  /** The fastest correct form in JS: plain link accesses, CAS results reused. */
  #popPlain = (): number => {
    const w = this.#words;
    let h = Atomics.load(w, 0);
    for (;;) {
      if (h === 0) return -1;
      const seen = Atomics.compareExchange(w, 0, h, w[h]!);
      if (seen === h) return h - 1;
      h = seen;
    }
  };
  #pushPlain = (i: number): void => {
    const w = this.#words;
    let h = w[0]!;
    for (;;) {
      w[1 + i] = h;
      const seen = Atomics.compareExchange(w, 0, h, i + 1);
      if (seen === h) return;
      h = seen;
    }
  };
}

/** A plain JS array of free indexes: single-threaded, no checks at all. */
export class ArrayFreeList {
  #free: number[] = [];
  constructor() {
    for (let i = N - 1; i >= 0; i--) this.#free.push(i);
  }
  alloc(): number {
    return this.#free.pop() ?? -1;
  }
  free(i: number): void {
    this.#free.push(i);
  }
}

/** The WebAssembly limit: tagged 64-bit head, one JS→Wasm call per pop and per push. */
export interface WasmTreiber {
  init(n: number): void;
  pop(): number;
  push(index: number): void;
}

/** The limit's module, assembled from bench/treiber_baseline.wat (post it to a Worker). */
export async function treiberModule(): Promise<WebAssembly.Module> {
  const wabt = await wabtInit();
  const source = await Deno.readTextFile(new URL("./treiber_baseline.wat", import.meta.url));
  const module = wabt.parseWat("treiber_baseline.wat", source, { threads: true });
  module.resolveNames();
  const { buffer } = module.toBinary({});
  module.destroy();
  return new WebAssembly.Module(buffer as Uint8Array<ArrayBuffer>);
}

/** A fresh instance of the limit over `N` slots, from `module` (assembled here by default). */
export async function wasmTreiber(
  module?: WebAssembly.Module,
): Promise<WasmTreiber> {
  module ??= await treiberModule();
  const pages = Math.ceil((8 + 8 * N) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const treiber = instance.exports as unknown as WasmTreiber;
  treiber.init(N);
  return treiber;
}
