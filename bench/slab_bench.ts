// Copyright 2026 the slabscope authors. MIT license.
// Single-thread alloc+free throughput of SlabAllocator against the practical
// limits (a tagged Treiber stack in WebAssembly, assembled here from
// bench/treiber_baseline.wat; the textbook one in JavaScript), and
// fixed-size buffer churn against @thi.ng/malloc.
//
//   deno bench -A bench/slab_bench.ts
import { MemPool } from "@thi.ng/malloc";
import wabtInit from "npm:wabt@1.0.39";
import { SlabAllocator } from "../mod.ts";
import { attachJavaScriptCoreForTesting } from "../core/allocator/slab.ts";

const N = 1 << 16;
const PAIRS = 10_000; // pairs per measured iteration

// --- Baselines -------------------------------------------------------------

/**
 * The textbook Treiber stack on an Int32Array: head = index + 1, link reads
 * and writes with Atomics, one CAS per pop and per push. No tag (ABA-unsafe),
 * no double-free check, no counters.
 */
class BareTreiber {
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
class ArrayFreeList {
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
interface WasmTreiber {
  init(n: number): void;
  pop(): number;
  push(index: number): void;
}

async function wasmTreiber(): Promise<WasmTreiber> {
  const wabt = await wabtInit();
  const source = await Deno.readTextFile(new URL("./treiber_baseline.wat", import.meta.url));
  const module = wabt.parseWat("treiber_baseline.wat", source, { threads: true });
  module.resolveNames();
  const { buffer } = module.toBinary({});
  module.destroy();
  const pages = Math.ceil((8 + 8 * N) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const instance = new WebAssembly.Instance(
    new WebAssembly.Module(buffer as Uint8Array<ArrayBuffer>),
    { env: { memory } },
  );
  const treiber = instance.exports as unknown as WasmTreiber;
  treiber.init(N);
  return treiber;
}

const wasm = await wasmTreiber();
const textbook = new BareTreiber(false);
const plainLinks = new BareTreiber(true);
const array = new ArrayFreeList();
const slab = new SlabAllocator({ name: "bench", slotSize: 64, capacity: N });
const cached = new SlabAllocator({ name: "bench-cache", slotSize: 64, capacity: N, cache: 32 });
// The JavaScript core, as a Worker that received the buffer alone runs it.
const jsCore = attachJavaScriptCoreForTesting(
  new SlabAllocator({ name: "bench-js", slotSize: 64, capacity: N }).buffer,
);

Deno.bench({
  name: "tagged Treiber in WebAssembly (the limit)",
  group: "alloc+free pair, one thread",
  baseline: true,
  fn() {
    for (let i = 0; i < PAIRS; i++) wasm.push(wasm.pop());
  },
});

Deno.bench({
  name: "bare Treiber, Atomics links (textbook)",
  group: "alloc+free pair, one thread",
  fn() {
    for (let i = 0; i < PAIRS; i++) textbook.push(textbook.pop());
  },
});

Deno.bench({
  name: "bare Treiber, plain links (fastest)",
  group: "alloc+free pair, one thread",
  fn() {
    for (let i = 0; i < PAIRS; i++) plainLinks.push(plainLinks.pop());
  },
});

Deno.bench({
  name: "JS array free list (no sharing, no checks)",
  group: "alloc+free pair, one thread",
  fn() {
    for (let i = 0; i < PAIRS; i++) array.free(array.alloc());
  },
});

Deno.bench({
  name: "SlabAllocator, WebAssembly core, cache 32, all checks on",
  group: "alloc+free pair, one thread",
  fn() {
    for (let i = 0; i < PAIRS; i++) cached.free(cached.alloc()!);
  },
});

Deno.bench({
  name: "SlabAllocator, WebAssembly core, no cache, all checks on",
  group: "alloc+free pair, one thread",
  fn() {
    for (let i = 0; i < PAIRS; i++) slab.free(slab.alloc()!);
  },
});

Deno.bench({
  name: "SlabAllocator, JavaScript core (attached over the buffer)",
  group: "alloc+free pair, one thread",
  fn() {
    for (let i = 0; i < PAIRS; i++) jsCore.free(jsCore.alloc()!);
  },
});

// --- Allocation sites: the cost of sampling (WebAssembly core, cache 32) ----

const SITES_GROUP = "alloc+free pair, allocation sites sampled";
const unsampled = new SlabAllocator({ name: "sites-off", slotSize: 64, capacity: N, cache: 32 });
const sampled = (name: string, sampleSites: number, sampleBudget?: number) =>
  new SlabAllocator({ name, slotSize: 64, capacity: N, cache: 32, sampleSites, sampleBudget });
const siteRows: [string, SlabAllocator][] = [
  ["sampleSites 2^30 (the countdown alone)", sampled("sites-never", 2 ** 30)],
  ["sampleSites 64, default budget (1 % of the thread)", sampled("sites-64", 64)],
  ["sampleSites 64, every sample captured", sampled("sites-64-all", 64, 1)],
  ["sampleSites 4096, every sample captured", sampled("sites-4096-all", 4096, 1)],
];

Deno.bench({
  name: "no site table",
  group: SITES_GROUP,
  baseline: true,
  fn() {
    for (let i = 0; i < PAIRS; i++) unsampled.free(unsampled.alloc()!);
  },
});

// One function each: a loop shared by several slabs would see several
// receiver classes at one call site (see core/allocator/slab_fast_paths.ts).
const [never, every64, all64, all4096] = siteRows.map(([, slab]) => slab) as [
  SlabAllocator,
  SlabAllocator,
  SlabAllocator,
  SlabAllocator,
];
Deno.bench({
  name: siteRows[0]![0],
  group: SITES_GROUP,
  fn() {
    for (let i = 0; i < PAIRS; i++) never.free(never.alloc()!);
  },
});
Deno.bench({
  name: siteRows[1]![0],
  group: SITES_GROUP,
  fn() {
    for (let i = 0; i < PAIRS; i++) every64.free(every64.alloc()!);
  },
});
Deno.bench({
  name: siteRows[2]![0],
  group: SITES_GROUP,
  fn() {
    for (let i = 0; i < PAIRS; i++) all64.free(all64.alloc()!);
  },
});
Deno.bench({
  name: siteRows[3]![0],
  group: SITES_GROUP,
  fn() {
    for (let i = 0; i < PAIRS; i++) all4096.free(all4096.alloc()!);
  },
});

// --- Fixed-size buffer churn: 256 buffers held, round-robin replace --------

const HELD = 256;
const SIZE = 64;
const churnSlab = new SlabAllocator({ name: "churn", slotSize: SIZE, capacity: 4096 });
const slabHeld = Array.from({ length: HELD }, () => churnSlab.alloc()!);
const pool = new MemPool({ size: 4096 * (SIZE + 16) });
const poolHeld = Array.from({ length: HELD }, () => pool.mallocAs("u8", SIZE)!);
let slabCursor = 0;
let poolCursor = 0;
let sink = 0;

Deno.bench({
  name: "@thi.ng/malloc mallocAs + free",
  group: "64-byte buffer churn, 256 held",
  baseline: true,
  fn() {
    for (let i = 0; i < PAIRS; i++) {
      const k = poolCursor++ % HELD;
      pool.free(poolHeld[k]!);
      const view = pool.mallocAs("u8", SIZE)!;
      view[0] = i;
      sink += view.length;
      poolHeld[k] = view;
    }
  },
});

Deno.bench({
  name: "SlabAllocator alloc + bytes + free",
  group: "64-byte buffer churn, 256 held",
  fn() {
    for (let i = 0; i < PAIRS; i++) {
      const k = slabCursor++ % HELD;
      churnSlab.free(slabHeld[k]!);
      const handle = churnSlab.alloc()!;
      const view = churnSlab.bytes(handle);
      view[0] = i;
      sink += view.length;
      slabHeld[k] = handle;
    }
  },
});

globalThis.addEventListener("unload", () => {
  if (sink === 0) console.log(sink);
});
