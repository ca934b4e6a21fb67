// Copyright 2026 the slabscope authors. MIT license.
/// <reference lib="dom" />
// The dashboard's stream client against a real server that sends a keyframe
// the decoder refuses, and against the real stream's heap history.
import assert from "node:assert/strict";
import { LiveStream } from "../../client/live_stream.ts";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { createDiagnosticsHandler } from "../../dashboard.ts";
import { encodeKeyframe, type HeapHistory } from "../../wire.ts";

Deno.test("LiveStream reports a keyframe it cannot decode, keeps its state, and reconnects", async () => {
  const registry = new DiagnosticsRegistry();
  registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 8 })).alloc();
  const good = encodeKeyframe({ ...registry.snapshot({ sampleHeap: false }), seq: 1 });
  // The first connection gets a good keyframe, every later one a keyframe
  // whose summary disagrees with its bitmap.
  const bad = good.replace('"U":1', '"U":2');
  assert.notEqual(bad, good);
  let connections = 0;
  const { promise: third, resolve: thirdArrived } = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    const data = connections++ === 0 ? good : bad;
    if (connections === 3) thirdArrived();
    const body = `event: diagnostics\nid: b-${connections}\ndata: ${data}\n\n`;
    // The stream stays open after its keyframe; the first one closes to
    // make the client reconnect.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body));
        if (connections === 1) controller.close();
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  });
  const errors: string[] = [];
  const states: number[] = [];
  const { promise: refused, resolve } = Promise.withResolvers<void>();
  const live = new LiveStream({
    url: `http://127.0.0.1:${server.addr.port}/`,
    onState: (state) => states.push(state.slabs[0]!.summary.U),
    onConnection: () => {},
    onServerError: (message) => {
      errors.push(message);
      resolve();
    },
  });
  try {
    live.start();
    await refused;
    assert.match(
      errors[0]!,
      /^Cannot decode keyframe\.slabs\[0\]\.summary: U is 2, the slots hold 1/,
    );
    assert.deepEqual(states, [1], "the refused keyframe changed nothing");
    assert.equal(live.state?.slabs[0]?.summary.U, 1);
    await third; // it tries again, with backoff
  } finally {
    live.stop();
    await server.shutdown();
  }
});

Deno.test("LiveStream hands on the heap history that follows its first keyframe, after the keyframe", async () => {
  const registry = new DiagnosticsRegistry();
  registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 8 }));
  const handler = createDiagnosticsHandler(registry, { interval: 20 });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const calls: string[] = [];
  const { promise: handed, resolve } = Promise.withResolvers<HeapHistory>();
  const live = new LiveStream({
    url: `http://127.0.0.1:${server.addr.port}/debug/diagnostics/memory`,
    onState: (_state, kind) => calls.push(kind),
    onHeapHistory: (history) => {
      calls.push("heap-history");
      resolve(history);
    },
    onConnection: () => {},
  });
  try {
    live.start();
    const history = await handed;
    assert.deepEqual(calls, ["keyframe", "heap-history"]);
    assert.ok(history.times.length >= 1);
    assert.equal(history.rss.at(-1), live.state!.heap.rss);
  } finally {
    live.stop();
    await handler.close();
    await server.shutdown();
  }
});

Deno.test("LiveStream ignores a heap history it cannot decode: the state stays, the connection too", async () => {
  const registry = new DiagnosticsRegistry();
  registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 8 }));
  const keyframe = encodeKeyframe({ ...registry.snapshot({ sampleHeap: false }), seq: 1 });
  let connections = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    connections++;
    const body = `event:diagnostics\nid:b-1\ndata:${keyframe}\n\n` +
      `event:heap-history\ndata:{"v":1,"start":0,"t":[0],"rss":[-1]}\n\nevent:ping\ndata:1\n\n`;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(new TextEncoder().encode(body)),
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  });
  const warnings: unknown[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args[1]);
  const histories: HeapHistory[] = [];
  const { promise: pinged, resolve } = Promise.withResolvers<void>();
  const live = new LiveStream({
    url: `http://127.0.0.1:${server.addr.port}/`,
    onState: () => {},
    onHeapHistory: (history) => histories.push(history),
    onConnection: (state) => state === "live" && resolve(),
  });
  try {
    live.start();
    await pinged;
    while (warnings.length === 0) await new Promise((r) => setTimeout(r, 10));
    assert.match(String(warnings[0]), /SyntaxError: Cannot decode heap_history\.rss\[0\]/);
    assert.deepEqual(histories, []);
    assert.equal(live.state?.seq, 1);
    assert.equal(connections, 1);
  } finally {
    console.warn = warn;
    live.stop();
    await server.shutdown();
  }
});
