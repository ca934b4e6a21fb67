// Copyright 2026 the slabscope authors. MIT license.
// The wire format's central promise, property-tested: whatever the pools did
// between two snapshots, applying the delta to the previous keyframe state
// gives exactly the next keyframe state.
import assert from "node:assert/strict";
import fc from "fast-check";
import { applyDelta, decodeKeyframe, encodeDelta, encodeKeyframe } from "../../wire.ts";
import {
  Arena,
  ArenaPool,
  DiagnosticsRegistry,
  HandleState,
  type MemorySnapshot,
  SlabAllocator,
} from "../../mod.ts";

type Op =
  | { op: "alloc"; slab: number; owner: number | null; times: number }
  | { op: "free"; slab: number; pick: number; times: number }
  | { op: "cycle"; slab: number; times: number }
  | { op: "closeOldest"; slab: number }
  | { op: "state"; slab: number; pick: number; state: number; owner: number | null }
  | { op: "addSlab"; kind: "plain" | "handle"; capacity: number; cache: number }
  | { op: "removeSlab"; slab: number }
  | { op: "readd"; from: number; shuffle: number[]; reshape: (Shape | null)[] }
  | { op: "readdArenas"; swap: boolean; fresh: boolean }
  | { op: "arena"; size: number; reset: boolean }
  | { op: "pool"; acquire: boolean; size: number }
  | { op: "owner"; register: boolean; pick: number }
  | { op: "snapshot" };

/** A slab's shape: what a full patch is needed for when it changes. */
interface Shape {
  kind: "plain" | "handle";
  capacity: number;
}

const shapeArbitrary: fc.Arbitrary<Shape> = fc.record({
  kind: fc.constantFrom("plain" as const, "handle" as const),
  capacity: fc.integer({ min: 1, max: 300 }),
});

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("alloc" as const),
      slab: fc.nat(),
      owner: fc.option(fc.nat(6)),
      times: fc.integer({ min: 1, max: 40 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("free" as const),
      slab: fc.nat(),
      pick: fc.nat(),
      times: fc.integer({ min: 1, max: 30 }),
    }),
  },
  {
    // The oldest handle of a slab closes: it leaves the open-handle list.
    weight: 2,
    arbitrary: fc.record({ op: fc.constant("closeOldest" as const), slab: fc.nat() }),
  },
  {
    // Allocated and freed between two snapshots: the slot cycles.
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("cycle" as const),
      slab: fc.nat(),
      times: fc.integer({ min: 1, max: 5 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("state" as const),
      slab: fc.nat(),
      pick: fc.nat(),
      state: fc.integer({ min: 2, max: 5 }),
      owner: fc.option(fc.nat(6)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("addSlab" as const),
      kind: fc.constantFrom("plain" as const, "handle" as const),
      capacity: fc.integer({ min: 1, max: 300 }),
      // Some with a cache: their free slots go K (cached) and back.
      cache: fc.constantFrom(0, 0, 4, 16),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("removeSlab" as const), slab: fc.nat() }) },
  {
    // Remove the slabs from the `from`-th on and add them again: in the same
    // order (shuffle empty) or another, each the same slab again (null) or
    // a new one of the same name and maybe another shape.
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("readd" as const),
      from: fc.nat(),
      shuffle: fc.oneof(fc.constant<number[]>([]), fc.array(fc.nat(), { maxLength: 6 })),
      reshape: fc.array(fc.option(shapeArbitrary, { freq: 2 }), { maxLength: 6 }),
    }),
  },
  {
    // Remove the arena and the pool and add them again, maybe in the other
    // order, maybe as new pools with their names swapped (an arena that
    // becomes a pool and a pool that becomes an arena).
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("readdArenas" as const),
      swap: fc.boolean(),
      fresh: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("arena" as const),
      size: fc.integer({ min: 1, max: 600 }),
      reset: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("pool" as const),
      acquire: fc.boolean(),
      size: fc.integer({ min: 1, max: 100 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("owner" as const),
      register: fc.boolean(),
      pick: fc.nat(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("snapshot" as const) }) },
);

/** Plays ops against real pools; snapshots are taken at every "snapshot" op. */
class World {
  // A short open-handle list, so that it is often full and its entries change.
  registry = new DiagnosticsRegistry({ openHandles: 5 });
  slabs: { slab: SlabAllocator; handles: number[] }[] = [];
  arena = this.registry.addArena(new Arena({ name: "scratch", capacity: 512 }));
  pool = this.registry.addArenaPool(
    new ArenaPool({ name: "stream_arenas", arenaCapacity: 64, count: 5 }),
  );
  acquired: Arena[] = [];
  owners: number[] = [];
  serial = 0;

  constructor() {
    this.add("plain", 70, 8);
    this.add("handle", 33, 4);
    this.owners.push(this.registry.owners.register(":8080", "server"));
  }

