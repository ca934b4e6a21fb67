// Copyright 2026 the slabscope authors. MIT license.
// Defects an outside review found in the allocator: each test replays one.
import assert from "node:assert/strict";
import { Arena, ArenaPool, HandleError, HandleState, SlabAllocator } from "../../mod.ts";
import {
  attachJavaScriptCoreForTesting,
  configureSlabForTesting,
  slabViews,
} from "../../core/allocator/slab.ts";
import { L_ALLOCS, LANE_WORDS } from "../../core/allocator/slab_layout.ts";

Deno.test("a setState() that loses the race to free() never puts its owner on the next allocation", () => {
  // The hook sits in the JavaScript core (an instance attached over the
  // buffer alone); B runs the WebAssembly core. Both keep the promise.
  const b = new SlabAllocator({ name: "late", slotSize: 1, capacity: 1, kind: "handle" });
  const a = attachJavaScriptCoreForTesting(b.buffer);
  const first = a.alloc()!;
  let next = -1;
  // A wins its slot-word CAS, then sleeps; B frees the handle and allocates
  // the slot again without an owner before A records owner 7.
  configureSlabForTesting(a, {
    onSetStateRace: () => {
      b.free(first);
      next = b.alloc()!;
    },
  });
  a.setState(first, HandleState.Active, 7);
  assert.notEqual(next, -1);
  const info = a.slotInfo(0);
  assert.equal(info.state, HandleState.Connecting, "the new allocation's state");
  assert.equal(info.owner, null, "the new allocation has no owner");
  // And its time is the allocation's, not a stale one: the meta word was
  // written last by B's alloc().
  assert.ok(Math.abs(info.since - Date.now()) < 1000);
  b.free(next);
  assert.deepEqual(a.verify(), { ok: true, errors: [] });
});

for (const core of ["WebAssembly", "JavaScript"] as const) {
  Deno.test(`two Workers (${core} core): a late setState(h, Active, 7) never shows up on a handle it was not given`, async () => {
    const slab = new SlabAllocator({ name: "race", slotSize: 1, capacity: 1, kind: "handle" });
    const cell = new Int32Array(new SharedArrayBuffer(12)); // [0] current handle, [1] stop, [2] ready
    cell[0] = -1;
    const code = `
    import { SlabAllocator, HandleState } from ${
      JSON.stringify(new URL("../../mod.ts", import.meta.url).href)
    };
    self.onmessage = ({ data }) => {
      const slab = SlabAllocator.attach(data.slab);
      const cell = new Int32Array(data.cell);
      Atomics.add(cell, 2, 1);
      let accepted = 0;
      while (Atomics.load(cell, 1) === 0) {
        const h = Atomics.load(cell, 0);
        if (h < 0) continue;
        try { slab.setState(h, HandleState.Active, 7); accepted++; } catch { /* stale */ }
      }
      self.postMessage(accepted);
    };`;
    const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
    const worker = new Worker(url, { type: "module" });
    const done = new Promise<number>((resolve) => (worker.onmessage = (e) => resolve(e.data)));
    worker.postMessage({
      slab: core === "WebAssembly" ? slab.memory : slab.buffer,
      cell: cell.buffer,
    });
    while (Atomics.load(cell, 2) === 0) await new Promise((r) => setTimeout(r, 1));
    let wrong = 0;
    for (let i = 0; i < 200_000; i++) {
      const h = slab.alloc()!;
      // Not yet published: no setState() may have been given this handle.
      if (slab.slotInfo(0).owner !== null) wrong++;
      Atomics.store(cell, 0, h);
      for (let spin = 0; spin < 20; spin++) Atomics.load(cell, 1);
      Atomics.store(cell, 0, -1);
      slab.free(h);
    }
    Atomics.store(cell, 1, 1);
    const accepted = await done;
    worker.terminate();
    URL.revokeObjectURL(url);
    assert.ok(accepted > 0, "the other Worker's setState() calls did get through");
    assert.equal(wrong, 0, `${wrong} fresh allocations carried the other Worker's owner`);
    assert.deepEqual(slab.verify(), { ok: true, errors: [] });
  });
}

Deno.test("ArenaPool: a second release of an arena after the pool handed it to someone else is refused", () => {
  const pool = new ArenaPool({ name: "p", arenaCapacity: 64, count: 1 });
  const first = pool.acquire()!;
  pool.release(first);
  const second = pool.acquire()!;
  second.alloc(8).fill(0xbb);
  assert.throws(
    () => pool.release(first),
    (e: unknown) => e instanceof RangeError && /not acquired from this pool/.test(e.message),
  );
  assert.equal(pool.stats().inUse, 1, "the slot stays taken");
  assert.equal(pool.acquire(), null, "and is not handed to a third user");
  assert.equal(second.stats().used, 8);
  assert.throws(() => first.alloc(1), /released/, "the stale arena cannot write into the slot");
  assert.throws(() => first.reset(), /released/, "nor zero it");
  pool.release(second);
  assert.equal(pool.stats().inUse, 0);
});

Deno.test("ArenaPool: totals survive across acquisitions", () => {
  const pool = new ArenaPool({ name: "t", arenaCapacity: 64, count: 2 });
  const a = pool.acquire()!;
  a.alloc(40);
  a.alloc(100); // fallback
  pool.release(a);
  const b = pool.acquire()!;
  b.alloc(8);
  const s = pool.stats();
  assert.deepEqual(
    [s.used, s.hwm, s.allocations, s.resets, s.overflowFallbacks, s.overflowBytes],
    [8, 40, 3, 1, 1, 100],
  );
});

