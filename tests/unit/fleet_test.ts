// Copyright 2026 the slabscope authors. MIT license.
/// <reference lib="deno.unstable" />
// The fleet view against an in-memory KV (`--unstable-kv`): summaries,
// chunked keyframes, no mixed reads, expiry.
import assert from "node:assert/strict";
import { Arena, ArenaPool, DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { decodeKeyframe, encodeKeyframe } from "../../wire.ts";
import { DiagnosticsStream } from "../../core/stream/diagnostics_stream.ts";
import {
  type KeyframeHeader,
  parseHeader,
  readKeyframe,
  writeKeyframe,
} from "../../core/fleet/keyframes.ts";
import {
  CHUNK_BYTES,
  type FleetKv,
  type FleetKvKey,
  headerKey,
  instanceKey,
  KV_LIMITS,
  requestKey,
} from "../../core/fleet/kv.ts";
import { type FleetSource, publishToFleet } from "../../core/fleet/publisher.ts";
import { listInstances, requestKeyframe } from "../../core/fleet/reader.ts";
import { type InstanceSummary, SUMMARY_VERSION } from "../../core/fleet/summary.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withKv(fn: (kv: Deno.Kv) => Promise<void>): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

async function header(kv: Deno.Kv, id: string): Promise<KeyframeHeader> {
  const found = parseHeader((await kv.get(headerKey(id))).value);
  assert.ok(found, `no keyframe header for ${id}`);
  return found;
}

/** A 1,048,576-slot slab with a random half of its slots in use. */
function halfUsedSlab(registry: DiagnosticsRegistry): SlabAllocator {
  const slab = registry.addSlab(
    new SlabAllocator({ name: "big", slotSize: 1, capacity: 1_048_576 }),
  );
  const handles: number[] = [];
  for (let i = 0; i < slab.capacity; i++) handles.push(slab.alloc()!);
  for (const handle of handles) if (Math.random() < 0.5) slab.free(handle);
  return slab;
}

function summaryOf(overrides: Partial<InstanceSummary>): InstanceSummary {
  const now = Date.now();
  return {
    id: "x",
    name: "x",
    host: "h",
    started: now - 1000,
    updated: now,
    uptime: 1000,
    expireIn: 1000,
    worst: null,
    pools: 0,
    overflow: 0,
    heapUsed: 1,
    rss: 1,
    trust: null,
    v: SUMMARY_VERSION,
    ...overrides,
  };
}

Deno.test("publishToFleet() writes a compact summary at once, then every interval", async () => {
  await withKv(async (kv) => {
    const registry = new DiagnosticsRegistry();
    const server = registry.owners.register(":8080", "server");
    const handles = registry.addSlab(
      new SlabAllocator({ name: "handles", slotSize: 1, capacity: 8, kind: "handle" }),
    );
    for (let i = 0; i < 6; i++) handles.setState(handles.alloc(server)!, HandleState.Active);
    const tiny = registry.addSlab(new SlabAllocator({ name: "tiny", slotSize: 8, capacity: 2 }));
    tiny.alloc();
    tiny.alloc();
    tiny.alloc(); // refused: overflow 1
    registry.addArena(new Arena({ name: "scratch", capacity: 1000 })).alloc(100);
    registry.addArenaPool(new ArenaPool({ name: "streams", arenaCapacity: 64, count: 4 }));

    const publisher = publishToFleet(registry, kv, { name: "api", host: "box", interval: 50 });
    try {
      await publisher.ready;
      assert.match(publisher.id, /^[0-9a-z]{10}$/);
      const first = await kv.get<InstanceSummary>(instanceKey(publisher.id));
      const summary = first.value!;
      assert.deepEqual(summary, {
        id: publisher.id,
        name: "api",
        host: "box",
        pid: Deno.pid,
        started: Math.round(performance.timeOrigin),
        updated: summary.updated,
        uptime: summary.updated - Math.round(performance.timeOrigin),
        expireIn: 150,
        worst: { pool: "tiny", ratio: 1 },
        pools: 4,
        overflow: 1,
        heapUsed: summary.heapUsed,
        rss: summary.rss,
        trust: null,
        v: 2,
      });
      assert.ok(Math.abs(summary.updated - Date.now()) < 1000);
      assert.ok(summary.heapUsed > 0 && summary.rss >= summary.heapUsed);
      assert.ok(JSON.stringify(summary).length < 512, "a summary is a few hundred bytes");

      await delay(150);
      const later = await kv.get<InstanceSummary>(instanceKey(publisher.id));
      assert.ok(later.value!.updated > summary.updated, "rewritten every interval");
      assert.deepEqual(
        (await listInstances(kv)).map((i) => i.id),
        [publisher.id],
      );
    } finally {
      await publisher.close();
    }
    assert.equal((await kv.get(instanceKey(publisher.id))).value, null, "close() removes it");
    await publisher.close(); // idempotent
  });
});

Deno.test("publishToFleet() takes a DiagnosticsStream, defaults, and checks options", async () => {
  await withKv(async (kv) => {
    const registry = new DiagnosticsRegistry();
    registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 4 })).alloc();
    const stream = new DiagnosticsStream(registry);
    await using publisher = publishToFleet(stream, kv);
    await publisher.ready;
    const [summary] = await listInstances(kv);
    assert.equal(summary?.host, Deno.hostname()); // the tests run with -A
    assert.equal(summary?.name, summary?.host);
    assert.deepEqual(summary?.worst, { pool: "s", ratio: 0.25 });
    assert.equal(summary?.expireIn, 15_000);
    const text = await requestKeyframe(kv, publisher.id);
    assert.equal(decodeKeyframe(text!).slabs[0]?.used, 1);
    await stream.close();

    assert.throws(() => publishToFleet(registry, kv, { id: "" }), TypeError);
    assert.throws(() => publishToFleet(registry, kv, { id: "x".repeat(65) }), TypeError);
    assert.throws(() => publishToFleet(registry, kv, { name: "" }), TypeError);
    assert.throws(() => publishToFleet(registry, kv, { interval: 0 }), RangeError);
    assert.throws(() => publishToFleet(registry, kv, { expireIn: NaN }), RangeError);
    assert.throws(() => publishToFleet(registry, kv, { pollInterval: -1 }), RangeError);
  });
});

