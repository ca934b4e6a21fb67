// Copyright 2026 the slabscope authors. MIT license.
// The open-handle list of snapshots: the oldest open handles of every handle
// slab, bounded, labelled, and checked by the strict decoder.
import assert from "node:assert/strict";
import { applyDelta, decodeKeyframe, encodeDelta, encodeKeyframe } from "../../wire.ts";
import { holdClock } from "../../core/allocator/coarse_clock.ts";
import { labelsOf, PATH_LIMIT } from "../../core/diagnostics/handle_labels.ts";
import { DiagnosticsRegistry, HandleState, type MemorySnapshot, SlabAllocator } from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** Resolves once `Date.now()` passed `ms` and a new task runs (slabs read their clock per task). */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 1));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

const snap = (registry: DiagnosticsRegistry, seq: number): MemorySnapshot => ({
  ...registry.snapshot({ sampleHeap: false }),
  seq,
});

Deno.test("open handles: the oldest first across handle slabs, at most openHandles, and how many are open", async () => {
  const registry = new DiagnosticsRegistry({ openHandles: 3 });
  const api = registry.owners.register("api", "server");
  const plain = registry.addSlab(new SlabAllocator({ name: "p", slotSize: 8, capacity: 8 }));
  const a = registry.addSlab(
    new SlabAllocator({ name: "a", slotSize: 1, capacity: 8, kind: "handle" }),
  );
  const b = registry.addSlab(
    new SlabAllocator({ name: "b", slotSize: 1, capacity: 8, kind: "handle" }),
  );
  plain.alloc(); // plain slabs hold no handles
  const first = b.alloc(api)!; // b:0, the oldest
  registry.snapshot(); // seen open now
  await clockPast(Date.now());
  const second = a.alloc(undefined, HandleState.Active)!; // a:0
  const third = a.alloc(api)!; // a:1, opened in the same ms as a:0
  b.alloc(api); // b:1, the same ms too
  registry.snapshot();
  await clockPast(Date.now());
  a.alloc(); // a:2, the youngest: not listed
  a.setState(second, HandleState.Idle); // a state change keeps its age
  const snapshot = snap(registry, 1);
  const list = snapshot.open_handles!;
  assert.equal(list.limit, 3);
  assert.equal(list.count, 5);
  assert.deepEqual(list.oldest.map((e) => `${e.slab}:${e.slot}`), ["b:0", "a:0", "a:1"]);
  const [oldest, idle, connecting] = list.oldest;
  assert.deepEqual(
    [oldest!.state, oldest!.owner, idle!.state, idle!.owner, connecting!.state, connecting!.owner],
    ["N", api, "I", null, "N", api],
  );
  assert.ok(oldest!.opened < idle!.opened, "b:0 was opened a collection before a:0");
  assert.equal(idle!.opened, connecting!.opened, "a:0 and a:1 opened in the same ms");
  assert.ok(idle!.since > idle!.opened, "a:0 went Idle later");
  assert.ok(idle!.since <= snapshot.ts);
  assert.deepEqual(decodeKeyframe(encodeKeyframe(snapshot)), snapshot);
  // The oldest closes: the next oldest moves up, and the delta says only that.
  b.free(first);
  void third;
  const next = snap(registry, 2);
  assert.deepEqual(next.open_handles!.oldest.map((e) => `${e.slab}:${e.slot}`), [
    "a:0",
    "a:1",
    "b:1",
  ]);
  const delta = JSON.parse(encodeDelta(snapshot, next)!);
  assert.deepEqual(delta.open_handles.drop, [["b", 0]]);
  assert.deepEqual(delta.open_handles.set.map((e: Json) => `${e.slab}:${e.slot}`), ["b:1"]);
  assert.equal(delta.open_handles.count, 4);
  assert.deepEqual(applyDelta(decodeKeyframe(encodeKeyframe(snapshot)), delta), next);
});

