// Copyright 2026 the slabscope authors. MIT license.
// Allocation sites: sampled stacks and labels in the slab's shared site table.
import assert from "node:assert/strict";
import { HandleError, SlabAllocator } from "../../mod.ts";
import { attachJavaScriptCoreForTesting, slabViews } from "../../core/allocator/slab.ts";
import { headerProblem } from "../../core/allocator/slab_views.ts";
import {
  SITE_ENTRY_WORDS,
  SITE_TEXT_BYTES,
  W_SAMPLE_EVERY,
} from "../../core/allocator/site_layout.ts";
import { MAX_SKIP_JUMP } from "../../core/allocator/site_sampler.ts";

function allocateHere(slab: SlabAllocator): number {
  return slab.alloc()!;
}

function allocateThere(slab: SlabAllocator): number {
  return slab.alloc()!;
}

Deno.test("sampling every allocation names the caller, and counts held, total and the oldest", () => {
  for (const cache of [0, 8]) {
    for (
      const make of [
        (s: SlabAllocator) => s,
        (s: SlabAllocator) => attachJavaScriptCoreForTesting(s.buffer, { sampleBudget: 1 }),
      ]
    ) {
      const creator = new SlabAllocator({
        name: "s",
        slotSize: 4,
        capacity: 64,
        sampleSites: 1,
        cache,
        sampleBudget: 1, // the first capture loads source maps: may exceed a budget
      });
      const slab = make(creator);
      const before = Date.now();
      const here: number[] = [];
      for (let i = 0; i < 3; i++) here.push(allocateHere(slab)); // one site: the same frames
      const there = allocateThere(slab);
      const { sites, sampleEvery, skipped, dropped } = creator.sites();
      assert.deepEqual([sampleEvery, skipped, dropped], [1, 0, 0]);
      assert.equal(sites.length, 2);
      const [first, second] = sites;
      assert.match(first!.site, /^at allocateHere \(.*slab_sites_test\.ts:\d+:\d+\)\nat /);
      assert.match(second!.site, /^at allocateThere /);
      assert.deepEqual([first!.kind, first!.held, first!.total], ["stack", 3, 3]);
      assert.deepEqual([second!.held, second!.total], [1, 1]);
      assert.ok(first!.oldest! >= before - 1 && first!.oldest! <= Date.now());
      assert.equal(slab.slotInfo(slab.indexOf(here[0]!)).site, first!.id);
      assert.equal(slab.slotInfo(slab.indexOf(there)).site, second!.id);
      // Freed slots leave their site; the totals stay.
      for (const h of here) slab.free(h);
      const after = creator.sites().sites.find((s) => s.id === first!.id)!;
      assert.deepEqual([after.held, after.total, after.oldest], [0, 3, null]);
      slab.free(there);
      assert.equal(creator.verify().ok, true);
    }
  }
});

Deno.test("a freed slot's record never names its next allocation's site", () => {
  const slab = new SlabAllocator({ name: "reuse", slotSize: 4, capacity: 1, sampleSites: 0 });
  const a = slab.alloc(undefined, undefined, "first life")!;
  slab.free(a);
  slab.alloc(); // the same slot (the only one), not labelled
  assert.equal(slab.slotInfo(0).site, null);
  assert.deepEqual([...slab.readSites()], [0]);
  const [site] = slab.sites().sites;
  assert.deepEqual([site!.site, site!.held, site!.total], ["first life", 0, 1]);
});

Deno.test("one allocation in N is sampled, at irregular intervals", () => {
  const slab = new SlabAllocator({
    name: "n",
    slotSize: 4,
    capacity: 4,
    sampleSites: 16,
    cache: 2,
    sampleBudget: 1, // every sample captured, however long it takes
  });
  const rounds = 32_000;
  const picked: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const h = slab.alloc()!;
    if (slab.slotInfo(slab.indexOf(h)).site !== null) picked.push(i);
    slab.free(h);
  }
  const { sites } = slab.sites();
  assert.equal(sites.length, 1);
  assert.equal(sites[0]!.total, picked.length);
  // Mean 16: 2,000 expected; intervals uniform in 1‥31 keep it within a few %.
  assert.ok(picked.length > 1700 && picked.length < 2300, `${picked.length} samples`);
  const gaps = new Set(picked.slice(1).map((at, k) => at - picked[k]!));
  assert.ok(gaps.size > 10, "the gaps between samples vary");
  // Allocations with an owner or a state count too.
  let owned = 0;
  for (let i = 0; i < rounds; i++) {
    const h = slab.alloc(3)!;
    if (slab.slotInfo(slab.indexOf(h)).site !== null) owned++;
    slab.free(h);
  }
  assert.ok(owned > 1700 && owned < 2300, `${owned} samples of owned allocations`);
});

