// Copyright 2026 the slabscope authors. MIT license.
// Faults with per-Worker caches in play: concurrent double frees, a Worker
// terminated while its cache holds slots.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";

const MOD = JSON.stringify(new URL("../../mod.ts", import.meta.url).href);

function spawn(code: string): { worker: Worker; url: string } {
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  return { worker: new Worker(url, { type: "module" }), url };
}

const DOUBLE_FREE = `
  import { HandleError, SlabAllocator } from ${MOD};
  self.onmessage = ({ data }) => {
    const slab = SlabAllocator.attach(data.memory, { cache: 16 });
    const gate = new Int32Array(data.gate);
    Atomics.add(gate, 1, 1);
    while (Atomics.load(gate, 0) === 0) { /* all start together */ }
    let freed = 0, rejected = 0, other = 0;
    for (const h of data.handles) {
      try { slab.free(h); freed++; }
      catch (e) { if (e instanceof HandleError && e.reason === "double-free") rejected++; else other++; }
    }
    slab.close();
    self.postMessage({ freed, rejected, other });
  };`;

Deno.test("two Workers with caches free the same 3,000 handles at once: exactly one wins each, every loss is a double free", async () => {
  const slab = new SlabAllocator({ name: "twice", slotSize: 8, capacity: 4096 });
  for (let round = 0; round < 5; round++) {
    const handles = Array.from({ length: 3000 }, () => slab.alloc()!);
    const gate = new Int32Array(new SharedArrayBuffer(8));
    const before = slab.stats().invalidFrees;
    const spawned = [spawn(DOUBLE_FREE), spawn(DOUBLE_FREE)];
    const results = await Promise.all(
      spawned.map(({ worker }) =>
        new Promise<{ freed: number; rejected: number; other: number }>((resolve) => {
          worker.onmessage = (e) => resolve(e.data);
          worker.postMessage({ memory: slab.memory, gate: gate.buffer, handles });
        })
      ).concat([
        (async () => {
          while (Atomics.load(gate, 1) < 2) await new Promise((r) => setTimeout(r, 1));
          Atomics.store(gate, 0, 1);
          return { freed: 0, rejected: 0, other: 0 };
        })(),
      ]),
    );
    for (const { worker, url } of spawned) {
      worker.terminate();
      URL.revokeObjectURL(url);
    }
    const freed = results.reduce((n, r) => n + r.freed, 0);
    const rejected = results.reduce((n, r) => n + r.rejected, 0);
    assert.equal(freed, 3000, `round ${round}: one free per handle succeeded`);
    assert.equal(rejected, 3000, `round ${round}: the other was a double free`);
    assert.equal(results.reduce((n, r) => n + r.other, 0), 0);
    assert.equal(slab.stats().invalidFrees - before, 3000);
    assert.deepEqual([slab.stats().used, slab.stats().cached], [0, 0]);
    assert.deepEqual(slab.verify(), { ok: true, errors: [] });
  }
});

const HOLDER = `
  import { SlabAllocator } from ${MOD};
  self.onmessage = ({ data }) => {
    const slab = SlabAllocator.attach(data, { cache: 32 });
    const held = [];
    for (let i = 0; i < 40; i++) held.push(slab.alloc(3));
    for (let i = 0; i < 30; i++) slab.free(held.pop());
    self.postMessage({ lane: slab.lane, cached: slab.stats().cached });
    // Then it waits, holding 10 slots and a cache, until terminated.
  };`;

Deno.test("a Worker terminated while its cache holds slots: its slots stay held, its cache is never taken for a leak, reclaim() returns it", async () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "holder", slotSize: 8, capacity: 256 }));
  const { worker, url } = spawn(HOLDER);
  const report = await new Promise<{ lane: number; cached: number }>((resolve) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.postMessage(slab.memory);
  });
  worker.terminate();
  URL.revokeObjectURL(url);
  assert.ok(report.cached > 0, `the Worker's cache held ${report.cached} slots`);
  const stats = slab.stats();
  assert.deepEqual([stats.used, stats.cached], [10, report.cached]);
  assert.deepEqual(slab.verify(), { ok: true, errors: [] }, "a cache is not corruption");
  const [snapshot] = registry.snapshot({ sampleHeap: false }).slabs;
  assert.equal(snapshot!.used, 10, "cached slots do not count as used");
  assert.equal(snapshot!.summary.K, report.cached);
  assert.equal(snapshot!.summary.by_owner["3"]?.U, 10);

  // The main thread keeps working while the dead cache waits.
  const mine = Array.from({ length: 256 - 10 - report.cached }, () => slab.alloc());
  assert.ok(mine.every((h) => h !== null));
  assert.equal(slab.alloc(), null, "the dead cache's slots are out of reach until reclaimed");
  assert.equal(slab.reclaim(report.lane), report.cached);
  assert.equal(slab.stats().cached, 0);
  const more = Array.from({ length: report.cached }, () => slab.alloc());
  assert.ok(more.every((h) => h !== null), "reclaimed slots are allocatable");
  for (const h of [...mine, ...more]) slab.free(h!);
  assert.equal(slab.stats().used, 10);
  assert.deepEqual(slab.verify(), { ok: true, errors: [] });
  // The lane is free again for a new instance.
  const next = SlabAllocator.attach(slab.memory!, { cache: 8 });
  assert.equal(next.lane, report.lane);
});
