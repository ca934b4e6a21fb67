// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import { SlabAllocator } from "../../mod.ts";
import type { ChurnJob, ChurnResult } from "./workers/slab_churn_worker.ts";

async function churn(workers: number, capacity: number, ops: number) {
  const slab = new SlabAllocator({ name: "stress", slotSize: 16, capacity });
  const held = new SharedArrayBuffer(4 * capacity);
  const mailboxes = new SharedArrayBuffer(4 * 64);
  new Int32Array(mailboxes).fill(-1);
  const results = await Promise.all(
    Array.from({ length: workers }, (_, id) =>
      new Promise<ChurnResult>((resolve, reject) => {
        const worker = new Worker(
          new URL("./workers/slab_churn_worker.ts", import.meta.url),
          { type: "module" },
        );
        worker.onmessage = (event: MessageEvent<ChurnResult>) => {
          worker.terminate();
          resolve(event.data);
        };
        worker.onerror = (event) => {
          worker.terminate();
          reject(event.error ?? new Error(event.message));
        };
        const job: ChurnJob = {
          slab: slab.buffer,
          held,
          mailboxes,
          id,
          ops,
          seed: 0x9e37 * (id + 1),
        };
        worker.postMessage(job);
      })),
  );
  // Handles still waiting in mailboxes are released here, like a worker would.
  const boxes = new Int32Array(mailboxes);
  const heldSlots = new Int32Array(held);
  let drained = 0;
  for (let cell = 0; cell < boxes.length; cell++) {
    const handle = boxes[cell]!;
    if (handle === -1) continue;
    const index = slab.indexOf(handle);
    assert.equal(
      Atomics.exchange(heldSlots, index, 0),
      1,
      `slot ${index} in a mailbox but not held`,
    );
    slab.free(handle);
    drained++;
  }
  return { slab, results, drained, held: heldSlots };
}

Deno.test("4 Workers churn one slab, passing handles around: nothing lost, nothing handed out twice", async () => {
  const { slab, results, held } = await churn(4, 512, 400_000);
  const errors = results.flatMap((r) => r.errors);
  assert.deepEqual(errors, []);
  const allocs = results.reduce((n, r) => n + r.allocs, 0);
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const received = results.reduce((n, r) => n + r.received, 0);
  assert.ok(allocs > 2 ** 13, `${allocs} allocations: more than a 13-bit tag's wrap`);
  assert.ok(passed > 1000 && received > 1000, `handles crossed workers: ${passed}/${received}`);
  const stats = slab.stats();
  assert.equal(stats.used, 0);
  assert.equal(stats.allocs, stats.frees);
  assert.equal(stats.allocs, allocs);
  assert.equal(stats.invalidFrees, 0);
  assert.ok(stats.peak <= 512);
  assert.deepEqual(slab.verify(), { ok: true, errors: [] });
  assert.ok(held.every((x) => x === 0));
});

Deno.test("8 Workers on a tiny slab: constant exhaustion, every null counted", async () => {
  const { slab, results } = await churn(8, 16, 40_000);
  assert.deepEqual(results.flatMap((r) => r.errors), []);
  const nulls = results.reduce((n, r) => n + r.nulls, 0);
  assert.equal(slab.stats().overflow, nulls);
  assert.ok(nulls > 0);
  assert.equal(slab.stats().used, 0);
  assert.equal(slab.stats().peak, 16);
  assert.deepEqual(slab.verify(), { ok: true, errors: [] });
});
