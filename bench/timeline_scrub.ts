// Copyright 2026 the slabscope authors. MIT license.
// Scrubbing the timeline in headless Chromium, against a real server with
// the default flight recorder (a keyframe every 2.5 s): a 262,144-slot slab
// half full, 1 % of its slots flipping every tick at 10 Hz. Each scrub is
// timed from the input event to the end of the next animation frame (the
// grid drawn). The worst moments are the last of each segment: the keyframe
// before plus 24 deltas, none of them visited before. Prints a Markdown table.
//
//   deno run -A bench/timeline_scrub.ts [seconds recorded, default 40]
import { DiagnosticsRegistry } from "../mod.ts";
import { createDashboard } from "../dashboard.ts";
import { launchChromium } from "../tests/browser/_chromium.ts";
import {
  addHalfFullSlab,
  beforeEachSnapshot,
  ONE_PERCENT,
  slotFlipper,
} from "./_half_full_slab.ts";

const seconds = Number(Deno.args[0] ?? 40);

function workload() {
  const registry = new DiagnosticsRegistry();
  const { slab, held } = addHalfFullSlab(registry);
  beforeEachSnapshot(registry, slotFlipper(slab, held, ONE_PERCENT));
  return registry;
}

const dashboard = createDashboard(workload());
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
const url = `http://127.0.0.1:${server.addr.port}/debug/`;
const recorder = dashboard.stream.recorder!;
while (recorder.span < seconds * 1000) await new Promise((resolve) => setTimeout(resolve, 500));

const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.goto(url);
await page.waitForSelector('.history-row[data-pool="objects"]', { timeout: 60_000 });
await page.locator("section.timeline button", { hasText: "Pause" }).click();
await page.waitForSelector('section.timeline[data-mode="paused"]');
await page.waitForFunction(() =>
  document.querySelector("section.timeline")?.getAttribute("data-seq")
);

// The page's moments (its slider) and where the recorder's keyframes are.
const held = recorder.select();
const keyframeSeqs = held.filter((e) => e.event === "diagnostics").map((e) => e.seq);
const seqs = [...new Set(held.map((e) => e.seq))];
const max = Number(await page.locator("input.scrubber").getAttribute("max"));
const first = seqs[0]!;
// The last moment of each segment (just before the next keyframe): the worst case.
const worst = keyframeSeqs.slice(1).map((seq) => seq - 1 - first).filter((i) => i >= 0 && i <= max);
const random = Array.from({ length: 30 }, () => Math.floor(Math.random() * (max + 1)));

async function scrub(index: number) {
  return await page.evaluate(async (i) => {
    const slider = document.querySelector<HTMLInputElement>("input.scrubber")!;
    const section = document.querySelector<HTMLElement>("section.timeline")!;
    const started = performance.now();
    slider.value = String(i);
    slider.dispatchEvent(new Event("input", { bubbles: true }));
    const computed = performance.now() - started;
    await new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));
    const stats = (globalThis as unknown as {
      __slabscope: {
        updates: Float64Array;
        updateCount: number;
        frames: Float64Array;
        count: number;
      };
    }).__slabscope;
    return {
      state: Number(section.dataset.scrubMs),
      input: computed,
      frame: performance.now() - started,
      seq: Number(section.dataset.seq),
      update: stats.updates[(stats.updateCount - 1) % 4096]!,
      draw: stats.frames[(stats.count - 1) % 4096]!,
    };
  }, index);
}

const stat = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: sorted[Math.floor(sorted.length / 2)]!,
    p95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!,
    max: sorted.at(-1)!,
  };
};
const worstRuns = [];
for (const index of worst) worstRuns.push(await scrub(index));
const randomRuns = [];
for (const index of random) randomRuns.push(await scrub(index));
await browser.close();
await dashboard.close();
await server.shutdown();

if (Deno.env.get("SCRUB_DETAIL")) {
  for (const r of [...worstRuns, ...randomRuns]) console.error(JSON.stringify(r));
}
const row = (label: string, runs: { state: number; frame: number }[]) => {
  const frame = stat(runs.map((r) => r.frame));
  const state = stat(runs.map((r) => r.state));
  console.log(
    `| ${label} (${runs.length}) | ${state.p50.toFixed(1)} / ${state.max.toFixed(1)} ms | ${
      frame.p50.toFixed(1)
    } / ${frame.p95.toFixed(1)} / **${frame.max.toFixed(1)} ms** | ≤ 50 ms |`,
  );
};
console.log(
  `Recorded ${
    (recorder.span / 1000).toFixed(0)
  } s: ${seqs.length} moments, ${keyframeSeqs.length} keyframes (${
    (recorder.lastKeyframeBytes / 1024).toFixed(0)
  } KiB each)`,
);
console.log(
  `| scrubs | state rebuilt, p50 / max | input to frame drawn, p50 / p95 / max | target |`,
);
console.log(`| --- | ---: | ---: | ---: |`);
// Ticks of 100 ms between two keyframes, less the keyframe's own.
const deltas = recorder.settings.keyframeInterval / 100 - 1;
row(`to the last moment of each segment, cold (keyframe + ${deltas} deltas)`, worstRuns);
row("to random moments", randomRuns);
