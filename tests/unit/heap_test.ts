// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import { heapStats } from "../../mod.ts";

Deno.test("heapStats() reports consistent process and V8 figures", () => {
  const heap = heapStats();
  assert.ok(heap.rss > heap.heapUsed, "the process holds more than the JS heap");
  assert.ok(heap.heapUsed > 0 && heap.heapUsed <= heap.heapTotal);
  assert.ok(heap.heapTotal < heap.heapLimit);
  assert.ok(heap.nativeContexts >= 1);
  const names = heap.spaces.map((space) => space.name);
  assert.ok(names.includes("old_space") && names.includes("new_space"), names.join());
  for (const space of heap.spaces) {
    assert.ok(space.used <= space.size + space.available, space.name);
    assert.ok(space.size > 0 || space.used > 0);
  }
});

Deno.test("heapStats() sees allocations outside the V8 heap as external memory", () => {
  const before = heapStats().external;
  const keep = new ArrayBuffer(32 * 1024 * 1024);
  const after = heapStats().external;
  assert.ok(after - before >= 32 * 1024 * 1024 - 1024, `${before} → ${after}`);
  assert.equal(keep.byteLength, 32 * 1024 * 1024);
});
