// Copyright 2026 the slabscope authors. MIT license.
// The open-handle list, row ↔ cell selection, cycled slots flashing and
// cached slots, in real headless Chromium against real Deno.serve servers.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  DiagnosticsRegistry,
  HandleState,
  instrumentFetch,
  instrumentServer,
  SlabAllocator,
} from "../../mod.ts";
import { noBrowser } from "./_chromium.ts";
import { firstFlash, openPage, readGrid, serve, until } from "./_dashboard_page.ts";

/** The rows of the open-handle list as shown: slab, slot, state and the text of each cell. */
function rows(page: Page) {
  return page.locator("section.handles tbody tr").evaluateAll((trs) =>
    trs.map((tr) => ({
      slab: tr.getAttribute("data-slab"),
      slot: Number(tr.getAttribute("data-slot")),
      state: tr.getAttribute("data-state"),
      selected: tr.classList.contains("selected"),
      cells: [...tr.querySelectorAll("td")].map((td) => td.textContent!.trim()),
    }))
  );
}

/** Resolves once `Date.now()` passed `ms` and a new task runs (slabs read their clock per task). */
async function clockPast(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 1));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/** The centre of cell `index` of a grid canvas, in page coordinates (the grid drawn fitted). */
async function cellCentre(page: Page, slab: string, index: number) {
  const canvas = page.locator(`canvas[data-slab="${slab}"]`);
  const box = (await canvas.boundingBox())!;
  const { columns, rows: gridRows } = await page.evaluate((name) => {
    const grid = (globalThis as unknown as {
      __slabscope: { grids: Record<string, { columns: number; rows: number }> };
    }).__slabscope.grids[name]!;
    return { columns: grid.columns, rows: grid.rows };
  }, slab);
  const zoom = Math.min(box.width / columns, 360 / gridRows, 16); // client/grid_view.ts fitZoom
  return {
    x: box.x + ((index % columns) + 0.5) * zoom,
    y: box.y + (Math.floor(index / columns) + 0.5) * zoom,
  };
}

Deno.test({
  name:
    "open handles: requests held open on a real Deno.serve are listed oldest first, with method and path or origin",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const gates = new Map<string, () => void>();
    const app = instrumentServer(registry, async (request) => {
      const path = new URL(request.url).pathname;
      await new Promise<void>((resolve) => gates.set(path, resolve));
      return new Response(`done ${path}`);
    }, { name: "api" });
    const appServer = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: app.onListen },
      app,
    );
    const tracked = instrumentFetch(registry);
    const origin = `http://127.0.0.1:${appServer.addr.port}`;
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    const pending: Promise<Response>[] = [];
    try {
      // One request at a time, each listed before the next starts: their ages differ.
      const requests = [
        ["GET", "/orders/17?token=secret"],
        ["POST", "/upload"],
        ["GET", "/stream/events"],
      ] as const;
      for (const [method, path] of requests) {
        const before = (await rows(page)).length;
        pending.push(tracked(`${origin}${path}`, { method, body: method === "POST" ? "x" : null }));
        // A fetch and the request it makes: two handles.
        await until(
          async () => (await rows(page)).length === before + 2,
          `${method} ${path} listed`,
        );
        await clockPast(Date.now());
      }
      // Each request is two handles opened at about the same time (the fetch
      // a moment first, or in the same millisecond and then by slab order):
      // pairs in the order the requests were made.
      const listed = await rows(page);
      const pairs = [0, 2, 4].map((i) =>
        listed.slice(i, i + 2).map((row) => `${row.slab} ${row.cells[1]} ${row.cells[4]}`).sort()
      );
      assert.deepEqual(pairs, [
        ["handles api GET /orders/17", `http_clients ${origin} GET ${origin}`],
        ["handles api POST /upload", `http_clients ${origin} POST ${origin}`],
        ["handles api GET /stream/events", `http_clients ${origin} GET ${origin}`],
      ], "oldest first; the query is never shown");
      for (const row of listed) assert.match(row.cells[2]!, /^\d+ ms$|^\d+\.\d s$/, "an age");
      assert.match(
        await page.locator('[data-role="handle-count"]').innerText(),
        /^6 open$/,
      );
      // The oldest request finishes: it leaves the list, the rest keep their order.
      gates.get("/orders/17")!();
      await (await pending[0]!).text();
      await until(async () => (await rows(page)).length === 4, "the first request gone");
      assert.deepEqual(
        (await rows(page)).map((row) => row.cells[4]).sort(),
        ["POST /upload", `POST ${origin}`, "GET /stream/events", `GET ${origin}`].sort(),
      );
      assert.match((await rows(page))[0]!.cells[4]!, /POST/, "the POST is now the oldest");
      assert.ok(!(await page.content()).includes("secret"));
      assert.deepEqual(problems, []);
    } finally {
      for (const open of gates.values()) open();
      await Promise.allSettled(pending.map(async (p) => (await p).text()));
      await browser.close();
      await s.stop();
      await appServer.shutdown();
      app.close();
      tracked.close();
    }
  },
});

