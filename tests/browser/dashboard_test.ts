// Copyright 2026 the slabscope authors. MIT license.
// The dashboard in real headless Chromium, against a real Deno.serve.
import assert from "node:assert/strict";
import { Arena, DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { decodeKeyframe } from "../../wire.ts";
import { launchChromium, noBrowser } from "./_chromium.ts";
import { firstFlash, openPage, readGrid, serve, until } from "./_dashboard_page.ts";

Deno.test({
  name: "dashboard: loads with no console errors; the used cells drawn match /snapshot",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const objects = registry.addSlab(
      new SlabAllocator({ name: "objects", slotSize: 16, capacity: 262_144 }),
    );
    const conns = registry.addSlab(
      new SlabAllocator({ name: "conns", slotSize: 1, capacity: 500, kind: "handle" }),
    );
    const owner = registry.owners.register(":8080", "server");
    registry.addArena(new Arena({ name: "scratch", capacity: 4096 })).alloc(1000);
    const held = Array.from({ length: 70_000 }, () => objects.alloc()!);
    for (let i = 0; i < held.length; i += 3) objects.free(held[i]!);
    for (let i = 0; i < 40; i++) {
      conns.setState(conns.alloc(owner)!, i % 2 ? HandleState.Active : HandleState.Idle);
    }
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      const snapshot = decodeKeyframe(await (await fetch(`${s.url}diagnostics/snapshot`)).text());
      await until(
        async () => (await readGrid(page, "objects")).used === snapshot.slabs[0]!.summary.U,
        "objects drawn",
      );
      assert.equal((await readGrid(page, "conns")).used, 40);
      assert.equal(
        await page.locator('canvas[data-slab="objects"]').getAttribute("data-used-cells"),
        String(snapshot.slabs[0]!.used),
      );
      // The legend and the owner table say the same in words.
      assert.match(await page.locator("section.slab").first().innerText(), /Used\s+46,666/);
      assert.match(await page.locator("section.owners").innerText(), /:8080/);
      assert.match(await page.locator("section.arenas").innerText(), /scratch/);
      // A plain slab names its slot size; a handle slab's one-byte payload is not worth a word.
      assert.equal(await page.locator("#slab-objects + .muted").innerText(), "slots of 16 B");
      assert.equal(await page.locator("#slab-conns + .muted").innerText(), "handle slab");
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "dashboard: a state change flashes exactly the changed cells, and the flash ends",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const slab = registry.addSlab(
      new SlabAllocator({ name: "objects", slotSize: 16, capacity: 4096 }),
    );
    const conns = registry.addSlab(
      new SlabAllocator({ name: "conns", slotSize: 1, capacity: 64, kind: "handle" }),
    );
    for (let i = 0; i < 100; i++) slab.alloc();
    const handles = Array.from({ length: 10 }, () => conns.alloc()!);
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      await until(async () => (await readGrid(page, "objects")).used === 100, "first picture");
      assert.deepEqual(
        (await readGrid(page, "objects")).flashing,
        [],
        "no flash for the first picture",
      );
      // Each flash is checked on the read that first sees it (the fade's
      // 300 ms is timed in tests/unit/slab_grid_test.ts).
      const changed = [slab.alloc()!, slab.alloc()!, slab.alloc()!].map((h) => slab.indexOf(h));
      assert.deepEqual(await firstFlash(page, "objects"), changed);
      conns.setState(handles[4]!, HandleState.Closing);
      assert.deepEqual(await firstFlash(page, "conns"), [4]);
      await until(
        async () => (await readGrid(page, "objects")).flashing.length === 0,
        "the flash to end",
      );
      assert.equal((await readGrid(page, "objects")).used, 103);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "dashboard: the capacity banner warns at 80 %, goes critical at 95 % and on overflow",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const slab = registry.addSlab(new SlabAllocator({ name: "pool", slotSize: 8, capacity: 100 }));
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    const banner = page.locator(".capacity-banner");
    try {
      assert.equal(await banner.getAttribute("class"), "capacity-banner hidden");
      for (let i = 0; i < 80; i++) slab.alloc();
      await until(
        async () => (await banner.getAttribute("class")) === "capacity-banner warning",
        "warning",
      );
      assert.match(await banner.innerText(), /Warning:\s*pool at 80\.0 % of 100 slots/);
      for (let i = 0; i < 15; i++) slab.alloc();
      await until(
        async () => (await banner.getAttribute("class")) === "capacity-banner critical",
        "critical",
      );
      assert.match(await banner.innerText(), /Critical:\s*pool at 95\.0 %/);
      const animation = await banner.evaluate((element) => getComputedStyle(element).animationName);
      assert.equal(animation, "pulse-critical");
      for (let i = 0; i < 6; i++) slab.alloc(); // the last one overflows
      await until(async () => /pool: 1 overflow\b/.test(await banner.innerText()), "overflow");
      // More than three pools in trouble: three messages, then "+N more".
      for (const name of ["a", "b", "c", "d"]) {
        const extra = registry.addSlab(new SlabAllocator({ name, slotSize: 8, capacity: 10 }));
        for (let i = 0; i < 9; i++) extra.alloc();
      }
      await until(async () => /\+2 more/.test(await banner.innerText()), "+2 more");
      assert.equal(await banner.locator("li:not(.more)").count(), 3);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "dashboard: a server restart shows Reconnecting, then Live with the new state",
  ignore: noBrowser,
  async fn() {
    const first = new DiagnosticsRegistry();
    first.addSlab(new SlabAllocator({ name: "objects", slotSize: 8, capacity: 1000 })).alloc();
    let s = serve(first);
    const port = s.port;
    const { browser, page } = await openPage(s.url);
    const badge = page.locator("[data-connection]");
    try {
      await until(async () => (await readGrid(page, "objects")).used === 1, "first state");
      await s.stop();
      await until(
        async () => (await badge.getAttribute("data-connection")) === "reconnecting",
        "Reconnecting",
        5000,
      );
      const second = new DiagnosticsRegistry();
      const slab = second.addSlab(
        new SlabAllocator({ name: "objects", slotSize: 8, capacity: 1000 }),
      );
      for (let i = 0; i < 42; i++) slab.alloc();
      s = serve(second, port);
      await until(
        async () => (await badge.getAttribute("data-connection")) === "live",
        "Live again",
        15_000,
      );
      await until(
        async () => (await readGrid(page, "objects")).used === 42,
        "the new server's state",
      );
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "dashboard: keyboard inspection of slots; legend buttons highlight one state",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const conns = registry.addSlab(
      new SlabAllocator({ name: "conns", slotSize: 1, capacity: 64, kind: "handle" }),
    );
    const owner = registry.owners.register("api.example", "client");
    conns.setState(conns.alloc(owner)!, HandleState.Active);
    conns.alloc();
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      const canvas = page.locator('canvas[data-slab="conns"]');
      await canvas.focus();
      await page.keyboard.press("ArrowRight");
      const tooltip = page.locator(".tooltip");
      await until(
        async () => /slot 1 · Connecting/.test(await tooltip.innerText().catch(() => "")),
        "tooltip for slot 1",
      );
      await page.keyboard.press("ArrowLeft");
      await until(
        async () => /slot 0 · Active · api\.example · .* in state/.test(await tooltip.innerText()),
        "slot 0 details",
      ).catch(async (error) => {
        throw new Error(
          `${error.message}; the tooltip says ${JSON.stringify(await tooltip.innerText())}`,
        );
      });
      const active = page.getByRole("button", { name: /Active/ });
      await active.press("Enter");
      assert.equal(await active.getAttribute("aria-pressed"), "true");
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "dashboard: nothing is drawn while the tab is hidden; the latest state at once on return",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const slab = registry.addSlab(
      new SlabAllocator({ name: "objects", slotSize: 8, capacity: 1000 }),
    );
    const s = serve(registry);
    const { browser, page } = await openPage(s.url);
    try {
      await until(async () => (await readGrid(page, "objects")).used === 0, "first picture");
      await page.evaluate(() => {
        Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
        document.dispatchEvent(new Event("visibilitychange"));
      });
      const framesBefore = await page.evaluate(() =>
        (globalThis as unknown as { __slabscope: { count: number } }).__slabscope.count
      );
      for (let i = 0; i < 10; i++) slab.alloc();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const framesHidden = await page.evaluate(() =>
        (globalThis as unknown as { __slabscope: { count: number } }).__slabscope.count
      );
      assert.equal(framesHidden, framesBefore, "no frame while hidden");
      await page.evaluate(() => {
        Object.defineProperty(document, "hidden", { configurable: true, get: () => false });
        document.dispatchEvent(new Event("visibilitychange"));
      });
      await until(
        async () => (await readGrid(page, "objects")).used === 10,
        "drawn on return",
        2000,
      );
      assert.deepEqual(
        (await readGrid(page, "objects")).flashing,
        [],
        "no flashes for what happened while hidden",
      );
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "dashboard: readable at phone width",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    registry.addSlab(new SlabAllocator({ name: "objects", slotSize: 8, capacity: 10_000 })).alloc();
    const s = serve(registry);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({
        viewport: { width: 375, height: 740 },
        deviceScaleFactor: 2,
      });
      await page.goto(s.url);
      await page.waitForSelector('[data-connection="live"]');
      const overflow = await page.evaluate(() =>
        document.documentElement.scrollWidth - globalThis.innerWidth
      );
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
      const canvas = await page.locator("canvas.grid").boundingBox();
      assert.ok(canvas !== null && canvas.width > 250 && canvas.width <= 375);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});
