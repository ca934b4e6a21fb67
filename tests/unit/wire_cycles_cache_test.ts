// Copyright 2026 the slabscope authors. MIT license.
// Cached slots (K) and cycled slots on the wire: what real slabs with caches
// send, what deltas list as cycled, and what the strict decoder refuses.
import assert from "node:assert/strict";
import {
  applyDelta,
  applyDeltaTransition,
  decodeKeyframe,
  encodeDelta,
  encodeKeyframe,
} from "../../wire.ts";
import { slotListToWire } from "../../core/wire/records.ts";
import { decodeSlotList } from "../../core/wire/rice.ts";
import { CACHED_STATE, SLOT_LETTERS } from "../../core/wire/slot_states.ts";
import { CACHED } from "../../core/allocator/slab_layout.ts";
import { DiagnosticsRegistry, HandleState, type MemorySnapshot, SlabAllocator } from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const snap = (registry: DiagnosticsRegistry, seq: number): MemorySnapshot => ({
  ...registry.snapshot({ sampleHeap: false }),
  seq,
});
const roundTrip = (s: MemorySnapshot) => decodeKeyframe(encodeKeyframe(s));

/** The slots a slab's instances hold in their caches, by the slab's own account. */
function cachedSlots(slab: SlabAllocator): number[] {
  const out: number[] = [];
  for (let i = 0; i < slab.capacity; i++) if (slab.slotInfo(i).cached) out.push(i);
  return out;
}

/** Resolves once `Date.now()` passed `ms` and a new task runs (slabs read their clock per task). */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 1));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

Deno.test("K is the slab layout's cached slot-word state, and the wire's seventh letter", () => {
  assert.equal(CACHED_STATE, CACHED);
  assert.equal(SLOT_LETTERS, "FUNAICK");
});

Deno.test("a real slab with caches: its cached slots are K, beside the bitmap or in the states, and summary.K counts them", () => {
  const registry = new DiagnosticsRegistry();
  const owner = registry.owners.register("w", "worker");
  const plain = registry.addSlab(
    new SlabAllocator({ name: "p", slotSize: 8, capacity: 200, cache: 16 }),
  );
  const handles = registry.addSlab(
    new SlabAllocator({ name: "h", slotSize: 1, capacity: 100, kind: "handle", cache: 8 }),
  );
  const other = SlabAllocator.attach(plain.memory!, { cache: 8 }); // a second cache
  const held = [...Array(40)].map((_, i) => (i % 2 ? other : plain).alloc(owner)!);
  for (const h of held.slice(0, 25)) plain.free(h); // frees go to plain's cache
  const conns = [...Array(12)].map(() => handles.alloc(owner)!);
  for (const h of conns.slice(0, 5)) handles.free(h);
  handles.setState(conns[6]!, HandleState.Idle);

  const expectedPlain = cachedSlots(plain);
  const expectedHandle = cachedSlots(handles);
  assert.ok(expectedPlain.length > 0 && expectedHandle.length > 0, "the caches hold slots");
  assert.equal(expectedPlain.length, plain.stats().cached);
  const snapshot = snap(registry, 1);
  const [p, h] = snapshot.slabs;
  assert.deepEqual([...p!.cached_slots!], expectedPlain);
  assert.equal(p!.summary.K, expectedPlain.length);
  assert.equal(p!.used, 15, "cached slots are not in use");
  for (const i of expectedPlain) assert.equal((p!.bitmap![i >> 3]! >> (i & 7)) & 1, 0);
  assert.deepEqual(
    [...h!.states!.keys()].filter((i) => h!.states![i] === CACHED_STATE),
    expectedHandle,
  );
  assert.equal(h!.summary.K, expectedHandle.length);
  assert.equal(h!.used, 7);
  assert.equal(h!.summary.by_owner[String(owner)]!.N, 6, "cached slots count for no owner");

  const wire = JSON.parse(encodeKeyframe(snapshot));
  assert.deepEqual(
    [...decodeSlotList(
      wire.slabs[0].cached_slots.at,
      wire.slabs[0].cached_slots.k,
      wire.slabs[0].cached_slots.n,
      200,
    )],
    expectedPlain,
  );
  assert.match(wire.slabs[1].states, /K\d+/);
  assert.equal(wire.slabs[1].summary.K, expectedHandle.length);
  assert.deepEqual(roundTrip(snapshot), snapshot);

  // Slots leave the caches (allocated, flushed by close()): the deltas say so.
  let prev = snapshot;
  let client = roundTrip(prev);
  for (const step of [() => plain.alloc(), () => other.close(), () => plain.close()]) {
    step();
    const next = snap(registry, prev.seq + 1);
    const delta = encodeDelta(prev, next);
    assert.deepEqual([...(next.slabs[0]!.cached_slots ?? [])], cachedSlots(plain));
    if (delta === null) continue; // that step moved nothing
    client = applyDelta(client, delta);
    assert.deepEqual(client, roundTrip(next));
    prev = next;
  }
  assert.equal(prev.slabs[0]!.cached_slots, undefined, "close() emptied both caches");
  assert.equal(prev.slabs[0]!.summary.K, undefined);
  assert.equal(JSON.parse(encodeKeyframe(prev)).slabs[0].cached_slots, undefined);
});

