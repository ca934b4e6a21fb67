// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import { HandleError, HandleState, SlabAllocator } from "../../mod.ts";
import { MAX_CAPACITY, MAX_SLOT_SIZE } from "../../core/allocator/slab_layout.ts";
import { slabViews } from "../../core/allocator/slab.ts";

function slab(capacity = 8, kind: "plain" | "handle" = "plain"): SlabAllocator {
  return new SlabAllocator({ name: "test", slotSize: 16, capacity, kind });
}

/** Asserts that `fn` throws a HandleError with `reason` whose message names the slab and handle. */
function assertRejected(fn: () => unknown, reason: string, handle: unknown): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof HandleError, `expected a HandleError, got ${error}`);
    assert.ok(error instanceof RangeError);
    assert.equal(error.reason, reason);
    assert.match(error.message, /slab "test"/);
    assert.ok(error.message.includes(String(handle)), error.message);
    return true;
  });
}

Deno.test("constructor rejects bad capacity and slotSize with errors naming the value", () => {
  for (
    const [option, value] of [
      ["capacity", 0],
      ["capacity", -1],
      ["capacity", 1.5],
      ["capacity", NaN],
      ["capacity", Infinity],
      ["capacity", MAX_CAPACITY + 1],
      ["slotSize", 0],
      ["slotSize", -8],
      ["slotSize", 2.5],
      ["slotSize", MAX_SLOT_SIZE + 1],
    ] as const
  ) {
    assert.throws(
      () => new SlabAllocator({ name: "s", slotSize: 8, capacity: 8, [option]: value }),
      (error: unknown) =>
        error instanceof RangeError && error.message.includes(option) &&
        error.message.includes(`received ${value}`),
      `${option}=${value}`,
    );
  }
  assert.throws(
    () => new SlabAllocator({ name: "s", slotSize: 8, capacity: "8" as unknown as number }),
    (e: unknown) =>
      e instanceof TypeError && /capacity must be a number, received string/.test(e.message),
  );
  assert.throws(() => new SlabAllocator({ name: "", slotSize: 8, capacity: 8 }), RangeError);
  assert.throws(
    () => new SlabAllocator({ name: "x".repeat(65), slotSize: 8, capacity: 8 }),
    RangeError,
  );
  assert.throws(
    () => new SlabAllocator({ name: 7 as unknown as string, slotSize: 8, capacity: 8 }),
    TypeError,
  );
  assert.throws(
    () => new SlabAllocator({ name: "s", slotSize: 8, capacity: 8, kind: "odd" as "plain" }),
    TypeError,
  );
  assert.throws(
    () =>
      new SlabAllocator(null as unknown as { name: string; slotSize: number; capacity: number }),
    TypeError,
  );
  // Payload over 4 GiB.
  assert.throws(
    () => new SlabAllocator({ name: "s", slotSize: MAX_SLOT_SIZE, capacity: 1024 }),
    /payload limit/,
  );
});

Deno.test("capacity edges: 1, 2^18 - 1, 2^18, 2^18 + 1 and 2^20 slots all work", () => {
  for (const capacity of [1, 2, 2 ** 18 - 1, 2 ** 18, 2 ** 18 + 1, 2 ** 20]) {
    const s = new SlabAllocator({ name: "edge", slotSize: 1, capacity });
    const handles = new Set<number>();
    for (let i = 0; i < capacity; i++) {
      const h = s.alloc();
      assert.notEqual(h, null, `capacity ${capacity}: alloc ${i}`);
      assert.ok(h! >= 0 && h! < 2 ** 31 && Number.isInteger(h));
      handles.add(h!);
    }
    assert.equal(handles.size, capacity);
    assert.equal(s.alloc(), null);
    assert.deepEqual(s.verify(), { ok: true, errors: [] });
    for (const h of handles) s.free(h);
    const stats = s.stats();
    assert.deepEqual([stats.used, stats.peak, stats.overflow], [0, capacity, 1]);
    assert.deepEqual(s.verify(), { ok: true, errors: [] });
  }
});