Deno.test("a 1,048,576-slot keyframe goes through KV in chunks and comes back whole", async () => {
  await withKv(async (kv) => {
    const registry = new DiagnosticsRegistry();
    const slab = halfUsedSlab(registry);
    const used = slab.stats().used;
    assert.ok(used > 500_000 && used < 548_000);
    const publisher = publishToFleet(registry, kv, { id: "big-one" });
    try {
      await publisher.ready;
      const text = await requestKeyframe(kv, "big-one");
      assert.ok(text !== undefined);
      assert.ok(text.length > 170_000, `${text.length} bytes`);
      const decoded = decodeKeyframe(text);
      assert.equal(decoded.slabs[0]?.used, used);
      assert.deepEqual(decoded.slabs[0]?.bitmap, registry.snapshot().slabs[0]?.bitmap);

      const { chunks, bytes, version } = await header(kv, "big-one");
      assert.equal(bytes, text.length);
      assert.equal(chunks, Math.ceil(bytes / CHUNK_BYTES));
      assert.ok(chunks >= 3);
      const stored = await Array.fromAsync(
        kv.list<Uint8Array>({ prefix: ["slabscope", "keyframes", "big-one", version] }),
      );
      assert.equal(stored.length, chunks);
      assert.ok(stored.every((e) => e.value.length <= KV_LIMITS.maxValueBytes));
      assert.equal(stored[0]?.value.length, KV_LIMITS.maxValueBytes, "full 64 KiB chunks");
    } finally {
      await publisher.close();
    }
  });
});

