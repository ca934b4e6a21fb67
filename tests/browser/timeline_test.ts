// Copyright 2026 the slabscope authors. MIT license.
// The timeline in real Chromium against a real server with a flight
// recorder: pause, scrub back, step, play, back to live, a link to a
// moment, a pool's history chart; every panel shows the moment chosen.
import assert from "node:assert/strict";
import { Arena, ArenaPool, DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { createDashboard } from "../../dashboard.ts";
import { decodeKeyframe } from "../../wire.ts";
import { noBrowser } from "./_chromium.ts";
import {
  openPage,
  scrubTo,
  serverRecording,
  timelineState,
  until,
  usedCells,
} from "./_timeline_page.ts";

/** A slab that fills up 40 slots at a time and an arena that follows it, while `growing`. */
function growing() {
  const registry = new DiagnosticsRegistry();
  const objects = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 16, capacity: 65_536 }),
  );
  const scratch = registry.addArena(new Arena({ name: "scratch", capacity: 1 << 20 }));
  // An arena pool and the slab that backs it, of one name.
  registry.addArenaPool(new ArenaPool({ name: "stream_arenas", arenaCapacity: 256, count: 8 }))
    .acquire();
  const control = { growing: true };
  const timer = setInterval(() => {
    if (!control.growing || objects.stats().used >= 8000) return;
    for (let i = 0; i < 40; i++) objects.alloc();
    scratch.alloc(64);
  }, 20);
  return { registry, control, stop: () => clearInterval(timer) };
}

