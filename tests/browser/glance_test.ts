// Copyright 2026 the slabscope authors. MIT license.
// The page read at a glance, in real Chromium against a real Deno.serve and
// its real stream: the header names the instance shown, a silent stream is
// impossible to miss, tooltips follow focus and taps, hints only with a
// keyboard, owner columns in words, an arena's heap fallback is a warning,
// the side column stays in view, an arena pool and its slab link to each
// other, and the heap charts each keep their own row, scale and history.
/// <reference lib="deno.unstable" />
import assert from "node:assert/strict";
import { Arena, ArenaPool, DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { createDashboard } from "../../dashboard.ts";
import { type Instance, start, stop } from "../fixtures/fleet_processes.ts";
import { launchChromium, noBrowser } from "./_chromium.ts";
import { openPage, serve, until } from "./_dashboard_page.ts";
import { TcpProxy } from "./_tcp_proxy.ts";

/** A registry with a handle slab holding a few open handles of one owner. */
function handles() {
  const registry = new DiagnosticsRegistry();
  const conns = registry.addSlab(
    new SlabAllocator({ name: "conns", slotSize: 1, capacity: 64, kind: "handle" }),
  );
  const owner = registry.owners.register("api", "server");
  for (let i = 0; i < 6; i++) {
    conns.setState(conns.alloc(owner)!, i % 2 ? HandleState.Active : HandleState.Idle);
  }
  return registry;
}

Deno.test({
  name: "glance: after a fleet switch the header names the instance shown, not the local host",
  ignore: noBrowser,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "slabscope_glance_fleet_" });
    const path = `${dir}/fleet.db`;
    const kv = await Deno.openKv(path);
    const instances: Instance[] = [];
    const dashboard = createDashboard(handles(), {
      interval: 50,
      fleet: { kv, publish: { name: "local", interval: 500, expireIn: 3000, pollInterval: 100 } },
    });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
    const browser = await launchChromium();
    try {
      instances.push(start(path, dir, "alpha", 100, 3000));
      await instances[0]!.ready;
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const host = `127.0.0.1:${server.addr.port}`;
      await page.goto(`http://${host}/debug/`);
      await page.waitForSelector('[data-connection="live"]');
      const where = page.locator(".top .where");
      assert.equal(await where.innerText(), `memory pools of ${host}`);
      const alpha = page.locator(".fleet-table tbody tr", { hasText: "alpha" });
      await alpha.waitFor({ timeout: 30_000 });
      const alphaHost = (await alpha.locator(".muted").innerText()).trim();
      await alpha.locator("button").click();
      await until(async () => /alpha/.test(await where.innerText()), "the header to follow");
      assert.equal(
        await where.innerText(),
        `memory pools of alpha on ${alphaHost} (fleet instance; served by ${host})`,
      );
      assert.equal(await page.title(), `alpha on ${alphaHost} · slabscope`);
      // Back to this process: the header says so again.
      await page.locator(".fleet-table tbody tr", { hasText: "local" }).locator("button").click();
      await until(async () => (await where.innerText()) === `memory pools of ${host}`, "back");
      await until(async () => (await page.title()) === "slabscope", "the tab's title back");
    } finally {
      await browser.close();
      for (const instance of instances) await stop(instance);
      await Promise.all(instances.map((i) => i.output));
      await dashboard.close();
      await server.shutdown();
      kv.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "glance: a silent stream dims the page, says since when, and stops every age; live again undoes it",
  ignore: noBrowser,
  async fn() {
    const s = serve(handles());
    const proxy = new TcpProxy(s.port);
    const { browser, page, problems } = await openPage(`http://127.0.0.1:${proxy.port}/debug/`);
    try {
      await page.waitForSelector("tr[data-slot]");
      const ages = () =>
        page.evaluate(() =>
          [...document.querySelectorAll("tr[data-slot]")].map((row) =>
            row.querySelector("td:nth-child(3)")?.textContent ?? ""
          ).join("|")
        );
      // Live: ages count.
      const before = await ages();
      await until(async () => (await ages()) !== before, "ages to count while live");
      const opacity = () =>
        page.evaluate(() =>
          Number(getComputedStyle(document.querySelector("main.layout")!).opacity)
        );
      assert.equal(await opacity(), 1);
      assert.equal(await page.locator(".stale-notice").count(), 0);

      const cut = Date.now();
      proxy.refuse(true);
      proxy.dropAll();
      await page.waitForSelector('html[data-stream="frozen"]');
      const notice = page.locator(".stale-notice");
      await notice.waitFor();
      const text = await notice.innerText();
      assert.match(
        text,
        /^(Stale|Reconnecting|Offline) since \d\d:\d\d:\d\d: figures and clocks frozen$/,
      );
      const since = Number(await notice.getAttribute("data-stale-since"));
      assert.ok(since <= cut + 50 && since > cut - 3000, `stale since ${since}, cut at ${cut}`);
      await until(async () => (await opacity()) < 0.6, "the page to dim");
      // Frozen: the ages stay as they were, across more than one tick of the clock.
      const frozen = await ages();
      const frozenAxis = await page.locator(".panel.heap").innerText();
      await page.waitForTimeout(2_500); // a span of time with nothing to wait for: clocks must not move
      assert.equal(await ages(), frozen);
      assert.equal(await page.locator(".panel.heap").innerText(), frozenAxis);

      proxy.refuse(false);
      await page.waitForSelector('[data-connection="live"]', { timeout: 30_000 });
      await until(async () => (await page.locator(".stale-notice").count()) === 0, "no notice");
      await until(async () => (await opacity()) === 1, "the page bright again");
      await until(async () => (await ages()) !== frozen, "ages to count again");
      assert.deepEqual(problems.filter((p) => !/ERR_CONNECTION|EventSource|net::/.test(p)), []);
    } finally {
      await browser.close();
      await proxy.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "glance: the keyboard's tooltip leaves with the focus",
  ignore: noBrowser,
  async fn() {
    const s = serve(handles());
    const { browser, page, problems } = await openPage(s.url);
    try {
      const canvas = page.locator('canvas[data-slab="conns"]');
      await until(async () => (await canvas.getAttribute("data-has-slots")) === "true", "slots");
      await canvas.focus();
      await page.keyboard.press("ArrowRight");
      const tooltip = page.locator(".grid-frame .tooltip");
      await tooltip.waitFor();
      assert.match(await tooltip.innerText(), /^slot \d+/);
      await page.keyboard.press("Tab"); // focus moves on, to the next control
      await until(async () => (await tooltip.count()) === 0, "the tooltip to go");
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "glance: on a phone a tap shows the slot's tooltip and no keyboard hints take room",
  ignore: noBrowser,
  async fn() {
    const registry = handles();
    // A slab the size instrumentServer() makes: its grid must fit the phone too.
    registry.addSlab(
      new SlabAllocator({ name: "handles", slotSize: 1, capacity: 2056, kind: "handle" }),
    );
    const s = serve(registry);
    const browser = await launchChromium();
    try {
      const phone = await browser.newContext({
        viewport: { width: 390, height: 844 },
        isMobile: true,
        hasTouch: true,
        deviceScaleFactor: 2,
      });
      const page = await phone.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(s.url);
      await page.waitForSelector('[data-connection="live"]');
      const canvas = page.locator('canvas[data-slab="conns"]');
      await until(async () => (await canvas.getAttribute("data-has-slots")) === "true", "slots");
      assert.equal(await page.locator(".grid-tools .hint").first().isVisible(), false);
      // The page fits the phone's width: nothing to scroll sideways (a wide
      // table scrolls inside its own panel).
      const widths = await page.evaluate(() => [
        document.documentElement.scrollWidth,
        document.documentElement.clientWidth,
      ]);
      assert.ok(
        widths[0]! <= widths[1]!,
        `the page is ${widths[0]} px wide on a ${widths[1]} px phone`,
      );
      // Tap the first cell (slot 0 holds an open handle).
      const box = (await canvas.boundingBox())!;
      await page.touchscreen.tap(box.x + 3, box.y + 3);
      const tooltip = page.locator(".grid-frame .tooltip");
      await tooltip.waitFor({ timeout: 5_000 });
      assert.match(await tooltip.innerText(), /^slot 0 · Idle · api/);
      // It stays after the finger lifts, until a tap elsewhere.
      await page.waitForTimeout(300); // a touch's leave events come after the tap: none may hide it
      assert.equal(await tooltip.count(), 1);
      await page.touchscreen.tap(5, box.y - 60);
      await until(async () => (await tooltip.count()) === 0, "the tooltip to go");
      assert.deepEqual(problems, []);

      // With a mouse and a keyboard the hints are there.
      const desktop = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await desktop.goto(s.url);
      await desktop.waitForSelector('[data-connection="live"]');
      assert.equal(await desktop.locator(".grid-tools .hint").first().isVisible(), true);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "glance: the Owners columns are headed in words",
  ignore: noBrowser,
  async fn() {
    const s = serve(handles());
    const { browser, page, problems } = await openPage(s.url);
    try {
      const heads = await page.locator('.owner-slab[data-slab="conns"] thead th').allInnerTexts();
      assert.deepEqual(heads.slice(2), ["Connecting", "Active", "Idle", "Closing"]);
      assert.equal(
        await page.locator('.owner-slab[data-slab="conns"] tr[data-owner="api"] [data-state="A"]')
          .innerText(),
        "3",
      );
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "glance: an arena's planned heap fallback is a warning; a slab's overflow is critical",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const arena = registry.addArena(new Arena({ name: "scratch", capacity: 64 * 1024 }));
    arena.alloc(1024);
    arena.alloc(128 * 1024); // larger than the arena: served from the heap, as planned
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      const banner = page.locator(".capacity-banner");
      await until(async () => (await banner.getAttribute("class"))!.includes("warning"), "warning");
      assert.match(
        await banner.innerText(),
        /^Warning:\s+scratch: 1 heap fallback \(1\.56 % used\)$/,
      );
      assert.equal(await page.locator(".arena .gauge.warning").count(), 1);

      // A slab refusing an allocation is critical, whatever its fill.
      const slab = registry.addSlab(new SlabAllocator({ name: "tiny", slotSize: 8, capacity: 1 }));
      slab.alloc();
      assert.equal(slab.alloc(), null);
      await until(
        async () => (await banner.getAttribute("class"))!.includes("critical"),
        "critical",
      );
      assert.match(await banner.innerText(), /^Critical:/);
      assert.match(await banner.innerText(), /tiny: 1 overflow/);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name:
    "glance: the side column stays in view beside the lower panels, with its own scroll when taller",
  ignore: noBrowser,
  async fn() {
    const registry = handles();
    for (let i = 0; i < 6; i++) {
      registry.addSlab(new SlabAllocator({ name: `pool_${i}`, slotSize: 8, capacity: 4096 }));
      registry.addArena(new Arena({ name: `arena_${i}`, capacity: 4096 }));
    }
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      const side = page.locator(".side");
      const header = (await page.locator("header.top").boundingBox())!;
      // Halfway down the grids: the column sits right under the header.
      await page.evaluate(() =>
        globalThis.scrollTo(0, (document.body.scrollHeight - globalThis.innerHeight) / 2)
      );
      await until(async () => (await page.evaluate(() => globalThis.scrollY)) > 500, "scrolled");
      const box = (await side.boundingBox())!;
      assert.ok(Math.abs(box.y - (header.height + 12)) < 3, `side at ${box.y}`);
      assert.ok(box.y + box.height <= 720, `side ends at ${box.y + box.height}`);
      // At the bottom of the page it is still beside the last panels, whole.
      await page.evaluate(() => globalThis.scrollTo(0, document.body.scrollHeight));
      const bottom = (await side.boundingBox())!;
      assert.ok(bottom.y >= 0 && bottom.y + bottom.height <= 720, `side at ${bottom.y}`);
      const [scrollHeight, clientHeight] = await side.evaluate((
        e,
      ) => [e.scrollHeight, e.clientHeight]);
      assert.ok(scrollHeight > clientHeight, "the column scrolls on its own");
      // Its last panel is reachable by its own scroll.
      await side.evaluate((e) => (e.scrollTop = e.scrollHeight));
      const heap = (await page.locator(".panel.heap").boundingBox())!;
      assert.ok(heap.y + heap.height <= 720 + 1, `heap panel ends at ${heap.y + heap.height}`);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "glance: an arena pool's gauge and the slab backing it name and link to each other",
  ignore: noBrowser,
  async fn() {
    const registry = handles();
    for (let i = 0; i < 4; i++) {
      registry.addSlab(new SlabAllocator({ name: `pool_${i}`, slotSize: 8, capacity: 4096 }));
    }
    const pool = registry.addArenaPool(
      new ArenaPool({ name: "stream_arenas", arenaCapacity: 1024, count: 32 }),
    );
    pool.acquire()!.alloc(100);
    registry.addSlab(new SlabAllocator({ name: "plain", slotSize: 8, capacity: 64 }));
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      const backedBy = page.locator('a[data-backed-by="stream_arenas"]');
      assert.equal(await backedBy.innerText(), "backed by slab stream_arenas ↓");
      const backs = page.locator('a[data-backs-arena="stream_arenas"]');
      assert.equal(await backs.innerText(), "backs arena pool stream_arenas: one slot per arena");
      assert.equal(await page.locator("a[data-backs-arena]").count(), 1, "only the pool's slab");
      await backedBy.click();
      const panel = page.locator('section[aria-labelledby="slab-stream_arenas"]');
      await until(async () => {
        const box = await panel.boundingBox();
        return box !== null && box.y >= 0 && box.y < 720 / 2;
      }, "the slab's panel scrolled into view");
      // And back from the slab to the gauge.
      await page.evaluate(() => globalThis.scrollTo(0, 0));
      await backs.click();
      await until(async () => {
        const box = await page.locator('.arena:has(a[data-backed-by="stream_arenas"])')
          .boundingBox();
        return box !== null && box.y >= 0 && box.y < 720;
      }, "the gauge in view");
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name:
    "glance: each heap chart draws its own figure on its own scale, tells its value on hover, and keeps its history across a reload",
  ignore: noBrowser,
  async fn() {
    const registry = handles();
    const dashboard = createDashboard(registry, {
      interval: 50,
      heapInterval: 200,
      heapQuietInterval: 200,
    });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
    const url = `http://127.0.0.1:${server.addr.port}/debug/`;
    const { browser, page, problems } = await openPage(url);
    try {
      const charts = () =>
        page.evaluate(() =>
          [...document.querySelectorAll(".spark-row")].map((row) => {
            const chart = row.querySelector(".heap-chart")!;
            const points = chart.querySelector("polyline")!.getAttribute("points")!.trim().split(
              " ",
            );
            return {
              row: row.getAttribute("data-line"),
              line: chart.getAttribute("data-line"),
              scale: Number(chart.getAttribute("data-scale")),
              last: Number(chart.getAttribute("data-last-value")),
              lastY: Number(points[points.length - 1]!.split(",")[1]),
              first: Number(chart.getAttribute("data-first")),
              samples: Number(chart.getAttribute("data-samples")),
              label: row.querySelector(".spark-value")!.textContent,
            };
          })
        );
      // The recording's history, once it came: the stream's heap history
      // draws the lines before it, over 3 minutes rather than its window.
      await until(async () => (await charts()).every((c) => c.samples >= 5), "heap samples");
      await page.waitForSelector('.panel.heap[data-history="recording"]');
      const rows = await charts();
      assert.deepEqual(rows.map((c) => c.row), ["heap_used", "heap_total", "external", "rss"]);
      for (const chart of rows) {
        assert.equal(chart.line, chart.row, "each row draws its own figure");
        assert.ok(
          chart.last > 0 && chart.last <= chart.scale * 0.91,
          `${chart.row} under its scale`,
        );
        // The line's end sits where its value is on its own scale, inside its box.
        const expected = 32 - (chart.last / chart.scale) * 32;
        assert.ok(Math.abs(chart.lastY - expected) < 0.1, `${chart.row}: y ${chart.lastY}`);
        assert.ok(chart.lastY > 2.5, `${chart.row} not on the box's top edge`);
      }
      for (const chart of rows) assert.match(chart.label!, /^[\d.]+ (B|KiB|MiB|GiB)$/);

      // Hover: the value and time of the sample under the pointer.
      const chart = page.locator('.heap-chart[data-line="rss"]');
      await chart.scrollIntoViewIfNeeded();
      const box = (await chart.boundingBox())!;
      await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
      const readout = chart.locator(".heap-readout");
      await readout.waitFor();
      assert.match(await readout.innerText(), /^\d\d:\d\d:\d\d: [\d.]+ (B|KiB|MiB|GiB)$/);
      await page.mouse.move(0, 0);
      await until(async () => (await readout.count()) === 0, "the readout to go");

      // A reload keeps the history: the flight recorder's samples come back.
      const oldest = Math.min(...rows.map((c) => c.first));
      const reloaded = Date.now();
      await page.reload();
      await page.waitForSelector('[data-connection="live"]');
      await until(async () => {
        const after = await charts();
        return after.length === 4 && after.every((c) => c.first <= oldest + 250);
      }, "the history from before the reload");
      assert.ok(oldest < reloaded - 800);
      await page.waitForSelector('.panel.heap[data-history="recording"]');
      assert.match(await page.locator(".panel.heap").innerText(), /from the flight recorder/);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await dashboard.close();
      await server.shutdown();
    }
  },
});