  /** Removes the slabs from `from` on and adds them again as `op` says. */
  readd(op: Extract<Op, { op: "readd" }>): void {
    if (this.slabs.length === 0) return;
    const moved = this.slabs.splice(op.from % this.slabs.length);
    for (const { slab } of moved) this.registry.remove(slab.name);
    // Fisher-Yates driven by the generated numbers; none: the same order.
    for (let i = moved.length - 1, r = 0; i > 0 && r < op.shuffle.length; i--, r++) {
      const j = op.shuffle[r]! % (i + 1);
      [moved[i], moved[j]] = [moved[j]!, moved[i]!];
    }
    moved.forEach((entry, i) => {
      const shape = op.reshape[i] ?? null;
      const again = shape === null ? entry : {
        slab: new SlabAllocator({ name: entry.slab.name, slotSize: 8, ...shape }),
        handles: [],
      };
      this.registry.addSlab(again.slab);
      this.slabs.push(again);
    });
  }

  /** Removes the arena and the pool and adds them again as `op` says. */
  readdArenas(op: Extract<Op, { op: "readdArenas" }>): void {
    this.registry.remove(this.arena.name);
    this.registry.remove(this.pool.name);
    if (op.fresh) {
      const [arenaName, poolName] = [this.pool.name, this.arena.name];
      this.arena = new Arena({ name: arenaName, capacity: 512 });
      this.pool = new ArenaPool({ name: poolName, arenaCapacity: 64, count: 5 });
      this.acquired = [];
    }
    if (op.swap) {
      this.registry.addArenaPool(this.pool);
      this.registry.addArena(this.arena);
    } else {
      this.registry.addArena(this.arena);
      this.registry.addArenaPool(this.pool);
    }
  }

  add(kind: "plain" | "handle", capacity: number, cache = 0): void {
    const slab = new SlabAllocator({
      name: `slab-${this.serial++ % 4}`,
      slotSize: 8,
      capacity,
      kind,
      cache,
    });
    const existing = this.slabs.findIndex((s) => s.slab.name === slab.name);
    if (existing >= 0) {
      // Replace a slab of the same name: removed and re-added, maybe another shape.
      this.registry.remove(slab.name);
      this.slabs.splice(existing, 1);
    }
    this.registry.addSlab(slab);
    this.slabs.push({ slab, handles: [] });
  }

  ownerFor(pick: number | null): number | undefined {
    if (pick === null || this.owners.length === 0) return undefined;
    return this.owners[pick % this.owners.length];
  }

  play(op: Op): void {
    const entry = this.slabs.length > 0
      ? this.slabs[("slab" in op ? op.slab : 0) % this.slabs.length]
      : undefined;
    switch (op.op) {
      case "alloc":
        for (let i = 0; i < op.times && entry; i++) {
          const h = entry.slab.alloc(this.ownerFor(op.owner));
          if (h !== null) entry.handles.push(h);
        }
        break;
      case "free":
        for (let i = 0; i < op.times && entry && entry.handles.length > 0; i++) {
          const k = (op.pick + i) % entry.handles.length;
          entry.slab.free(entry.handles.splice(k, 1)[0]!);
        }
        break;
      case "closeOldest":
        if (entry && entry.handles.length > 0) entry.slab.free(entry.handles.shift()!);
        break;
      case "cycle":
        for (let i = 0; i < op.times && entry; i++) {
          const h = entry.slab.alloc();
          if (h !== null) entry.slab.free(h);
        }
        break;
      case "state":
        if (entry && entry.handles.length > 0) {
          const h = entry.handles[op.pick % entry.handles.length]!;
          const state = entry.slab.kind === "handle" ? op.state : HandleState.Used;
          entry.slab.setState(h, state as HandleState, this.ownerFor(op.owner));
        }
        break;
      case "addSlab":
        this.add(op.kind, op.capacity, op.cache);
        break;
      case "readd":
        this.readd(op);
        break;
      case "readdArenas":
        this.readdArenas(op);
        break;
      case "removeSlab":
        if (entry) {
          this.registry.remove(entry.slab.name);
          this.slabs.splice(this.slabs.indexOf(entry), 1);
        }
        break;
      case "arena":
        if (op.reset) this.arena.reset();
        else this.arena.alloc(op.size);
        break;
      case "pool":
        if (op.acquire) {
          const a = this.pool.acquire();
          if (a) {
            a.alloc(op.size);
            this.acquired.push(a);
          }
        } else if (this.acquired.length > 0) {
          this.pool.release(this.acquired.shift()!);
        }
        break;
      case "owner":
        if (op.register || this.owners.length === 0) {
          if (this.registry.owners.size < 8) {
            this.owners.push(this.registry.owners.register(`client-${op.pick}`, "client"));
          }
        } else {
          const [gone] = this.owners.splice(op.pick % this.owners.length, 1);
          this.registry.owners.unregister(gone!);
        }
        break;
      case "snapshot":
        break;
    }
  }
}

function roundTrip(snapshot: MemorySnapshot): MemorySnapshot {
  return decodeKeyframe(encodeKeyframe(snapshot));
}

