// Copyright 2026 the slabscope authors. MIT license.
// Allocation sites in snapshots and on the wire: the top sites by slots held
// per slab with a site table, bounded, read only when they can have changed,
// patched site by site, and checked by the strict decoder.
import assert from "node:assert/strict";
import { applyDelta, decodeKeyframe, encodeDelta, encodeKeyframe } from "../../wire.ts";
import { DiagnosticsRegistry, type MemorySnapshot, SlabAllocator } from "../../mod.ts";
import { formatPrometheus } from "../../prometheus.ts";
import { SITE_SCAN_INTERVAL_MS } from "../../core/diagnostics/site_lists.ts";
import { eventually } from "../integration/_sse_client.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const snap = (registry: DiagnosticsRegistry, seq: number): MemorySnapshot => ({
  ...registry.snapshot({ sampleHeap: false }),
  seq,
});

function sampled(name: string, options: { capacity?: number; maxSites?: number } = {}) {
  return new SlabAllocator({
    name,
    slotSize: 8,
    capacity: options.capacity ?? 64,
    sampleSites: 1,
    sampleBudget: 1, // every sample captured: the counts below are exact
    maxSites: options.maxSites,
  });
}

// A site is the caller's last four frames (with their columns): these keep
// all four inside the helpers, so a site is the same from any line of a test.
function siteA(slab: SlabAllocator): number {
  return slab.alloc()!;
}
function siteB(slab: SlabAllocator): number {
  return slab.alloc()!;
}
function siteC(slab: SlabAllocator): number {
  return slab.alloc()!;
}
function through(site: (slab: SlabAllocator) => number): (slab: SlabAllocator) => number {
  const third = (slab: SlabAllocator) => site(slab);
  const second = (slab: SlabAllocator) => third(slab);
  return (slab: SlabAllocator) => second(slab);
}
const allocA = through(siteA);
const allocB = through(siteB);
const allocC = through(siteC);

/** Snapshots until `accept` holds (a changed list is read at most every SITE_SCAN_INTERVAL_MS). */
async function snapshotWhen(
  registry: DiagnosticsRegistry,
  seq: number,
  accept: (snapshot: MemorySnapshot) => boolean,
  what: string,
): Promise<MemorySnapshot> {
  let snapshot = snap(registry, seq);
  await eventually(() => accept(snapshot = snap(registry, seq)), 5000, what);
  return snapshot;
}

Deno.test("sites: per slab with a site table, the top sites by slots held, at most topSites, exact through a keyframe", () => {
  const registry = new DiagnosticsRegistry({ topSites: 2 });
  registry.addSlab(new SlabAllocator({ name: "plain", slotSize: 8, capacity: 8 })).alloc();
  const slab = registry.addSlab(sampled("pool"));
  const handles = registry.addSlab(
    new SlabAllocator({ name: "handles", slotSize: 1, capacity: 8, kind: "handle" }),
  );
  const before = Date.now();
  for (let i = 0; i < 3; i++) allocA(slab);
  const b = [allocB(slab), allocB(slab)];
  allocC(slab);
  slab.free(b[0]!);
  handles.alloc(undefined, undefined, "GET /users/:id");
  const snapshot = snap(registry, 1);
  const sites = snapshot.sites!;
  assert.equal(sites.limit, 2);
  assert.deepEqual(sites.slabs.map((s) => s.slab), ["pool", "handles"], "slab order, no plain");
  const [pool, labels] = sites.slabs;
  assert.deepEqual(
    [pool!.sample_every, pool!.max_sites, pool!.count, pool!.dropped, pool!.skipped],
    [1, 256, 3, 0, 0],
  );
  assert.equal(pool!.top.length, 2, "bounded by topSites; count says how many there are");
  const [first, second] = pool!.top;
  assert.match(first!.site, /^at siteA /);
  assert.deepEqual([first!.kind, first!.held, first!.total], ["stack", 3, 3]);
  // B and C hold one each; B recorded two: most held, then most recorded.
  assert.match(second!.site, /^at siteB /);
  assert.deepEqual([second!.held, second!.total], [1, 2]);
  assert.ok(first!.oldest! >= before && first!.oldest! <= snapshot.ts);
  assert.deepEqual(labels!.top.map((s) => [s.site, s.kind, s.held]), [
    ["GET /users/:id", "label", 1],
  ]);
  assert.equal(labels!.sample_every, 0);
  assert.deepEqual(decodeKeyframe(encodeKeyframe(snapshot)), snapshot);
});

