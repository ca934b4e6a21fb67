// Copyright 2026 the slabscope authors. MIT license.
// Cycled slots, property-tested: whatever operations run between two
// snapshots, the cells a dashboard flashes (the slots whose letter or owner
// changed, plus the delta's `cycled`) are exactly the slots touched.
import assert from "node:assert/strict";
import fc from "fast-check";
import { applyDeltaTransition, decodeKeyframe, encodeDelta, encodeKeyframe } from "../../wire.ts";
import {
  DiagnosticsRegistry,
  HandleState,
  type MemorySnapshot,
  SlabAllocator,
  type SlabSnapshot,
} from "../../mod.ts";

type Op =
  | { op: "alloc"; slab: number; owner: number | null; state: number | null; js: boolean }
  | { op: "free"; slab: number; pick: number; js: boolean }
  | { op: "state"; slab: number; pick: number; state: number; owner: number | null; js: boolean };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("alloc" as const),
      slab: fc.nat(2),
      owner: fc.option(fc.nat(2)),
      state: fc.option(fc.integer({ min: 2, max: 5 })),
      js: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("free" as const),
      slab: fc.nat(2),
      pick: fc.nat(),
      js: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("state" as const),
      slab: fc.nat(2),
      pick: fc.nat(),
      state: fc.integer({ min: 2, max: 5 }),
      owner: fc.option(fc.nat(2)),
      js: fc.boolean(),
    }),
  },
);

/** One slab under test, with the instances that work on it and the live handles. */
interface Subject {
  slab: SlabAllocator;
  js: SlabAllocator;
  /** Which operations it takes: a plain slab without owners only allocates and frees. */
  flavour: "plain" | "owned" | "handle";
  handles: number[];
}

function world(cache: number) {
  const registry = new DiagnosticsRegistry();
  const owners = [0, 1, 2].map((i) => registry.owners.register(`o${i}`, "worker"));
  const make = (name: string, kind: "plain" | "handle", flavour: Subject["flavour"]) => {
    const slab = registry.addSlab(
      new SlabAllocator({ name, slotSize: 4, capacity: 97, kind, cache }),
    );
    const subject: Subject = { slab, js: SlabAllocator.attach(slab.buffer), flavour, handles: [] };
    // A plain slab records owners once any slot had one.
    if (flavour === "owned") subject.handles.push(slab.alloc(owners[0])!);
    for (let i = 0; i < 30; i++) subject.handles.push(slab.alloc()!);
    return subject;
  };
  const subjects = [
    make("plain", "plain", "plain"),
    make("owned", "plain", "owned"),
    make("conns", "handle", "handle"),
  ];
  return { registry, owners, subjects };
}

/** Plays `op` on `s` and returns the slot it touched, or -1. */
function play(s: Subject, op: Op, owners: number[]): number {
  const who = op.js ? s.js : s.slab;
  const owner = "owner" in op && op.owner !== null ? owners[op.owner] : undefined;
  switch (op.op) {
    case "alloc": {
      const state = s.flavour === "handle" && op.state !== null ? op.state : undefined;
      const handle = who.alloc(s.flavour === "plain" ? undefined : owner, state as HandleState);
      if (handle === null) return -1;
      s.handles.push(handle);
      return s.slab.indexOf(handle);
    }
    case "free": {
      if (s.handles.length === 0) return -1;
      const [handle] = s.handles.splice(op.pick % s.handles.length, 1);
      const index = s.slab.indexOf(handle!);
      who.free(handle!);
      return index;
    }
    case "state": {
      if (s.handles.length === 0 || s.flavour === "plain") return -1;
      const handle = s.handles[op.pick % s.handles.length]!;
      const state = s.flavour === "handle" ? op.state : HandleState.Used;
      who.setState(handle, state as HandleState, owner);
      return s.slab.indexOf(handle);
    }
  }
}

/** The wire state code of slot `i` (K = 6 for a cached slot of a plain slab). */
function stateAt(slab: SlabSnapshot, i: number): number {
  if (slab.states !== undefined) return slab.states[i]!;
  if (((slab.bitmap![i >> 3]! >> (i & 7)) & 1) === 1) return 1;
  return slab.cached_slots?.includes(i) ? 6 : 0;
}

/** The slots whose letter or owner differ between two states of a slab. */
function changed(a: SlabSnapshot, b: SlabSnapshot): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < b.total; i++) {
    if (stateAt(a, i) !== stateAt(b, i) || (a.owners?.[i] ?? -1) !== (b.owners?.[i] ?? -1)) {
      out.add(i);
    }
  }
  return out;
}

/** Resolves once `Date.now()` passed `ms` and a new task runs (slabs read their clock per task). */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 1));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

const sorted = (values: Iterable<number>) => [...values].sort((a, b) => a - b);

async function checkRounds(cache: number, rounds: Op[][]): Promise<void> {
  const { registry, owners, subjects } = world(cache);
  let server: MemorySnapshot = { ...registry.snapshot({ sampleHeap: false }), seq: 1 };
  let client = decodeKeyframe(encodeKeyframe(server));
  for (const ops of rounds) {
    await clockPast(server.ts);
    const touched = new Map(subjects.map((s) => [s.slab.name, new Set<number>()]));
    for (const op of ops) {
      const s = subjects[op.slab]!;
      const index = play(s, op, owners);
      if (index >= 0) touched.get(s.slab.name)!.add(index);
    }
    const next = { ...registry.snapshot({ sampleHeap: false }), seq: server.seq + 1 };
    const delta = encodeDelta(server, next);
    const { state, cycled } = delta === null
      ? { state: client, cycled: new Map<string, Uint32Array>() }
      : applyDeltaTransition(client, delta);
    for (const s of subjects) {
      const name = s.slab.name;
      const before = client.slabs.find((slab) => slab.name === name)!;
      const after = state.slabs.find((slab) => slab.name === name)!;
      const visible = changed(before, after);
      const flashed = new Set([...visible, ...(cycled.get(name) ?? [])]);
      const expected = touched.get(name)!;
      if (cache === 0) {
        assert.deepEqual(sorted(flashed), sorted(expected), `${name}: flashed = touched`);
      } else {
        // Caches move untouched slots between the shared list and a cache
        // (F ↔ K): those flash because their letter changed, nothing else.
        for (const i of expected) assert.ok(flashed.has(i), `${name}: touched slot ${i} flashed`);
        for (const i of flashed) {
          if (expected.has(i)) continue;
          const moved = [stateAt(before, i), stateAt(after, i)].sort().join();
          assert.equal(moved, "0,6", `${name}: slot ${i} flashed untouched, not a cache move`);
        }
      }
    }
    if (delta !== null) {
      client = state;
      server = next;
    }
  }
}

const roundsArbitrary = fc.array(fc.array(opArbitrary, { maxLength: 60 }), {
  minLength: 1,
  maxLength: 4,
});

Deno.test("property: between two snapshots, the flashed cells are exactly the slots touched", async () => {
  await fc.assert(
    fc.asyncProperty(roundsArbitrary, (rounds) => checkRounds(0, rounds)),
    { numRuns: 150 },
  );
});

Deno.test("property: with caches, every touched slot flashes, and otherwise only cache moves", async () => {
  await fc.assert(
    fc.asyncProperty(roundsArbitrary, (rounds) => checkRounds(8, rounds)),
    { numRuns: 60 },
  );
});
