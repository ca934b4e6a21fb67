// Copyright 2026 the slabscope authors. MIT license.
// The stream's per-client send path: large events in pieces a turn apart,
// order kept, the queue's room counting what waits; and a tick where
// nothing changed visits no client until one is due a ping.
import assert from "node:assert/strict";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { DiagnosticsStream, type DiagnosticsStreamOptions } from "../../dashboard.ts";
import { PIECE_BYTES, StreamClient, WHOLE_BYTES } from "../../core/stream/stream_client.ts";
import { decodeKeyframe } from "../../wire.ts";

const bytes = (length: number, fill: number) => new Uint8Array(length).fill(fill);

/** A client over a real ReadableStream, with a host that only records. */
function standalone(highWaterMark = 1 << 20) {
  const ended: StreamClient[] = [];
  const host = { start() {}, end: (client: StreamClient) => ended.push(client) };
  const client = new StreamClient(host, undefined, undefined, 0);
  const body = new ReadableStream<Uint8Array>(client, {
    highWaterMark,
    size: (chunk) => chunk.byteLength,
  });
  return { client, reader: body.getReader(), ended };
}

Deno.test("StreamClient: small events go at once; a large one a piece now and the rest a piece per turn, in order", async () => {
  const { client, reader } = standalone();
  assert.equal(client.send(bytes(100, 1)), false);
  assert.deepEqual((await reader.read()).value, bytes(100, 1));
  assert.equal(client.send(bytes(WHOLE_BYTES, 3)), false, "whole up to WHOLE_BYTES");
  assert.equal((await reader.read()).value!.byteLength, WHOLE_BYTES);

  const large = Uint8Array.from({ length: WHOLE_BYTES + 1 }, (_, i) => i & 255);
  assert.equal(client.send(large), true);
  assert.equal(client.backlogged, true);
  assert.equal(client.send(bytes(300, 2)), true, "behind what waits");
  const first = (await reader.read()).value!;
  assert.equal(first.byteLength, PIECE_BYTES);
  assert.equal(first.buffer, large.buffer, "a view of the shared bytes, not a copy");
  // Pieces 2 to 4, one per turn; then the last byte and the small event, in one turn.
  const pieces = (WHOLE_BYTES + 1 - 1) / PIECE_BYTES;
  for (let i = 1; i < pieces; i++) {
    assert.equal(client.sendPieces(), true);
    assert.equal((await reader.read()).value!.byteLength, PIECE_BYTES);
  }
  assert.equal(client.sendPieces(), false);
  assert.equal(client.backlogged, false);
  const rest = (await reader.read()).value!;
  assert.deepEqual(rest, large.subarray(pieces * PIECE_BYTES));
  assert.deepEqual((await reader.read()).value, bytes(300, 2));
  assert.equal(client.sendPieces(), false, "nothing waits");
});

Deno.test("StreamClient: room is the queue's room less what waits; close drops what waits and ends the stream", async () => {
  const { client, reader } = standalone(64 * 1024);
  assert.equal(client.room, 64 * 1024);
  client.send(bytes(WHOLE_BYTES + 3, 7)); // nobody reads yet: the first piece is queued
  assert.equal(client.room, 64 * 1024 - PIECE_BYTES - (WHOLE_BYTES + 3 - PIECE_BYTES));
  client.close();
  client.close(); // idempotent
  assert.equal((await reader.read()).value!.byteLength, PIECE_BYTES);
  assert.equal((await reader.read()).done, true);
  assert.throws(() => client.send(bytes(1, 1)), TypeError);
});

Deno.test("StreamClient: cancel ends the client once through its host", async () => {
  const { client, reader, ended } = standalone();
  await reader.cancel();
  assert.deepEqual(ended, [client]);
});

/** A registry whose snapshot calls (one per tick) are timed. */
function watched(slots: number) {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "big", slotSize: 8, capacity: slots }));
  let random = 7;
  for (let i = 0; i < slots; i++) {
    random = (Math.imul(random, 1103515245) + 12345) >>> 0;
    if (random < 2 ** 31) slab.alloc();
  }
  const ticks: number[] = [];
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => {
    ticks.push(performance.now());
    return snapshot(options);
  };
  return { registry, slab, ticks };
}