Deno.test("open handles: a request's method and path, a fetch's method and origin; a slot's next handle has no label", () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "h", slotSize: 1, capacity: 4, kind: "handle" }),
  );
  const labels = labelsOf(slab);
  const served = slab.alloc()!;
  const long = `/files/${"x".repeat(100)}`;
  labels.setRequest(served, new Request(`http://127.0.0.1:8000${long}?token=secret#top`));
  const query = slab.alloc()!;
  labels.setRequest(query, new Request("http://127.0.0.1:8000/search?q=secret", { method: "PUT" }));
  const made = slab.alloc()!;
  labels.setFetch(made, "post", "https://api.example.com");
  const custom = slab.alloc()!;
  labels.setFetch(custom, "Report", "https://api.example.com");
  const oldest = registry.snapshot().open_handles!.oldest;
  assert.deepEqual(oldest.map(({ method, path, origin }) => ({ method, path, origin })), [
    { method: "GET", path: `${long.slice(0, PATH_LIMIT - 1)}…`, origin: undefined },
    { method: "PUT", path: "/search", origin: undefined },
    { method: "POST", path: undefined, origin: "https://api.example.com" },
    { method: "Report", path: undefined, origin: "https://api.example.com" },
  ]);
  assert.equal(oldest[0]!.path!.length, PATH_LIMIT);
  assert.ok(!JSON.stringify(oldest).includes("secret"), "queries never travel");
  // Freed without clearing its label, the slot's next handle is unlabelled.
  const slot = slab.indexOf(served);
  slab.free(served);
  assert.equal(slab.indexOf(slab.alloc()!), slot, "the slot is reused");
  const entry = registry.snapshot().open_handles!.oldest.find((e) => e.slot === slot)!;
  assert.deepEqual([entry.method, entry.path], [undefined, undefined]);
  labels.clear(made);
  const cleared = registry.snapshot().open_handles!.oldest.find((e) => e.slot === 2)!;
  assert.equal(cleared.method, undefined);
});

Deno.test("open handles: an idle registry keeps its list object; 0 lists none; bad limits are a RangeError", () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "h", slotSize: 1, capacity: 4, kind: "handle" }),
  );
  slab.alloc();
  const a = registry.snapshot({ sampleHeap: false });
  const b = registry.snapshot({ sampleHeap: false });
  assert.equal(b.open_handles, a.open_handles, "the same object: no delta to send");
  assert.equal(encodeDelta({ ...a, seq: 1 }, { ...b, seq: 2 }), null);
  slab.alloc();
  assert.notEqual(registry.snapshot().open_handles, a.open_handles);
  const none = new DiagnosticsRegistry({ openHandles: 0 });
  none.addSlab(new SlabAllocator({ name: "h", slotSize: 1, capacity: 4, kind: "handle" })).alloc();
  assert.equal(none.snapshot().open_handles, undefined);
  for (const bad of [-1, 1001, 2.5, NaN, "5"]) {
    assert.throws(
      () => new DiagnosticsRegistry({ openHandles: bad as number }),
      RangeError,
      String(bad),
    );
  }
  assert.throws(
    () => new DiagnosticsRegistry({ openHandles: 1001 }),
    /openHandles must be an integer from 0 to 1000, received 1001/,
  );
});

/** A keyframe with two open handles (h:0 Active with an owner and a label, h:1 Connecting). */
function world() {
  const registry = new DiagnosticsRegistry({ openHandles: 4 });
  const owner = registry.owners.register("api", "server");
  const slab = registry.addSlab(
    new SlabAllocator({ name: "h", slotSize: 1, capacity: 8, kind: "handle" }),
  );
  registry.addSlab(new SlabAllocator({ name: "p", slotSize: 8, capacity: 8 }));
  const active = slab.alloc(owner, HandleState.Active)!;
  labelsOf(slab).setRequest(active, new Request("http://127.0.0.1/x"));
  const connecting = slab.alloc()!;
  const snapshot = snap(registry, 1);
  const keyframe = JSON.parse(encodeKeyframe(snapshot));
  return { registry, slab, owner, connecting, snapshot, keyframe };
}

