// Copyright 2026 the slabscope authors. MIT license.
// Dashboard frame time in headless Chromium (Debian's chromium, no GPU):
// a slab of 262,144 or 1,048,576 slots half full, 1 % of its slots flipping
// every tick at 10 Hz. Reads the page's own frame records
// (globalThis.__slabscope): the work of each animation frame (flash steps,
// putImageData of changed rows, the scaled drawImage, overlays) and of each
// state update (applying it to the grid: diff, flash starts).
//
//   deno run -A bench/dashboard_frames.ts [seconds, default 10]
import { DiagnosticsRegistry, SlabAllocator } from "../mod.ts";
import { createDashboard } from "../dashboard.ts";
import { launchChromium } from "../tests/browser/_chromium.ts";

const seconds = Number(Deno.args[0] ?? 10);

function workload(slots: number) {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 16, capacity: slots }),
  );
  const held: number[] = [];
  for (let i = 0; i < slots; i++) held.push(slab.alloc()!);
  for (let i = held.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [held[i], held[j]] = [held[j]!, held[i]!];
  }
  for (const h of held.splice(0, slots / 2)) slab.free(h);
  // 1 % of the slots flip every tick: free a random 1 %, take them back next tick.
  let freed = 0;
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => {
    if (freed === 0) {
      for (let i = 0; i < slots / 100; i++) {
        const k = Math.floor(Math.random() * held.length);
        slab.free(held[k]!);
        held[k] = held[held.length - 1]!;
        held.pop();
        freed++;
      }
    } else {
      for (; freed > 0; freed--) held.push(slab.alloc()!);
    }
    return snapshot(options);
  };
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
