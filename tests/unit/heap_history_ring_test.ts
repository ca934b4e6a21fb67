// Copyright 2026 the slabscope authors. MIT license.
// The stream's ring of heap samples (core/stream/heap_history_ring.ts):
// bounded by time and by count, times strictly ascending, and always
// encodable as the wire format allows.
import assert from "node:assert/strict";
import { HeapHistoryRing } from "../../core/stream/heap_history_ring.ts";
import {
  decodeHeapHistory,
  encodeHeapHistory,
  HEAP_HISTORY_MAX_SAMPLES,
  HEAP_HISTORY_WINDOW,
} from "../../wire.ts";

const START = 1_795_000_000_000;

function heap(i: number) {
  return { rss: 100_000 + i, heap_used: 50_000 + i, heap_total: 80_000, external: i };
}

Deno.test("heap history ring: it keeps the samples in order, with their four figures", () => {
  const ring = new HeapHistoryRing();
  assert.equal(ring.size, 0);
  assert.deepEqual(ring.history(), {
    times: [],
    rss: [],
    heap_used: [],
    heap_total: [],
    external: [],
  });
  for (let i = 0; i < 3; i++) ring.add(START + i * 1000, heap(i));
  assert.deepEqual(ring.history(), {
    times: [START, START + 1000, START + 2000],
    rss: [100_000, 100_001, 100_002],
    heap_used: [50_000, 50_001, 50_002],
    heap_total: [80_000, 80_000, 80_000],
    external: [0, 1, 2],
  });
});

Deno.test("heap history ring: bounded by time, 3 minutes back from the newest sample", () => {
  const ring = new HeapHistoryRing();
  // Ten minutes of one sample a second.
  for (let i = 0; i < 600; i++) {
    ring.add(START + i * 1000, heap(i));
    const { times } = ring.history();
    assert.ok(times[times.length - 1]! - times[0]! <= HEAP_HISTORY_WINDOW);
  }
  const { times, external } = ring.history();
  assert.equal(times.length, HEAP_HISTORY_WINDOW / 1000 + 1);
  assert.equal(times[0], START + 599_000 - HEAP_HISTORY_WINDOW);
  assert.equal(external[0], 599 - HEAP_HISTORY_WINDOW / 1000);
  // Trimming to a later now drops what is older than 3 minutes before it.
  ring.trim(START + 599_000 + 60_000);
  assert.equal(ring.history().times[0], START + 599_000 + 60_000 - HEAP_HISTORY_WINDOW);
  ring.trim(START + 599_000 + HEAP_HISTORY_WINDOW + 1);
  assert.equal(ring.size, 0);
});

Deno.test("heap history ring: bounded by count, the oldest going first", () => {
  const ring = new HeapHistoryRing();
  // Ten samples a second: the count bound comes first.
  for (let i = 0; i < 1000; i++) {
    ring.add(START + i * 100, heap(i));
    assert.ok(ring.size <= HEAP_HISTORY_MAX_SAMPLES);
  }
  const history = ring.history();
  assert.equal(history.times.length, HEAP_HISTORY_MAX_SAMPLES);
  assert.equal(history.times[0], START + (1000 - HEAP_HISTORY_MAX_SAMPLES) * 100);
  assert.equal(history.external[HEAP_HISTORY_MAX_SAMPLES - 1], 999);
  assert.deepEqual(decodeHeapHistory(encodeHeapHistory(history)), history);
});

Deno.test("heap history ring: a sample at the newest's time replaces it; one before it starts over", () => {
  const ring = new HeapHistoryRing();
  ring.add(START, heap(0));
  ring.add(START + 1000, heap(1));
  ring.add(START + 1000, heap(2));
  assert.deepEqual(ring.history().times, [START, START + 1000]);
  assert.deepEqual(ring.history().external, [0, 2]);
  // The clock went back: times before and after do not compare.
  ring.add(START - 60_000, heap(3));
  assert.deepEqual(ring.history().times, [START - 60_000]);
  assert.deepEqual(ring.history().external, [3]);
});

Deno.test("heap history ring: its version changes with every change, and only then", () => {
  const ring = new HeapHistoryRing();
  const versions = [ring.version];
  ring.add(START, heap(0));
  versions.push(ring.version);
  ring.trim(START + 1000); // nothing to drop
  assert.equal(ring.version, versions[1]);
  ring.trim(START + HEAP_HISTORY_WINDOW + 1);
  versions.push(ring.version);
  assert.equal(new Set(versions).size, 3);
});
