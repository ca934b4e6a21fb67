// Copyright 2026 the slabscope authors. MIT license.
/// <reference lib="deno.unstable" />
// The fleet in the dashboard: three instance processes and this one share a
// KV file; the page lists them, switches to one, notices when it is killed,
// and goes back to this process.
//
// Every wait is for a condition. The timeouts only bound a failure: they
// are far above what the conditions take on a loaded machine. Summaries
// expire after 3 s, 15 publishing intervals, so that a process the machine
// starves for a moment does not drop out of the list and back in.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { createDashboard } from "../../dashboard.ts";
import { type Instance, start, stop } from "../fixtures/fleet_processes.ts";
import { launchChromium, noBrowser } from "./_chromium.ts";

/** How long an instance's summary lasts after its last write. */
const EXPIRE_MS = 3_000;
/** The most any wait below may take before the test fails. */
const GUARD_MS = 60_000;

Deno.test({
  name: "the dashboard lists a fleet of processes, switches to one, and drops a killed one",
  ignore: noBrowser,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "slabscope_fleet_ui_" });
    const path = `${dir}/fleet.db`;
    const kv = await Deno.openKv(path);
    const instances: Instance[] = [];
    const registry = new DiagnosticsRegistry();
    const local = registry.addSlab(
      new SlabAllocator({ name: "local_only", slotSize: 8, capacity: 512 }),
    );
    for (let i = 0; i < 7; i++) local.alloc();
    const dashboard = createDashboard(registry, {
      interval: 50,
      fleet: {
        kv,
        publish: { name: "dashboard", interval: 500, expireIn: EXPIRE_MS, pollInterval: 100 },
      },
    });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
    const browser = await launchChromium();
    try {
      instances.push(
        start(path, dir, "alpha", 100, EXPIRE_MS),
        start(path, dir, "beta", 200, EXPIRE_MS),
        start(path, dir, "gamma", 300, EXPIRE_MS),
      );
      const [, beta] = await Promise.all(instances.map((i) => i.ready));
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(`http://127.0.0.1:${server.addr.port}/debug/`);
      await page.waitForSelector('[data-connection="live"]', { timeout: GUARD_MS });

      // Four live instances: the three processes and this one, marked as such.
      const rows = page.locator(".fleet-table tbody tr");
      await page.waitForFunction(
        () => document.querySelectorAll(".fleet-table tbody tr").length === 4,
        null,
        { timeout: GUARD_MS },
      );
      assert.deepEqual(await rows.locator("button").allTextContents(), [
        "alpha",
        "beta",
        "dashboard",
        "gamma",
      ]);
      assert.match(await rows.nth(2).textContent() ?? "", /this process/);
      assert.match(
        await rows.nth(1).textContent() ?? "",
        /conns 4\.88 %/,
        "beta: 200 of 4,096 slots",
      );

      // This process's heap history came with its keyframe (or the recording).
      const heapHistory = () => page.getAttribute(".panel.heap", "data-history");
      const firstSample = async () =>
        Number(await page.getAttribute('.heap-chart[data-line="rss"]', "data-first"));
      await page.waitForSelector('.panel.heap:not([data-history="page"]) .heap-chart[data-first]', {
        timeout: GUARD_MS,
      });
      const ours = await firstSample();

      // Switch to beta: its slab replaces ours, from its keyframe through KV.
      await rows.nth(1).locator("button").click();
      await page.waitForSelector('section[aria-labelledby="slab-conns"]', { timeout: GUARD_MS });
      // Its heap history starts afresh: its samples are not sent, ours are not its.
      await page.waitForSelector('.panel.heap[data-history="page"] .heap-chart[data-first]', {
        timeout: GUARD_MS,
      });
      assert.ok((await firstSample()) > ours, "beta's heap lines start after the switch");
      assert.match(
        await page.locator('section[aria-labelledby="slab-conns"] .gauge-text').textContent() ?? "",
        /^200 \/ 4,096/,
      );
      assert.equal(await page.locator('section[aria-labelledby="slab-local_only"]').count(), 0);
      assert.equal(await page.getAttribute("[data-connection]", "data-connection"), "live");

      // Kill beta (no goodbye): it leaves the list once its summary expires,
      // and the page says so instead of showing a frozen picture as live.
      assert.ok(beta);
      instances[1]!.child.kill("SIGKILL");
      await instances[1]!.child.status;
      await page.waitForSelector(".fleet [role=alert]", { timeout: GUARD_MS });
      await page.waitForFunction(
        () => document.querySelectorAll(".fleet-table tbody tr").length === 3,
        null,
        { timeout: GUARD_MS },
      );
      assert.deepEqual(await rows.locator("button").allTextContents(), [
        "alpha",
        "dashboard",
        "gamma",
      ]);
      await page.waitForSelector('[data-connection="reconnecting"]', { timeout: GUARD_MS });

      // Back to this process: the live stream again.
      await page.locator(".fleet [role=alert] button").click();
      await page.waitForSelector('section[aria-labelledby="slab-local_only"]', {
        timeout: GUARD_MS,
      });
      await page.waitForSelector('[data-connection="live"]', { timeout: GUARD_MS });
      await page.waitForSelector('.panel.heap:not([data-history="page"])', { timeout: GUARD_MS });
      assert.notEqual(await heapHistory(), "page");
      assert.match(
        await page.locator('section[aria-labelledby="slab-local_only"] .gauge-text')
          .textContent() ?? "",
        /^7 \/ 512/,
      );
      assert.deepEqual(problems, []);
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
