// Copyright 2026 the slabscope authors. MIT license.
// How long a replayed 5-minute recording takes to open: from starting
// `deno task replay FILE` to the dashboard in headless Chromium showing the
// recording's last moment (its grid drawn). The file is 5 minutes of a
// 262,144-slot slab half full with 1 % of its slots flipping every tick at
// 10 Hz, a keyframe as often as the recorder makes one (every 2.5 s): 3,000
// deltas and 121 keyframes, written in
// the recording format with the states' own encoders (collected here, with
// their times 100 ms apart). Prints a Markdown table.
//
//   deno run -A bench/replay_open.ts [runs, default 3]
import { DiagnosticsRegistry, type MemorySnapshot } from "../mod.ts";
import { encodeKeyframe } from "../wire.ts";
import { deltaObject } from "../core/wire/delta.ts";
import { RECORDER_DEFAULTS } from "../core/stream/flight_recorder.ts";
import { recordingStream } from "../core/stream/recording_file.ts";
import type { RecordingEventInput } from "../core/stream/recording_format.ts";
import { launchChromium } from "../tests/browser/_chromium.ts";
import { addHalfFullSlab, ONE_PERCENT, slotFlipper } from "./_half_full_slab.ts";

const runs = Number(Deno.args[0] ?? 3);
const TICKS = 3000;
/** Ticks of 100 ms between two keyframes, as the recorder keeps them. */
const KEYFRAME_EVERY = RECORDER_DEFAULTS.keyframeInterval / 100;
const ROOT = new URL("../", import.meta.url);

function* events(): Generator<RecordingEventInput> {
  const registry = new DiagnosticsRegistry();
  const { slab, held } = addHalfFullSlab(registry);
  const start = Date.now() - TICKS * 100;
  const state = (seq: number): MemorySnapshot => ({
    ...registry.snapshot({ sampleHeap: seq % 10 === 1 }),
    seq,
    ts: start + (seq - 1) * 100,
  });
  let previous = state(1);
  yield { event: "diagnostics", seq: 1, base: 1, data: encodeKeyframe(previous) };
  const flip = slotFlipper(slab, held, ONE_PERCENT);
  for (let seq = 2; seq <= TICKS + 1; seq++) {
    flip();
    const next = state(seq);
    const delta = deltaObject(previous, next) ?? { v: 1, seq, base: seq - 1, ts: next.ts };
    yield { event: "diagnostics-delta", seq, base: seq - 1, data: JSON.stringify(delta) };
    if ((seq - 1) % KEYFRAME_EVERY === 0) {
      yield { event: "diagnostics", seq, base: seq, data: encodeKeyframe(next) };
    }
    previous = next;
  }
}

const path = await Deno.makeTempFile({ suffix: ".jsonl.gz" });
const written = performance.now();
{
  using file = await Deno.open(path, { write: true, truncate: true });
  await recordingStream({ boot: "bench", source: "", created: Date.now() }, events()).pipeTo(
    file.writable,
  );
}
const size = (await Deno.stat(path)).size;
console.error(
  `wrote ${path}: ${(size / 1024 / 1024).toFixed(1)} MiB in ${
    ((performance.now() - written) / 1000).toFixed(1)
  } s`,
);

const browser = await launchChromium();
const results: { total: number; checked: number; page: number }[] = [];
for (let run = 0; run < runs; run++) {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-net=127.0.0.1", "cli/replay.ts", path, "--port", "0"],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!/http:\/\/127\.0\.0\.1:\d+\/debug\//.test(out)) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`replay exited: ${out}`);
    out += value;
  }
  const listening = performance.now();
  const checked = /checked in ([\d.]+) (ms|s)/.exec(out)!;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(/http:\/\/127\.0\.0\.1:\d+\/debug\//.exec(out)![0]);
  // The last moment shown, its grid drawn.
  await page.waitForFunction(
    (last) =>
      document.querySelector("section.timeline")?.getAttribute("data-seq") === String(last) &&
      document.querySelector('canvas[data-slab="objects"]')?.getAttribute("data-has-slots") ===
        "true",
    TICKS + 1,
    { timeout: 60_000, polling: 10 },
  );
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(0))));
  const shown = performance.now();
  if (Deno.env.get("REPLAY_DETAIL")) {
    console.error(
      await page.evaluate(() =>
        JSON.stringify({
          marks: performance.getEntriesByType("mark").map((m) => [m.name, Math.round(m.startTime)]),
          resources: performance.getEntriesByType("resource").map((r) => [
            r.name.split("/").slice(-2).join("/"),
            Math.round(r.startTime),
            Math.round(r.duration),
          ]),
          domContentLoaded: Math.round(
            (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming)
              .domContentLoadedEventEnd,
          ),
          now: Math.round(performance.now()),
        })
      ),
    );
  }
  results.push({
    total: shown - started,
    checked: Number(checked[1]) * (checked[2] === "s" ? 1000 : 1),
    page: shown - listening,
  });
  await page.close();
  child.kill("SIGTERM");
  await child.status;
  lines.releaseLock();
  await child.stdout.cancel().catch(() => {});
}
await browser.close();
await Deno.remove(path);

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`| measurement | median of ${runs} | runs | target |`);
console.log(`| --- | ---: | --- | ---: |`);
console.log(
  `| file: 3,000 deltas, ${TICKS / KEYFRAME_EVERY + 1} keyframes, 5 min | ${
    (size / 1024 / 1024).toFixed(1)
  } MiB | | |`,
);
console.log(
  `| deno task replay FILE: read and check every event | ${
    (median(results.map((r) => r.checked)) / 1000).toFixed(2)
  } s | ${results.map((r) => (r.checked / 1000).toFixed(2)).join(", ")} | |`,
);
console.log(
  `| the page: load, fetch and read the recording, show the last moment | ${
    (median(results.map((r) => r.page)) / 1000).toFixed(2)
  } s | ${results.map((r) => (r.page / 1000).toFixed(2)).join(", ")} | |`,
);
console.log(
  `| **opened**: from the command to the last moment drawn | **${
    (median(results.map((r) => r.total)) / 1000).toFixed(2)
  } s** | ${results.map((r) => (r.total / 1000).toFixed(2)).join(", ")} | ≤ 2 s |`,
);
