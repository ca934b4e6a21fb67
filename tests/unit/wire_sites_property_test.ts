// Copyright 2026 the slabscope authors. MIT license.
// Property: for any two valid site lists of a state, applying the patch
// from one to the other gives exactly the other (and the same text), and a
// keyframe's lists decode as they were.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  compareSites,
  diffSites,
  patchSites,
  sitesFromWire,
  sitesToWire,
} from "../../core/wire/allocation_sites.ts";
import type {
  SiteSnapshot,
  SitesSnapshot,
  SlabSitesSnapshot,
  SlabSnapshot,
} from "../../core/wire/types.ts";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { applyDelta, decodeKeyframe, encodeDelta, encodeKeyframe } from "../../wire.ts";

const NAMES = ["a", "b", "c", "d"];
const slabs: SlabSnapshot[] = NAMES.map((name) => ({
  name,
  kind: "plain",
  slot_size: 8,
  total: 1000,
  used: 0,
  hwm: 0,
  overflow: 0,
  allocs: 0,
  frees: 0,
  invalid_frees: 0,
  cas_retries: 0,
  summary: { U: 0, N: 0, A: 0, I: 0, C: 0, by_owner: {} },
}));

const site: fc.Arbitrary<Omit<SiteSnapshot, "id">> = fc
  .record({
    text: fc.constantFrom("at f (a.ts:1:1)", "at g (b.ts:2:2)\nat h (c.ts:3:3)", "GET /x", ""),
    label: fc.boolean(),
    held: fc.nat(50),
    extra: fc.nat(50),
    oldest: fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
  })
  .map(({ text, label, held, extra, oldest }) => ({
    site: label && text === "" ? "label" : text,
    kind: label ? "label" as const : "stack" as const,
    held,
    total: held + extra,
    oldest: held === 0 ? null : oldest,
  }));

function slabSites(name: string, limit: number): fc.Arbitrary<SlabSitesSnapshot> {
  return fc
    .record({
      maxSites: fc.constantFrom(4, 8, 256),
      sampleEvery: fc.constantFrom(0, 1, 64),
      extra: fc.nat(3),
      dropped: fc.nat(5),
      skipped: fc.nat(5),
      sites: fc.array(fc.tuple(fc.nat(7), site), { maxLength: 6 }),
    })
    .map(({ maxSites, sampleEvery, extra, dropped, skipped, sites }) => {
      const byId = new Map<number, SiteSnapshot>();
      for (const [id, s] of sites) if (id < maxSites) byId.set(id + 1, { id: id + 1, ...s });
      const all = [...byId.values()].sort(compareSites);
      const count = Math.min(maxSites, all.length + extra);
      return {
        slab: name,
        sample_every: sampleEvery,
        max_sites: maxSites,
        count,
        dropped,
        skipped,
        top: all.slice(0, Math.min(count, limit)),
      };
    })
    .filter((entry) => entry.top.length === Math.min(entry.count, limit));
}

const lists: fc.Arbitrary<SitesSnapshot | undefined> = fc
  .record({ limit: fc.constantFrom(1, 3, 10), present: fc.subarray(NAMES, { minLength: 0 }) })
  .chain(({ limit, present }) =>
    present.length === 0
      ? fc.constant(undefined)
      : fc.tuple(...present.map((name) => slabSites(name, limit))).map((entries) => ({
        limit,
        slabs: entries,
      }))
  );

const text = (list: SitesSnapshot | undefined) =>
  list === undefined ? "none" : JSON.stringify(sitesToWire(list));

Deno.test("property: a site lists patch turns any valid lists into any other, exactly", () => {
  fc.assert(
    fc.property(lists, lists, (a, b) => {
      if (a !== undefined) {
        const decoded = sitesFromWire(JSON.parse(text(a)), slabs, "keyframe.sites");
        assert.equal(text(decoded), text(a));
      }
      const patch = diffSites(a, b);
      if (patch === undefined) {
        assert.equal(text(a), text(b));
        return;
      }
      const applied = patchSites(a, JSON.parse(JSON.stringify(patch)), slabs, "delta.sites");
      assert.equal(text(applied), text(b));
      if (b !== undefined) assert.deepEqual(applied, b);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("sites: a delta that reorders the slabs and changes no list leaves the lists in the new order", () => {
  const registry = new DiagnosticsRegistry();
  const a = registry.addSlab(
    new SlabAllocator({ name: "a", slotSize: 1, capacity: 4, kind: "handle" }),
  );
  const b = registry.addSlab(
    new SlabAllocator({ name: "b", slotSize: 1, capacity: 4, kind: "handle" }),
  );
  a.alloc(undefined, undefined, "GET /a");
  b.alloc(undefined, undefined, "GET /b");
  const first = { ...registry.snapshot({ sampleHeap: false }), seq: 1 };
  registry.remove("a");
  registry.remove("b");
  registry.addSlab(b);
  registry.addSlab(a);
  const second = { ...registry.snapshot({ sampleHeap: false }), seq: 2 };
  assert.deepEqual(second.sites!.slabs.map((list) => list.slab), ["b", "a"]);
  const state = applyDelta(decodeKeyframe(encodeKeyframe(first)), encodeDelta(first, second)!);
  assert.deepEqual(state.sites, second.sites);
});
