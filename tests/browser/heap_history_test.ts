// Copyright 2026 the slabscope authors. MIT license.
// The heap sparklines across a reload without the flight recorder, in real
// Chromium against a real Deno.serve and its real stream: the heap-history
// event that follows the first keyframe gives them back the minutes before.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { createDashboard } from "../../dashboard.ts";
import { noBrowser } from "./_chromium.ts";
import { openPage, until } from "./_dashboard_page.ts";

/** What each heap chart holds, and what the panel and the badge say. */
function panel(page: Page) {
  return page.evaluate(() => ({
    history: document.querySelector(".panel.heap")?.getAttribute("data-history") ?? null,
    seq: document.querySelector("[data-connection]")?.getAttribute("data-seq") ?? null,
    charts: [...document.querySelectorAll(".heap-chart")].map((chart) => ({
      line: chart.getAttribute("data-line"),
      samples: Number(chart.getAttribute("data-samples")),
      first: Number(chart.getAttribute("data-first")),
      points: chart.querySelector("polyline")!.getAttribute("points")!.trim().split(" ").length,
    })),
  }));
}

Deno.test({
  name:
    "heap history: without the recorder, a reload keeps the sparklines' history: the first keyframe brings it",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const slab = registry.addSlab(
      new SlabAllocator({ name: "objects", slotSize: 8, capacity: 64 }),
    );
    // Pools that change every tick carry a heap sample every 200 ms; once
    // they stop, nothing is published for 10 minutes (no heap-only delta):
    // after the reload the page holds its first keyframe's state alone.
    const dashboard = createDashboard(registry, {
      interval: 50,
      heapInterval: 200,
      heapQuietInterval: 600_000,
      recorder: false,
    });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
    const held: number[] = [];
    const churn = setInterval(() => {
      if (held.length < 32) held.push(slab.alloc()!);
      else slab.free(held.shift()!);
    }, 20);
    const { browser, page, problems } = await openPage(
      `http://127.0.0.1:${server.addr.port}/debug/`,
    );
    const notFound: string[] = [];
    page.on("response", (response) => response.status() === 404 && notFound.push(response.url()));
    try {
      await until(
        async () => (await panel(page)).charts.every((c) => c.samples >= 6),
        "the sparklines to gather samples",
      );
      clearInterval(churn);

      const reloaded = Date.now();
      await page.reload();
      // The first state the page holds: its first keyframe's.
      await page.waitForSelector('[data-connection="live"][data-seq]');
      const { seq } = await panel(page);
      await until(
        async () => (await panel(page)).charts.every((c) => c.samples > 1),
        "the sparklines to hold the history",
      );
      const after = await panel(page);
      assert.equal(after.seq, seq, "still the first keyframe's state: nothing else came");
      assert.equal(after.history, "server");
      for (const chart of after.charts) {
        assert.ok(chart.samples >= 6, `${chart.line}: ${chart.samples} samples`);
        assert.ok(chart.points > 2, `${chart.line}: ${chart.points} points drawn`);
        assert.ok(
          chart.first < reloaded,
          `${chart.line}: its first sample is from before the reload`,
        );
      }
      assert.equal(new Set(after.charts.map((c) => c.samples)).size, 1, "one history for all");
      assert.match(
        await page.locator(".panel.heap").innerText(),
        /\(from the server: kept across reloads\)/,
      );
      // Without a recorder the page shows no timeline and asks for no
      // recording (it would be answered 404, which Chromium logs).
      assert.match(
        await page.locator('.panel.timeline[data-mode="off"]').innerText(),
        /flight recorder is off \(recorder: false\)/,
      );
      assert.deepEqual(problems, []);
      assert.deepEqual(notFound, []);
    } finally {
      clearInterval(churn);
      await browser.close();
      await dashboard.close();
      await server.shutdown();
    }
  },
});