Deno.test("writeKeyframe() fits one atomic write when it can, and writes the header last", async () => {
  await withKv(async (kv) => {
    const commits: string[][] = [];
    const recording: FleetKv = {
      get: (key) => kv.get(key),
      set: (key, value, options) => kv.set(key, value, options),
      delete: (key) => kv.delete(key),
      list: (selector, options) => kv.list(selector, options),
      watch: (keys) => kv.watch(keys),
      atomic() {
        const op = kv.atomic();
        const keys: string[] = [];
        return {
          set(key: FleetKvKey, value: unknown, options?: { expireIn?: number }) {
            keys.push(key.slice(3).join("/") || "header");
            op.set(key, value, options);
          },
          commit() {
            commits.push(keys);
            return op.commit();
          },
        };
      },
    };
    // 12 chunks of 64 KiB fit in one operation (786,432 bytes + keys < 819,200).
    const fits = "a".repeat(12 * CHUNK_BYTES);
    const one = await writeKeyframe(recording, "i", fits, { nonce: "n", seq: 1, expireIn: 60_000 });
    assert.equal(one.commits, 1);
    assert.equal(one.header.chunks, 12);
    assert.equal(await readKeyframe(kv, "i", one.header), fits);

    // One more byte takes two: the first 12 chunks, then the last with the header.
    commits.length = 0;
    const over = fits + "b";
    const two = await writeKeyframe(recording, "i", over, { nonce: "n", seq: 2, expireIn: 60_000 });
    assert.equal(two.commits, 2);
    assert.equal(commits[0]!.length, 12);
    assert.ok(!commits[0]!.includes("header"));
    assert.deepEqual(commits[1], [`${two.header.version}/12`, "header"]);
    assert.equal(await readKeyframe(kv, "i", two.header), over);

    // Small limits: many operations, the header in the last one only.
    commits.length = 0;
    const text = JSON.stringify({ text: "é".repeat(5000) }); // multi-byte characters split across chunks
    const many = await writeKeyframe(recording, "i", text, {
      nonce: "n",
      seq: 3,
      expireIn: 60_000,
      chunkBytes: 1000,
      commitBytes: 5000,
    });
    assert.equal(many.header.chunks, Math.ceil(new TextEncoder().encode(text).length / 1000));
    assert.equal(many.commits, commits.length);
    assert.ok(many.commits > 2);
    assert.deepEqual(commits.flat().filter((k) => k === "header"), ["header"]);
    assert.equal(commits.at(-1)!.at(-1), "header");
    assert.equal(await readKeyframe(kv, "i", many.header), text);
  });
});

Deno.test("a reader never reassembles a mix of two keyframes", async () => {
  await withKv(async (kv) => {
    const a = JSON.stringify({ which: "a", fill: "a".repeat(300_000) });
    const b = JSON.stringify({ which: "b", fill: "b".repeat(300_000) });
    // Written back to back: a reader holding the first header still gets the first keyframe.
    await writeKeyframe(kv, "i", a, { nonce: "1", seq: 1, expireIn: 60_000 });
    const first = await header(kv, "i");
    await writeKeyframe(kv, "i", b, { nonce: "2", seq: 2, expireIn: 60_000 });
    const second = await header(kv, "i");
    assert.notEqual(first.version, second.version);
    assert.equal(await readKeyframe(kv, "i", first), a);
    assert.equal(await readKeyframe(kv, "i", second), b);

    // Writers and readers at once, with small chunks so that a mix would be likely.
    const options = { expireIn: 60_000, chunkBytes: 4096, commitBytes: 20_000 };
    let done = false;
    const writer = (async () => {
      for (let seq = 3; seq < 43 && !done; seq++) {
        await writeKeyframe(kv, "i", seq % 2 ? a : b, { ...options, nonce: String(seq), seq });
      }
      done = true;
    })();
    let reads = 0;
    try {
      while (!done) {
        const current = await header(kv, "i");
        await delay(0);
        const text = await readKeyframe(kv, "i", current);
        assert.ok(text === a || text === b, "a whole keyframe, never a mix");
        reads++;
      }
    } finally {
      done = true;
      await writer;
    }
    assert.ok(reads > 5, `${reads} reads`);
  });
});

