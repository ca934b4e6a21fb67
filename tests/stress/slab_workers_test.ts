// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import { SlabAllocator } from "../../mod.ts";
import type { ChurnJob, ChurnResult } from "./workers/slab_churn_worker.ts";

/** Which core the Workers run, and their cache size. */
interface Core {
  name: string;
  memory: boolean;
  cache: number;
}

const CORES: Core[] = [
  { name: "WebAssembly core, caches of 16", memory: true, cache: 16 },
  { name: "WebAssembly core, no cache", memory: true, cache: 0 },
  { name: "JavaScript core", memory: false, cache: 0 },
];

async function churn(workers: number, capacity: number, ops: number, core: Core) {
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
          slab: core.memory ? slab.memory! : slab.buffer,
          cache: core.cache,
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

for (const core of CORES) {
  Deno.test(`4 Workers churn one slab, passing handles around (${core.name}): nothing lost, nothing handed out twice`, async () => {
    const { slab, results, held } = await churn(4, 512, 400_000, core);
    const errors = results.flatMap((r) => r.errors);
    assert.deepEqual(errors, []);
    const allocs = results.reduce((n, r) => n + r.allocs, 0);
    const passed = results.reduce((n, r) => n + r.passed, 0);
    const received = results.reduce((n, r) => n + r.received, 0);
    assert.ok(allocs > 2 ** 13, `${allocs} allocations: more than a 13-bit tag's wrap`);
    assert.ok(passed > 1000 && received > 1000, `handles crossed workers: ${passed}/${received}`);
    const stats = slab.stats();
    assert.equal(stats.used, 0);
    assert.equal(stats.cached, 0, "every Worker's close() returned its cache");
    assert.equal(stats.allocs, stats.frees);
    assert.equal(stats.allocs, allocs);
    assert.equal(stats.invalidFrees, 0);
    assert.ok(stats.peak <= 512);
    assert.deepEqual(slab.verify(), { ok: true, errors: [] });
    assert.ok(held.every((x) => x === 0));
  });

  Deno.test(`8 Workers on a tiny slab (${core.name}): constant exhaustion, every null counted`, async () => {
    const { slab, results } = await churn(8, 16, 40_000, {
      ...core,
      cache: Math.min(core.cache, 4),
    });
    assert.deepEqual(results.flatMap((r) => r.errors), []);
    const nulls = results.reduce((n, r) => n + r.nulls, 0);
    assert.equal(slab.stats().overflow, nulls);
    assert.ok(nulls > 0);
    assert.equal(slab.stats().used, 0);
    assert.equal(slab.stats().cached, 0);
    assert.equal(slab.stats().peak, 16);
    assert.deepEqual(slab.verify(), { ok: true, errors: [] });
  });

  Deno.test(`8 Workers, 100,000 handles (${core.name}): handles passed between them, cookies intact, counters exact`, async () => {
    const { slab, results, held } = await churn(8, 4096, 100_000, core);
    assert.deepEqual(results.flatMap((r) => r.errors), []);
    const passed = results.reduce((n, r) => n + r.passed, 0);
    const received = results.reduce((n, r) => n + r.received, 0);
    assert.ok(passed > 100 && received > 100, `handles crossed workers: ${passed}/${received}`);
    const stats = slab.stats();
    assert.deepEqual([stats.used, stats.cached, stats.invalidFrees], [0, 0, 0]);
    assert.equal(stats.allocs, results.reduce((n, r) => n + r.allocs, 0));
    assert.deepEqual(slab.verify(), { ok: true, errors: [] });
    assert.ok(held.every((x) => x === 0));
  });
}
