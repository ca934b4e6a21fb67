// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import {
  Arena,
  ArenaPool,
  DiagnosticsRegistry,
  HandleState,
  OwnerRegistry,
  SlabAllocator,
} from "../../mod.ts";

Deno.test("snapshot: handle slab states, owners and per-owner summary", () => {
  const registry = new DiagnosticsRegistry();
  const api = registry.owners.register(":8080", "server");
  const stream = registry.owners.register(":9090", "server");
  const handles = registry.addSlab(
    new SlabAllocator({ name: "handles", slotSize: 1, capacity: 10, kind: "handle" }),
  );
  const a = handles.alloc(api)!;
  const b = handles.alloc(api)!;
  const c = handles.alloc(stream)!;
  handles.alloc(); // no owner, stays Connecting
  handles.setState(a, HandleState.Active);
  handles.setState(b, HandleState.Idle);
  handles.setState(c, HandleState.Closing);
  const [slab] = registry.snapshot().slabs;
  assert.equal(slab!.kind, "handle");
  assert.deepEqual([...slab!.states!], [3, 4, 5, 2, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...slab!.owners!].slice(0, 4), [api, api, stream, 65535]);
  assert.equal(slab!.bitmap, undefined);
  assert.deepEqual(slab!.summary, {
    U: 0,
    N: 1,
    A: 1,
    I: 1,
    C: 1,
    by_owner: {
      "0": { U: 0, N: 0, A: 1, I: 1, C: 0 },
      "1": { U: 0, N: 0, A: 0, I: 0, C: 1 },
    },
  });
  assert.deepEqual([slab!.used, slab!.hwm, slab!.total], [4, 4, 10]);
});

Deno.test("snapshot: plain slabs send a bitmap, and owners only once they have any", () => {
  const registry = new DiagnosticsRegistry();
  const buffers = registry.addSlab(new SlabAllocator({ name: "tcp", slotSize: 64, capacity: 20 }));
  buffers.alloc();
  buffers.alloc();
  let [slab] = registry.snapshot().slabs;
  assert.deepEqual([...slab!.bitmap!], [0b11, 0, 0]);
  assert.equal(slab!.owners, undefined);
  assert.equal(slab!.summary.U, 2);
  const owner = registry.owners.register("worker-1", "worker");
  buffers.alloc(owner);
  [slab] = registry.snapshot().slabs;
  assert.deepEqual([...slab!.owners!].slice(0, 4), [65535, 65535, owner, 65535]);
  assert.deepEqual(slab!.summary.by_owner, { "0": { U: 1, N: 0, A: 0, I: 0, C: 0 } });
});

Deno.test("snapshot: arenas and arena pools, with their totals in bytes", () => {
  const registry = new DiagnosticsRegistry();
  const scratch = registry.addArena(new Arena({ name: "scratch", capacity: 100 }));
  scratch.alloc(90);
  scratch.alloc(50); // fallback
  const pool = registry.addArenaPool(
    new ArenaPool({ name: "stream_arenas", arenaCapacity: 64, count: 4 }),
  );
  pool.acquire()!.alloc(40);
  const snapshot = registry.snapshot();
  assert.deepEqual(snapshot.arenas, [
    {
      name: "scratch",
      used: 90,
      capacity: 100,
      hwm: 90,
      allocations: 2,
      resets: 0,
      overflow: 1,
      overflow_bytes: 50,
    },
    {
      name: "stream_arenas",
      used: 40,
      capacity: 256,
      hwm: 40,
      allocations: 1,
      resets: 0,
      overflow: 0,
      overflow_bytes: 0,
      pool: { count: 4, in_use: 1, arena_capacity: 64 },
    },
  ]);
  assert.equal(snapshot.slabs[0]!.name, "stream_arenas");
  assert.equal(snapshot.slabs[0]!.used, 1);
});

Deno.test("registry: unique names, removal, lookup and slot details", () => {
  const owners = new OwnerRegistry();
  const registry = new DiagnosticsRegistry({ owners });
  assert.equal(registry.owners, owners);
  registry.addSlab(new SlabAllocator({ name: "x", slotSize: 8, capacity: 4 }));
  assert.throws(
    () => registry.addArenaPool(new ArenaPool({ name: "x", arenaCapacity: 8, count: 2 })),
    /Cannot add arena pool "x": a slab with that name is already registered/,
  );
  registry.addArena(new Arena({ name: "x", capacity: 8 })); // arenas have their own names
  assert.equal(registry.slab("x")?.name, "x");
  assert.equal(registry.slab("nope"), undefined);
  const who = owners.register("who", "client");
  registry.slab("x")!.alloc(who);
  assert.deepEqual(
    (({ slab, index, state, owner, ownerName, ownerKind }) => ({
      slab,
      index,
      state,
      owner,
      ownerName,
      ownerKind,
    }))(
      registry.slotDetails("x", 0)!,
    ),
    {
      slab: "x",
      index: 0,
      state: HandleState.Used,
      owner: who,
      ownerName: "who",
      ownerKind: "client",
    },
  );
  assert.equal(registry.slotDetails("nope", 0), undefined);
  assert.throws(() => registry.slotDetails("x", 4), RangeError);
  assert.equal(registry.remove("x"), true);
  assert.equal(registry.remove("x"), false);
  const snapshot = registry.snapshot();
  assert.deepEqual([snapshot.slabs.length, snapshot.arenas.length], [0, 0]);
});

