// Copyright 2026 the slabscope authors. MIT license.
// The demo's churn Worker on a real Worker thread: it attaches over the
// slab's WebAssembly.Memory with a cache, churns or (paused) holds still,
// and on stop frees everything and gives its cache back.
import assert from "node:assert/strict";
import { SlabAllocator } from "../../mod.ts";
import type { ChurnWorkerInit } from "../../demo/churn_worker.ts";

// 60 s: a Worker's start (its module graph loaded and compiled) is slow on a loaded machine.
async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    assert.ok(performance.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function churnWorker(paused: boolean) {
  const slab = new SlabAllocator({ name: "shared", slotSize: 16, capacity: 65_536 });
  const control = new SharedArrayBuffer(4);
  const worker = new Worker(new URL("../../demo/churn_worker.ts", import.meta.url), {
    type: "module",
  });
  const messages: string[] = [];
  const stopped = new Promise<void>((resolve) => {
    worker.onmessage = ({ data }) => {
      messages.push(data);
      if (data === "stopped") resolve();
    };
  });
  const init: ChurnWorkerInit = {
    slab: slab.memory!,
    control,
    paused,
    id: 0,
    owner: 1,
    share: 0.4,
    churn: 0.01,
  };
  worker.postMessage(init);
  return {
    slab,
    messages,
    async stop() {
      const word = new Int32Array(control);
      Atomics.store(word, 0, 1);
      Atomics.notify(word, 0);
      await stopped;
      worker.terminate();
    },
  };
}

Deno.test("the demo's Worker churns through a cache of its own, and gives it back on stop", async () => {
  const { slab, stop } = churnWorker(false);
  try {
    await until("a working set", () => slab.stats().used > 0);
    // A cache in play: freed slots wait in it (taken half a cache at a time).
    await until("slots in the Worker's cache", () => slab.stats().cached > 0);
    await until("churn", () => slab.stats().frees > 0);
  } finally {
    await stop();
  }
  const stats = slab.stats();
  assert.equal(stats.used, 0);
  assert.equal(stats.cached, 0);
  assert.equal(slab.verify().ok, true);
});

Deno.test("paused, the demo's Worker takes its working set once, holds it, and wakes to stop", async () => {
  const { slab, messages, stop } = churnWorker(true);
  try {
    await until("the Worker to hold its working set", () => messages.includes("holding"));
    const held = slab.stats();
    assert.ok(held.used > 0);
    // The Worker is asleep on the stop word: a few of this thread's turns change nothing.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(slab.stats().allocs, held.allocs);
    assert.equal(held.frees, 0);
  } finally {
    await stop();
  }
  assert.equal(slab.stats().used, 0);
  assert.equal(slab.stats().cached, 0);
});
