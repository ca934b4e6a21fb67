// Copyright 2026 the slabscope authors. MIT license.
// HandleLabels.nameSites(): the sites of served requests named late, for
// the requests still open, from the slot's allocation time.
import assert from "node:assert/strict";
import { labelsOf, type SiteNamer } from "../../core/diagnostics/handle_labels.ts";
import { SlabAllocator } from "../../mod.ts";
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

Deno.test("nameSites(): a site named late is held since the slot's allocation", async () => {
  const slab = handleSlab(4);
  const labels = labelsOf(slab);
  const handle = slab.alloc()!;
  const allocated = slab.slotInfo(slab.indexOf(handle)).since;
  labels.setRequest(handle, new Request("http://127.0.0.1/slow"), countingNamer());
  await eventually(() => Date.now() >= allocated + 30, 2000, "the clock to move on");
  labels.nameSites(slab);
  const [site] = slab.sites().sites;
  assert.equal(site?.oldest, allocated);
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