Deno.test("labels: alloc(…, site) and setSite(); bad labels and label-less slabs are errors", () => {
  const handles = new SlabAllocator({ name: "h", slotSize: 1, capacity: 8, kind: "handle" });
  const get = handles.alloc(0, undefined, "GET /users/:id")!;
  const post = handles.alloc()!;
  handles.setSite(post, "POST /users");
  handles.setSite(post, "POST /users/:id"); // routed further: replaces
  const sites = handles.sites();
  assert.equal(sites.sampleEvery, 0);
  assert.deepEqual(
    sites.sites.map((s) => [s.site, s.kind, s.held, s.total]).sort(),
    [["GET /users/:id", "label", 1, 1], ["POST /users", "label", 0, 1], [
      "POST /users/:id",
      "label",
      1,
      1,
    ]],
  );
  assert.equal(handles.slotInfo(handles.indexOf(get)).owner, 0);
  assert.throws(() => handles.setSite(post, ""), RangeError);
  assert.throws(
    () => handles.setSite(post, "x".repeat(SITE_TEXT_BYTES + 1)),
    /1 to 512 UTF-8 bytes/,
  );
  assert.throws(() => handles.setSite(post, 7 as unknown as string), TypeError);
  assert.throws(() => handles.alloc(undefined, undefined, "" as string), RangeError);
  handles.free(get);
  assert.throws(() => handles.setSite(get, "late"), HandleError);
  const plain = new SlabAllocator({ name: "p", slotSize: 1, capacity: 2 });
  assert.throws(() => plain.alloc(undefined, undefined, "x"), /keeps no site table/);
  assert.throws(() => plain.setSite(plain.alloc()!, "x"), TypeError);
  assert.deepEqual(plain.sites(), {
    sampleEvery: 0,
    maxSites: 0,
    dropped: 0,
    skipped: 0,
    recorded: 0,
    captureMs: 0,
    sites: [],
  });
  assert.equal(plain.stats().used, 1, "the failed alloc() took no slot");
  assert.throws(
    () => new SlabAllocator({ name: "m", slotSize: 1, capacity: 2, maxSites: 8 }),
    /maxSites needs a site table/,
  );
  assert.throws(
    () => new SlabAllocator({ name: "m", slotSize: 1, capacity: 2, sampleSites: -1 }),
    /sampleSites must be an integer from 0/,
  );
  assert.throws(
    () =>
      new SlabAllocator({ name: "m", slotSize: 1, capacity: 2, sampleSites: 1, sampleBudget: 0 }),
    /sampleBudget must be a number above 0/,
  );
});

Deno.test("the site table is bounded: sites beyond maxSites are counted as dropped", () => {
  const slab = new SlabAllocator({
    name: "b",
    slotSize: 1,
    capacity: 64,
    sampleSites: 0,
    maxSites: 4,
  });
  const held: number[] = [];
  for (let round = 0; round < 2; round++) {
    for (let k = 0; k < 10; k++) held.push(slab.alloc(undefined, undefined, `site ${k}`)!);
  }
  const { sites, dropped } = slab.sites();
  assert.equal(sites.length, 4);
  assert.equal(dropped, 12); // 6 labels, twice
  assert.deepEqual(sites.map((s) => s.held), [2, 2, 2, 2]);
  assert.equal(held.filter((h) => slab.slotInfo(slab.indexOf(h)).site === null).length, 12);
  const v = slabViews(slab);
  assert.equal(
    v.sites!.texts.length,
    4 * SITE_TEXT_BYTES,
    "the table's memory is what maxSites says",
  );
});

Deno.test("a spent capture budget skips samples and counts them", () => {
  const slab = new SlabAllocator({
    name: "budget",
    slotSize: 1,
    capacity: 4,
    sampleSites: 1,
    sampleBudget: 1e-9,
  });
  const n = 3000;
  for (let i = 0; i < n; i++) slab.free(slab.alloc()!);
  const { sites, skipped } = slab.sites();
  const total = sites.reduce((sum, s) => sum + s.total, 0);
  assert.ok(skipped > 0, "the 10 ms burst ran out");
  // Skips in a row pass over sample points without a clock read each; they
  // are counted once the interval that passes over them ends.
  const unaccounted = n - (total + skipped);
  assert.ok(unaccounted >= 0 && unaccounted <= MAX_SKIP_JUMP, `${unaccounted} not yet counted`);
  slab.free(slab.alloc()!); // the next sample point reached: everything counted
  const after = slab.sites();
  const recorded = after.sites.reduce((sum, s) => sum + s.total, 0);
  assert.ok(n + 1 - (recorded + after.skipped) <= MAX_SKIP_JUMP);
  assert.ok(after.skipped > n / 2, "nearly every sample skipped");
});

Deno.test("a spent budget passes over sample points, counted exactly at each sample point reached", () => {
  const slab = new SlabAllocator({
    name: "jumps",
    slotSize: 1,
    capacity: 4,
    sampleSites: 1, // every allocation is a sample point: intervals are exact
    sampleBudget: 1e-9,
  });
  // Spend the burst: capture until the first skip.
  let n = 0;
  while (slab.sites().skipped === 0) {
    slab.free(slab.alloc()!);
    n++;
  }
  const captured = slab.sites().sites.reduce((sum, s) => sum + s.total, 0);
  // From here on every point is skipped; the points of the intervals that
  // ended are all counted, those of the one under way are not yet.
  const checks: number[] = [];
  for (let i = 0; i < 5000; i++) {
    slab.free(slab.alloc()!);
    n++;
    checks.push(n - captured - slab.sites().skipped);
  }
  assert.ok(checks.every((behind) => behind >= 0 && behind <= MAX_SKIP_JUMP), "never ahead");
  assert.ok(checks.includes(0), "exact at the end of every interval");
  assert.ok(Math.max(...checks) >= MAX_SKIP_JUMP / 2, "jumps grow while the budget stays spent");
});