Deno.test("a slab without caches sends exactly what it sent before K existed", () => {
  const registry = new DiagnosticsRegistry();
  registry.addSlab(new SlabAllocator({ name: "p", slotSize: 8, capacity: 12 })).alloc();
  const slab = JSON.parse(encodeKeyframe(snap(registry, 1))).slabs[0];
  assert.deepEqual(Object.keys(slab), [
    "name",
    "kind",
    "slot_size",
    "total",
    "used",
    "hwm",
    "overflow",
    "allocs",
    "frees",
    "invalid_frees",
    "cas_retries",
    "bitmap",
    "summary",
  ]);
  assert.deepEqual(slab.summary, { U: 1, N: 0, A: 0, I: 0, C: 0, by_owner: {} });
});

Deno.test("cycled: allocated and freed, or through a state and back, between two snapshots", async () => {
  const registry = new DiagnosticsRegistry();
  const plain = registry.addSlab(new SlabAllocator({ name: "p", slotSize: 8, capacity: 64 }));
  const conns = registry.addSlab(
    new SlabAllocator({ name: "h", slotSize: 1, capacity: 16, kind: "handle" }),
  );
  const held = [plain.alloc()!, plain.alloc()!];
  const stream = conns.alloc(undefined, HandleState.Active)!;
  const before = snap(registry, 1);
  await clockPast(before.ts);
  plain.free(plain.alloc()!); // slot 2: F → U → F
  plain.free(held[1]!); // slot 1: U → F, a change
  conns.setState(stream, HandleState.Idle);
  conns.setState(stream, HandleState.Active); // slot 0: A → I → A
  const after = snap(registry, 2);
  const delta = JSON.parse(encodeDelta(before, after)!);
  const [p, h] = delta.slabs;
  assert.deepEqual(p.changes, { n: 1, k: 0, at: "gA==" }, "slot 1 flipped");
  assert.deepEqual(p.cycled, { n: 1, k: 0, at: "wA==" }, "slot 2 cycled");
  assert.deepEqual(h.cycled, { n: 1, k: 0, at: "AA==" }, "slot 0 cycled");
  assert.equal(h.changes, undefined);
  const { state, cycled } = applyDeltaTransition(roundTrip(before), delta);
  assert.deepEqual(state, roundTrip(after));
  assert.deepEqual(Object.fromEntries([...cycled].map(([k, v]) => [k, [...v]])), {
    p: [2],
    h: [0],
  });
  // Nothing touched since: no delta at all.
  assert.equal(encodeDelta(after, snap(registry, 3)), null);
});

Deno.test("cycled: a slot whose owner came with the slab's first owner did not cycle: it changed", () => {
  // A plain slab with a cache: a slot freed into the cache and taken back
  // with an owner, the slab's first: the owner changed, so it is a change.
  const registry = new DiagnosticsRegistry();
  const owner = registry.owners.register("o", "server");
  const slab = registry.addSlab(
    new SlabAllocator({ name: "s", slotSize: 8, capacity: 70, cache: 8 }),
  );
  const handle = slab.alloc()!;
  const slot = slab.indexOf(handle);
  const a = snap(registry, 1);
  slab.free(handle);
  assert.equal(slab.indexOf(slab.alloc(owner)!), slot, "the same slot, from the cache");
  const b = snap(registry, 2);
  const delta = JSON.parse(encodeDelta(a, b)!);
  assert.equal(delta.slabs[0].cycled, undefined);
  assert.equal(typeof delta.slabs[0].owners, "string", "bitmap and owners whole, once");
  assert.deepEqual(applyDelta(roundTrip(a), delta), roundTrip(b));
});