Deno.test("alloc returns null when empty, counts overflow, and recovers after a free", () => {
  const s = slab(2);
  const a = s.alloc()!;
  s.alloc();
  assert.equal(s.alloc(), null);
  assert.equal(s.alloc(), null);
  assert.equal(s.stats().overflow, 2);
  s.free(a);
  assert.notEqual(s.alloc(), null);
});

Deno.test("stats() names every counter and keeps allocs - frees = used", () => {
  const s = slab(4);
  const a = s.alloc()!;
  const b = s.alloc()!;
  s.free(a);
  assert.throws(() => s.free(a));
  assert.deepEqual(s.stats(), {
    name: "test",
    kind: "plain",
    capacity: 4,
    slotSize: 16,
    used: 1,
    peak: 2,
    cached: 0,
    overflow: 0,
    allocs: 2,
    frees: 1,
    invalidFrees: 1,
    casRetries: 0,
  });
  s.free(b);
  assert.equal(s.stats().peak, 2, "the high-water mark survives frees");
});

Deno.test("every kind of invalid free is detected, counted, named, and leaves the free list alone", () => {
  const s = slab(8);
  const other = new SlabAllocator({ name: "other", slotSize: 16, capacity: 8 });
  const live = s.alloc()!;
  const freed = s.alloc()!;
  s.free(freed);
  const reused = s.alloc()!; // takes freed's slot with a new generation
  assert.equal(reused & 7, freed & 7);
  assert.notEqual(reused, freed);
  const before = s.stats();
  const cases: [unknown, string][] = [
    [live ^ (1 << 30), "stale"], // same slot, another generation
    [freed, "stale"], // freed and reused since
    [NaN, "not-a-handle"],
    [1.5, "not-a-handle"],
    [-1, "not-a-handle"],
    [2 ** 31, "not-a-handle"],
    [Infinity, "not-a-handle"],
  ];
  for (const [handle, reason] of cases) {
    assertRejected(() => s.free(handle as number), reason, handle);
  }
  // Double free.
  s.free(reused);
  assertRejected(() => s.free(reused), "double-free", reused);
  // Another slab's handles: every one of them is rejected.
  const foreign: number[] = [];
  for (let i = 0; i < 8; i++) foreign.push(other.alloc()!);
  for (const h of foreign) {
    assert.throws(() => s.free(h), HandleError, `foreign handle ${h}`);
  }
  // Non-numbers are a TypeError, and counted too.
  for (const value of ["3", undefined, null, {}]) {
    assert.throws(() => s.free(value as number), TypeError);
  }
  const after = s.stats();
  assert.equal(after.invalidFrees, cases.length + 1 + foreign.length + 4);
  assert.equal(after.used, before.used - 1);
  assert.equal(after.frees, before.frees + 1);
  assert.deepEqual(s.verify(), { ok: true, errors: [] });
  // The survivors still work.
  s.free(live);
  assert.equal(s.stats().used, 0);
  assert.deepEqual(s.verify(), { ok: true, errors: [] });
});