/** A handle slab with owners in every state, and a plain slab, on a dashboard. */
function handleWorld() {
  const registry = new DiagnosticsRegistry();
  const api = registry.owners.register("api", "server");
  const streams = registry.owners.register("streams", "server");
  const conns = registry.addSlab(
    new SlabAllocator({ name: "conns", slotSize: 1, capacity: 64, kind: "handle" }),
  );
  const states = [
    [api, HandleState.Active],
    [api, HandleState.Idle],
    [streams, HandleState.Idle],
    [streams, HandleState.Closing],
    [api, HandleState.Connecting],
  ] as const;
  const handles = states.map(([owner, state]) => {
    const handle = conns.alloc(owner)!;
    conns.setState(handle, state);
    return handle;
  });
  conns.alloc(); // slot 5: Connecting, no owner
  return { registry, conns, handles };
}

Deno.test({
  name: "open handles: filters by state and by owner",
  ignore: noBrowser,
  async fn() {
    const { registry } = handleWorld();
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      await until(async () => (await rows(page)).length === 6, "six handles listed");
      const slots = async () => (await rows(page)).map((row) => row.slot);
      await page.getByLabel("show handles in state").selectOption("I");
      await until(async () => (await slots()).join() === "1,2", "Idle only");
      await page.getByLabel("show handles of owner").selectOption({ label: "streams" });
      await until(async () => (await slots()).join() === "2", "Idle of streams");
      await page.getByLabel("show handles in state").selectOption("");
      await until(async () => (await slots()).join() === "2,3", "all of streams");
      await page.getByLabel("show handles of owner").selectOption({ label: "no owner" });
      await until(async () => (await slots()).join() === "5", "no owner");
      await page.getByLabel("show handles in state").selectOption("A");
      await until(
        async () =>
          /No listed handle matches/.test(await page.locator("section.handles").innerText()),
        "nothing matches",
      );
      await page.getByLabel("show handles of owner").selectOption("");
      await until(async () => (await slots()).join() === "0", "Active only");
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name:
    "open handles: selecting a row marks its cell, selecting a cell (click or Enter) selects its row",
  ignore: noBrowser,
  async fn() {
    const { registry } = handleWorld();
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    const canvas = page.locator('canvas[data-slab="conns"]');
    try {
      await until(async () => (await rows(page)).length === 6, "six handles listed");
      // Row → cell.
      await page.getByRole("button", { name: "select slot 3 of conns" }).click();
      await until(async () => (await canvas.getAttribute("data-selected-slot")) === "3", "cell 3");
      assert.deepEqual((await rows(page)).filter((r) => r.selected).map((r) => r.slot), [3]);
      // Cell → row: a click on cell 1 (again if the page moved under the
      // pointer before it landed: panels above the grids fill in as the
      // stream brings them).
      for (let attempt = 0; attempt < 3; attempt++) {
        const { x, y } = await cellCentre(page, "conns", 1);
        await page.mouse.click(x, y);
        const landed = await until(
          async () => (await canvas.getAttribute("data-selected-slot")) === "1",
          "cell 1",
          3_000,
        ).then(() => true, () => false);
        if (landed) break;
      }
      await until(
        async () => (await rows(page)).find((r) => r.selected)?.slot === 1,
        "row 1 selected",
      );
      assert.equal(await canvas.getAttribute("data-selected-slot"), "1");
      // Cell → row with the keyboard: the cursor on cell 4, then Enter.
      await canvas.focus();
      // The cursor starts on the first visible cell: five steps right, one back.
      for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowLeft");
      await page.keyboard.press("Enter");
      await until(
        async () => (await rows(page)).find((r) => r.selected)?.slot === 4,
        "row 4 selected by keyboard",
      );
      // A free cell: no row, and the list says why.
      const free = await cellCentre(page, "conns", 40);
      await page.mouse.click(free.x, free.y);
      await until(
        async () =>
          /slot 40 of conns: Free: no open handle/.test(
            await page.locator("section.handles").innerText(),
          ),
        "the note for a free slot",
      );
      assert.deepEqual((await rows(page)).filter((r) => r.selected), []);
      // A selected row hidden by a filter says so.
      await page.getByRole("button", { name: "select slot 0 of conns" }).click();
      await page.getByLabel("show handles in state").selectOption("I");
      await until(
        async () =>
          /slot 0 of conns: hidden by the filters/.test(
            await page.locator("section.handles").innerText(),
          ),
        "the note for a filtered row",
      );
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name:
    "dashboard: a slot allocated and freed between two ticks flashes, and so does a state left and come back",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const slab = registry.addSlab(
      new SlabAllocator({ name: "objects", slotSize: 16, capacity: 4096 }),
    );
    const { conns, handles } = (() => {
      const conns = registry.addSlab(
        new SlabAllocator({ name: "conns", slotSize: 1, capacity: 64, kind: "handle" }),
      );
      return { conns, handles: [conns.alloc(undefined, HandleState.Active)!] };
    })();
    for (let i = 0; i < 100; i++) slab.alloc();
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      await until(async () => (await readGrid(page, "objects")).used === 100, "first picture");
      await until(async () => (await readGrid(page, "objects")).flashing.length === 0, "calm");
      // Allocated and freed in one go: slot 100 never shows as used.
      const cycled = slab.alloc()!;
      const index = slab.indexOf(cycled);
      slab.free(cycled);
      assert.deepEqual(await firstFlash(page, "objects"), [index]);
      assert.equal(
        await page.locator('canvas[data-slab="objects"]').getAttribute("data-used-cells"),
        "100",
        "the cell is free again: it flashes, then fades to free",
      );
      await until(async () => (await readGrid(page, "objects")).flashing.length === 0, "the fade");
      // A handle goes Idle and back to Active between two ticks.
      await clockPast(Date.now());
      conns.setState(handles[0]!, HandleState.Idle);
      conns.setState(handles[0]!, HandleState.Active);
      assert.deepEqual(await firstFlash(page, "conns"), [conns.indexOf(handles[0]!)]);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "dashboard: cached slots are drawn in their own colour, with a legend entry and a count",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const slab = registry.addSlab(
      new SlabAllocator({ name: "objects", slotSize: 16, capacity: 1024, cache: 32 }),
    );
    const held = Array.from({ length: 50 }, () => slab.alloc()!);
    for (const h of held.slice(0, 20)) slab.free(h); // into this instance's cache
    const cached = [...Array(1024).keys()].filter((i) => slab.slotInfo(i).cached);
    assert.ok(cached.length > 0, "the cache holds slots");
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      await until(
        async () => (await readGrid(page, "objects")).cached.length === cached.length,
        "cached cells drawn",
      );
      assert.deepEqual((await readGrid(page, "objects")).cached, cached);
      const panel = page.locator("section.slab").first();
      assert.match(await panel.innerText(), new RegExp(`Cached\\s+${cached.length}`));
      assert.match(await panel.innerText(), new RegExp(`· ${cached.length} cached`));
      assert.match(await panel.innerText(), /Used\s+30/);
      assert.equal(
        await page.locator('canvas[data-slab="objects"]').getAttribute("data-used-cells"),
        "30",
        "cached cells are not counted as used",
      );
      // The cache goes back to the shared list: its cells turn free.
      slab.close();
      await until(async () => (await readGrid(page, "objects")).cached.length === 0, "flushed");
      assert.match(await panel.innerText(), /Cached\s+0/);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});