Deno.test("cycled: a collection in between (a scrape) takes nothing away; too old a base knows nothing", () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "p", slotSize: 8, capacity: 64 }));
  const filler = [...Array(10)].map(() => slab.alloc()!);
  for (const h of filler.slice(5)) slab.free(h); // 5 used; slots 5‥9 free, 9 on top
  const a = snap(registry, 1);
  slab.free(slab.alloc()!); // slot 9
  const scrape = snap(registry, 0); // someone else collects
  slab.free(filler[2]!);
  slab.alloc(); // slot 2 again: U → F → U
  const b = snap(registry, 2);
  const list = (from: MemorySnapshot, to: MemorySnapshot) => {
    const delta = encodeDelta(from, to);
    if (delta === null) return [];
    const c = JSON.parse(delta).slabs[0].cycled;
    return c === undefined ? [] : [...decodeSlotList(c.at, c.k, c.n, 64)];
  };
  assert.deepEqual(list(a, b), [2, 9]);
  assert.deepEqual(list(scrape, b), [2]);
  // A base older than the 16 collections kept: its cycles are not known.
  let last = b;
  for (let i = 0; i < 17; i++) {
    slab.free(slab.alloc()!);
    last = snap(registry, 3 + i);
  }
  assert.deepEqual(list(b, last), []);
  assert.deepEqual(list(snap(registry, 99), last), [], "the same collection: nothing between");
});

Deno.test("cycled: a patch never outgrows the slab sent whole: then it is a full patch, without cycled", () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "p", slotSize: 8, capacity: 4096 }));
  const a = snap(registry, 1);
  const all = [...Array(4096)].map(() => slab.alloc()!);
  for (let i = 0; i < all.length; i += 2) slab.free(all[i]!); // half cycled, half changed
  const b = snap(registry, 2);
  const delta = JSON.parse(encodeDelta(a, b)!);
  assert.equal(delta.slabs[0].full, true);
  assert.equal(delta.slabs[0].cycled, undefined);
  assert.ok(JSON.stringify(delta).length < JSON.stringify(JSON.parse(encodeKeyframe(b))).length);
  assert.deepEqual(applyDelta(roundTrip(a), delta), roundTrip(b));
  // Every slot touched, none changed: the list is no longer than the bitmap it flashes.
  const c = snap(registry, 3);
  for (const h of all.filter((_, i) => i % 2 === 1)) slab.free(h);
  const again = [...Array(4096)].map(() => slab.alloc()!);
  for (const h of again) if (slab.indexOf(h) % 2 === 0) slab.free(h);
  const patch = JSON.parse(encodeDelta(c, snap(registry, 4))!).slabs[0];
  assert.equal(patch.full, undefined);
  assert.equal(patch.changes, undefined);
  assert.equal(patch.cycled.n, 4096);
});

/** A keyframe state with cached slots in a plain slab (p) and a handle slab (h). */
function world() {
  const registry = new DiagnosticsRegistry();
  const plain = registry.addSlab(
    new SlabAllocator({ name: "p", slotSize: 8, capacity: 64, cache: 8 }),
  );
  const handles = registry.addSlab(
    new SlabAllocator({ name: "h", slotSize: 1, capacity: 10, kind: "handle", cache: 4 }),
  );
  const held = [...Array(10)].map(() => plain.alloc()!);
  for (const h of held.slice(6)) plain.free(h);
  handles.alloc();
  handles.free(handles.alloc()!);
  return { state: roundTrip(snap(registry, 1)) };
}