Deno.test("snapshot: sampleHeap false reuses the last heap sample", () => {
  const registry = new DiagnosticsRegistry();
  const first = registry.snapshot();
  const second = registry.snapshot({ sampleHeap: false });
  assert.equal(second.heap, first.heap);
  assert.notEqual(registry.snapshot().heap, first.heap);
});

Deno.test("snapshot: taken while 2 Workers churn, every bitmap is well-formed", async () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "busy", slotSize: 8, capacity: 4096 }));
  const code = `
    import { SlabAllocator } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
    self.onmessage = ({ data }) => {
      const slab = SlabAllocator.attach(data.buffer);
      const stop = new Int32Array(data.stop);
      const held = [];
      while (Atomics.load(stop, 0) === 0) {
        for (let i = 0; i < 500; i++) {
          if (held.length < 1500 && Math.random() < 0.55) { const h = slab.alloc(); if (h !== null) held.push(h); }
          else if (held.length > 0) slab.free(held.splice(Math.floor(Math.random() * held.length), 1)[0]);
        }
      }
      for (const h of held) slab.free(h);
      slab.close();
      self.postMessage("done");
    };`;
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const stop = new SharedArrayBuffer(4);
  const workers = [0, 1].map(() => new Worker(url, { type: "module" }));
  const done = workers.map((w) => new Promise((resolve) => (w.onmessage = resolve)));
  workers.forEach((w) => w.postMessage({ buffer: slab.buffer, stop }));
  while (slab.stats().allocs < 5000) await new Promise((resolve) => setTimeout(resolve, 5));
  const allocsBefore = slab.stats().allocs;
  for (let i = 0; i < 200; i++) {
    const [s] = registry.snapshot({ sampleHeap: false }).slabs;
    assert.equal(s!.bitmap!.length, 512);
    assert.ok(s!.summary.U <= 3000 && s!.used <= 3000);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  Atomics.store(new Int32Array(stop), 0, 1);
  await Promise.all(done);
  workers.forEach((w) => w.terminate());
  URL.revokeObjectURL(url);
  const [s] = registry.snapshot().slabs;
  assert.equal(s!.used, 0);
  assert.ok(s!.bitmap!.every((b) => b === 0));
  assert.ok(s!.allocs > allocsBefore, "the Workers kept allocating while snapshots were taken");
  assert.deepEqual(slab.verify(), { ok: true, errors: [] });
});

Deno.test("snapshot: used, the slot words and the summary agree while a Worker churns the slab", async () => {
  const registry = new DiagnosticsRegistry();
  const plain = registry.addSlab(new SlabAllocator({ name: "p", slotSize: 8, capacity: 65_536 }));
  const handles = registry.addSlab(
    new SlabAllocator({ name: "h", slotSize: 8, capacity: 65_536, kind: "handle" }),
  );
  const stop = new Int32Array(new SharedArrayBuffer(8)); // [0] stop, [1] started
  const code = `
    import { SlabAllocator } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
    self.onmessage = ({ data }) => {
      const slabs = data.slabs.map((b) => SlabAllocator.attach(b));
      const stop = new Int32Array(data.stop);
      const held = slabs.map(() => []);
      let random = 1;
      for (let i = 0; Atomics.load(stop, 0) === 0; i++) {
        random = (Math.imul(random, 1664525) + 1013904223) >>> 0;
        const k = i & 1, slab = slabs[k], mine = held[k];
        if (mine.length < 3000 && random % 8 < 5) mine.push(slab.alloc());
        else if (mine.length > 0) {
          const j = random % mine.length;
          slab.free(mine[j]);
          mine[j] = mine[mine.length - 1];
          mine.pop();
        }
        if ((i & 1023) === 0) Atomics.add(stop, 1, 1);
      }
      self.postMessage("done");
    };`;
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  const done = new Promise((resolve) => (worker.onmessage = resolve));
  worker.postMessage({ slabs: [plain.buffer, handles.buffer], stop: stop.buffer });
  // Wait until the Worker runs warm (about 200,000 operations).
  while (Atomics.load(stop, 1) < 200) await new Promise((r) => setTimeout(r, 1));
  let moving = 0;
  let rounds = 0;
  try {
    // At least 300 snapshots, and on until 20 of them saw the Worker move
    // (how often it runs during one depends on the machine's load).
    for (let round = 0; round < 300 || (moving < 20 && round < 20_000); round++, rounds++) {
      const before = plain.stats().allocs + handles.stats().allocs;
      const [p, h] = registry.snapshot({ sampleHeap: false }).slabs;
      if (plain.stats().allocs + handles.stats().allocs !== before) moving++;
      let bits = 0;
      for (const byte of p!.bitmap!) for (let b = byte; b !== 0; b &= b - 1) bits++;
      assert.equal(p!.used, bits, `round ${round}: plain used vs bitmap`);
      assert.equal(p!.summary.U, bits);
      assert.ok(p!.hwm >= p!.used);
      const live = h!.states!.reduce((n, s) => n + (s === 0 ? 0 : 1), 0);
      const summary = h!.summary;
      assert.equal(h!.used, live, `round ${round}: handle used vs states`);
      assert.equal(summary.U + summary.N + summary.A + summary.I + summary.C, live);
      assert.ok(h!.hwm >= h!.used);
    }
  } finally {
    Atomics.store(stop, 0, 1);
    await done;
    worker.terminate();
    URL.revokeObjectURL(url);
  }
  assert.ok(moving >= 20, `the slabs moved during ${moving} of ${rounds} snapshots`);
});
