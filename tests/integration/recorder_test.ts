// Copyright 2026 the slabscope authors. MIT license.
// The flight recorder behind the stream, over a real Deno.serve with real
// fetch clients: it records with nobody connected, and a client coming back
// from any state it holds gets deltas only.
import assert from "node:assert/strict";
import { applyDelta, decodeKeyframe } from "../../wire.ts";
import { DiagnosticsRegistry, type MemorySnapshot, SlabAllocator } from "../../mod.ts";
import { serveStream } from "./_stream_server.ts";
import { eventually, type ReceivedEvent, SseClient } from "./_sse_client.ts";

/**
 * A slab half full, churned inside each tick's own snapshot (so every tick
 * changes exactly `perTick` slots) while `churning` is set.
 */
function churned(perTick: number, capacity = 65_536) {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "objects", slotSize: 8, capacity }));
  const held: number[] = [];
  for (let i = 0; i < capacity / 2; i++) held.push(slab.alloc()!);
  let random = 7;
  const next = () => (random = (Math.imul(random, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const control = { churning: true };
  let freed = 0;
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => {
    if (control.churning) {
      // Alternately free random slots and take them back (the free list is
      // LIFO): every tick flips `perTick` scattered slots.
      if (freed === 0) {
        for (let i = 0; i < perTick; i++) {
          const k = Math.floor(next() * held.length);
          slab.free(held[k]!);
          held[k] = held[held.length - 1]!;
          held.pop();
        }
        freed = perTick;
      } else {
        for (; freed > 0; freed--) held.push(slab.alloc()!);
      }
    }
    return snapshot(options);
  };
  return { registry, control };
}

function seqOf(event: ReceivedEvent): number {
  return Number(event.id!.split("-").at(-1));
}

/** Applies events to a state, as a client does. */
function apply(state: MemorySnapshot | undefined, events: ReceivedEvent[]): MemorySnapshot {
  for (const event of events) {
    if (event.event === "diagnostics") state = decodeKeyframe(event.data);
    else if (event.event === "diagnostics-delta") state = applyDelta(state!, event.data);
  }
  return state!;
}

/** Connects, takes the keyframe and one delta, and leaves: the state it held and its id. */
async function visit(url: string): Promise<{ state: MemorySnapshot; id: string }> {
  const client = await SseClient.open(url);
  await client.until(() => client.events.some((e) => e.event === "diagnostics-delta"));
  await client.close();
  const events = client.events.filter((e) => e.event?.startsWith("diagnostics"));
  return { state: apply(undefined, events), id: events.at(-1)!.id! };
}

Deno.test("the recorder records with no client connected, and its timer stops at close()", async () => {
  const { registry } = churned(10);
  const s = serveStream(registry, { interval: 20 });
  try {
    assert.equal(s.handler.stream.clientCount, 0);
    await eventually(() => (s.handler.stream.recorder?.size ?? 0) > 10, 5000, "10 events");
    assert.equal(s.handler.stream.ticking, true);
    assert.equal(s.handler.stream.recorder!.first!.event, "diagnostics");
    // The stream's figures say what it holds.
    const figures = decodeKeyframe(s.handler.stream.snapshot()).stream!;
    assert.ok(figures.recorded_bytes > 0 && figures.recorded_ms > 0, JSON.stringify(figures));
  } finally {
    await s[Symbol.asyncDispose]();
  }
  assert.equal(s.handler.stream.ticking, false);
});

Deno.test("coming back from an older state costs only the deltas missed, in proportion to the ticks missed", async () => {
  // A keyframe of 44 KB, deltas of about 400 B: 40 of them still weigh less.
  const { registry, control } = churned(10, 262_144);
  await using s = serveStream(registry, { interval: 20, heapQuietInterval: 600_000 });
  const stream = s.handler.stream;
  const current = () => stream.recorder!.last!.seq;
  const results: { missed: number; bytes: number }[] = [];
  for (const ticks of [10, 40]) {
    const { state, id } = await visit(s.stream);
    const from = Number(id.split("-")[1]);
    await eventually(() => current() >= from + ticks, 10_000, `${ticks} ticks`);
    const client = await SseClient.open(s.stream, { "last-event-id": id });
    await client.until(() => client.events.some((e) => seqOf(e) >= from + ticks));
    const missed = client.events.filter((e) => seqOf(e) <= from + ticks);
    assert.ok(client.comments.includes("resumed"));
    assert.ok(
      client.events.every((e) => e.event !== "diagnostics"),
      "no keyframe while catching up",
    );
    // Exactly the recorded deltas, one per tick missed, chained from `from`.
    assert.deepEqual(missed.map((e) => JSON.parse(e.data).base), range(from, from + ticks - 1));
    const recorded = stream.recorder!.deltasAfter(from)!.filter((e) => e.seq <= from + ticks);
    const bytes = recorded.reduce((n, e) => n + e.bytes.byteLength, 0);
    results.push({ missed: missed.length, bytes });
    // And the client's state is the stream's once it stops moving.
    control.churning = false;
    await client.until(() => seqOf(client.events.at(-1)!) === current(), 5000, "the last state");
    assert.deepEqual(apply(state, client.events), decodeKeyframe(stream.snapshot()));
    await client.close();
    control.churning = true;
  }
  const [short, long] = results as [{ missed: number; bytes: number }, typeof results[0]];
  const perTick = [short.bytes / short.missed, long.bytes / long.missed];
  assert.ok(
    Math.abs(perTick[0]! / perTick[1]! - 1) < 0.25,
    `bytes per missed tick: ${perTick.map((b) => b.toFixed(0)).join(" vs ")}`,
  );
});

Deno.test("when the deltas missed outweigh a keyframe, one delta from the client's state catches it up", async () => {
  // 20 % of the slots flip every tick: each delta is about as large as the
  // bitmap, so a few ticks' worth outweigh a keyframe.
  const { registry, control } = churned(13_000);
  await using s = serveStream(registry, { interval: 20, heapQuietInterval: 600_000 });
  const stream = s.handler.stream;
  const { state, id } = await visit(s.stream);
  const from = Number(id.split("-")[1]);
  await eventually(() => stream.recorder!.last!.seq >= from + 10, 10_000, "10 ticks");
  control.churning = false;
  const target = stream.recorder!.last!.seq;
  const keyframeBytes = stream.recorder!.lastKeyframeBytes;
  const client = await SseClient.open(`${s.stream}?lastEventId=${id}`);
  await client.nth(1);
  const first = client.events[0]!;
  assert.equal(first.event, "diagnostics-delta");
  const delta = JSON.parse(first.data);
  assert.equal(delta.base, from);
  assert.ok(delta.seq >= target, `${delta.seq} ≥ ${target}`);
  const eventBytes = new TextEncoder().encode(first.data).byteLength;
  assert.ok(eventBytes <= keyframeBytes, `${eventBytes} B against a keyframe of ${keyframeBytes}`);
  await client.until(() => seqOf(client.events.at(-1)!) === stream.recorder!.last!.seq);
  assert.deepEqual(apply(state, client.events), decodeKeyframe(stream.snapshot()));
  await client.close();
});

Deno.test("an id older than the recorder's window gets a keyframe", async () => {
  const { registry } = churned(10);
  await using s = serveStream(registry, {
    interval: 20,
    recorder: { window: 200, keyframeInterval: 50 },
  });
  const { id } = await visit(s.stream);
  const from = Number(id.split("-")[1]);
  await eventually(
    () => s.handler.stream.recorder!.first!.seq > from,
    10_000,
    "the window to move",
  );
  const client = await SseClient.open(s.stream, { "last-event-id": id });
  assert.equal((await client.nth(1)).event, "diagnostics");
  assert.ok(!client.comments.includes("resumed"));
  await client.close();
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