function rejects(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: Error) => {
    assert.ok(error instanceof SyntaxError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("strict: K, summary.K and cached_slots only where the format puts them", () => {
  const { state } = world();
  const good = JSON.parse(encodeKeyframe(state));
  assert.ok(good.slabs[0].cached_slots.n > 0 && /K/.test(good.slabs[1].states));
  const keyframe = (mutate: (k: Json) => void) => () => {
    const k = structuredClone(good);
    mutate(k);
    return decodeKeyframe(JSON.stringify(k));
  };
  rejects(
    keyframe((k) => (k.slabs[0].summary.K += 1)),
    /keyframe\.slabs\[0\]\.summary: K is \d+, the slots hold \d+/,
  );
  rejects(
    keyframe((k) => delete k.slabs[0].summary.K),
    /keyframe\.slabs\[0\]\.summary: K is 0, the slots hold \d+/,
  );
  rejects(
    keyframe((k) => (k.slabs[1].summary.K = 0)),
    /keyframe\.slabs\[1\]\.summary\.K: written only when slots are cached/,
  );
  rejects(
    keyframe((k) => (k.slabs[1].cached_slots = { n: 1, k: 0, at: "gA==" })),
    /keyframe\.slabs\[1\]\.cached_slots: a handle slab's cached slots are K in its states/,
  );
  rejects(
    keyframe((k) => (k.slabs[0].cached_slots = { n: 0, k: 0, at: "" })),
    /keyframe\.slabs\[0\]\.cached_slots\.n: a slot list here names at least one slot/,
  );
  rejects(
    keyframe((k) => {
      k.slabs[0].cached_slots = { n: 1, k: 0, at: "AA==" }; // slot 0, which is in use
      k.slabs[0].summary.K = 1;
    }),
    /keyframe\.slabs\[0\]\.cached_slots: slot 0 is cached and in use at once/,
  );
  rejects(
    keyframe((k) => (k.slabs[0].cycled = { n: 1, k: 0, at: "AA==" })),
    /keyframe\.slabs\[0\]\.cycled: not a field of a slab/,
  );
});

Deno.test("strict: a patch's cached_slots and cycled", () => {
  const registry = new DiagnosticsRegistry();
  const owner = registry.owners.register(":8080", "server");
  const plain = registry.addSlab(new SlabAllocator({ name: "p", slotSize: 8, capacity: 64 }));
  const conns = registry.addSlab(
    new SlabAllocator({ name: "h", slotSize: 1, capacity: 64, kind: "handle" }),
  );
  const a = conns.alloc(owner)!; // slot 0
  const b = conns.alloc(owner)!; // slot 1
  plain.alloc(owner); // p records owners
  const prev = snap(registry, 1);
  const state = roundTrip(prev);
  conns.free(conns.alloc(owner)!); // slot 2 cycles
  conns.setState(a, HandleState.Idle); // slot 0 changes
  void b;
  const delta = JSON.parse(encodeDelta(prev, snap(registry, 2))!);
  const list = (...slots: number[]) => slotListToWire(slots);
  assert.deepEqual(delta.slabs[0].cycled, list(2));
  assert.doesNotThrow(() => applyDelta(state, delta));
  const patched = (mutate: (d: Json) => void) => () => {
    const d = structuredClone(delta);
    mutate(d);
    return applyDelta(state, d);
  };
  rejects(
    patched((d) => (d.slabs[0].cycled = list(0, 2))),
    /delta\.slabs\[0\]\.cycled: slot 0 is listed in changes too/,
  );
  rejects(
    patched((d) => {
      const { changes: _, ...rest } = d.slabs[0];
      d.slabs[0] = { ...rest, states: "I1N1F62", owners: "0*2,-*62", cycled: list(0) };
    }),
    /delta\.slabs\[0\]\.cycled: slot 0 changed its letter or owner, so it did not cycle/,
  );
  rejects(
    patched((d) => (d.slabs[0].cycled = { n: 0, k: 0, at: "" })),
    /delta\.slabs\[0\]\.cycled\.n: a slot list here names at least one slot/,
  );
  rejects(
    patched((d) => (d.slabs.push({ name: "p", cached_slots: { n: 0, k: 0, at: "" } }))),
    /delta\.slabs\[1\]\.cached_slots: sent only when the cached slots changed, and none were cached/,
  );
  rejects(
    patched((d) =>
      d.slabs.push({
        name: "p",
        cached_slots: list(0),
        summary: { ...state.slabs[1]!.summary, K: 1 },
      })
    ),
    /delta\.slabs\[1\]\.cached_slots: slot 0 is cached and in use at once/,
  );
  rejects(
    patched((d) =>
      d.slabs.push({
        name: "p",
        changes: { ...list(5), states: "K", owners: "-" },
      })
    ),
    /delta\.slabs\[1\]\.changes\.states: "K" at 0 is not F or U \(a plain slab's cached slots travel in cached_slots\)/,
  );
  rejects(
    patched((d) => {
      d.slabs[0] = { full: true, ...JSON.parse(encodeKeyframe(prev)).slabs[0], cycled: list(2) };
    }),
    /delta\.slabs\[0\]\.cycled: not a field of a slab/,
  );
});