/** Counts what the deltas of a run exercised, so that the test sees its own coverage. */
function tally(delta: string, prev: MemorySnapshot, seen: Map<string, number>): void {
  const d = JSON.parse(delta);
  const bump = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
  if (d.open_handles?.set !== undefined) bump("open_handles set");
  if (d.open_handles?.drop !== undefined) bump("open_handles drop");
  for (const patch of d.slabs ?? []) {
    if (patch.cycled !== undefined) bump("cycled");
    if (patch.cached_slots !== undefined) bump("cached_slots");
    if (/K/.test(patch.changes?.states ?? "") || /K/.test(patch.states ?? "")) bump("K");
  }
  for (const [list, key] of [["slabs", "slab"], ["arenas", "arena"]] as const) {
    if (d[`${key}_order`] !== undefined) bump(`${key}_order`);
    if (d[`removed_${list}`] !== undefined) bump(`removed_${list}`);
    const had = new Set(prev[list].map((entry) => entry.name));
    for (const patch of d[list] ?? []) {
      if (patch.full === true) bump(had.has(patch.name) ? `${key} replaced` : `${key} added`);
    }
  }
}

Deno.test("property: keyframe + deltas reproduce every snapshot exactly", () => {
  const seen = new Map<string, number>();
  fc.assert(
    fc.property(
      fc.array(opArbitrary, { minLength: 1, maxLength: 120 }),
      fc.boolean(),
      (ops, sampleHeap) => {
        const world = new World();
        let seq = 1;
        let server = { ...world.registry.snapshot(), seq };
        let client = roundTrip(server);
        assert.deepEqual(client, server);
        for (const op of ops) {
          world.play(op);
          if (op.op !== "snapshot") continue;
          const next = { ...world.registry.snapshot({ sampleHeap }), seq: ++seq };
          const delta = encodeDelta(server, next);
          if (delta === null) {
            // Nothing but ts/seq changed: the client keeps its state.
            assert.deepEqual({ ...client, ts: 0, seq: 0 }, { ...roundTrip(next), ts: 0, seq: 0 });
            seq--;
            continue;
          }
          tally(delta, server, seen);
          client = applyDelta(client, delta);
          assert.deepEqual(client, roundTrip(next));
          server = next;
        }
      },
    ),
    {
      numRuns: 500,
      // Always run once: an open handle that closes and leaves the list
      // (rare among the random histories, which the floor below counts).
      examples: [[[
        { op: "alloc", slab: 1, owner: 0, times: 3 },
        { op: "snapshot" },
        { op: "closeOldest", slab: 1 },
        { op: "snapshot" },
      ], false]],
    },
  );
  // The generated histories reorder, remove, re-add in place and replace
  // entries of both lists (the cases where decoder and encoder must agree
  // on where an entry goes), cycle and cache slots, and move the open-handle
  // list. Its entries leave it only when one of its few oldest closes and
  // its slot is not taken again before the next snapshot: rarer, so fewer.
  const least: Record<string, number> = {
    slab_order: 5,
    removed_slabs: 5,
    "slab replaced": 5,
    "slab added": 5,
    arena_order: 5,
    "arena replaced": 5,
    cycled: 5,
    cached_slots: 5,
    K: 5,
    "open_handles set": 5,
    "open_handles drop": 1,
  };
  for (const [what, count] of Object.entries(least)) {
    assert.ok((seen.get(what) ?? 0) >= count, `${what}: ${seen.get(what) ?? 0} deltas`);
  }
});

Deno.test("keyframes round-trip exactly, padding bits and all", () => {
  const world = new World();
  for (const op of fc.sample(opArbitrary, { numRuns: 400, seed: 7 })) world.play(op);
  const snapshot = world.registry.snapshot();
  assert.deepEqual(roundTrip(snapshot), snapshot);
});

Deno.test("a delta never costs more than the keyframe it replaces", () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "big", slotSize: 1, capacity: 262_144 }));
  const handles: number[] = [];
  for (let i = 0; i < 131_072; i++) handles.push(slab.alloc()!);
  let prev = { ...registry.snapshot({ sampleHeap: false }), seq: 1 };
  const keyframeBytes = encodeKeyframe(prev).length;
  // From 1 % to 100 % churn: the delta stays within the keyframe's size.
  for (const churn of [0.01, 0.1, 0.5, 1]) {
    for (let i = 0; i < handles.length * churn; i++) {
      const k = Math.floor(Math.random() * handles.length);
      slab.free(handles[k]!);
      handles[k] = slab.alloc()!;
      if (i % 3 === 0) {
        const extra = slab.alloc();
        if (extra !== null) handles.push(extra);
      }
    }
    const next = { ...registry.snapshot({ sampleHeap: false }), seq: prev.seq + 1 };
    const delta = encodeDelta(prev, next)!;
    assert.ok(
      delta.length <= keyframeBytes + 512,
      `${churn}: delta ${delta.length} vs keyframe ${keyframeBytes}`,
    );
    assert.deepEqual(applyDelta(roundTrip(prev), delta), roundTrip(next));
    prev = next;
  }
});
