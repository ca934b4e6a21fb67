// Copyright 2026 the slabscope authors. MIT license.
// The diff of two moments: differing cells, and allocations, frees and
// state changes per owner, counted tick by tick over real encoded events.
import assert from "node:assert/strict";
import { diffMoments } from "../../client/moment_diff.ts";
import type { RecordingEvent } from "../../core/stream/recording_format.ts";
import { RecordingStates } from "../../core/stream/recording_states.ts";
import { DiagnosticsRegistry, HandleState, type MemorySnapshot, SlabAllocator } from "../../mod.ts";
import { encodeDelta, encodeKeyframe } from "../../wire.ts";

/** Records a registry tick by tick: a keyframe, then one delta per `tick()`. */
function recorder(registry: DiagnosticsRegistry) {
  let state: MemorySnapshot = { ...registry.snapshot({ sampleHeap: false }), seq: 1 };
  const events: RecordingEvent[] = [{
    event: "diagnostics",
    seq: 1,
    base: 1,
    ts: state.ts,
    line: 2,
    data: JSON.parse(encodeKeyframe(state)),
  }];
  return {
    events,
    tick() {
      const next = { ...registry.snapshot({ sampleHeap: false }), seq: state.seq + 1 };
      next.ts = Math.max(next.ts, state.ts);
      const delta = encodeDelta(state, next);
      events.push({
        event: "diagnostics-delta",
        seq: next.seq,
        base: state.seq,
        ts: next.ts,
        line: events.length + 2,
        data: JSON.parse(
          delta ?? JSON.stringify({ v: 1, seq: next.seq, base: state.seq, ts: next.ts }),
        ),
      });
      state = next;
      return next.seq;
    },
  };
}

Deno.test("diffMoments: per owner, every allocation, free and state change seen tick by tick", async () => {
  const registry = new DiagnosticsRegistry();
  const a = registry.owners.register("a", "server");
  const b = registry.owners.register("b", "client");
  const conns = registry.addSlab(
    new SlabAllocator({ name: "conns", slotSize: 1, capacity: 16, kind: "handle" }),
  );
  const objects = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 8, capacity: 64 }),
  );
  const r = recorder(registry);
  const of = (owner: number, n: number) => Array.from({ length: n }, () => conns.alloc(owner)!);
  const heldA = of(a, 3);
  const heldB = of(b, 2);
  const plain = [objects.alloc()!, objects.alloc()!];
  const one = r.tick();
  conns.setState(heldA[0]!, HandleState.Active);
  conns.free(heldB.pop()!);
  objects.free(plain.pop()!);
  r.tick();
  conns.free(heldA.pop()!);
  heldB.push(conns.alloc(b)!); // the slot just freed by b (the free list is LIFO)? either way one more
  const three = r.tick();

  const states = new RecordingStates(r.events);
  const diff = await diffMoments(states, three, 1); // either order
  assert.deepEqual([diff.from.seq, diff.to.seq, diff.ticks], [1, three, 3]);
  const slab = diff.slabs.find((s) => s.name === "conns")!;
  const byOwner = Object.fromEntries(slab.owners.map((o) => [diff.ownerMap[o.owner], o]));
  assert.deepEqual(byOwner.a, { owner: a, allocs: 3, frees: 1, changes: 1 });
  assert.deepEqual(byOwner.b, { owner: b, allocs: 3, frees: 1, changes: 0 });
  // Cells that differ: what is held at the end (nothing was held at the start).
  assert.equal(slab.cells.length, 4);
  for (const cell of slab.cells) assert.notEqual(states.stateAt(three).slabs[0]!.states![cell], 0);
  assert.deepEqual(slab.counted, { allocs: 6, frees: 2 });
  // A plain slab without owners counts under "no owner".
  const objectsDiff = diff.slabs.find((s) => s.name === "objects")!;
  assert.deepEqual(objectsDiff.owners, [{ owner: -1, allocs: 2, frees: 1, changes: 0 }]);
  assert.equal(objectsDiff.cells.length, 1);
  // From the first tick on, the first allocations are not in the window.
  const later = await diffMoments(states, one, three);
  const laterA = later.slabs[0]!.owners.find((o) => o.owner === a)!;
  assert.deepEqual(laterA, { owner: a, allocs: 0, frees: 1, changes: 1 });
});

Deno.test("diffMoments: the same moment twice differs in nothing; it yields while it walks", async () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 4096 }));
  const r = recorder(registry);
  const held: number[] = [];
  for (let t = 0; t < 200; t++) {
    for (let i = 0; i < 20; i++) held.push(slab.alloc()!);
    for (let i = 0; i < 10; i++) slab.free(held.splice((i * 7919) % held.length, 1)[0]!);
    r.tick();
  }
  const states = new RecordingStates(r.events);
  const same = await diffMoments(states, 50, 50);
  assert.equal(same.slabs[0]!.cells.length, 0);
  assert.equal(same.ticks, 0);
  const progress: number[] = [];
  const whole = await diffMoments(states, 1, 201, {
    slice: 0,
    onProgress: (p) => progress.push(p),
  });
  assert.ok(progress.length > 10, `${progress.length} yields`);
  assert.equal(progress.at(-1), 1);
  assert.equal(whole.slabs[0]!.cells.length, 2000); // 200 × (20 − 10) slots held at the end
  // A slot taken and freed within one tick is never seen; the counters see it.
  const [none] = whole.slabs[0]!.owners;
  assert.equal(none!.owner, -1);
  assert.equal(none!.allocs - none!.frees, 2000);
  assert.ok(none!.allocs <= 4000 && none!.allocs > 3500, `${none!.allocs} seen`);
  assert.deepEqual(whole.slabs[0]!.counted, { allocs: 4000, frees: 2000 });
  const abort = new AbortController();
  abort.abort(new Error("stop"));
  await assert.rejects(diffMoments(states, 1, 201, { slice: 0, signal: abort.signal }), /stop/);
});
