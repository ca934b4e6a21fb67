// Copyright 2026 the slabscope authors. MIT license.
// The Requests panel and the owner breakdown in real headless Chromium, fed
// by real traffic: a real Deno.serve instrumented in this process, real
// fetches, real Workers on a shared slab.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  DiagnosticsRegistry,
  instrumentFetch,
  instrumentServer,
  type RequestSnapshot,
  SlabAllocator,
} from "../../mod.ts";
import { decodeKeyframe } from "../../wire.ts";
import { createDashboard } from "../../dashboard.ts";
import { requestRates } from "../../core/wire/request_rates.ts";
import { formatBytes, formatCount, formatMicros, formatRate } from "../../client/format.ts";
import type { OwnerWorkerInit } from "../fixtures/owner_worker.ts";
import { launchChromium, noBrowser } from "./_chromium.ts";

function serveDashboard(registry: DiagnosticsRegistry) {
  const dashboard = createDashboard(registry, { interval: 50 });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
  return {
    url: `http://127.0.0.1:${server.addr.port}/debug/`,
    async stop() {
      await dashboard.close();
      await server.shutdown();
    },
  };
}

async function openPage(url: string) {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(url);
  await page.waitForSelector('[data-connection="live"]');
  return { browser, page, problems };
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeout = 10_000) {
  const deadline = performance.now() + timeout;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The text of every `[data-field]` of one owner's block in the Requests panel. */
function fields(page: Page, kind: string, owner: string): Promise<Record<string, string>> {
  return page.locator(`.request-owner[data-kind="${kind}"][data-owner="${owner}"]`).evaluate(
    (element) =>
      Object.fromEntries(
        [...element.querySelectorAll<HTMLElement>("[data-field]")].map((
          e,
        ) => [e.dataset.field!, e.textContent!.trim()]),
      ),
  );
}

/** What the panel must show for a record, formatted as the page formats it. */
function expected(record: RequestSnapshot, kind: "server" | "client"): Record<string, string> {
  const rates = requestRates(record);
  const recent = record.history.some((n) => n > 0);
  const [received, sent] = kind === "server"
    ? [record.request_bytes, record.response_bytes]
    : [record.response_bytes, record.request_bytes];
  return {
    in_flight: formatCount(record.in_flight),
    rate_1s: formatRate(rates.last1),
    rate_10s: formatRate(rates.last10),
    rate_60s: formatRate(rates.last60),
    p50_us: recent ? formatMicros(record.p50_us) : "–",
    p95_us: recent ? formatMicros(record.p95_us) : "–",
    p99_us: recent ? formatMicros(record.p99_us) : "–",
    status_1xx: formatCount(record.classes["1xx"]?.count ?? 0),
    status_2xx: formatCount(record.classes["2xx"]?.count ?? 0),
    status_3xx: formatCount(record.classes["3xx"]?.count ?? 0),
    status_4xx: formatCount(record.classes["4xx"]?.count ?? 0),
    status_5xx: formatCount(record.classes["5xx"]?.count ?? 0),
    completed: formatCount(record.completed),
    aborted: formatCount(record.aborted),
    bytes_in: formatBytes(received),
    bytes_out: formatBytes(sent),
  };
}

Deno.test({
  name: "requests panel: the figures shown are the traffic that happened",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const app = instrumentServer(registry, async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/missing") return new Response("no", { status: 404 });
      if (path === "/boom") throw new Error("a handler failure, on purpose");
      if (path === "/held") await held;
      if (path === "/stream") {
        return new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode("data: x\n\n"));
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      }
      return new Response("0123456789", { headers: { "content-length": "10" } });
    }, { name: "api" });
    const api = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: app.onListen,
      onError: () => new Response("error", { status: 500 }),
    }, app);
    const origin = `http://127.0.0.1:${api.addr.port}`;
    const tracked = instrumentFetch(registry, { name: () => "upstream" });
    const s = serveDashboard(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      await page.waitForSelector('.request-owner[data-owner="api"]');
      // 30 OK, 5 not found, 2 failures; one held open, one stream the client leaves.
      for (let i = 0; i < 30; i++) await (await tracked(`${origin}/`)).text();
      for (let i = 0; i < 5; i++) await (await tracked(`${origin}/missing`)).text();
      for (let i = 0; i < 2; i++) await (await tracked(`${origin}/boom`)).text();
      const pending = tracked(`${origin}/held`);
      const stream = await tracked(`${origin}/stream`);
      const reader = stream.body!.getReader();
      await reader.read();
      await reader.cancel();

      const server = () => fields(page, "server", "api");
      await until(async () => (await server()).completed === "37", "37 completed on the page");
      await until(async () => (await server()).aborted === "1", "the aborted stream");
      await until(async () => (await server()).in_flight === "1", "one in flight");
      const shown = await server();
      assert.equal(shown.status_2xx, "30");
      assert.equal(shown.status_4xx, "5");
      assert.equal(shown.status_5xx, "2");
      // 30 bodies of 10 bytes, 5 of "no", the stream's 9; Deno answered the failures itself.
      assert.equal(shown.bytes_out, formatBytes(30 * 10 + 5 * 2 + 9));

      // Once the seconds are complete, every figure equals the record the
      // server sends, formatted: the rates, the percentiles, the classes.
      await until(async () => {
        const record = decodeKeyframe(
          await (await fetch(`${s.url}diagnostics/snapshot`)).text(),
        ).requests!.server.find((r) => r.name === "api")!;
        const sum = record.history.reduce((a, b) => a + b, 0);
        return sum === 37 &&
          JSON.stringify(await server()) === JSON.stringify(expected(record, "server"));
      }, "the panel to agree with the server's record once the history holds every request");
      const final = await server();
      assert.equal(final.rate_60s, formatRate(37 / 60));
      assert.notEqual(final.p50_us, "–");

      // The fetch side of the same traffic: its own record, its own durations.
      await until(async () => {
        const record = decodeKeyframe(
          await (await fetch(`${s.url}diagnostics/snapshot`)).text(),
        ).requests!.client.find((r) => r.name === "upstream")!;
        return record.completed === 37 &&
          JSON.stringify(await fields(page, "client", "upstream")) ===
            JSON.stringify(expected(record, "client"));
      }, "the fetch block to agree with its record");
      const client = await fields(page, "client", "upstream");
      assert.equal(client.aborted, "1");
      assert.equal(client.bytes_in, formatBytes(30 * 10 + 5 * 2 + 2 * 5 + 9));
      release();
      await (await pending).text();
      await until(async () => (await server()).in_flight === "0", "nothing in flight");
      assert.deepEqual(problems, []);
    } finally {
      release();
      await browser.close();
      await s.stop();
      tracked.close();
      await api.shutdown();
      app.close();
    }
  },
});