Deno.test("sites: an unchanged slab is not read again, and a changing one at most every interval", async () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(sampled("pool", { capacity: 4096 }));
  let reads = 0;
  const read = slab.sites.bind(slab);
  slab.sites = () => (reads++, read());
  allocA(slab);
  const first = snap(registry, 1);
  assert.equal(reads, 1);
  const again = snap(registry, 2);
  const third = snap(registry, 3);
  assert.equal(reads, 1, "nothing changed: the slab's records are not read");
  assert.equal(again.sites, first.sites, "the same lists, so deltas skip them at once");
  assert.equal(third.sites, first.sites);
  assert.equal(encodeDelta(first, again), null);
  // A change within the interval is noted, and read once it has passed.
  const started = performance.now();
  allocA(slab);
  const soon = snap(registry, 4);
  if (performance.now() - started < SITE_SCAN_INTERVAL_MS) {
    assert.equal(reads, 1, "read too recently: the list stays");
    assert.equal(soon.sites!.slabs[0]!.top[0]!.held, 1);
  }
  const later = await snapshotWhen(
    registry,
    5,
    (s) => s.sites!.slabs[0]!.top[0]!.held === 2,
    "the second allocation to be counted",
  );
  assert.ok(reads <= 2 + Math.ceil((performance.now() - started) / SITE_SCAN_INTERVAL_MS));
  assert.deepEqual(later.sites!.slabs[0]!.top[0]!.total, 2);
  // A label set without any slot word changing (setSite) is seen too.
  const handles = registry.addSlab(
    new SlabAllocator({ name: "h", slotSize: 1, capacity: 4, kind: "handle" }),
  );
  const handle = handles.alloc()!;
  const unlabelled = snap(registry, 6);
  assert.equal(unlabelled.sites!.slabs[1]!.top.length, 0);
  handles.setSite(handle, "POST /upload");
  await snapshotWhen(
    registry,
    7,
    (s) => s.sites!.slabs[1]!.top[0]?.site === "POST /upload",
    "the label to be listed",
  );
});

Deno.test("sites: a delta sends what changed, a site's text only when it joins the list", async () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(sampled("pool"));
  const a = [allocA(slab), allocA(slab)];
  const base = snap(registry, 1);
  slab.free(a[0]!);
  const next = await snapshotWhen(
    registry,
    2,
    (s) => s.sites!.slabs[0]!.top[0]!.held === 1,
    "the free to be counted",
  );
  const delta: Json = JSON.parse(encodeDelta(base, next)!);
  const id = base.sites!.slabs[0]!.top[0]!.id;
  assert.deepEqual(delta.sites, { slabs: [{ slab: "pool", set: [{ id, held: 1 }] }] });
  assert.deepEqual(applyDelta(base, delta), next);
  allocB(slab);
  const third = await snapshotWhen(
    registry,
    3,
    (s) => s.sites!.slabs[0]!.count === 2,
    "the new site to be listed",
  );
  const joined: Json = JSON.parse(encodeDelta(next, third)!);
  const [patch] = joined.sites.slabs;
  assert.equal(patch.count, 2);
  assert.equal(patch.set.length, 1);
  assert.match(patch.set[0].site, /^at siteB /);
  assert.deepEqual(Object.keys(patch.set[0]), ["id", "site", "kind", "held", "total", "oldest"]);
  assert.deepEqual(applyDelta(next, joined), third);
  // The slab goes: its list goes with it, and a state without lists has no `sites`.
  registry.remove("pool");
  const gone = snap(registry, 4);
  assert.equal(gone.sites, undefined);
  const removal: Json = JSON.parse(encodeDelta(third, gone)!);
  assert.deepEqual(removal.sites, { removed: ["pool"] });
  assert.deepEqual(applyDelta(third, removal), gone);
});

Deno.test("sites: the table is bounded; sites beyond maxSites are counted as dropped and shown", () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "small", slotSize: 8, capacity: 64, sampleSites: 0, maxSites: 2 }),
  );
  for (let i = 0; i < 5; i++) slab.alloc(undefined, undefined, `label ${i}`);
  const snapshot = snap(registry, 1);
  const [list] = snapshot.sites!.slabs;
  assert.deepEqual([list!.count, list!.max_sites, list!.dropped], [2, 2, 3]);
  assert.deepEqual(list!.top.map((s) => s.site).sort(), ["label 0", "label 1"]);
  const text = formatPrometheus(snapshot);
  assert.match(text, /^slabscope_slab_sites\{pool="small"\} 2$/m);
  assert.match(text, /^slabscope_slab_sites_capacity\{pool="small"\} 2$/m);
  assert.match(text, /^slabscope_slab_sites_dropped_total\{pool="small"\} 3$/m);
  assert.match(text, /^slabscope_slab_site_samples_skipped_total\{pool="small"\} 0$/m);
});

Deno.test("sites: a slot's details name its site", () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(sampled("pool"));
  const handle = allocA(slab);
  const details = registry.slotDetails("pool", slab.indexOf(handle))!;
  assert.match(details.siteText!, /^at siteA /);
  assert.equal(details.siteKind, "stack");
  assert.equal(details.site, slab.sites().sites[0]!.id);
  const free = registry.slotDetails("pool", 63)!;
  assert.deepEqual([free.site, free.siteText, free.siteKind], [null, null, null]);
});

