// Copyright 2026 the slabscope authors. MIT license.
// The coarse clock's readers: per task when unheld, per tick when held.
import assert from "node:assert/strict";
import { clockReader, HELD_RESOLUTION, holdClock } from "../../core/allocator/coarse_clock.ts";

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("a held clock's reader queues no microtask per task and expires its core at the tick", async () => {
  const release = holdClock();
  const queue = globalThis.queueMicrotask;
  let queued = 0;
  globalThis.queueMicrotask = (callback) => {
    queued++;
    queue(callback);
  };
  try {
    let expired = 0;
    const read = clockReader(0, () => expired++);
    const first = read();
    await nextTask();
    read();
    await nextTask();
    read();
    assert.equal(queued, 0);
    // The tick expires the core once, however often it read since the last.
    const deadline = Date.now() + 1000;
    while (expired === 0 && Date.now() < deadline) await nextTask();
    assert.equal(expired, 1);
    assert.ok(read() >= first + HELD_RESOLUTION - 1);
  } finally {
    globalThis.queueMicrotask = queue;
    release();
  }
});

Deno.test("an unheld clock's reader expires its core once per task, and releasing a hold expires the waiting ones", async () => {
  let expired = 0;
  const read = clockReader(0, () => expired++);
  read();
  read();
  await nextTask();
  assert.equal(expired, 1);
  const release = holdClock();
  read();
  release();
  assert.equal(expired, 2);
});