function rejects(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: Error) => {
    assert.ok(error instanceof SyntaxError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("strict: the open-handle list agrees with the slots, is in order and as long as it must be", () => {
  const { keyframe } = world();
  assert.deepEqual(keyframe.open_handles.oldest[0], {
    slab: "h",
    slot: 0,
    state: "A",
    owner: 0,
    since: keyframe.open_handles.oldest[0].since,
    opened: keyframe.open_handles.oldest[0].opened,
    method: "GET",
    path: "/x",
  });
  const decode = (mutate: (k: Json) => void) => () => {
    const k = structuredClone(keyframe);
    mutate(k);
    return decodeKeyframe(JSON.stringify(k));
  };
  const list = "keyframe\\.open_handles";
  for (
    const [mutate, message] of [
      [(k: Json) => (k.open_handles.count = 3), /count: 3, the handle slabs hold 2 open/],
      [(k: Json) => k.open_handles.oldest.pop(), /oldest: 1 entries, expected 2/],
      [(k: Json) => (k.open_handles.limit = 0), /limit: expected 1 to 1000, received 0/],
      [
        (k: Json) => (k.open_handles.oldest[1].state = "A"),
        /oldest\[1\]\.state: A, the slot holds N/,
      ],
      [
        (k: Json) => (k.open_handles.oldest[1].state = "F"),
        /oldest\[1\]\.state: expected N, A, I or C/,
      ],
      [
        (k: Json) => (k.open_handles.oldest[0].owner = null),
        /oldest\[0\]\.owner: null, the slot's owner is 0/,
      ],
      [
        (k: Json) => (k.open_handles.oldest[0].slab = "p"),
        /oldest\[0\]\.slab: "p" is not a handle slab/,
      ],
      [(k: Json) => (k.open_handles.oldest[1].slot = 9), /oldest\[1\]\.slot: 9 is not below/],
      [(k: Json) => k.open_handles.oldest.reverse(), /oldest\[1\]: out of order/],
      [
        (k: Json) => (k.open_handles.oldest[0].origin = "https://x"),
        /oldest\[0\]\.origin: .*not both/,
      ],
      [(k: Json) => delete k.open_handles.oldest[0].path, /oldest\[0\]\.method: comes with a path/],
      [(k: Json) => (k.open_handles.oldest[0].path = ""), /oldest\[0\]\.path: expected 1 to 80/],
      [(k: Json) => (k.open_handles.oldest[0].user = "x"), /oldest\[0\]\.user: not a field/],
    ] as const
  ) {
    rejects(decode(mutate), new RegExp(`${list}\\.${message.source}`));
  }
});

Deno.test("strict: a patch of the open-handle list drops and sets entries it has, once", () => {
  const { registry, slab, connecting, snapshot } = world();
  const state = decodeKeyframe(encodeKeyframe(snapshot));
  slab.free(slab.alloc()!); // nothing listed changes…
  slab.setState(connecting, HandleState.Active); // …but h:1 goes Active
  const delta = JSON.parse(encodeDelta(snapshot, snap(registry, 2))!);
  assert.deepEqual(delta.open_handles.set.map((e: Json) => [e.slot, e.state]), [[1, "A"]]);
  assert.doesNotThrow(() => applyDelta(state, delta));
  const patched = (mutate: (d: Json) => void) => () => {
    const d = structuredClone(delta);
    mutate(d);
    return applyDelta(state, d);
  };
  rejects(
    patched((d) => (d.open_handles.drop = [["h", 5]])),
    /delta\.open_handles\.drop\[0\]: names no entry of the list/,
  );
  rejects(
    patched((d) => (d.open_handles.drop = [["h", 1]])),
    /delta\.open_handles\.set\[0\]: sets an entry the patch drops/,
  );
  rejects(
    patched((d) => d.open_handles.set.push(d.open_handles.set[0])),
    /delta\.open_handles\.set\[1\]: sets an entry twice/,
  );
  rejects(
    patched((d) => delete d.open_handles),
    /delta\.open_handles\.oldest\[1\]\.state: N, the slot holds A/,
  );
  const stateless = { ...state };
  delete stateless.open_handles;
  rejects(
    () => applyDelta(stateless, delta),
    /delta\.open_handles: the first list of a state that had none gives its limit and count/,
  );
});

Deno.test("property: the list kept up to date from the touched slots equals one read from every slot", async () => {
  const fc = (await import("fast-check")).default;
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          slab: fc.nat(1),
          op: fc.constantFrom("alloc", "free", "closeOldest", "state", "wait"),
          pick: fc.nat(),
          state: fc.integer({ min: 2, max: 5 }),
          times: fc.integer({ min: 1, max: 80 }),
        }),
        { maxLength: 60 },
      ),
      fc.integer({ min: 1, max: 4 }),
      async (ops, limit) => {
        const registry = new DiagnosticsRegistry({ openHandles: limit });
        const slabs = ["a", "b"].map((name) =>
          registry.addSlab(
            new SlabAllocator({ name, slotSize: 1, capacity: 300, kind: "handle" }),
          )
        );
        const held: number[][] = [[], []];
        const check = () => {
          const kept = registry.snapshot({ sampleHeap: false }).open_handles;
          // A new registry over the same slabs reads every slot.
          const fresh = new DiagnosticsRegistry({ openHandles: limit });
          for (const slab of slabs) fresh.addSlab(slab);
          assert.deepEqual(kept, fresh.snapshot({ sampleHeap: false }).open_handles);
        };
        for (const op of ops) {
          const slab = slabs[op.slab]!;
          const mine = held[op.slab]!;
          for (let i = 0; i < op.times; i++) {
            if (op.op === "alloc") {
              const h = slab.alloc();
              if (h !== null) mine.push(h);
            } else if (op.op === "closeOldest" && mine.length > 0) {
              slab.free(mine.shift()!); // the oldest first: the list's own entries
            } else if (op.op === "free" && mine.length > 0) {
              slab.free(mine.splice((op.pick + i) % mine.length, 1)[0]!);
            } else if (op.op === "state" && mine.length > 0) {
              slab.setState(mine[(op.pick + i) % mine.length]!, op.state as HandleState);
            }
          }
          if (op.op === "wait") await clockPast(Date.now());
          check();
        }
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("open handles: when the oldest keep closing first, the list stays exact tick after tick without reading every slot", async () => {
  // Requests that end in the order they came: every tick closes the oldest
  // handles, more of them than the list keeps in reserve.
  const registry = new DiagnosticsRegistry({ openHandles: 5 });
  const slab = registry.addSlab(
    new SlabAllocator({ name: "fifo", slotSize: 1, capacity: 3000, kind: "handle" }),
  );
  const held: number[] = [];
  for (let i = 0; i < 1500; i++) held.push(slab.alloc()!);
  let random = 3;
  const next = () => (random = (Math.imul(random, 1664525) + 1013904223) >>> 0);
  for (let tick = 0; tick < 40; tick++) {
    for (let i = 0; i < 90; i++) slab.free(held.shift()!); // the oldest first
    for (let i = 0; i < 8; i++) slab.free(held.splice(next() % held.length, 1)[0]!);
    for (let i = 0; i < 5; i++) {
      slab.setState(held[next() % held.length]!, (2 + (next() % 4)) as HandleState);
    }
    for (let i = 0; i < 98; i++) held.push(slab.alloc()!);
    if (tick % 10 === 3) await clockPast(Date.now()); // a batch a millisecond later
    const kept = registry.snapshot({ sampleHeap: false }).open_handles!;
    const fresh = new DiagnosticsRegistry({ openHandles: 5 });
    fresh.addSlab(slab);
    assert.deepEqual(kept, fresh.snapshot({ sampleHeap: false }).open_handles, `tick ${tick}`);
    assert.equal(kept.count, held.length);
  }
});

Deno.test("open handles: a slab made while a server holds the clock dates its handles now, not 49.7 days ahead", async () => {
  const release = holdClock(); // as instrumentServer() does while a server runs
  try {
    await new Promise((resolve) => setTimeout(resolve, 5)); // the held reading is older than the slab
    const registry = new DiagnosticsRegistry();
    const slab = registry.addSlab(
      new SlabAllocator({ name: "h", slotSize: 1, capacity: 4, kind: "handle" }),
    );
    slab.alloc();
    const { ts, open_handles } = registry.snapshot({ sampleHeap: false });
    const [entry] = open_handles!.oldest;
    assert.ok(
      entry!.since <= ts && entry!.since > ts - 1000,
      `since ${entry!.since - ts} ms from ts`,
    );
    assert.equal(entry!.opened, entry!.since);
  } finally {
    release();
  }
});
