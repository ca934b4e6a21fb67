// Copyright 2026 the slabscope authors. MIT license.
/// <reference lib="dom" />
// The dashboard's stream client against a real server that sends a keyframe
// the decoder refuses.
import assert from "node:assert/strict";
import { LiveStream } from "../../client/live_stream.ts";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { encodeKeyframe } from "../../wire.ts";

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
