// Copyright 2026 the slabscope authors. MIT license.
// HandleLabels.nameSites(): the sites of served requests named late, for
// the requests still open, from the slot's allocation time, before any read
// of the slab's sites.
import assert from "node:assert/strict";
import { labelsOf, type SiteNamer } from "../../core/diagnostics/handle_labels.ts";
import { onSiteRead } from "../../core/allocator/pending_sites.ts";
import { DiagnosticsRegistry, HandleState, instrumentServer, SlabAllocator } from "../../mod.ts";
import { eventually } from "../integration/_sse_client.ts";

/** A namer that counts the requests it was asked about. */
function countingNamer(): SiteNamer & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    labelOf(request, method) {
      asked.push(request.url);
      return `${method} ${new URL(request.url).pathname}`;
    },
  };
}

function handleSlab(capacity: number): SlabAllocator {
  return new SlabAllocator({ name: "req", slotSize: 1, capacity, kind: "handle" });
}

Deno.test("nameSites(): open requests are named once, ended ones never asked", () => {
  const slab = handleSlab(8);
  const labels = labelsOf(slab);
  const namer = countingNamer();
  const open = slab.alloc()!;
  const ended = slab.alloc()!;
  labels.setRequest(open, new Request("http://127.0.0.1/users/1?x=2"), namer);
  labels.setRequest(ended, new Request("http://127.0.0.1/health", { method: "HEAD" }), namer);
  labels.clear(ended);
  slab.free(ended);
  // Labelled without a namer: never named here.
  labels.setRequest(slab.alloc()!, new Request("http://127.0.0.1/plain"));
  labels.nameSites(slab);
  assert.deepEqual(namer.asked, ["http://127.0.0.1/users/1?x=2"]);
  assert.deepEqual(
    slab.sites().sites.map((s) => [s.site, s.held, s.total]),
    [["GET /users/1", 1, 1]],
  );
  const recorded = slab.siteCounters().recorded;
  labels.nameSites(slab);
  assert.equal(namer.asked.length, 1, "a named request is not asked again");
  assert.equal(slab.siteCounters().recorded, recorded);
});

Deno.test("nameSites(): a site named late is held since its request was labelled, whatever states came between", async () => {
  const slab = handleSlab(4);
  const labels = labelsOf(slab);
  const upload = slab.alloc(undefined, HandleState.Connecting)!;
  const start = Date.now(); // the request's start, as its server read it
  labels.setRequest(upload, new Request("http://127.0.0.1/upload"), countingNamer(), start);
  const plain = slab.alloc()!;
  labels.setRequest(plain, new Request("http://127.0.0.1/plain"), countingNamer());
  await eventually(() => Date.now() >= start + 50, 2000, "the clock to move on");
  slab.setState(upload, HandleState.Active); // its body arrived
  labels.nameSites(slab);
  const oldest = new Map(slab.sites().sites.map((s) => [s.site, s.oldest]));
  assert.equal(oldest.get("GET /upload"), start);
  const since = oldest.get("GET /plain")!;
  assert.ok(since >= start - 20 && since <= start + 20, `${since} vs ${start}`);
});

Deno.test("setSite(): since must be a finite number, not in the future; before the slab is its making", () => {
  const slab = handleSlab(4);
  const handle = slab.alloc()!;
  assert.throws(() => slab.setSite(handle, "GET /", Number.NaN), TypeError);
  assert.throws(() => slab.setSite(handle, "GET /", "0" as unknown as number), TypeError);
  assert.throws(() => slab.setSite(handle, "GET /", Date.now() + 60_000), RangeError);
  assert.deepEqual(slab.sites().sites, [], "nothing recorded by a refused call");
  // Before the slab was made: its making.
  const made = slab.slotInfo(slab.indexOf(handle)).since;
  slab.setSite(handle, "GET /", made - 3_600_000);
  const oldest = slab.sites().sites[0]!.oldest!;
  assert.ok(oldest >= made - 20 && oldest <= made + 20, `${oldest} vs ${made}`);
});

Deno.test("nameSites(): more requests between two calls than the table remembers, every open one named", () => {
  const slab = handleSlab(4);
  const labels = labelsOf(slab);
  const namer = countingNamer();
  // 4 slots: the fifth labelled request since the last call overflows the list.
  for (let i = 0; i < 6; i++) {
    const handle = slab.alloc()!;
    labels.setRequest(handle, new Request(`http://127.0.0.1/gone/${i}`), namer);
    labels.clear(handle);
    slab.free(handle);
  }
  const kept = [slab.alloc()!, slab.alloc()!];
  kept.forEach((handle, i) =>
    labels.setRequest(handle, new Request(`http://127.0.0.1/kept/${i}`), namer)
  );
  labels.nameSites(slab);
  assert.deepEqual(namer.asked.sort(), ["http://127.0.0.1/kept/0", "http://127.0.0.1/kept/1"]);
  assert.equal(slab.sites().sites.reduce((n, s) => n + s.held, 0), 2);
});

Deno.test("nameSites(): a label left behind by a handle freed without clear() is skipped", () => {
  const slab = handleSlab(4);
  const labels = labelsOf(slab);
  const namer = countingNamer();
  const handle = slab.alloc()!;
  labels.setRequest(handle, new Request("http://127.0.0.1/left"), namer);
  slab.free(handle); // no clear()
  labels.nameSites(slab);
  assert.deepEqual(slab.sites().sites, []);
  // A router that throws leaves its request unnamed, the others named.
  const a = slab.alloc()!;
  const b = slab.alloc()!;
  labels.setRequest(a, new Request("http://127.0.0.1/a"), {
    labelOf() {
      throw new Error("no route");
    },
  });
  labels.setRequest(b, new Request("http://127.0.0.1/b"), namer);
  labels.nameSites(slab);
  assert.deepEqual(slab.sites().sites.map((s) => s.site), ["GET /b"]);
});

Deno.test("an open request's site is named by any read of the slab's sites, no snapshot needed", async () => {
  const registry = new DiagnosticsRegistry();
  const { promise: answer, resolve: release } = Promise.withResolvers<Response>();
  const app = instrumentServer(registry, () => answer, { name: "test" });
  const info: Deno.ServeHandlerInfo = {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    completed: Promise.resolve(),
  };
  const served = app(new Request("http://127.0.0.1/users/42?page=2"), info);
  const handles = app.handles;
  // slotInfo() first: it names the site, and sites() then lists it.
  const open = Array.from({ length: handles.capacity }, (_, i) => handles.slotInfo(i))
    .filter((slot) => slot.state === HandleState.Active);
  assert.equal(open.length, 1, "the request holds a slot");
  const site = open[0]!.site;
  assert.notEqual(site, null);
  assert.deepEqual(
    handles.sites().sites.map((s) => [s.id, s.site, s.held, s.total]),
    [[site, "GET /users/:id", 1, 1]],
  );
  const recorded = handles.siteCounters().recorded;
  assert.equal(handles.siteCounters().recorded, recorded, "named once");
  release(new Response("done"));
  assert.equal(await (await served).text(), "done");
  app.close();
});

Deno.test("onSiteRead(): a recorder that reads the slab's sites does not run itself again", () => {
  const slab = handleSlab(4);
  let runs = 0;
  onSiteRead(slab, () => {
    runs++;
    slab.sites();
  });
  slab.siteCounters();
  assert.equal(runs, 1);
  slab.slotInfo(0);
  assert.equal(runs, 2);
});