Deno.test({
  name: "owner breakdown: the Workers that own slots of a plain shared slab have their rows",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const shared = registry.addSlab(
      new SlabAllocator({ name: "shared_objects", slotSize: 32, capacity: 4096 }),
    );
    const counts = [300, 120];
    const workers = counts.map((count, id) => {
      const worker = new Worker(new URL("../fixtures/owner_worker.ts", import.meta.url), {
        type: "module",
      });
      const init: OwnerWorkerInit = {
        slab: shared.buffer,
        owner: registry.owners.register(`worker-${id}`, "worker"),
        count,
      };
      const ready = new Promise((resolve) => (worker.onmessage = resolve));
      worker.postMessage(init);
      return { worker, ready };
    });
    await Promise.all(workers.map((w) => w.ready));
    shared.alloc(); // one slot without an owner
    const s = serveDashboard(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      const rows = page.locator('.owner-slab[data-slab="shared_objects"] tbody tr');
      await until(async () => (await rows.count()) === 3, "three rows: two Workers and no owner");
      const table = await rows.evaluateAll((trs) =>
        trs.map((tr) => [
          (tr as HTMLElement).dataset.owner,
          tr.querySelector<HTMLElement>('[data-state="U"]')!.textContent,
        ])
      );
      assert.deepEqual(table, [["worker-0", "300"], ["worker-1", "120"], ["no owner", "1"]]);
      assert.match(
        await page.locator('.owner-slab[data-slab="shared_objects"] h3').innerText(),
        /shared_objects\s+421 used/,
      );
      // The Workers free their slots: their rows go.
      await Promise.all(workers.map(({ worker }) => {
        const freed = new Promise((resolve) => (worker.onmessage = resolve));
        worker.postMessage("free");
        return freed;
      }));
      await until(async () => (await rows.count()) === 1, "only the unowned slot left");
      assert.deepEqual(problems, []);
    } finally {
      for (const { worker } of workers) worker.terminate();
      await browser.close();
      await s.stop();
    }
  },
});

Deno.test({
  name: "requests panel: servers, then the busiest fetch targets, 12 at most, the rest counted",
  ignore: noBrowser,
  async fn() {
    const registry = new DiagnosticsRegistry();
    const now = Date.now();
    registry.requests.acquire("server", "zeta").start();
    for (let i = 0; i < 15; i++) {
      const target = registry.requests.acquire("client", `https://t${i}.example`);
      // Target i completed i requests a few seconds ago: t14 is the busiest.
      for (let n = 0; n < i; n++) {
        target.start();
        target.complete(200, 1000, 0, 0, now - 3000);
      }
    }
    const s = serveDashboard(registry);
    const { browser, page, problems } = await openPage(s.url);
    try {
      const owners = () =>
        page.locator(".request-owner").evaluateAll((articles) =>
          articles.map((a) =>
            `${(a as HTMLElement).dataset.kind} ${(a as HTMLElement).dataset.owner}`
          )
        );
      await until(async () => (await owners()).length === 12, "12 blocks");
      assert.deepEqual(await owners(), [
        "server zeta",
        ...[14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4].map((i) => `client https://t${i}.example`),
      ]);
      assert.match(
        await page.locator('[data-field="hidden_owners"]').innerText(),
        /^4 more, less busy/,
      );
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await s.stop();
    }
  },
});
