// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import { Arena, ArenaPool } from "../../mod.ts";

Deno.test("arena: exact offsets with alignment, like tinyalloc's exact-address tests", () => {
  const arena = new Arena({ name: "a", capacity: 64 });
  const offsets = [
    arena.alloc(1, 1),
    arena.alloc(3, 4),
    arena.alloc(8),
    arena.alloc(1, 2),
    arena.alloc(16, 16),
  ].map((view) => view.byteOffset);
  assert.deepEqual(offsets, [0, 4, 8, 16, 32]);
  assert.equal(arena.stats().used, 48);
  assert.equal(arena.alloc(16).byteOffset, 48); // ends exactly at the capacity
  assert.equal(arena.stats().used, 64);
  assert.equal(arena.stats().overflowFallbacks, 0);
});

Deno.test("arena: a request that does not fit is served from the heap and counted", () => {
  const arena = new Arena({ name: "a", capacity: 32 });
  arena.alloc(30);
  const fallback = arena.alloc(10);
  assert.equal(fallback.length, 10);
  assert.notEqual(fallback.buffer, arena.alloc(1, 1).buffer, "not carved from the arena");
  const big = arena.alloc(1000);
  assert.equal(big.length, 1000);
  assert.deepEqual(arena.stats(), {
    name: "a",
    used: 31,
    capacity: 32,
    hwm: 31,
    allocations: 4,
    resets: 0,
    overflowFallbacks: 2,
    overflowBytes: 1010,
  });
});

Deno.test("arena: reset keeps the high-water mark and hands out zeroed memory again", () => {
  const arena = new Arena({ name: "a", capacity: 32 });
  arena.alloc(24).fill(0xff);
  arena.reset();
  arena.reset();
  const again = arena.alloc(24);
  assert.ok(again.every((b) => b === 0));
  const s = arena.stats();
  assert.deepEqual([s.used, s.hwm, s.resets], [24, 24, 2]);
});

Deno.test("arena: bad sizes and alignments are a RangeError naming the value", () => {
  const arena = new Arena({ name: "a", capacity: 32 });
  for (const size of [0, -1, 1.5, NaN, 2 ** 31]) {
    assert.throws(
      () => arena.alloc(size),
      (e: unknown) => e instanceof RangeError && e.message.includes(String(size)),
    );
  }
  for (const align of [0, 3, 6, -8, 1.5, 8192]) {
    assert.throws(
      () => arena.alloc(8, align),
      (e: unknown) => e instanceof RangeError && e.message.includes(String(align)),
    );
  }
  assert.equal(arena.stats().allocations, 0, "rejected requests change nothing");
  for (const capacity of [0, -1, 1.5, 2 ** 31]) {
    assert.throws(() => new Arena({ name: "b", capacity }), RangeError);
  }
  assert.throws(() => new Arena({ name: "", capacity: 8 }), TypeError);
  assert.throws(() => new Arena({ name: "m", capacity: 8, memory: new Uint8Array(4) }), RangeError);
});

Deno.test("arena pool: acquire, allocate, release resets, exhaustion counted like a slab overflow", () => {
  const pool = new ArenaPool({ name: "stream_arenas", arenaCapacity: 128, count: 3 });
  const arenas = [pool.acquire()!, pool.acquire()!, pool.acquire()!];
  assert.equal(pool.acquire(), null);
  assert.equal(pool.acquire(), null);
  arenas[0]!.alloc(100);
  arenas[1]!.alloc(20);
  arenas[1]!.alloc(500); // fallback
  let s = pool.stats();
  assert.deepEqual(
    [s.inUse, s.peak, s.exhausted, s.used, s.capacity, s.hwm, s.overflowFallbacks, s.overflowBytes],
    [3, 3, 2, 120, 384, 100, 1, 500],
  );
  assert.equal(pool.slab.stats().overflow, 2);
  for (const arena of arenas) pool.release(arena);
  s = pool.stats();
  assert.deepEqual([s.inUse, s.used, s.resets, s.hwm], [0, 0, 3, 100]);
  const reused = pool.acquire()!;
  assert.ok(!arenas.includes(reused), "each acquisition is a new Arena object");
  assert.equal(reused.used, 0);
  // Arena memory lives in the pool's slab.
  assert.equal(reused.alloc(8).buffer, pool.slab.buffer);
});

Deno.test("arena pool: releasing twice or a foreign arena is a RangeError and changes nothing", () => {
  const pool = new ArenaPool({ name: "p", arenaCapacity: 16, count: 2 });
  const other = new ArenaPool({ name: "q", arenaCapacity: 16, count: 2 });
  const a = pool.acquire()!;
  pool.release(a);
  assert.throws(() => pool.release(a), /released twice, or from another pool/);
  assert.throws(() => pool.release(other.acquire()!), RangeError);
  assert.throws(() => pool.release(new Arena({ name: "x", capacity: 16 })), RangeError);
  assert.equal(pool.stats().inUse, 0);
  assert.deepEqual(pool.slab.verify(), { ok: true, errors: [] });
  assert.throws(() => new ArenaPool({ name: "z", arenaCapacity: 0, count: 1 }), RangeError);
  assert.throws(() => new ArenaPool({ name: "z", arenaCapacity: 8, count: 0 }), RangeError);
});
