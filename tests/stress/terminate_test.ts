// Copyright 2026 the slabscope authors. MIT license.
// Worker.terminate() in the middle of slab operations, many times over: the
// survivors never get a slot twice, verify() names what a stopped Worker
// left behind, and recover() (run when no other thread uses the slab)
// brings the list and the counters back to the slot words.
import assert from "node:assert/strict";
import { SlabAllocator } from "../../mod.ts";

const CHURN = `
  import { SlabAllocator } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
  self.onmessage = ({ data }) => {
    const slab = SlabAllocator.attach(data.slab, { cache: data.cache });
    const go = new Int32Array(data.go);
    const held = [];
    // Batches that yield: Deno 2.9 delivers terminate() to a Worker that
    // never yields only after seconds to minutes, and then anywhere, inside
    // alloc() and free() included (the unit replays in
    // tests/unit/slab_recover_test.ts cover each such point step by step).
    const churn = () => {
      for (let i = 0; i < 20000; i++) {
        if (held.length < 8) { const h = slab.alloc(); if (h !== null) held.push(h); }
        else slab.free(held.splice(i % held.length, 1)[0]);
      }
      Atomics.add(go, 0, 1);
      setTimeout(churn, 0);
    };
    churn();
  };`;

/**
 * terminate() returns before the Worker's thread has stopped. Nothing says
 * when it has; the slab's own counters do: wait until they stop moving.
 */
async function stopped(slab: SlabAllocator): Promise<void> {
  let last = -1;
  for (let still = 0; still < 3;) {
    const { allocs, frees } = slab.stats();
    still = allocs + frees === last ? still + 1 : 0;
    last = allocs + frees;
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (
  const [core, cache] of [["JavaScript core", 0], ["WebAssembly core with caches", 16]] as const
) {
  Deno.test(`20 Workers terminated mid-churn (${core}): recover() leaves a slab verify() accepts, with exact counters`, async () => {
    const slab = new SlabAllocator({ name: "terminated", slotSize: 8, capacity: 64 });
    const url = URL.createObjectURL(new Blob([CHURN], { type: "text/javascript" }));
    let damaged = 0;
    try {
      for (let round = 0; round < 20; round++) {
        const go = new Int32Array(new SharedArrayBuffer(4));
        const worker = new Worker(url, { type: "module" });
        worker.postMessage({ slab: cache === 0 ? slab.buffer : slab.memory, cache, go: go.buffer });
        while (Atomics.load(go, 0) < 2) await new Promise((r) => setTimeout(r, 1));
        worker.terminate();
        await stopped(slab); // no other thread uses the slab from here on
        if (!slab.verify().ok) damaged++;
        slab.recover();
        assert.deepEqual(slab.verify(), { ok: true, errors: [] }, `round ${round}`);
        const stats = slab.stats();
        const inUse = [...slab.readStates()].filter((s) => s !== 0).length;
        assert.equal(stats.used, inUse);
        assert.equal(stats.cached, 0, "recover() emptied the dead Worker's cache");
        assert.equal(stats.allocs - stats.frees, inUse);
      }
    } finally {
      URL.revokeObjectURL(url);
    }
    console.log(`${damaged} of 20 terminations left something for recover() to repair`);
    // Whatever the Workers held stays held (their holders may be alive as far
    // as the slab knows); every other slot is reachable again.
    const free = slab.capacity - slab.stats().used;
    const taken = Array.from({ length: free }, () => slab.alloc());
    assert.ok(taken.every((h) => h !== null));
    assert.equal(slab.alloc(), null);
  });
}
