// Copyright 2026 the slabscope authors. MIT license.
// The heap-history event over a real Deno.serve with real fetch clients
// (parsed by eventsource-parser): right after a connection's first keyframe,
// with or without the flight recorder; never on resuming or catching up,
// never again within a connection, never recorded; its bytes counted.
import assert from "node:assert/strict";
import { decodeHeapHistory, decodeKeyframe, HEAP_HISTORY_WINDOW } from "../../wire.ts";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { serveStream } from "./_stream_server.ts";
import { eventually, type ReceivedEvent, SseClient } from "./_sse_client.ts";

/** A registry with one slab, and a step that changes it. */
function workload(clock?: () => number) {
  const registry = new DiagnosticsRegistry(clock === undefined ? {} : { clock });
  const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 64 }));
  const held: number[] = [];
  const step = () => {
    if (held.length < 32) held.push(slab.alloc()!);
    else slab.free(held.shift()!);
  };
  return { registry, step };
}

const names = (client: SseClient) => client.events.map((e) => e.event);
const seqOf = (event: ReceivedEvent) => Number(event.id!.split("-")[1]);

Deno.test("heap history: without the recorder, the event right after the keyframe holds the samples published before the client came", async () => {
  const { registry } = workload();
  // A heap delta every 50 ms: one sample per state that carried one.
  await using s = serveStream(registry, {
    interval: 20,
    heapInterval: 50,
    heapQuietInterval: 50,
    recorder: false,
  });
  const stream = s.handler.stream;
  const first = await SseClient.open(s.stream);
  await first.until(() => first.events.filter((e) => e.event === "diagnostics-delta").length >= 5);
  const published = first.events.filter((e) => e.event === "diagnostics-delta").length;

  await first.close();
  await eventually(() => stream.clientCount === 0, 5_000, "the first client gone");
  const before = stream.stats.bytes_sent;
  const client = await SseClient.open(s.stream);
  const [keyframe, event] = [await client.nth(1), await client.nth(2)];
  assert.deepEqual([keyframe.event, event.event], ["diagnostics", "heap-history"]);
  assert.equal(event.id, undefined, "no id: the client's last event id stays the keyframe's");

  const state = decodeKeyframe(keyframe.data);
  const history = decodeHeapHistory(event.data);
  assert.ok(history.times.length > published, `${history.times.length} samples`);
  assert.ok(history.times.at(-1)! <= state.ts);
  assert.ok(state.ts - history.times[0]! <= HEAP_HISTORY_WINDOW);
  // The history ends with the heap the keyframe shows.
  const last = history.times.length - 1;
  for (const key of ["rss", "heap_used", "heap_total", "external"] as const) {
    assert.equal(history[key][last], state.heap[key], key);
  }
  // Its bytes are counted with the others: what the server counted is what came.
  await eventually(
    () => stream.stats.bytes_sent - before === client.bytes,
    5_000,
    `bytes_sent to count every byte (${stream.stats.bytes_sent - before} vs ${client.bytes})`,
  );
  await client.close();
});

Deno.test("heap history: a client resuming within the recorder's window gets none; one that cannot resume gets it after its keyframe", async () => {
  const { registry, step } = workload();
  // No heap-only deltas: the current id stays put while nothing is stepped.
  await using s = serveStream(registry, { interval: 20, heapQuietInterval: 600_000 });
  const boot = s.handler.stream.bootId;
  const first = await SseClient.open(s.stream);
  await first.nth(2);
  assert.deepEqual(names(first), ["diagnostics", "heap-history"]);
  const old = first.events[0]!.id!;
  step();
  await first.until(() => first.events.some((e) => e.event === "diagnostics-delta"));
  const current = first.events.at(-1)!.id!;
  assert.ok(seqOf(first.events.at(-1)!) > seqOf(first.events[0]!));

  // Behind, within the window: deltas only.
  const behind = await SseClient.open(s.stream, { "last-event-id": old });
  await behind.until(() => behind.events.some((e) => e.id === current), 5_000, "caught up");
  // Exactly the current one: nothing.
  const resumed = await SseClient.open(s.stream, { "last-event-id": current });
  await resumed.until(() => resumed.comments.includes("resumed"), 5_000, "resumed");
  // Another boot: a keyframe, then the history.
  const foreign = await SseClient.open(s.stream, { "last-event-id": "other0boot-3" });
  await foreign.nth(2);

  // A ping goes to every client after a quiet second: by then anything sent on connect came.
  for (const client of [behind, resumed, foreign]) {
    await client.until(() => client.events.some((e) => e.event === "ping"), 5_000, "a ping");
  }
  assert.ok(behind.comments.includes("resumed"));
  assert.deepEqual(names(behind).filter((name) => name !== "ping"), ["diagnostics-delta"]);
  assert.deepEqual(names(resumed).filter((name) => name !== "ping"), []);
  assert.deepEqual(names(foreign).slice(0, 2), ["diagnostics", "heap-history"]);
  assert.ok(foreign.events[0]!.id!.startsWith(`${boot}-`));
  // And the recorder never holds one.
  const recorded = s.handler.stream.recorder!.select().map((e) =>
    new TextDecoder().decode(e.bytes)
  );
  assert.ok(recorded.length > 0 && recorded.every((text) => !text.includes("heap-history")));
  for (const client of [first, behind, resumed, foreign]) await client.close();
});

Deno.test("heap history: the keyframes that recur within a connection come without it", async () => {
  const { registry, step } = workload();
  await using s = serveStream(registry, { interval: 20, keyframeInterval: 100 });
  const client = await SseClient.open(s.stream);
  const timer = setInterval(step, 10);
  try {
    await client.until(
      () => client.events.filter((e) => e.event === "diagnostics").length >= 4,
      10_000,
      "recurring keyframes",
    );
  } finally {
    clearInterval(timer);
  }
  assert.equal(names(client).filter((name) => name === "heap-history").length, 1);
  assert.deepEqual(names(client).slice(0, 2), ["diagnostics", "heap-history"]);
  await client.close();
});

Deno.test("heap history: 3 minutes of a sample a second stay 3 minutes, in about 7 KB", async () => {
  // A registry clock that runs a second per snapshot: 3 minutes in 200 ticks.
  let now = Date.now();
  const { registry, step } = workload(() => (now += 1000));
  await using s = serveStream(registry, { interval: 10, heapInterval: 1, recorder: false });
  const first = await SseClient.open(s.stream);
  const timer = setInterval(step, 5);
  try {
    await first.until(() => first.events.length > 0 && now - firstKeyframeTs(first) > 240_000);
  } finally {
    clearInterval(timer);
  }
  const client = await SseClient.open(s.stream);
  const event = await client.nth(2);
  assert.equal(event.event, "heap-history");
  const history = decodeHeapHistory(event.data);
  const span = history.times.at(-1)! - history.times[0]!;
  assert.ok(span <= HEAP_HISTORY_WINDOW && span > HEAP_HISTORY_WINDOW - 30_000, `${span} ms`);
  assert.ok(history.times.length > 120 && history.times.length <= 181, `${history.times.length}`);
  const bytes = new TextEncoder().encode(`event:heap-history\ndata:${event.data}\n\n`).length;
  assert.ok(bytes > 3_000 && bytes < 9_000, `${bytes} B for ${history.times.length} samples`);
  await first.close();
  await client.close();
});

/** The `ts` of a client's first keyframe. */
function firstKeyframeTs(client: SseClient): number {
  return decodeKeyframe(client.events[0]!.data).ts;
}