Deno.test("ArenaPool option errors speak of the pool's own options", () => {
  assert.throws(
    () => new ArenaPool({ name: "p", arenaCapacity: 0, count: 1 }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        'Cannot create arena pool "p": arenaCapacity must be an integer from 1 to 16777216, received 0',
  );
  assert.throws(
    () => new ArenaPool({ name: "p", arenaCapacity: 8, count: 1.5 }),
    (e: unknown) =>
      e instanceof RangeError &&
      e.message ===
        'Cannot create arena pool "p": count must be an integer from 1 to 4194304, received 1.5',
  );
  assert.throws(
    () => new ArenaPool({ name: "p", arenaCapacity: "8" as unknown as number, count: 1 }),
    (e: unknown) => e instanceof TypeError && /arenaCapacity must be a number/.test(e.message),
  );
});

Deno.test("an Arena over caller-supplied memory reads as zero", () => {
  const memory = new Uint8Array(32).fill(0xff);
  const arena = new Arena({ name: "given", capacity: 32, memory });
  assert.ok(arena.alloc(32).every((b) => b === 0));
});

Deno.test("a head or link beyond the capacity is cut, counted and reported, never thrown as a BigInt mix-up", () => {
  for (const where of ["head", "link"] as const) {
    const slab = new SlabAllocator({ name: "cut", slotSize: 8, capacity: 4 });
    const v = slabViews(slab);
    if (where === "head") v.head[0] = 100n;
    else v.links[0] = 100n; // slot 0 → "slot 99"
    const taken = slab.alloc();
    if (where === "head") assert.equal(taken, null);
    else assert.equal(slab.indexOf(taken!), 0, "the valid top slot is still handed out");
    assert.equal(slab.alloc(), null, "the list was cut at the bad word");
    const { errors } = slab.verify();
    assert.ok(
      errors.some((e) => /cut the free list at 1 head or link word/.test(e)),
      errors.join("\n"),
    );
    assert.ok(errors.some((e) => /unreachable/.test(e)), errors.join("\n"));
    const repaired = slab.recover();
    assert.equal(repaired.relinked, where === "head" ? 4 : 3);
    assert.deepEqual(slab.verify(), { ok: true, errors: [] });
    assert.equal(slab.stats().used, where === "head" ? 0 : 1);
  }
});

Deno.test("a link with bits above bit 24 never leaks into the ABA tag or the counters", () => {
  const slab = new SlabAllocator({ name: "bits", slotSize: 8, capacity: 4 });
  const v = slabViews(slab);
  v.links[0] = (5n << 24n) | 2n; // "slot 1" with foreign high bits
  assert.match(slab.verify().errors[0] ?? "", /bits above bit 24/);
  assert.notEqual(slab.alloc(), null); // slot 0; its link is cut, not followed
  assert.equal(slab.alloc(), null);
  const stats = slab.stats();
  assert.deepEqual([stats.allocs, stats.frees, stats.used], [1, 0, 1]);
  const { errors } = slab.verify();
  assert.ok(errors.some((e) => /cut the free list/.test(e)), errors.join("\n"));
  assert.equal(slab.recover().relinked, 3);
  assert.deepEqual(slab.verify(), { ok: true, errors: [] });
});

Deno.test("allocs and frees are exact past the ABA tag's wrap", () => {
  // A 4-bit tag wraps after 16 pops; the counters must not.
  const slab = new SlabAllocator({ name: "wrap", slotSize: 1, capacity: 2 });
  configureSlabForTesting(slab, { tagBits: 4 });
  for (let i = 0; i < 20; i++) slab.free(slab.alloc()!);
  assert.deepEqual([slab.stats().allocs, slab.stats().frees], [20, 20]);
});

Deno.test("allocs and frees are exact past 2^32 in one lane (the 64-bit carry)", () => {
  for (
    const attach of [(s: SlabAllocator) => SlabAllocator.attach(s.memory!, { cache: 2 }), (
      s: SlabAllocator,
    ) => attachJavaScriptCoreForTesting(s.buffer)]
  ) {
    const creator = new SlabAllocator({ name: "carry", slotSize: 1, capacity: 2 });
    const v = slabViews(creator);
    const lane = 2 * LANE_WORDS; // the creator counts in lane 1; the next instance takes lane 2
    const base = 2 ** 32 - 2;
    // Pretend 2^32 − 2 pairs already happened in lane 2 (an instance that
    // closed), before the next instance takes it over.
    v.lanes64[(lane + L_ALLOCS) >> 1] = BigInt(base);
    v.lanes64[(lane + L_ALLOCS + 2) >> 1] = BigInt(base);
    const slab = attach(creator);
    assert.equal(slab.lane, 2);
    for (let i = 0; i < 5; i++) slab.free(slab.alloc()!);
    const h = slab.alloc()!;
    const stats = slab.stats();
    assert.deepEqual([stats.allocs, stats.frees, stats.used], [base + 6, base + 5, 1]);
    slab.free(h);
    slab.close();
    assert.deepEqual(slab.verify(), { ok: true, errors: [] });
  }
});

Deno.test("free(-0) is not handle 0", () => {
  const slab = new SlabAllocator({ name: "zero", slotSize: 1, capacity: 2 });
  const h = slab.alloc()!;
  assert.equal(slab.indexOf(h), 0);
  assert.throws(
    () => slab.free(-0),
    (e: unknown) => e instanceof HandleError && e.reason === "not-a-handle" && /-0/.test(e.message),
  );
  assert.equal(slab.stats().used, 1);
  assert.equal(slab.stats().invalidFrees, 1);
});
