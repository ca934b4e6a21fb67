// Copyright 2026 the slabscope authors. MIT license.
// The lints panel in real headless Chromium against a real Deno.serve: a
// lint raised by real slots shows with its rule, pool, finding and since
// when; selecting it marks its slots on the grid; it clears when they move on.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { noBrowser } from "./_chromium.ts";
import { openPage, serve, until } from "./_dashboard_page.ts";

Deno.test({
  name: "lints: a stuck-slot lint shows in the panel, selecting it marks its cells, then it clears",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry({ lints: { stuck: { after: 300 } } });
    const owner = registry.owners.register("api", "server");
    const conns = registry.addSlab(
      new SlabAllocator({ name: "conns", slotSize: 1, capacity: 256, kind: "handle" }),
    );
    for (let i = 0; i < 20; i++) conns.alloc(owner, HandleState.Active);
    const stuck = [0, 1, 2].map(() => conns.alloc(owner, HandleState.Connecting)!);
    const slots = stuck.map((h) => h & 255);
    const s = serve(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      const lint = page.locator('section.lints li[data-rule="stuck"][data-pool="conns"]');
      await until(async () => (await lint.count()) === 1, "the stuck lint in the panel");
      const text = await lint.innerText();
      assert.match(text, /Stuck in Connecting or Closing/);
      assert.match(text, /conns/);
      assert.match(text, /3 slots in Connecting for over 300 ms/);
      assert.match(text, /since \d{2}:\d{2}:\d{2}, [\d.]+ m?s ago/); // the clock the timeline uses
      assert.match(text, /started to connect or to close/);
      assert.equal(await page.locator('[data-role="lint-count"]').innerText(), "1");

      const canvas = page.locator('canvas[data-slab="conns"]');
      assert.equal(await canvas.getAttribute("data-marked-slots"), "0");
      await lint.locator("button.lint-head").click();
      await until(
        async () => (await canvas.getAttribute("data-marked-slots")) === "3",
        "its three cells marked",
      );
      assert.equal(await canvas.getAttribute("data-selected-slot"), String(slots[0]));
      assert.equal(await lint.locator("button.lint-head").getAttribute("aria-pressed"), "true");
      // Selecting it again clears the marks.
      await lint.locator("button.lint-head").click();
      await until(
        async () => (await canvas.getAttribute("data-marked-slots")) === "0",
        "the marks cleared",
      );
      assert.equal(await canvas.getAttribute("data-selected-slot"), "-1");

      for (const h of stuck) conns.setState(h, HandleState.Active);
      await until(async () => (await lint.count()) === 0, "the lint cleared");
      assert.equal(await page.locator('[data-role="no-lints"]').count(), 1);
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});
