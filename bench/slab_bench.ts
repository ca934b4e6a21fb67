// Copyright 2026 the slabscope authors. MIT license.
// Single-thread alloc+free throughput of SlabAllocator against the practical
// limits (a tagged Treiber stack in WebAssembly, assembled here from
// bench/treiber_baseline.wat; the textbook one in JavaScript), and
// fixed-size buffer churn against @thi.ng/malloc.
//
//   deno bench -A bench/slab_bench.ts
import { MemPool } from "@thi.ng/malloc";
import { SlabAllocator } from "../mod.ts";
import { attachJavaScriptCoreForTesting } from "../core/allocator/slab.ts";
import { ArrayFreeList, BareTreiber, N, wasmTreiber } from "./_baselines.ts";

const PAIRS = 10_000; // pairs per measured iteration

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
