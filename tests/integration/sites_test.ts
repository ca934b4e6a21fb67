// Copyright 2026 the slabscope authors. MIT license.
// Allocation sites end to end: Workers that attach a slab and sample, a real
// Deno.serve answering the diagnostics endpoints, a real event stream; and
// instrumentServer() labelling each request's handle with its route.
import assert from "node:assert/strict";
import {
  DiagnosticsRegistry,
  instrumentServer,
  type MemorySnapshot,
  SlabAllocator,
} from "../../mod.ts";
import { applyDelta, decodeKeyframe } from "../../wire.ts";
import { eventually, SseClient } from "./_sse_client.ts";
import { serveStream } from "./_stream_server.ts";

const WORKER_SOURCE = `
  import { SlabAllocator } from ${JSON.stringify(new URL("../../slab.ts", import.meta.url).href)};
  function workerHolds(slab) { return slab.alloc(); }
  function workerChurns(slab) { slab.free(slab.alloc()); }
  self.onmessage = ({ data }) => {
    const slab = SlabAllocator.attach(data.memory, { sampleBudget: 1 });
    const held = [];
    for (let i = 0; i < data.hold; i++) held.push(workerHolds(slab));
    for (let i = 0; i < 2000; i++) workerChurns(slab);
    self.postMessage({ core: slab.core, held: held.length });
  };`;

/** Follows a stream: applies every event to the state it holds. */
class StreamState {
  state: MemorySnapshot | undefined;
  #applied = 0;
  constructor(readonly client: SseClient) {}
  catchUp(): MemorySnapshot | undefined {
    for (; this.#applied < this.client.events.length; this.#applied++) {
      const event = this.client.events[this.#applied]!;
      if (event.event === "diagnostics") this.state = decodeKeyframe(event.data);
      else if (event.event === "diagnostics-delta") {
        this.state = applyDelta(this.state!, event.data);
      }
    }
    return this.state;
  }
}

Deno.test("Workers that attach a slab and sample: their sites reach the main thread's snapshot, stream and /metrics", async () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "shared", slotSize: 16, capacity: 4096, sampleSites: 4 }),
  );
  await using server = serveStream(registry);
  const client = await SseClient.open(server.stream);
  const follow = new StreamState(client);
  await client.until(() => follow.catchUp() !== undefined, 10_000, "the keyframe");
  assert.equal(follow.state!.sites!.slabs[0]!.count, 0, "nothing sampled yet");

  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const workers = Array.from({ length: 2 }, () => new Worker(url, { type: "module" }));
  try {
    const replies = await Promise.all(
      workers.map((worker) =>
        new Promise<{ core: string; held: number }>((resolve, reject) => {
          worker.onmessage = (event) => resolve(event.data);
          worker.onerror = reject;
          worker.postMessage({ memory: slab.memory, hold: 400 });
        })
      ),
    );
    assert.deepEqual(replies.map((r) => r.core), ["webassembly", "webassembly"]);
  } finally {
    workers.forEach((worker) => worker.terminate());
    URL.revokeObjectURL(url);
  }
  assert.equal(slab.stats().used, 800);

  // Over the stream: the Workers' sites, held by the Workers' slots. The
  // truth, from the slab itself now that the Workers are done:
  const holds = (s: MemorySnapshot | undefined) =>
    s?.sites?.slabs[0]?.top.find((site) => /^at workerHolds /.test(site.site));
  const truth = slab.sites().sites.find((s) => /^at workerHolds /.test(s.site))!;
  assert.ok(truth !== undefined, "the Workers' stacks are in the main thread's table");
  // A tick may have read the list while the Workers allocated; the next
  // read (within SITE_SCAN_INTERVAL_MS) has it all.
  await client.until(
    () => holds(follow.catchUp())?.held === truth.held,
    10_000,
    "the Workers' site, all of it",
  );
  const list = follow.state!.sites!.slabs[0]!;
  const site = holds(follow.state)!;
  assert.equal(list.sample_every, 4);
  assert.equal(site.kind, "stack");
  // About one in four of the 800 held slots is sampled (a countdown of mean 4).
  assert.ok(site.held > 100 && site.held < 350, `${site.held} sampled of 800 held`);
  assert.equal(site.held, site.total, "every slot sampled at this site is still held");
  assert.ok(site.oldest !== null && site.oldest <= follow.state!.ts);
  assert.equal(list.top[0]!.id, site.id, "the most held");
  const churns = list.top.find((s) => /^at workerChurns /.test(s.site));
  assert.ok(churns !== undefined && churns.held === 0 && churns.total > 500, "freed, counted");
  assert.equal(list.skipped, 0);
  await client.close();

  // The snapshot endpoint says the same, and the capture time is the tool's cost.
  await eventually(() => registry.cost.totalMs().sample > 0, 5000, "the capture time counted");
  const snapshot = decodeKeyframe(await (await fetch(server.snapshot)).text());
  assert.equal(holds(snapshot)!.held, site.held);
  const metrics = await (await fetch(`${server.base}/debug/metrics`)).text();
  const sample = metrics.match(
    /^slabscope_diagnostics_cpu_seconds_total\{phase="sample"\} (\S+)$/m,
  );
  assert.ok(sample !== null && Number(sample[1]) > 0, "Worker captures are counted in /metrics");
  assert.match(metrics, /^slabscope_slab_sites\{pool="shared"\} [2-9]\d*$/m);
  // The slot endpoint names a sampled slot's site.
  const index = [...slab.readSites()].findIndex((id) => id === site.id);
  const details = await (await fetch(
    `${server.base}/debug/diagnostics/slot?slab=shared&index=${index}`,
  )).json();
  assert.match(details.siteText, /^at workerHolds /);
  assert.equal(details.siteKind, "stack");
});

