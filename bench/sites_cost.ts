// Copyright 2026 the slabscope authors. MIT license.
// What allocation sites cost, measured side by side in one run:
//
// 1. alloc+free pairs/s with sampling at 1 in 64 against the same slab
//    without a site table (target ≥ 0.9×), in interleaved rounds of about
//    20 ms each (the order rotates each round) so that load from other
//    processes hits every variant alike; CPU time (what preemption does not
//    inflate) and wall time; medians of the per-round ratios;
// 2. the site table's memory: bytes per slot and per site, and that it
//    stays bounded however many sites come (the rest counted as dropped);
// 3. the collect cost of the site lists: an idle tick, and a tick after a
//    change, on a 1,048,576-slot sampled slab, against topSites 0;
// 4. what instrumentServer()'s route label adds to a request handle.
//
//   deno run -A bench/sites_cost.ts [rounds]
import process from "node:process";
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../mod.ts";
import { RouteLabels } from "../core/instrument/request_route.ts";

const ROUNDS = Number(Deno.args[0] ?? 40);
const N = 1 << 16;
// Pairs per variant per round: about 20 ms, so that the variants take
// turns often and each gets about a third of the wall time. The capture
// budget is a share of the thread's wall time (1 %), refilled while the
// others run: the sampled variant may spend up to about 3 % of its own.
const PAIRS = 600_000;
/** The variant that captures every sample is ~10× slower: fewer pairs, its own rounds. */
const SLOW_PAIRS = 200_000;

function make(sampleSites?: number, sampleBudget?: number): SlabAllocator {
  return new SlabAllocator({
    name: `s${sampleSites ?? "off"}-${sampleBudget ?? "d"}`,
    slotSize: 64,
    capacity: N,
    cache: 32,
    sampleSites,
    sampleBudget,
  });
}

// One function per slab: a loop shared by several slabs would see several
// receiver classes at one call site (core/allocator/slab_fast_paths.ts).
const off = make();
const every64 = make(64);
const every4096All = make(4096, 1);
const every64All = make(64, 1);
const offSlow = make();
type Variant = { name: string; slab: SlabAllocator; run: () => void; pairs: number };
const variants: Variant[] = [
  {
    name: "no site table",
    slab: off,
    pairs: PAIRS,
    run: () => {
      for (let i = 0; i < PAIRS; i++) off.free(off.alloc()!);
    },
  },
  {
    name: "**sampleSites 64, default budget (1 % of the thread)**",
    slab: every64,
    pairs: PAIRS,
    run: () => {
      for (let i = 0; i < PAIRS; i++) every64.free(every64.alloc()!);
    },
  },
  {
    name: "sampleSites 4096, every sample captured",
    slab: every4096All,
    pairs: PAIRS,
    run: () => {
      for (let i = 0; i < PAIRS; i++) every4096All.free(every4096All.alloc()!);
    },
  },
];
const slowVariants: Variant[] = [
  {
    name: "no site table",
    slab: offSlow,
    pairs: SLOW_PAIRS,
    run: () => {
      for (let i = 0; i < SLOW_PAIRS; i++) offSlow.free(offSlow.alloc()!);
    },
  },
  {
    name: "sampleSites 64, every sample captured (no budget)",
    slab: every64All,
    pairs: SLOW_PAIRS,
    run: () => {
      for (let i = 0; i < SLOW_PAIRS; i++) every64All.free(every64All.alloc()!);
    },
  },
];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Interleaved rounds, the order rotating; per variant its rates, and per-round ratios to the first. */
function rounds(list: Variant[], count: number) {
  for (const v of list) v.run(); // warm up: the JIT, the first capture's source maps
  // Pairs per second of CPU time (the process's user + system time: one
  // thread works here, and it is what preemption by other processes does
  // not inflate), and of wall time.
  const rates: number[][] = list.map(() => []);
  const wallRates: number[][] = list.map(() => []);
  for (let round = 0; round < count; round++) {
    for (let k = 0; k < list.length; k++) {
      const v = (round + k) % list.length;
      const start = performance.now();
      const cpu = process.cpuUsage();
      list[v]!.run();
      const used = process.cpuUsage(cpu);
      wallRates[v]!.push(list[v]!.pairs / ((performance.now() - start) / 1000));
      rates[v]!.push(list[v]!.pairs / ((used.user + used.system) / 1e6));
    }
  }
  const ratios = (of: number[][], i: number) => of[i]!.map((rate, round) => rate / of[0]![round]!);
  return list.map((v, i) => ({
    v,
    rate: median(rates[i]!),
    ratio: median(ratios(rates, i)),
    worst: Math.min(...ratios(rates, i)),
    wallRatio: median(ratios(wallRates, i)),
  }));
}

const rows = [...rounds(variants, ROUNDS), ...rounds(slowVariants, 3).slice(1)];
console.log(
  `\n### alloc+free pairs, one thread, interleaved rounds (${ROUNDS} of ${PAIRS} pairs)\n`,
);
console.log(
  "| variant | pairs per CPU second (median) | ratio to no site table (median of rounds) | worst round | wall-time ratio | samples captured | skipped | capture time |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const { v, rate, ratio, worst, wallRatio } of rows) {
  const counters = v.slab.siteCounters();
  const captured = v.slab.sites().sites.reduce((sum, site) => sum + site.total, 0);
  console.log(
    `| ${v.name} | ${(rate / 1e6).toFixed(1)} M | ${ratio.toFixed(3)}× | ${worst.toFixed(3)}× | ${
      wallRatio.toFixed(3)
    }× | ${captured} | ${counters.skipped} | ${counters.captureMs.toFixed(1)} ms (${
      (counters.captureMs * 1000 / Math.max(1, captured)).toFixed(0)
    } µs each) |`,
  );
}

