// Copyright 2026 the slabscope authors. MIT license.
// The diagnostics stream over a real Deno.serve with real fetch clients.
import assert from "node:assert/strict";
import { applyDelta, decodeKeyframe } from "../../wire.ts";
import { DiagnosticsRegistry, HandleState, type MemorySnapshot, SlabAllocator } from "../../mod.ts";
import { assertDroppedOnTime, readInProcess, renamingOwners } from "./_stalled_clients.ts";
import { serveStream } from "./_stream_server.ts";
import { eventually, SseClient } from "./_sse_client.ts";

/** A registry with a plain slab, a handle slab and an owner, plus a workload that moves them. */
function workload() {
  const registry = new DiagnosticsRegistry();
  const server = registry.owners.register(":9000", "server");
  const objects = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 16, capacity: 4096 }),
  );
  const conns = registry.addSlab(
    new SlabAllocator({ name: "conns", slotSize: 1, capacity: 256, kind: "handle" }),
  );
  const held: number[] = [];
  const open: number[] = [];
  let random = 12345;
  const next = () => (random = (Math.imul(random, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const step = () => {
    for (let i = 0; i < 40; i++) {
      if (next() < 0.55 && held.length < 4000) held.push(objects.alloc()!);
      else if (held.length > 0) objects.free(held.splice(Math.floor(next() * held.length), 1)[0]!);
    }
    const h = conns.alloc(server);
    if (h !== null) open.push(h);
    for (const c of open) {
      if (next() < 0.3) {
        conns.setState(
          c,
          [HandleState.Active, HandleState.Idle, HandleState.Closing][Math.floor(next() * 3)]!,
        );
      }
    }
    while (open.length > 50) conns.free(open.shift()!);
  };
  return { registry, step };
}

/** Rebuilds the state a client holds from the events it received. */
function reconstruct(client: SseClient): MemorySnapshot {
  let state: MemorySnapshot | undefined;
  for (const event of client.events) {
    if (event.event === "diagnostics") state = decodeKeyframe(event.data);
    else if (event.event === "diagnostics-delta") state = applyDelta(state!, event.data);
  }
  return state!;
}

Deno.test("a real client rebuilds exactly the /snapshot JSON from keyframe + deltas; ids increase", async () => {
  const { registry, step } = workload();
  await using s = serveStream(registry, { interval: 50 });
  const client = await SseClient.open(s.stream);
  assert.equal(client.status, 200);
  assert.equal(client.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assert.equal(client.headers.get("cache-control"), "no-cache, no-store, no-transform");
  assert.equal(client.headers.get("content-encoding"), null);
  const timer = setInterval(step, 20);
  await client.until(() =>
    client.events.filter((e) => e.event === "diagnostics-delta").length >= 20
  );
  clearInterval(timer);
  // Workload paused: wait for two quiet ticks, then compare.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const expected = decodeKeyframe(await (await fetch(s.snapshot)).text());
  assert.deepEqual(reconstruct(client), expected);

  assert.ok(
    client.retry !== undefined && client.retry >= 1000 && client.retry < 2000,
    `retry ${client.retry}`,
  );
  assert.equal(client.comments[0], "connected");
  assert.equal(client.events[0]!.event, "diagnostics");
  assert.equal(client.events[1]!.event, "heap-history");
  // Every state event has an id; the heap history none (tests/integration/heap_history_test.ts).
  const ids = client.events.filter((e) => e.event !== "heap-history").map((e) => e.id!.split("-"));
  assert.ok(ids.every(([boot]) => boot === s.handler.stream.bootId));
  const seqs = ids.map(([, seq]) => Number(seq));
  assert.ok(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!), `ids increase: ${seqs.join()}`);
  await client.close();
});

Deno.test("an idle stream sends only pings carrying the seq, and heartbeat comments", async () => {
  const { registry } = workload();
  await using s = serveStream(registry, {
    interval: 50,
    heartbeatInterval: 300,
    pingInterval: 200,
    heapQuietInterval: 60_000,
  });
  const client = await SseClient.open(s.stream);
  const keyframe = await client.nth(1);
  assert.equal((await client.nth(2)).event, "heap-history");
  const seq = keyframe.id!.split("-")[1];
  const comments = client.comments.length;
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const after = client.events.slice(2);
  assert.ok(after.length >= 4, `${after.length} pings`);
  assert.ok(after.every((e) => e.event === "ping" && e.data === seq && e.id === undefined));
  assert.ok(
    client.comments.length - comments >= 3,
    `${client.comments.length - comments} heartbeats`,
  );
  await client.close();
});

Deno.test("200 connect-then-abruptly-disconnect cycles leave no client and no timer", async () => {
  const { registry, step } = workload();
  // Without the recorder the timer runs only while clients are connected
  // (with it, it runs until close(): tests/integration/recorder_test.ts).
  await using s = serveStream(registry, { interval: 20, recorder: false });
  const timer = setInterval(step, 10);
  for (let i = 0; i < 200; i++) {
    if (i % 2 === 0) {
      // A raw socket, closed without a word in the middle of the stream.
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await conn.write(new TextEncoder().encode(
        "GET /debug/diagnostics/memory HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      ));
      await conn.read(new Uint8Array(256));
      conn.close();
    } else {
      // fetch(), aborted right after the headers.
      const abort = new AbortController();
      const response = await fetch(s.stream, { signal: abort.signal });
      assert.equal(response.status, 200);
      abort.abort();
      await response.body?.cancel().catch(() => {});
    }
  }
  clearInterval(timer);
  await eventually(() => s.handler.stream.clientCount === 0, 5_000, "0 clients");
  await eventually(() => !s.handler.stream.ticking, 1_000, "the timer to stop");
});

Deno.test("a client that never reads is dropped slowClientTimeout after its first skipped tick, while another gets every tick", async () => {
  const { registry, ticks } = renamingOwners(() => s.handler.stream.stats);
  const slowClientTimeout = 1_000;
  await using s = serveStream(registry, { interval: 100, slowClientTimeout });
  using stalled = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
  await stalled.write(new TextEncoder().encode(
    "GET /debug/diagnostics/memory HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
  ));
  const reader = readInProcess(s.handler.stream, s.stream);
  try {
    await eventually(
      () => ticks.at(-1)!.dropped === 1,
      60_000,
      "the stalled client to be dropped, and a tick after it",
    );
    assertDroppedOnTime(ticks, slowClientTimeout);
    assert.equal(s.handler.stream.clientCount, 1);
    reader.assertKeptUp(5);
  } finally {
    // `stalled` is disposed before the server (reverse order of declaration):
    // a graceful shutdown would wait for it forever.
    await reader.stop();
  }
});

Deno.test("Last-Event-ID matrix: the current id resumes, an older one the recorder holds catches up with deltas, everything else gets a keyframe, always 200", async () => {
  const { registry, step } = workload();
  // No heap-only deltas during the test: the current id must stay put.
  await using s = serveStream(registry, { interval: 50, heapQuietInterval: 600_000 });
  const first = await SseClient.open(s.stream);
  await first.nth(1);
  step();
  await first.until(() => first.events.at(-1)!.event === "diagnostics-delta", 5_000, "a delta");
  const boot = s.handler.stream.bootId;
  const seq = Number(first.events.at(-1)!.id!.split("-")[1]);
  const cases: [string | undefined, "keyframe" | "resume" | "catch-up"][] = [
    [undefined, "keyframe"],
    ["", "keyframe"],
    ["garbage", "keyframe"],
    ["x".repeat(10_000), "keyframe"],
    [`${boot}-${seq}\u0000`, "keyframe"],
    [`${boot}-1e309`, "keyframe"],
    [`${boot}--1`, "keyframe"],
    [`${boot}-99999999999999999999`, "keyframe"],
    [`other0boot-${seq}`, "keyframe"],
    [`${boot}-0`, "keyframe"], // before the recorder's first keyframe (seq 1)
    [`${boot}-${seq - 1}`, "catch-up"], // behind, within the recorder's window
    [`${boot}-${seq + 5}`, "keyframe"], // ahead
    [`${boot}-${seq}`, "resume"], // exactly current
  ];
  for (const [header, expected] of cases) {
    const headers: Record<string, string> = header === undefined ? {} : { "last-event-id": header };
    let client: SseClient;
    try {
      client = await SseClient.open(s.stream, headers);
    } catch {
      continue; // fetch refuses some header values (NUL) before sending: nothing reaches the server
    }
    const shown = JSON.stringify(header?.slice(0, 24));
    assert.equal(client.status, 200, `status for ${shown}`);
    if (expected === "resume") {
      await client.until(() => client.comments.includes("resumed"), 2000, "resumed");
      assert.equal(client.events.length, 0, "no keyframe after resuming");
    } else if (expected === "catch-up") {
      const event = await client.nth(1);
      assert.ok(client.comments.includes("resumed"), `resumed for ${shown}`);
      assert.equal(event.event, "diagnostics-delta", `a delta for ${shown}`);
      assert.equal(event.id, `${boot}-${seq}`);
    } else {
      const event = await client.nth(1);
      assert.equal(event.event, "diagnostics", `keyframe for ${shown}`);
    }
    await client.close();
  }
  await first.close();
});

Deno.test("a snapshot that throws sends an error event and the stream lives on", async () => {
  const { registry, step } = workload();
  const real = registry.snapshot.bind(registry);
  let failing = false;
  registry.snapshot = (options) => {
    if (failing) throw new Error("pool walked away");
    return real(options);
  };
  await using s = serveStream(registry, { interval: 40 });
  const client = await SseClient.open(s.stream);
  await client.nth(1);
  failing = true;
  await client.until(() => client.events.some((e) => e.event === "error"), 3000, "an error event");
  const error = client.events.find((e) => e.event === "error")!;
  assert.match(JSON.parse(error.data).message, /Cannot collect a snapshot: pool walked away/);
  failing = false;
  step();
  await client.until(
    () => client.events.at(-1)!.event === "diagnostics-delta",
    3000,
    "a delta after the error",
  );
  assert.equal(client.ended, false);
  await client.close();
});

Deno.test("close() ends every open stream within a second; later connections get 503", async () => {
  const { registry } = workload();
  await using s = serveStream(registry);
  const clients = await Promise.all(Array.from({ length: 20 }, () => SseClient.open(s.stream)));
  await Promise.all(clients.map((c) => c.nth(1)));
  const started = performance.now();
  await s.handler.close();
  await Promise.all(clients.map((c) => c.until(() => c.ended, 1000, "end of stream")));
  assert.ok(performance.now() - started < 1000);
  assert.equal((await fetch(s.stream)).status, 503);
});

Deno.test("every client gets the same bytes: one encode per tick, chunks shared, never detached", async () => {
  const { registry, step } = workload();
  await using s = serveStream(registry, { interval: 50 });
  const clients = await Promise.all(Array.from({ length: 10 }, () => SseClient.open(s.stream)));
  await Promise.all(clients.map((c) => c.nth(1)));
  for (let i = 0; i < 5; i++) {
    step();
    await new Promise((resolve) => setTimeout(resolve, 60));
  }
  await Promise.all(clients.map((c) => c.until(() => c.events.length >= 4)));
  const reference = clients[0]!.events.map((e) => e.data);
  for (const client of clients) {
    // Clients connected a little apart may see one more or one less delta.
    const overlap = client.events.map((e) => e.data).filter((data) => reference.includes(data));
    assert.ok(overlap.length >= 3);
  }
  const state = reconstruct(clients[0]!);
  for (const client of clients) assert.deepEqual(reconstruct(client).slabs, state.slabs);
  await Promise.all(clients.map((c) => c.close()));
});

Deno.test("the payload carries the stream's own cost", async () => {
  const { registry, step } = workload();
  await using s = serveStream(registry, { interval: 50 });
  const client = await SseClient.open(s.stream);
  await client.nth(1);
  step();
  await client.until(() => client.events.at(-1)!.event === "diagnostics-delta", 5_000, "a delta");
  const state = reconstruct(client);
  assert.equal(state.stream!.clients, 1);
  assert.ok(state.stream!.bytes_sent > 0 && state.stream!.events_sent >= 1);
  assert.ok(state.stream!.collect_us > 0);
  await client.close();
});

Deno.test("snapshot and slot endpoints answer JSON; other paths 404; other methods 405", async () => {
  const { registry, step } = workload();
  step();
  await using s = serveStream(registry);
  const snapshot = await fetch(s.snapshot);
  assert.equal(snapshot.headers.get("content-type"), "application/json; charset=utf-8");
  const body = decodeKeyframe(await snapshot.text());
  assert.equal(body.slabs[1]!.name, "conns");
  const slot = await (await fetch(`${s.base}/debug/diagnostics/slot?slab=conns&index=0`)).json();
  assert.equal(slot.ownerName, ":9000");
  assert.ok(slot.age >= 0);
  assert.equal((await fetch(`${s.base}/debug/diagnostics/slot?slab=nope&index=0`)).status, 404);
  assert.equal(
    (await fetch(`${s.base}/debug/diagnostics/slot?slab=conns&index=99999`)).status,
    400,
  );
  assert.equal((await fetch(`${s.base}/debug/diagnostics/slot`)).status, 400);
  assert.equal((await fetch(`${s.base}/nope`)).status, 404);
  const post = await fetch(s.snapshot, { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});