Deno.test("damaged site settings are a damaged header", () => {
  const slab = new SlabAllocator({ name: "hdr", slotSize: 1, capacity: 4, sampleSites: 8 });
  const copy = new SharedArrayBuffer(slab.buffer.byteLength);
  new Uint8Array(copy).set(new Uint8Array(slab.buffer));
  assert.equal(headerProblem(copy), undefined);
  new Int32Array(copy)[W_SAMPLE_EVERY] = 1;
  assert.match(headerProblem(copy)!, /site table settings are damaged/);
});

Deno.test("Workers' sites reach the main thread through shared memory, on both cores", async () => {
  const source = `
    import { SlabAllocator } from ${JSON.stringify(new URL("../../slab.ts", import.meta.url).href)};
    function workerAllocates(slab) { return slab.alloc(); }
    self.onmessage = ({ data }) => {
      const slab = SlabAllocator.attach(data.slab, { cache: 4, sampleBudget: 1 });
      const held = [];
      for (let i = 0; i < 5; i++) held.push(workerAllocates(slab));
      for (let i = 0; i < 50; i++) held.push(slab.alloc(undefined, undefined, "label " + (i % 5)));
      self.postMessage(slab.core);
    };`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    for (const post of ["memory", "buffer"] as const) {
      const slab = new SlabAllocator({
        name: `w-${post}`,
        slotSize: 4,
        capacity: 1024,
        sampleSites: 1,
      });
      const workers = Array.from({ length: 4 }, () => new Worker(url, { type: "module" }));
      const cores = await Promise.all(
        workers.map((worker) =>
          new Promise<string>((resolve, reject) => {
            worker.onmessage = (event) => resolve(event.data);
            worker.onerror = reject;
            worker.postMessage({ slab: post === "memory" ? slab.memory : slab.buffer });
          })
        ),
      );
      workers.forEach((worker) => worker.terminate());
      assert.deepEqual(cores, Array(4).fill(post === "memory" ? "webassembly" : "javascript"));
      const { sites, dropped, skipped } = slab.sites();
      assert.deepEqual([dropped, skipped], [0, 0]);
      const labels = sites.filter((s) => s.kind === "label");
      assert.equal(labels.length, 5, "each label interned once, whichever Worker came first");
      for (const label of labels) assert.deepEqual([label.held, label.total], [40, 40], label.site);
      const stacks = sites.filter((s) => s.kind === "stack");
      assert.equal(stacks.length, 1, "the four Workers' stacks are one site");
      assert.match(stacks[0]!.site, /^at workerAllocates /);
      assert.deepEqual([stacks[0]!.held, stacks[0]!.total], [20, 20]);
    }
  } finally {
    URL.revokeObjectURL(url);
  }
});

Deno.test("a site entry claimed but never published is passed over once, marked, and its text interned once elsewhere", () => {
  const slab = new SlabAllocator({ name: "claimed", slotSize: 4, capacity: 16, sampleSites: 1 });
  slab.alloc(undefined, undefined, "GET /users/:id");
  const { entries } = slabViews(slab).sites!;
  const READY = 1; // the entry's ready word
  const readyWords = () =>
    Array.from(
      { length: entries.length / SITE_ENTRY_WORDS },
      (_, e) => Atomics.load(entries, e * SITE_ENTRY_WORDS + READY),
    );
  const first = readyWords().indexOf(1);
  assert.ok(first >= 0, "the label is interned");
  // Its writer stopped between its claim (the hash) and its ready store.
  Atomics.store(entries, first * SITE_ENTRY_WORDS + READY, 0);
  assert.deepEqual(slab.sites().sites, [], "an unpublished entry is not listed");

  // Another instance, which has not interned it yet, waits for that entry,
  // gives up on it, marks it abandoned and interns the text next to it.
  const second = SlabAllocator.attach(slab.memory!);
  second.alloc(undefined, undefined, "GET /users/:id");
  const words = readyWords();
  assert.equal(words[first], 2, "marked abandoned: nobody waits for it again");
  assert.equal(words.filter((w) => w === 1).length, 1);
  // A third finds the new entry: the label is listed once, with the two
  // allocations made since (the first one names the abandoned entry).
  const third = SlabAllocator.attach(slab.memory!);
  third.alloc(undefined, undefined, "GET /users/:id");
  assert.equal(readyWords().filter((w) => w === 1).length, 1);
  const labels = slab.sites().sites.filter((s) => s.kind === "label");
  assert.deepEqual(labels.map((s) => [s.site, s.held]), [["GET /users/:id", 2]]);
  second.close();
  third.close();
});
