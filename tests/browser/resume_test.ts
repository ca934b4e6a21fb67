// Copyright 2026 the slabscope authors. MIT license.
// Resumption in real Chromium: a dropped connection is retried by the
// browser's own EventSource (Last-Event-ID), and the server's flight
// recorder sends only what was missed. The bytes are counted on the wire,
// by a TCP proxy between the browser and the server.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { createDashboard } from "../../dashboard.ts";
import { decodeKeyframe } from "../../wire.ts";
import { noBrowser } from "./_chromium.ts";
import { TcpProxy } from "./_tcp_proxy.ts";
import { openPage, until, usedCells } from "./_timeline_page.ts";

/** A 262,144-slot slab half full, 20 slots flipping every tick (a keyframe is 44 KB, a delta ~0.4 KB). */
function workload() {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 8, capacity: 262_144 }),
  );
  const held: number[] = [];
  for (let i = 0; i < 131_072; i++) held.push(slab.alloc()!);
  let random = 5;
  const next = () => (random = (Math.imul(random, 1103515245) + 12345) >>> 0) / 2 ** 32;
  let freed = 0;
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => {
    if (freed === 0) {
      for (let i = 0; i < 20; i++) {
        const k = Math.floor(next() * held.length);
        slab.free(held[k]!);
        held[k] = held[held.length - 1]!;
        held.pop();
      }
      freed = 20;
    } else {
      for (; freed > 0; freed--) held.push(slab.alloc()!);
    }
    return snapshot(options);
  };
  return registry;
}

const STREAM = "GET /debug/diagnostics/memory";

Deno.test({
  name:
    "resume: after a dropped connection Chromium's own retry gets only the missed deltas, no keyframe; after an outage too",
  ignore: noBrowser,
  async fn() {
    const dashboard = createDashboard(workload(), { interval: 50, heapQuietInterval: 600_000 });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
    const proxy = new TcpProxy(server.addr.port);
    const stream = dashboard.stream;
    const { page, problems, close } = await openPage(
      `http://127.0.0.1:${proxy.port}/debug/`,
      '[data-connection="live"]',
    );
    const seqOnPage = async () =>
      Number(await page.locator("[data-connection]").getAttribute("data-seq") ?? NaN);
    const streams = () => proxy.connections.filter((c) => c.request.includes(STREAM));
    try {
      await until(async () => (await usedCells(page, "objects")) > 0, "the grid");
      const keyframeBytes = stream.recorder!.lastKeyframeBytes;
      assert.ok(keyframeBytes > 40_000, `a keyframe of ${keyframeBytes} B`);
      assert.match(
        streams()[0]!.text,
        /event:diagnostics\n/,
        "the first connection had its keyframe",
      );

      const results: { missed: number; bytes: number; native: boolean }[] = [];
      for (const outage of [0, 4000]) {
        const before = streams().length;
        const from = await seqOnPage();
        if (outage > 0) proxy.refuse(true);
        proxy.dropAll();
        if (outage > 0) {
          // The server goes on; nothing gets through for this long.
          const target = stream.recorder!.last!.seq + outage / 50;
          await until(() => stream.recorder!.last!.seq >= target, `${outage} ms of ticks`);
          proxy.refuse(false);
        }
        await until(() => streams().length > before, "a new stream connection", 30_000);
        const resumed = streams()[before]!;
        const current = stream.recorder!.last!.seq;
        await until(async () => (await seqOnPage()) >= current, "the page caught up", 20_000);
        const missed = current - from;
        // What came down until then: the resumption, and nothing like a keyframe.
        assert.match(resumed.text, /:resumed\n/);
        assert.doesNotMatch(resumed.text, /event:diagnostics\n/, "no keyframe");
        // The bytes up to the end of the first event that brought the page
        // to `current` or past it: live ticks after it (more of them the
        // slower the machine) are not the resumption's.
        const caughtUp = [...resumed.text.matchAll(/id:[0-9a-z]+-(\d+)\n/g)]
          .find((match) => Number(match[1]) >= current);
        assert.ok(caughtUp !== undefined, `an event with state ${current} or later`);
        const upTo = new TextEncoder().encode(
          resumed.text.slice(0, caughtUp.index + caughtUp[0].length),
        ).length;
        results.push({
          missed,
          bytes: upTo,
          native: /\r\nlast-event-id: /i.test(resumed.request) &&
            !resumed.request.includes("lastEventId="),
        });
      }
      // The first drop: Chromium's own retry, with Last-Event-ID.
      assert.ok(results[0]!.native, `native retry: ${streams().at(-2)!.request.split("\r\n")[0]}`);
      // Never more than a keyframe (past that the recorder sends one delta
      // computed for the client), plus the response's headers and chunk framing.
      for (const { missed, bytes } of results) {
        assert.ok(
          bytes <= keyframeBytes + 1024,
          `${bytes} B for ${missed} missed ticks, a keyframe is ${keyframeBytes} B`,
        );
      }
      // The long outage missed more: what it got is the deltas it missed, or,
      // where those outweigh a keyframe, one delta of the net change.
      assert.ok(results[1]!.missed > results[0]!.missed * 2, JSON.stringify(results));
      // And the picture is the server's.
      await until(
        async () =>
          (await usedCells(page, "objects")) ===
            decodeKeyframe(stream.snapshot()).slabs[0]!.summary.U,
        "the grid matches",
      );
      console.log(`resume: ${JSON.stringify(results)}, keyframe ${keyframeBytes} B`);
      assert.deepEqual(problems.filter((p) => !/ERR_CONNECTION|net::/.test(p)), []);
    } finally {
      await close();
      await proxy.close();
      await dashboard.close();
      await server.shutdown();
    }
  },
});
