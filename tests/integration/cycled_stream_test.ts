// Copyright 2026 the slabscope authors. MIT license.
// Cycled slots over a real stream: a real Deno.serve, a real fetch client,
// scrapes of /metrics in between.
import assert from "node:assert/strict";
import { applyDeltaTransition, decodeKeyframe } from "../../wire.ts";
import { DiagnosticsRegistry, type MemorySnapshot, SlabAllocator } from "../../mod.ts";
import { serveStream } from "./_stream_server.ts";
import { SseClient } from "./_sse_client.ts";

Deno.test("every slot allocated and freed between ticks reaches the client as cycled, though /metrics collected in between", async () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 16, capacity: 4096 }),
  );
  for (let i = 0; i < 100; i++) slab.alloc();
  await using s = serveStream(registry, { interval: 50 });
  const client = await SseClient.open(s.stream);
  await client.until(() => client.events.some((e) => e.event === "diagnostics"));
  // Each round: cycle a slot, let /metrics collect (a collection that the
  // stream does not see), wait for ticks, then take the slot for good so
  // that the next round cycles the next one (the free list is LIFO).
  const cycled: number[] = [];
  for (let round = 0; round < 10; round++) {
    const handle = slab.alloc()!;
    cycled.push(slab.indexOf(handle));
    slab.free(handle);
    const scrape = await fetch(`${s.base}/debug/metrics`);
    assert.match(await scrape.text(), /slabscope_slab_slots_used\{pool="objects"\} \d+/);
    await new Promise((resolve) => setTimeout(resolve, 120));
    slab.alloc();
    await new Promise((resolve) => setTimeout(resolve, 120));
  }
  const expected = decodeKeyframe(await (await fetch(s.snapshot)).text());
  await client.until(
    () => client.events.some((e) => e.id?.endsWith(`-${expected.seq}`)),
    5000,
    "the last state",
  );
  let state: MemorySnapshot | undefined;
  const flashed: number[] = [];
  for (const event of client.events) {
    if (event.event === "diagnostics") state = decodeKeyframe(event.data);
    if (event.event !== "diagnostics-delta") continue;
    const next = applyDeltaTransition(state!, event.data);
    flashed.push(...(next.cycled.get("objects") ?? []));
    state = next.state;
  }
  assert.deepEqual(cycled, [...Array(10).keys()].map((i) => 100 + i));
  assert.deepEqual(flashed, cycled, "each cycled slot, once, in the delta after it cycled");
  assert.deepEqual(state!.slabs, expected.slabs);
  await client.close();
});
