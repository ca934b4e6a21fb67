// Copyright 2026 the slabscope authors. MIT license.
// Dashboard frame time in headless Chromium (Debian's chromium, no GPU):
// a slab of 262,144 or 1,048,576 slots half full, 1 % of its slots flipping
// every tick at 10 Hz. Reads the page's own frame records
// (globalThis.__slabscope): the work of each animation frame (flash steps,
// putImageData of changed rows, the scaled drawImage, overlays) and of each
// state update (applying it to the grid: diff, flash starts).
//
//   deno run -A bench/dashboard_frames.ts [seconds, default 10]
import { DiagnosticsRegistry } from "../mod.ts";
import { createDashboard } from "../dashboard.ts";
import { launchChromium } from "../tests/browser/_chromium.ts";
import { addHalfFullSlab, beforeEachSnapshot, slotFlipper } from "./_half_full_slab.ts";

const seconds = Number(Deno.args[0] ?? 10);

function workload(slots: number) {
  const registry = new DiagnosticsRegistry();
  const { slab, held } = addHalfFullSlab(registry, slots);
  // 1 % of the slots flip every tick: free a random 1 %, take them back next tick.
  beforeEachSnapshot(registry, slotFlipper(slab, held, Math.floor(slots / 100)));
  return registry;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function measure(slots: number) {
  const dashboard = createDashboard(workload(slots), { interval: 100 });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`http://127.0.0.1:${server.addr.port}/debug/`);
    await page.waitForSelector('[data-connection="live"]');
    await page.waitForTimeout(3000); // warm-up: JIT, first keyframe
    const read = () =>
      page.evaluate(() => {
        const s = (globalThis as unknown as {
          __slabscope: {
            frames: Float64Array;
            stamps: Float64Array;
            count: number;
            updates: Float64Array;
            updateCount: number;
          };
        }).__slabscope;
        return {
          frames: [...s.frames],
          stamps: [...s.stamps],
          count: s.count,
          updates: [...s.updates],
          updateCount: s.updateCount,
        };
      });
    const before = await read();
    await page.waitForTimeout(seconds * 1000);
    const after = await read();
    const ring = (values: number[], from: number, to: number) => {
      const out: number[] = [];
      for (let i = Math.max(from, to - values.length); i < to; i++) {
        out.push(values[i % values.length]!);
      }
      return out;
    };
    const frames = ring(after.frames, before.count, after.count);
    const updates = ring(after.updates, before.updateCount, after.updateCount);
    const stamps = ring(after.stamps, before.count, after.count);
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i]!).filter((gap) => gap < 200);
    return {
      slots,
      frames: frames.length,
      frameP50: percentile(frames, 0.5),
      frameP95: percentile(frames, 0.95),
      updates: updates.length,
      updateP95: percentile(updates, 0.95),
      gapP95: percentile(gaps, 0.95),
    };
  } finally {
    await browser.close();
    await dashboard.close();
    await server.shutdown();
  }
}

const rows = [await measure(262_144), await measure(1_048_576)];
console.log(
  `| slots | frames in ${seconds} s | frame p50 | frame p95 | target p95 | frame spacing p95 | state updates | update p95 |`,
);
console.log(`| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
for (const r of rows) {
  const target = r.slots === 262_144 ? 8 : 16;
  console.log(
    `| ${r.slots.toLocaleString("en-US")} | ${r.frames} | ${r.frameP50.toFixed(2)} ms | **${
      r.frameP95.toFixed(2)
    } ms** | ≤ ${target} ms ${r.frameP95 <= target ? "✔" : "✘"} | ${
      r.gapP95.toFixed(1)
    } ms | ${r.updates} | ${r.updateP95.toFixed(2)} ms |`,
  );
}