Deno.test("an out-of-range index is reported as such", () => {
  const s = slab(5); // 3 index bits: indexes 5..7 exist in handles but not in the slab
  assertRejected(() => s.free(6), "out-of-range", 6);
  assert.match(
    (() => {
      try {
        s.free(7);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })(),
    /slot index 7 is not below the capacity 5/,
  );
});

Deno.test("handles carry generations: a stale copy never frees the slot's new owner", () => {
  const s = slab(1);
  const first = s.alloc()!;
  s.free(first);
  for (let round = 0; round < 1000; round++) {
    const h = s.alloc()!;
    assertRejected(() => s.free(first), "stale", first);
    s.free(h);
  }
  assert.equal(s.stats().invalidFrees, 1000);
  assert.deepEqual(s.verify(), { ok: true, errors: [] });
});

Deno.test("bytes() is exactly slotSize, distinct per slot, and refused for freed handles", () => {
  const s = new SlabAllocator({ name: "test", slotSize: 13, capacity: 4 });
  const a = s.alloc()!;
  const b = s.alloc()!;
  const va = s.bytes(a);
  const vb = s.bytes(b);
  assert.equal(va.length, 13);
  assert.equal(va.buffer, s.buffer);
  va.fill(0xaa);
  vb.fill(0xbb);
  assert.ok(s.bytes(a).every((x) => x === 0xaa));
  assert.ok(s.bytes(b).every((x) => x === 0xbb));
  s.free(a);
  assertRejected(() => s.bytes(a), "double-free", a);
  assert.equal(s.stats().invalidFrees, 0, "only frees count as invalid frees");
});

Deno.test("handle slabs follow Connecting → Active → Idle → Closing → Free", () => {
  const s = slab(4, "handle");
  const h = s.alloc(3)!;
  const index = s.indexOf(h);
  assert.equal(s.slotInfo(index).state, HandleState.Connecting);
  assert.equal(s.slotInfo(index).owner, 3);
  for (
    const state of [HandleState.Active, HandleState.Idle, HandleState.Active, HandleState.Closing]
  ) {
    s.setState(h, state);
    assert.equal(s.slotInfo(index).state, state);
  }
  s.setState(h, HandleState.Active, 9);
  assert.equal(s.slotInfo(index).owner, 9);
  assert.ok(Math.abs(s.slotInfo(index).since - Date.now()) < 1000);
  s.free(h);
  assert.deepEqual(s.slotInfo(index).state, HandleState.Free);
  assert.equal(s.slotInfo(index).owner, null);
  assertRejected(() => s.setState(h, HandleState.Active), "double-free", h);
});

Deno.test("alloc() can start a slot in a given state, within the slab's kind", () => {
  const handles = slab(4, "handle");
  const h = handles.alloc(2, HandleState.Active)!;
  assert.equal(handles.slotInfo(handles.indexOf(h)).state, HandleState.Active);
  assert.throws(() => handles.alloc(undefined, HandleState.Free), RangeError);
  assert.throws(() => handles.alloc(undefined, HandleState.Used), RangeError);
  assert.throws(() => slab(4).alloc(undefined, HandleState.Idle), RangeError);
  assert.equal(handles.stats().used, 1, "rejected allocations take nothing");
});

Deno.test("setState refuses states the slab kind does not have, and Free", () => {
  const handles = slab(4, "handle");
  const plain = slab(4);
  const h = handles.alloc()!;
  const p = plain.alloc()!;
  for (const bad of [HandleState.Free, HandleState.Used, 6, -1, 2.5]) {
    assert.throws(() => handles.setState(h, bad as HandleState), RangeError, String(bad));
  }
  for (const bad of [HandleState.Free, HandleState.Active, HandleState.Idle]) {
    assert.throws(() => plain.setState(p, bad), /need a handle slab|use free/);
  }
  plain.setState(p, HandleState.Used, 4);
  assert.equal(plain.slotInfo(0).owner, 4);
  assert.equal(plain.hasOwners, true);
  assert.throws(() => handles.setState(h, HandleState.Active, 65535), RangeError);
  assert.throws(() => handles.alloc(-1), RangeError);
  assert.throws(() => handles.alloc(1.5), RangeError);
});

Deno.test("slotInfo validates the index", () => {
  const s = slab(4);
  for (const bad of [-1, 4, 1.5, NaN]) assert.throws(() => s.slotInfo(bad), RangeError);
});

Deno.test("readStates, readBitmap and readOwners reflect alloc and free", () => {
  const s = new SlabAllocator({ name: "r", slotSize: 8, capacity: 11, kind: "handle" });
  const hs = Array.from({ length: 10 }, (_, i) => s.alloc(i)!);
  s.setState(hs[2]!, HandleState.Idle);
  s.free(hs[5]!);
  assert.deepEqual([...s.readStates()], [2, 2, 4, 2, 2, 0, 2, 2, 2, 2, 0]);
  assert.deepEqual([...s.readBitmap()], [0b11011111, 0b011]);
  assert.deepEqual([...s.readOwners()].slice(4, 7), [4, 65535, 6]);
  const target = new Uint8Array(2);
  assert.equal(s.readBitmap(target), target);
});

Deno.test("attach() shares every slot and counter; foreign or damaged buffers are a TypeError", () => {
  const s = new SlabAllocator({ name: "shared", slotSize: 24, capacity: 100, kind: "handle" });
  const twin = SlabAllocator.attach(s.buffer);
  assert.deepEqual(
    [twin.name, twin.kind, twin.capacity, twin.slotSize],
    ["shared", "handle", 100, 24],
  );
  const h = twin.alloc()!;
  twin.bytes(h)[0] = 42;
  assert.equal(s.bytes(h)[0], 42);
  s.free(h);
  assert.throws(() => twin.free(h), HandleError);
  assert.equal(s.stats().invalidFrees, 1);

  assert.throws(
    () => SlabAllocator.attach(new ArrayBuffer(4096) as unknown as SharedArrayBuffer),
    TypeError,
  );
  assert.throws(() => SlabAllocator.attach(new SharedArrayBuffer(8)), /smaller than/);
  const random = new SharedArrayBuffer(s.buffer.byteLength);
  new Uint8Array(random).set(
    crypto.getRandomValues(new Uint8Array(Math.min(65536, random.byteLength))),
  );
  assert.throws(() => SlabAllocator.attach(random), /bad magic/);
  for (const offset of [8, 12, 20, 100]) {
    const copy = new SharedArrayBuffer(s.buffer.byteLength);
    new Uint8Array(copy).set(new Uint8Array(s.buffer));
    new Uint8Array(copy)[offset]! ^= 0x10;
    assert.throws(() => SlabAllocator.attach(copy), TypeError, `damage at byte ${offset}`);
  }
  // One word short of the layout (a WebAssembly memory rounds up to 64 KiB pages).
  const short = new SharedArrayBuffer(slabViews(s).regions.total - 8);
  new Uint8Array(short).set(new Uint8Array(s.buffer, 0, short.byteLength));
  assert.throws(() => SlabAllocator.attach(short), /expected \d+ for 100 slots/);
});

Deno.test("more instances than private lanes share lane 0 and still count exactly", () => {
  const s = slab(256);
  const twins = Array.from({ length: 80 }, () => SlabAllocator.attach(s.buffer));
  const held = twins.map((t) => t.alloc()!);
  assert.equal(s.stats().used, 80);
  assert.equal(s.stats().peak, 80);
  held.forEach((h, i) => twins[(i + 1) % twins.length]!.free(h));
  assert.equal(s.stats().used, 0);
  for (const t of twins) {
    t.close();
    t.close(); // idempotent
  }
  const after = SlabAllocator.attach(s.buffer);
  after.free(after.alloc()!);
  assert.deepEqual([s.stats().allocs, s.stats().frees, s.stats().used], [81, 81, 0]);
  assert.deepEqual(s.verify(), { ok: true, errors: [] });
});

Deno.test("the first allocations take the lowest slots (grids fill from the top)", () => {
  const s = slab(8);
  assert.deepEqual([0, 1, 2].map(() => s.indexOf(s.alloc()!)), [0, 1, 2]);
});

Deno.test("handles of two slabs differ even for the same slot index", () => {
  // Generations start at a per-slab random salt, so another slab's handle
  // for slot 0 names a generation this slab has not issued.
  let collisions = 0;
  for (let i = 0; i < 200; i++) {
    const a = new SlabAllocator({ name: "a", slotSize: 1, capacity: 4 });
    const b = new SlabAllocator({ name: "b", slotSize: 1, capacity: 4 });
    const ha = a.alloc()!;
    const hb = b.alloc()!;
    if (ha === hb) collisions++;
    assert.throws(() => a.free(hb), HandleError);
  }
  assert.equal(collisions, 0);
});