// --- 2. Memory: bounded by maxSites ----------------------------------------

console.log("\n### The site table's memory (65,536 slots)\n");
console.log(
  "| slab | site table bytes (8 × slots + 544 × maxSites) | buffer (64 KiB pages), over no site table | sites held | dropped |",
);
console.log("| --- | ---: | ---: | ---: | ---: |");
const plainBytes = off.buffer.byteLength;
for (const maxSites of [256, 4096]) {
  const slab = new SlabAllocator({
    name: `labels-${maxSites}`,
    slotSize: 64,
    capacity: N,
    sampleSites: 0,
    maxSites,
  });
  // Ten thousand distinct labels: far more than the table holds.
  const held: number[] = [];
  for (let i = 0; i < 10_000; i++) held.push(slab.alloc(undefined, undefined, `site ${i}`)!);
  const { sites, dropped } = slab.sites();
  console.log(
    `| maxSites ${maxSites}, 10,000 distinct labels | ${
      8 * N + 544 * maxSites
    } | ${slab.buffer.byteLength} B, +${
      slab.buffer.byteLength - plainBytes
    } | ${sites.length} | ${dropped} |`,
  );
}

// --- 3. Collect: the site lists on an idle tick and after a change ---------

const SLOTS = 1_048_576;
function registryWith(topSites: number) {
  const registry = new DiagnosticsRegistry({ topSites });
  const slab = registry.addSlab(
    new SlabAllocator({ name: "big", slotSize: 8, capacity: SLOTS, sampleSites: 64 }),
  );
  const handles: number[] = [];
  for (let i = 0; i < SLOTS / 2; i++) handles.push(slab.alloc()!);
  registry.snapshot({ sampleHeap: false });
  return { registry, slab, handles };
}
const timeIt = (fn: () => void, times: number) => {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    fn();
    samples.push((performance.now() - start) * 1000);
  }
  return { median: median(samples), min: Math.min(...samples) };
};
const shown = (t: { median: number; min: number }) =>
  `${t.median.toFixed(1)} µs (min ${t.min.toFixed(1)})`;
const withSites = registryWith(10);
const without = registryWith(0);
const idleWith = timeIt(() => withSites.registry.snapshot({ sampleHeap: false }), 200);
const idleWithout = timeIt(() => without.registry.snapshot({ sampleHeap: false }), 200);
// A change, and a wait past the scan interval before each: every tick reads the sites.
const changed = (r: ReturnType<typeof registryWith>) => {
  const samples: number[] = [];
  for (let i = 0; i < 10; i++) {
    r.slab.free(r.handles.pop()!);
    r.handles.push(r.slab.alloc()!);
    const until = performance.now() + 510;
    while (performance.now() < until) { /* past SITE_SCAN_INTERVAL_MS */ }
    const start = performance.now();
    r.registry.snapshot({ sampleHeap: false });
    samples.push((performance.now() - start) * 1000);
  }
  return { median: median(samples), min: Math.min(...samples) };
};
const changedWith = changed(withSites);
const changedWithout = changed(without);
console.log(
  "\n### Collect, a 1,048,576-slot slab sampling 1 in 64, half full (medians, minimums)\n",
);
console.log("| tick | topSites 10 | topSites 0 |");
console.log("| --- | ---: | ---: |");
console.log(`| idle (nothing changed) | ${shown(idleWith)} | ${shown(idleWithout)} |`);
console.log(
  `| one slot changed, site lists read again | ${shown(changedWith)} | ${shown(changedWithout)} |`,
);

// --- 4. Request handles: the route label of instrumentServer() -------------

{
  const handles = new SlabAllocator({
    name: "handles",
    slotSize: 1,
    capacity: 2056,
    kind: "handle",
  });
  const routes = new RouteLabels();
  const requests = Array.from(
    { length: 64 },
    (_, i) => new Request(`http://127.0.0.1:8000/users/${i}/posts?page=${i}`),
  );
  const COUNT = 200_000;
  const plain = () => {
    for (let i = 0; i < COUNT; i++) handles.free(handles.alloc(0, HandleState.Active)!);
  };
  const labelled = () => {
    for (let i = 0; i < COUNT; i++) {
      const request = requests[i & 63]!;
      const site = routes.labelOf(request, request.method);
      handles.free(handles.alloc(0, HandleState.Active, site)!);
    }
  };
  const cpuNs = (fn: () => void) => {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    return (used.user + used.system) * 1000 / COUNT;
  };
  plain();
  labelled();
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < 10; round++) {
    a.push(cpuNs(plain));
    b.push(cpuNs(labelled));
  }
  console.log("\n### A request handle's route label (CPU ns per alloc + free, medians of 10)\n");
  console.log(
    "| handle alloc + free | with the route label (`GET /users/:id/posts`) | the label's cost |",
  );
  console.log("| ---: | ---: | ---: |");
  console.log(
    `| ${median(a).toFixed(0)} ns | ${median(b).toFixed(0)} ns | ${
      (median(b) - median(a)).toFixed(0)
    } ns |`,
  );
}
