// Copyright 2026 the slabscope authors. MIT license.
// The diff of two moments in real Chromium: the cells that differ are
// marked on the grids, and allocations, frees and state changes are
// counted per owner, for a workload whose every step the test knows.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { createDashboard } from "../../dashboard.ts";
import { noBrowser } from "./_chromium.ts";
import { openPage, scrubTo, serverRecording, timelineState, until } from "./_timeline_page.ts";

/** The magenta of a differing cell and the veil over the others, as RGBA. */
const MARK = [0xf7, 0x78, 0xba, 0xff];

Deno.test({
  name:
    "diff: two moments compared, the differing cells marked, allocations, frees and changes per owner",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const api = registry.owners.register("api", "server");
    const db = registry.owners.register("db", "client");
    const conns = registry.addSlab(
      new SlabAllocator({ name: "conns", slotSize: 1, capacity: 256, kind: "handle" }),
    );
    const objects = registry.addSlab(
      new SlabAllocator({ name: "objects", slotSize: 8, capacity: 4096 }),
    );
    // A slot that flips all the time, so that every tick publishes a state.
    const clock = registry.addSlab(new SlabAllocator({ name: "clock", slotSize: 1, capacity: 1 }));
    let tick: number | null = null;
    const flip = setInterval(() => {
      if (tick === null) tick = clock.alloc();
      else tick = (clock.free(tick), null);
    }, 15);
    const dashboard = createDashboard(registry, { interval: 40 });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
    const base = `http://127.0.0.1:${server.addr.port}/debug`;
    const recorder = dashboard.stream.recorder!;
    await until(() => recorder.last !== undefined, "the first state");
    const ticks = async (n: number) => {
      const target = recorder.last!.seq + n;
      await until(() => recorder.last!.seq >= target, `${n} ticks`);
    };
    await ticks(2);
    // Phase 1: api opens 20, db 10; 100 objects. Phase 2, ticks later: db
    // closes 5, api's first 8 go Active. Nothing is freed in the tick it was
    // taken, so every step is seen.
    const apiHeld = Array.from({ length: 20 }, () => conns.alloc(api)!);
    const dbHeld = Array.from({ length: 10 }, () => conns.alloc(db)!);
    for (let i = 0; i < 100; i++) objects.alloc();
    await ticks(3);
    for (const handle of dbHeld.splice(0, 5)) conns.free(handle);
    for (const handle of apiHeld.slice(0, 8)) conns.setState(handle, HandleState.Active);
    await ticks(3);

    const { page, problems, close, browser } = await openPage(
      `${base}/`,
      '[data-connection="live"]',
    );
    try {
      await page.waitForSelector('.history-row[data-pool="conns"]');
      await page.locator("section.timeline button", { hasText: "Pause" }).click();
      await until(async () => (await timelineState(page)).mode === "paused", "paused");
      await scrubTo(page, 0);
      const states = await serverRecording(`${base}/diagnostics/recording`);
      await until(
        async () => (await timelineState(page)).seq === states.seqs[0],
        "the first moment",
      );
      await page.getByRole("button", { name: "Compare from here" }).click();
      const last = Number(await page.locator("input.scrubber").getAttribute("max"));
      await scrubTo(page, last);
      await page.waitForSelector('.diff-panel [data-slab="conns"]');

      const row = async (slab: string, owner: string) => {
        const cells = await page.locator(
          `.diff-panel [data-slab="${slab}"] tr:has(th:text-is("${owner}")) td`,
        ).allInnerTexts();
        return cells.map((text) => Number(text.replaceAll(",", "")));
      };
      assert.deepEqual(await row("conns", "api"), [20, 0, 8, 20]);
      assert.deepEqual(await row("conns", "db"), [10, 5, 0, 5]);
      assert.deepEqual(await row("objects", "no owner"), [100, 0, 0, 100]);

      // The grids mark exactly the slots held at the end (none at the start).
      const canvas = page.locator('canvas[data-slab="conns"]');
      assert.equal(await canvas.getAttribute("data-diff-cells"), "25");
      const end = states.stateAt((await timelineState(page)).seq);
      const held = [...end.slabs.find((s) => s.name === "conns")!.states!.entries()]
        .filter(([, state]) => state !== 0).map(([index]) => index);
      const marked = await page.evaluate((mark) => {
        const overlay = (globalThis as unknown as {
          __slabscope: { overlays: Record<string, { source: OffscreenCanvas }> };
        }).__slabscope.overlays.conns!;
        const { width, height } = overlay.source;
        const data = overlay.source.getContext("2d")!.getImageData(0, 0, width, height).data;
        const found: number[] = [];
        for (let i = 0; i < data.length / 4; i++) {
          if (mark.every((value, k) => Math.abs(data[i * 4 + k]! - value) <= 1)) found.push(i);
        }
        return found;
      }, MARK);
      assert.deepEqual(marked, held);
      assert.match(
        await page.locator("section.slab", { hasText: "conns" }).locator(".legend").innerText(),
        /differs between the two moments\s+25/,
      );

      // The URL carries both moments: a link shows the same diff.
      assert.match(page.url(), /\?at=[0-9a-z]+-\d+&compare=[0-9a-z]+-\d+$/);
      const link = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await link.goto(page.url());
      await link.waitForSelector('.diff-panel [data-slab="conns"]');
      assert.equal(
        await link.locator('canvas[data-slab="conns"]').getAttribute("data-diff-cells"),
        "25",
      );
      await link.close();

      // Clearing the comparison unmarks the grids.
      await page.locator(".compare-info button", { hasText: "clear" }).click();
      await until(async () => (await canvas.getAttribute("data-diff-cells")) === "", "unmarked");
      assert.deepEqual(problems, []);
    } finally {
      clearInterval(flip);
      await close();
      await dashboard.close();
      await server.shutdown();
    }
  },
});