Deno.test("instrumentServer(): each open request's handle is named by its method and route at the next snapshot, since its start, no stack", async () => {
  const registry = new DiagnosticsRegistry();
  const release = Promise.withResolvers<void>();
  const app = instrumentServer(registry, async (request) => {
    if (new URL(request.url).pathname !== "/health") await release.promise;
    return new Response("ok");
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: app.onListen }, app);
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const sent = Date.now();
    const pending = [
      fetch(`${base}/users/1`),
      fetch(`${base}/users/2?tab=posts`),
      fetch(`${base}/users/3`),
      fetch(`${base}/orders/9f86d081-884c-4d63-9a0c-0305e82c3301`, { method: "DELETE" }),
    ];
    await (await fetch(`${base}/health`)).text();
    await eventually(() => app.handles.stats().used === 4, 5000, "four requests held");
    const lists = await (async () => {
      let sites: MemorySnapshot["sites"];
      await eventually(
        () => {
          sites = registry.snapshot().sites;
          return sites?.slabs.find((s) => s.slab === "handles")?.top[0]?.held === 3;
        },
        5000,
        "the held requests listed",
      );
      return sites!;
    })();
    const handles = lists.slabs.find((s) => s.slab === "handles")!;
    assert.equal(handles.sample_every, 0, "labels only: no stack is taken");
    // /health ended before any snapshot: it held nothing to name, and its
    // URL was never read for a site (the request metrics count it).
    assert.deepEqual(
      handles.top.map((s) => [s.site, s.kind, s.held, s.total]),
      [
        ["GET /users/:id", "label", 3, 3],
        ["DELETE /orders/:id", "label", 1, 1],
      ],
    );
    // Named late, held since the requests' start (the slot's allocation,
    // on a clock of 10 ms steps), not since the snapshot that named them.
    const named = Date.now();
    for (const site of handles.top) {
      assert.ok(site.oldest! >= sent - 20 && site.oldest! <= named, `${site.site}: ${site.oldest}`);
    }
    assert.equal(registry.requests.snapshot(Date.now()).server[0]?.completed, 1, "/health");
    release.resolve();
    for (const response of await Promise.all(pending)) await response.text();
    await eventually(() => app.handles.stats().used === 0, 5000, "the requests done");
  } finally {
    release.resolve();
    await server.shutdown();
    app.close();
  }
});

Deno.test("instrumentServer({ route }): the router's route names the site", async () => {
  const registry = new DiagnosticsRegistry();
  const pattern = new URLPattern({ pathname: "/books/:slug" });
  const app = instrumentServer(registry, () => new Response("ok"), {
    route: (request) => pattern.test(request.url) ? pattern.pathname : "/*",
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: app.onListen }, app);
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    for (const path of ["/books/dune", "/books/emma", "/elsewhere"]) {
      await (await fetch(base + path)).text();
    }
    await eventually(() => app.handles.stats().used === 0, 5000, "the requests done");
    const sites = app.handles.sites().sites.map((s) => [s.site, s.total]);
    assert.deepEqual(sites, [["GET /books/:slug", 2], ["GET /*", 1]]);
  } finally {
    await server.shutdown();
    app.close();
  }
});