Deno.test("requestKeyframe() gets a fresh keyframe each time, also for readers at once", async () => {
  await withKv(async (kv) => {
    const registry = new DiagnosticsRegistry();
    const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 64 }));
    const texts = new Set<string>();
    const source: FleetSource = {
      snapshot() {
        const text = encodeKeyframe(registry.snapshot());
        texts.add(text);
        return text;
      },
    };
    const publisher = publishToFleet(source, kv, { interval: 1000, pollInterval: 20 });
    try {
      await publisher.ready;
      for (let round = 1; round <= 3; round++) {
        slab.alloc();
        const results = await Promise.all(
          [1, 2, 3].map(() => requestKeyframe(kv, publisher.id, { timeout: 2000 })),
        );
        for (const text of results) {
          assert.ok(text !== undefined && texts.has(text), "a keyframe the publisher wrote");
          assert.equal(decodeKeyframe(text).slabs[0]?.used, round, "written after the request");
        }
      }
    } finally {
      await publisher.close();
    }
  });
});

Deno.test("listInstances() leaves out expired summaries that KV has not deleted yet", async () => {
  await withKv(async (kv) => {
    const now = Date.now();
    await kv.set(instanceKey("live-b"), summaryOf({ id: "live-b", name: "b" }));
    await kv.set(instanceKey("live-a2"), summaryOf({ id: "live-a2", name: "a" }));
    await kv.set(instanceKey("live-a1"), summaryOf({ id: "live-a1", name: "a" }));
    await kv.set(instanceKey("dead"), summaryOf({ id: "dead", updated: now - 5000 }));
    await kv.set(instanceKey("junk"), { hello: "world" });
    await kv.set(instanceKey("moved"), summaryOf({ id: "elsewhere" }));
    await kv.set(instanceKey("future"), summaryOf({ id: "future", v: SUMMARY_VERSION + 1 }));
    // Version 1 had no `trust`: such an instance would not say it is protected.
    const { trust: _, ...v1 } = summaryOf({ id: "v1", v: 1 });
    await kv.set(instanceKey("v1"), v1);
    await kv.set(instanceKey("untrusty"), { ...summaryOf({ id: "untrusty" }), trust: "x" });

    const live = await listInstances(kv, { now });
    assert.deepEqual(live.map((i) => i.id), ["live-a1", "live-a2", "live-b"]);
    assert.deepEqual(await listInstances(kv, { now: now + 2000 }), []);
    const eventual = await listInstances(kv, { now, consistency: "eventual" });
    assert.deepEqual(eventual.map((i) => i.id), ["live-a1", "live-a2", "live-b"]);
    // Key order: dead, future, junk, live-a1…: four read, one kept.
    assert.deepEqual((await listInstances(kv, { now, limit: 4 })).map((i) => i.id), ["live-a1"]);
    await assert.rejects(listInstances(kv, { limit: 0 }), RangeError);

    // A publisher that dies without close(): its entry stays in KV past its
    // expiry (deletion is lazy), but it leaves the list on time.
    const registry = new DiagnosticsRegistry();
    const keep: FleetKv = {
      get: (key) => kv.get(key),
      set: (key, value, options) => kv.set(key, value, options),
      delete: () => Promise.resolve(), // what a killed process does
      list: (selector, options) => kv.list(selector, options),
      watch: (keys) => kv.watch(keys),
      atomic: () => kv.atomic(),
    };
    const publisher = publishToFleet(registry, keep, { id: "gone", interval: 50, expireIn: 100 });
    await publisher.ready;
    assert.ok((await listInstances(kv)).some((i) => i.id === "gone"));
    await publisher.close();
    await delay(150);
    assert.notEqual((await kv.get(instanceKey("gone"))).value, null, "KV still holds it");
    assert.ok(!(await listInstances(kv)).some((i) => i.id === "gone"));
  });
});