/** A reader of one stream: raw chunks, and parsed events with their arrival times. */
function reading(stream: DiagnosticsStream) {
  const chunks: Uint8Array[] = [];
  const events: (EventSourceMessage & { at: number })[] = [];
  const parser = createParser({
    onEvent: (event) => events.push({ ...event, at: performance.now() }),
  });
  const decoder = new TextDecoder();
  const reader = stream.connect(new Request("http://localhost/")).body!.getReader();
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      chunks.push(value);
      parser.feed(decoder.decode(value, { stream: true }));
    }
  })();
  return { chunks, events, done };
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

Deno.test("a keyframe larger than a piece reaches the client whole, in pieces of at most PIECE_BYTES", async () => {
  const { registry } = watched(300_000);
  const stream = new DiagnosticsStream(registry, { bootId: "pieces" });
  const client = reading(stream);
  await until(() => client.events.some((e) => e.event === "diagnostics"), "the keyframe");
  const keyframe = client.events.find((e) => e.event === "diagnostics")!;
  assert.equal(keyframe.data, stream.snapshot());
  assert.ok(keyframe.data.length > WHOLE_BYTES, `${keyframe.data.length} characters`);
  assert.ok(client.chunks.every((chunk) => chunk.byteLength <= PIECE_BYTES));
  const pieces = Math.ceil(keyframe.data.length / PIECE_BYTES);
  assert.ok(client.chunks.length > pieces, `${client.chunks.length} chunks`); // and the preamble
  assert.equal(decodeKeyframe(keyframe.data).slabs[0]!.total, 300_000);
  await stream.close();
  await client.done;
});

Deno.test("a tick where nothing changed visits no client until one is due its ping", async () => {
  const { registry, ticks } = watched(4096);
  const options: DiagnosticsStreamOptions = {
    bootId: "idle",
    interval: 10,
    pingInterval: 1_000,
    heartbeatInterval: 60_000,
    heapInterval: 3_600_000,
    heapQuietInterval: 3_600_000,
  };
  // Every look a tick takes at a client goes through its room.
  const room = Object.getOwnPropertyDescriptor(StreamClient.prototype, "room")!;
  const visits: number[] = [];
  Object.defineProperty(StreamClient.prototype, "room", {
    ...room,
    get(this: StreamClient) {
      visits.push(performance.now());
      return room.get!.call(this);
    },
  });
  const stream = new DiagnosticsStream(registry, options);
  try {
    const connected = performance.now();
    const clients = Array.from({ length: 20 }, () => reading(stream));
    await until(
      () => clients.every((c) => c.events.some((e) => e.event === "diagnostics")),
      "every keyframe",
    );
    const start = ticks.length;
    await until(() => clients.every((c) => c.events.some((e) => e.event === "ping")), "pings");
    const quiet = ticks.slice(start).filter((t) => t < connected + options.pingInterval! - 50);
    assert.ok(quiet.length >= 5, `${quiet.length} quiet ticks seen`);
    const early = visits.filter((t) => t < connected + options.pingInterval! - 50);
    assert.deepEqual(early, [], "no visit before any client was due");
    assert.ok(visits.length >= 20, `${visits.length} visits: each client, at its ping`);
    assert.ok(clients.every((c) => c.events.at(-1)!.data === c.events[0]!.id!.split("-")[1]));
  } finally {
    Object.defineProperty(StreamClient.prototype, "room", room);
    await stream.close();
  }
});

Deno.test("clients connected at different times each get their ping on time", async () => {
  const { registry, ticks } = watched(4096);
  const stream = new DiagnosticsStream(registry, {
    bootId: "staggered",
    interval: 20,
    pingInterval: 200,
    heapInterval: 3_600_000,
    heapQuietInterval: 3_600_000,
  });
  const clients: ReturnType<typeof reading>[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const client = reading(stream);
      clients.push(client);
      await until(() => client.events.length >= 1, "a keyframe");
      // The next one connects three ticks into this one's ping interval.
      const tick = ticks.length;
      await until(() => ticks.length >= tick + 3, "three ticks");
    }
    // The keyframe, the heap history that follows it, then the pings.
    await until(() => clients.every((c) => c.events.length >= 7), "five pings each");
    for (const client of clients) {
      assert.equal(client.events[1]!.event, "heap-history");
      const events = [client.events[0]!, ...client.events.slice(2)];
      assert.ok(events.slice(1).every((e) => e.event === "ping"));
      const gaps = events.slice(1, 6).map((e, i) => e.at - events[i]!.at);
      // Each ping within its interval and a tick (and this machine's jitter).
      assert.ok(gaps.every((gap) => gap < 200 + 20 + 150), `gaps ${gaps.map((g) => g.toFixed(0))}`);
    }
  } finally {
    await stream.close();
  }
});