function serve(registry: DiagnosticsRegistry) {
  const dashboard = createDashboard(registry, {
    interval: 50,
    recorder: { keyframeInterval: 500 },
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
  const base = `http://127.0.0.1:${server.addr.port}/debug`;
  return {
    dashboard,
    url: `${base}/`,
    recording: `${base}/diagnostics/recording`,
    async stop() {
      await dashboard.close();
      await server.shutdown();
    },
  };
}

const objectsOf = (state: ReturnType<typeof decodeKeyframe>) =>
  state.slabs.find((slab) => slab.name === "objects")!;

Deno.test({
  name: "timeline: pause, scrub back, step, play at 4×, back to live; the URL carries the moment",
  ignore: noBrowser,
  async fn() {
    const work = growing();
    const s = serve(work.registry);
    const recorder = s.dashboard.stream.recorder!;
    await until(() => recorder.size > 40, "40 recorded events");
    const { page, problems, close, browser } = await openPage(s.url, '[data-connection="live"]');
    try {
      await page.waitForSelector('.history-row[data-pool="objects"] svg.usage-chart');
      assert.equal((await timelineState(page)).mode, "live");
      // The arena pool's row is told from its slab's.
      const twin = (kind: string) =>
        page.locator(`.history-row[data-pool="stream_arenas"][data-kind="${kind}"] .history-name`)
          .innerText();
      assert.equal(await twin("slab"), "stream_arenas");
      assert.equal(await twin("arena"), "stream_arenas · arenas");
      // The footer tells what the recorder holds: its window and its bytes.
      const held = page.locator("footer span.recorder");
      await until(
        async () => Number(await held.getAttribute("data-recorded-bytes")) > 0,
        "the recorder's bytes in the footer",
      );
      assert.match(
        await held.innerText(),
        /^flight recorder: \d[\d.]* ?(ms|s|min)\b.* held, [\d.,]+ ?[KM]?i?B$/,
      );

      // Live, the status gives the recorder's own figures, which keep up; paused, the moments.
      const status = page.locator(".timeline-status");
      await until(
        async () =>
          /^the recorder holds .+: pause to go back in it$/.test(await status.innerText()),
        "the live status",
      );

      // Pause: the picture stays, the URL names it.
      await page.locator("section.timeline button", { hasText: "Pause" }).click();
      await until(async () => (await timelineState(page)).mode === "paused", "paused");
      await until(async () => /^\d[\d,]* moments from /.test(await status.innerText()), "moments");
      const paused = await timelineState(page);
      assert.match(page.url(), new RegExp(`\\?at=${s.dashboard.stream.bootId}-\\d+$`));
      await until(async () => !Number.isNaN((await timelineState(page)).seq), "the moment drawn");

      // Scrub back to the sixth moment: every panel shows it.
      await scrubTo(page, 5);
      await until(async () => (await timelineState(page)).seq < paused.seq, "an earlier moment");
      const back = await timelineState(page);
      const states = await serverRecording(s.recording);
      const then = states.stateAt(back.seq);
      await until(
        async () => (await usedCells(page, "objects")) === objectsOf(then).summary.U,
        "the grid of then",
      );
      const gauge = await page.locator("section.slab").first().locator(".gauge-text").innerText();
      assert.match(gauge.replaceAll(",", ""), new RegExp(`^${objectsOf(then).used} / 65536`));
      assert.match(
        await page.locator("section.arenas").innerText(),
        new RegExp(`${then.arenas[0]!.used} B / 1.00 MiB`),
      );
      assert.equal(back.moment, `${s.dashboard.stream.bootId}-${back.seq}`);
      assert.ok(page.url().endsWith(`?at=${back.moment}`), page.url());

      // Step forward and back, one tick each.
      const next = states.seqs[states.indexOf(back.seq) + 1]!;
      await page.getByRole("button", { name: "step forward one tick" }).click();
      await until(async () => (await timelineState(page)).seq === next, `moment ${next}`);
      await until(
        async () =>
          (await usedCells(page, "objects")) === objectsOf(states.stateAt(next)).summary.U,
        "the next tick drawn",
      );
      await page.getByRole("button", { name: "step back one tick" }).click();
      await until(async () => (await timelineState(page)).seq === back.seq, "one tick back");

      // A link shows the same picture.
      const link = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await link.goto(page.url());
      await until(async () => (await timelineState(link)).seq === back.seq, "the linked moment");
      await until(
        async () => (await usedCells(link, "objects")) === objectsOf(then).summary.U,
        "the linked grid",
      );
      assert.equal((await timelineState(link)).mode, "paused");
      await link.close();

      // Play at 4×: the moments move forward by themselves; pause again.
      await page.getByRole("button", { name: "Play 4×" }).click();
      await until(async () => (await timelineState(page)).mode === "playing", "playing");
      await until(async () => (await timelineState(page)).seq >= back.seq + 8, "8 ticks played");
      await page.locator("section.timeline button", { hasText: "Pause" }).click();
      await until(async () => (await timelineState(page)).mode === "paused", "paused again");

      // A click on a pool's history goes to that moment.
      // (At the x of a known moment: the window keeps growing while the
      // test runs, so a fixed fraction of it names a different moment on a
      // slower machine.)
      const chart = page.locator('.history-row[data-pool="objects"] svg.usage-chart');
      const box = (await chart.boundingBox())!;
      const [start, end] = await chart.evaluate((svg) => [
        Number(svg.getAttribute("data-start")),
        Number(svg.getAttribute("data-end")),
      ]);
      const target = states.stateAt(states.seqs[states.indexOf(back.seq) + 2]!).ts;
      const at = ((target - start) / Math.max(1, end - start)) * box.width;
      await chart.click({ position: { x: Math.max(0, at), y: box.height / 2 } });
      await until(
        async () => (await timelineState(page)).seq < back.seq + 8,
        "a moment from the chart",
      );

      // Back to live: the URL forgets the moment and the picture is now's.
      work.control.growing = false;
      await page.locator("section.timeline button", { hasText: "Live" }).click();
      await until(async () => (await timelineState(page)).mode === "live", "live again");
      await until(() => !page.url().includes("at="), "the URL without the moment");
      await until(
        async () =>
          (await usedCells(page, "objects")) ===
            objectsOf(decodeKeyframe(s.dashboard.stream.snapshot())).summary.U,
        "the live grid",
      );
      assert.deepEqual(problems, []);
    } finally {
      await close();
      work.stop();
      await s.stop();
    }
  },
});

Deno.test({
  name: "timeline: a link to a moment the recorder no longer holds says so and shows live",
  ignore: noBrowser,
  async fn() {
    const work = growing();
    const s = serve(work.registry);
    await until(() => s.dashboard.stream.recorder!.size > 5, "a few events");
    const gone = `${s.dashboard.stream.bootId}-0`;
    const { page, problems, close } = await openPage(`${s.url}?at=${gone}`);
    try {
      await until(
        async () =>
          /The moment .* is not in the recording/.test(
            await page.locator(".timeline-status").innerText(),
          ),
        "the notice",
      );
      await until(async () => (await timelineState(page)).mode === "live", "live");
      await until(() => !page.url().includes("at="), "the URL without the moment");
      await until(async () => (await usedCells(page, "objects")) > 0, "the live grid");
      assert.deepEqual(problems, []);
    } finally {
      await close();
      work.stop();
      await s.stop();
    }
  },
});