Deno.test("sites: topSites 0 lists none; other values are a RangeError", () => {
  const registry = new DiagnosticsRegistry({ topSites: 0 });
  allocA(registry.addSlab(sampled("pool")));
  assert.equal(registry.snapshot().sites, undefined);
  for (const topSites of [-1, 101, 1.5, NaN]) {
    assert.throws(
      () => new DiagnosticsRegistry({ topSites }),
      (error: Error) =>
        error instanceof RangeError &&
        /topSites must be an integer from 0 to 100/.test(error.message),
    );
  }
});

Deno.test("sites: the decoder refuses what a writer never sends, naming the field", () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(sampled("pool"));
  allocA(slab);
  allocA(slab);
  allocB(slab);
  const good: Json = JSON.parse(encodeKeyframe(snap(registry, 1)));
  const cases: [string, (k: Json) => void, RegExp][] = [
    ["unknown field", (k) => (k.sites.extra = 1), /keyframe\.sites\.extra: not a field/],
    ["limit 0", (k) => (k.sites.limit = 0), /keyframe\.sites\.limit: expected 1 to 100/],
    ["no slabs", (k) => (k.sites.slabs = []), /keyframe\.sites\.slabs: empty/],
    [
      "unknown slab",
      (k) => (k.sites.slabs[0].slab = "x"),
      /sites\.slabs\[0\]\.slab: "x" is not a slab/,
    ],
    [
      "twice",
      (k) => k.sites.slabs.push(k.sites.slabs[0]),
      /sites\.slabs\[1\]\.slab: out of the state's slab order/,
    ],
    ["count", (k) => (k.sites.slabs[0].count = 3), /sites\.slabs\[0\]\.top: 2 sites, expected 3/],
    [
      "table",
      (k) => (k.sites.slabs[0].count = 300),
      /sites\.slabs\[0\]\.count: 300, more than the table's 256/,
    ],
    ["id", (k) => (k.sites.slabs[0].top[0].id = 0), /top\[0\]\.id: expected 1 to 256/],
    [
      "held > total",
      (k) => (k.sites.slabs[0].top[0].total = 1),
      /top\[0\]\.held: 2, more than the 1 recorded/,
    ],
    [
      "oldest",
      (k) => (k.sites.slabs[0].top[0].oldest = null),
      /top\[0\]\.oldest: null, but slots are held/,
    ],
    ["order", (k) => k.sites.slabs[0].top.reverse(), /top\[1\]: out of order/],
    [
      "kind",
      (k) => (k.sites.slabs[0].top[0].kind = "guess"),
      /top\[0\]\.kind: expected "stack" or "label"/,
    ],
    [
      "text",
      (k) => (k.sites.slabs[0].top[0].site = "x".repeat(513)),
      /top\[0\]\.site: expected 0 to 512 UTF-8 bytes/,
    ],
    [
      "held",
      (k) => (k.sites.slabs[0].top[0].held = -1),
      /top\[0\]\.held: expected a non-negative integer/,
    ],
  ];
  for (const [what, mutate, message] of cases) {
    const k = structuredClone(good);
    mutate(k);
    assert.throws(
      () => decodeKeyframe(JSON.stringify(k)),
      (error: Error) => error instanceof SyntaxError && message.test(error.message),
      what,
    );
  }
});

Deno.test("sites: the decoder refuses patches that do not apply, naming the field", async () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(sampled("pool"));
  allocA(slab);
  const base = snap(registry, 1);
  allocB(slab);
  const next = await snapshotWhen(registry, 2, (s) => s.sites!.slabs[0]!.count === 2, "site B");
  const good: Json = JSON.parse(encodeDelta(base, next)!);
  const idA = base.sites!.slabs[0]!.top[0]!.id;
  const cases: [string, (d: Json) => void, RegExp][] = [
    [
      "new site without text",
      (d) => delete d.sites.slabs[0].set[0].site,
      /set\[0\]\.site: expected a string/,
    ],
    ["drop unknown", (d) => (d.sites.slabs[0].drop = [999]), /drop\[0\]: names no site/],
    ["set and drop", (d) => {
      d.sites.slabs[0].set.push({ id: idA, held: 0 });
      d.sites.slabs[0].drop = [idA];
    }, /set\[1\]: sets a site the patch drops/],
    [
      "unknown slab",
      (d) => (d.sites.slabs[0].slab = "x"),
      /slabs\[0\]\.slab: not in the site lists/,
    ],
    ["removed unknown", (d) => (d.sites.removed = ["x"]), /removed\[0\]: names no slab/],
    [
      "unknown field",
      (d) => (d.sites.slabs[0].top = []),
      /slabs\[0\]\.top: not a field of a slab's sites patch/,
    ],
    ["count off", (d) => (d.sites.slabs[0].count = 1), /top: 2 sites, expected 1/],
  ];
  for (const [what, mutate, message] of cases) {
    const d = structuredClone(good);
    mutate(d);
    assert.throws(
      () => applyDelta(base, JSON.stringify(d)),
      (error: Error) => error instanceof SyntaxError && message.test(error.message),
      what,
    );
  }
  assert.deepEqual(applyDelta(base, good), next);
});