Deno.test("requestKeyframe() answers undefined when nobody answers, and honours a signal", async () => {
  await withKv(async (kv) => {
    const started = performance.now();
    assert.equal(await requestKeyframe(kv, "nobody"), undefined, "not listed: at once");
    await kv.set(instanceKey("expired"), summaryOf({ id: "expired", updated: Date.now() - 5000 }));
    assert.equal(await requestKeyframe(kv, "expired"), undefined, "expired: at once");
    assert.ok(performance.now() - started < 1000);

    await kv.set(instanceKey("silent"), summaryOf({ id: "silent", expireIn: 60_000 }));
    const waited = performance.now();
    assert.equal(await requestKeyframe(kv, "silent", { timeout: 300 }), undefined);
    assert.ok(performance.now() - waited >= 290);
    const request = (await kv.get<{ nonce: string; time: number }>(requestKey("silent"))).value;
    assert.equal(typeof request?.nonce, "string");

    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("enough")), 50);
    await assert.rejects(
      requestKeyframe(kv, "silent", { signal: controller.signal }),
      { message: "enough" },
    );
    await assert.rejects(requestKeyframe(kv, ""), TypeError);
    await assert.rejects(requestKeyframe(kv, "silent", { timeout: -1 }), RangeError);
  });
});

Deno.test("requestKeyframe() rejects a keyframe that does not decode", async () => {
  await withKv(async (kv) => {
    const errors: Error[] = [];
    const publisher = publishToFleet({ snapshot: () => '{"v":1}' }, kv, {
      id: "broken",
      pollInterval: 20,
      onError: (error) => errors.push(error),
    });
    try {
      await publisher.ready;
      assert.match(
        errors[0]?.message ?? "",
        /^Cannot write the instance summary for fleet instance "broken": Cannot decode/,
      );
      await kv.set(instanceKey("broken"), summaryOf({ id: "broken", expireIn: 60_000 }));
      await assert.rejects(
        requestKeyframe(kv, "broken", { timeout: 2000 }),
        /Cannot request a keyframe from fleet instance "broken": it answered with an invalid keyframe/,
      );
    } finally {
      await publisher.close();
    }
  });
});

Deno.test("a publisher does not answer a request left over from before it started", async () => {
  await withKv(async (kv) => {
    await kv.set(requestKey("restarted"), { nonce: "old", time: Date.now() - 120_000 });
    const publisher = publishToFleet(new DiagnosticsRegistry(), kv, {
      id: "restarted",
      pollInterval: 20,
    });
    try {
      await publisher.ready;
      await delay(100);
      assert.equal((await kv.get(headerKey("restarted"))).value, null);
      assert.ok(await requestKeyframe(kv, "restarted", { timeout: 2000 }), "a new one is");
    } finally {
      await publisher.close();
    }
  });
});

Deno.test("a publisher keeps answering after a snapshot fails", async () => {
  await withKv(async (kv) => {
    const registry = new DiagnosticsRegistry();
    let failing = false;
    const errors: Error[] = [];
    const source: FleetSource = {
      snapshot() {
        if (failing) throw new Error("collector down");
        return registry.snapshot();
      },
    };
    const publisher = publishToFleet(source, kv, {
      id: "flaky",
      pollInterval: 20,
      onError: (error) => errors.push(error),
    });
    try {
      await publisher.ready;
      failing = true;
      assert.equal(await requestKeyframe(kv, "flaky", { timeout: 300 }), undefined);
      assert.equal(
        errors[0]?.message,
        'Cannot write a keyframe for fleet instance "flaky": collector down',
      );
      failing = false;
      assert.ok(await requestKeyframe(kv, "flaky", { timeout: 2000 }));
    } finally {
      await publisher.close();
    }
  });
});
