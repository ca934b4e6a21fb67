// Copyright 2026 the slabscope authors. MIT license.
// The request clock: one real reading per event-loop turn, re-read every
// REREAD_EVERY readings within a turn, and never reused across turns.
import assert from "node:assert/strict";
import { REREAD_EVERY, taskNow } from "../../core/instrument/task_clock.ts";

function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* a turn that takes time */ }
}

Deno.test("taskNow: shared within a turn, re-read every 8 readings and in every new turn", async () => {
  await new Promise((resolve) => setTimeout(resolve, 0)); // a fresh turn
  const first = taskNow();
  spin(2);
  const same = Array.from({ length: REREAD_EVERY - 1 }, () => taskNow());
  assert.deepEqual(same, new Array(REREAD_EVERY - 1).fill(first));
  const reread = taskNow();
  assert.ok(reread >= first + 2, `re-read after ${REREAD_EVERY} readings: ${reread - first} ms`);
  spin(2);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.ok(taskNow() >= reread + 2, "a later turn reads the clock again");
  // Microtasks queued after the reading see it go stale too.
  const before = taskNow();
  spin(2);
  await Promise.resolve();
  await Promise.resolve();
  assert.ok(taskNow() >= before + 2);
});
