// Copyright 2026 the slabscope authors. MIT license.
// The dashboard's first load, as a user gets it: HTML bytes (raw and gzip,
// as the server sends it to a browser that accepts gzip) and the time from
// navigation to the first canvas drawn with slots (the performance mark
// "slabscope:first-slots"), in headless Chromium, for a demo-like slab of
// 262,144 slots and one of 1,048,576, each half full with owners, and the
// demo's four request records with a minute of history each.
//
//   deno run -A bench/page_load.ts [loads per size, default 5]
import { DiagnosticsRegistry, SlabAllocator } from "../mod.ts";
import { createDashboard } from "../dashboard.ts";
import { launchChromium } from "../tests/browser/_chromium.ts";

const loads = Number(Deno.args[0] ?? 5);

const REQUEST_OWNERS = [
  ["server", "api"],
  ["server", "streams"],
  ["client", "api"],
  ["client", "streams"],
] as const;

function workload(slots: number): DiagnosticsRegistry {
  const registry = new DiagnosticsRegistry();
  const owners = [0, 1].map((i) => registry.owners.register(`worker-${i}`, "worker"));
  const slab = registry.addSlab(
    new SlabAllocator({ name: "shared_objects", slotSize: 32, capacity: slots }),
  );
  for (let i = 0; i < slots / 2; i++) slab.alloc(Math.random() < 0.7 ? owners[0] : owners[1]);
  const handles = registry.addSlab(
    new SlabAllocator({ name: "handles", slotSize: 1, capacity: 2056, kind: "handle" }),
  );
  for (let i = 0; i < 100; i++) handles.alloc(owners[i % 2]);
  // Request records like the demo's: two servers and two fetch targets, each
  // with a full minute of history and every status class but 1xx.
  const now = Date.now();
  for (const [kind, name] of REQUEST_OWNERS) {
    const metrics = registry.requests.acquire(kind, name);
    for (let second = 60; second > 0; second--) {
      for (let i = 0; i < 40; i++) {
        metrics.start();
        metrics.complete(
          [200, 201, 304, 404, 503][i % 5]!,
          50 + 97 * i,
          100,
          2000,
          now - second * 1000,
        );
      }
    }
  }
  return registry;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function measure(slots: number) {
  const dashboard = createDashboard(workload(slots));
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
  const url = `http://127.0.0.1:${server.addr.port}/debug/`;
  const raw = (await (await fetch(url)).arrayBuffer()).byteLength;
  // fetch() would decompress: ask the handler itself for the bytes it sends.
  const compressed = await dashboard(new Request(url, { headers: { "accept-encoding": "gzip" } }));
  if (compressed.headers.get("content-encoding") !== "gzip") throw new Error("not compressed");
  const gzip = (await compressed.arrayBuffer()).byteLength;
  const browser = await launchChromium();
  const times: number[] = [];
  try {
    for (let i = 0; i < loads; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(url);
      await page.waitForFunction(() =>
        performance.getEntriesByName("slabscope:first-slots").length > 0
      );
      times.push(
        await page.evaluate(() =>
          performance.getEntriesByName("slabscope:first-slots")[0]!.startTime
        ),
      );
      await page.close();
    }
  } finally {
    await browser.close();
    await dashboard.close();
    await server.shutdown();
  }
  return { slots, raw, gzip, first: median(times), times };
}

console.log(
  `| slots | HTML | HTML, gzip | target | first canvas with slots (median of ${loads}) |`,
);
console.log(`| ---: | ---: | ---: | ---: | ---: |`);
for (const slots of [262_144, 1_048_576]) {
  const r = await measure(slots);
  const target = slots === 262_144 ? 64 * 1024 : 160 * 1024;
  console.log(
    `| ${slots.toLocaleString("en-US")} | **${(r.raw / 1024).toFixed(1)} KiB** | ${
      (r.gzip / 1024).toFixed(1)
    } KiB | ≤ ${target / 1024} KiB ${r.raw <= target ? "✔" : "✘"} | ${r.first.toFixed(0)} ms (${
      r.times.map((t) => t.toFixed(0)).join(", ")
    }) |`,
  );
}
