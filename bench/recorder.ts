// Copyright 2026 the slabscope authors. MIT license.
// The flight recorder's budgets, with a real DiagnosticsStream over a real
// Deno.serve: the memory it holds for 5 minutes at 1 % churn of a
// 262,144-slot slab (≤ 32 MiB), and the tick cost with it on against off
// (≤ 1.1×), measured side by side: both streams at once in this process,
// one ratio of mean tick costs per round. Prints Markdown tables.
//
//   deno run -A --v8-flags=--expose-gc bench/recorder.ts [rounds, default 4]
//
// Five minutes at 10 Hz is 3,000 ticks and, with the default keyframe every
// 2.5 s, 120 keyframes. The memory run records that at 10× the tick rate (a
// tick every 10 ms, a keyframe every tenth of the default) until it holds
// 3,000 deltas; on a loaded machine ticks come slower than 100 Hz, and the
// keyframes more often than every 25 ticks, which only adds memory.
import { DiagnosticsRegistry } from "../mod.ts";
import { RECORDER_DEFAULTS } from "../core/stream/flight_recorder.ts";
import { createDiagnosticsHandler, type DiagnosticsHandlerOptions } from "../dashboard.ts";
import {
  addHalfFullSlab,
  beforeEachSnapshot,
  ONE_PERCENT,
  slotFlipper,
} from "./_half_full_slab.ts";

const rounds = Number(Deno.args[0] ?? 4);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

/** A 262,144-slot slab half full at random; every tick flips 1 % of its slots (2,621). */
function workload(onTick: () => void = () => {}) {
  const registry = new DiagnosticsRegistry();
  const { slab, held } = addHalfFullSlab(registry);
  const flip = slotFlipper(slab, held, ONE_PERCENT);
  beforeEachSnapshot(registry, () => {
    onTick();
    flip();
  });
  return registry;
}

async function serve(
  registry: DiagnosticsRegistry,
  options: DiagnosticsHandlerOptions,
  run: (handler: ReturnType<typeof createDiagnosticsHandler>, url: string) => Promise<void>,
) {
  const handler = createDiagnosticsHandler(registry, options);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    await run(handler, `http://127.0.0.1:${server.addr.port}/debug/diagnostics/memory`);
  } finally {
    await handler.close();
    await server.shutdown();
  }
}

/** A client that reads the stream and throws the bytes away. */
async function reader(url: string) {
  const response = await fetch(url);
  const body = response.body!.getReader();
  const done = (async () => {
    while (!(await body.read()).done);
  })().catch(() => {});
  return async () => {
    await body.cancel().catch(() => {});
    await done;
  };
}

const MiB = 1024 * 1024;
function meanOf(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

// 1. Memory: 3,000 ticks and their keyframes held.
let memory = {
  accounted: 0,
  measured: 0,
  events: 0,
  keyframes: 0,
  span: 0,
  deltaMean: 0,
  keyframeBytes: 0,
};
{
  const registry = workload();
  gc();
  await serve(registry, {
    interval: 10,
    recorder: { window: 600_000, keyframeInterval: RECORDER_DEFAULTS.keyframeInterval / 10 },
  }, async (handler, url) => {
    const stop = await reader(url);
    const recorder = handler.stream.recorder!;
    while ((recorder.last?.seq ?? 0) - (recorder.first?.seq ?? 0) < 3000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await stop();
    const held = recorder.select();
    const deltas = held.filter((e) => e.event === "diagnostics-delta");
    memory = {
      accounted: recorder.bytes,
      measured: 0,
      events: held.length,
      keyframes: held.length - deltas.length,
      span: recorder.span,
      deltaMean: deltas.reduce((n, e) => n + e.bytes.byteLength, 0) / deltas.length,
      keyframeBytes: recorder.lastKeyframeBytes,
    };
    // What the recorder holds, as the heap sees it: the same events copied
    // out, measured with everything else unchanged, then released.
    gc();
    const before = Deno.memoryUsage();
    let copy: unknown[] | undefined = held.map((e) => ({ ...e, bytes: e.bytes.slice() }));
    gc();
    const after = Deno.memoryUsage();
    memory.measured = after.heapUsed + after.external - before.heapUsed - before.external;
    copy = undefined;
    void copy;
  });
}

// 2. Tick cost, recorder on against off: both streams at once in this
// process (each with its own slab and reading client), so that whatever else
// runs on the machine slows both alike; one ratio of means per round.
/** Starts a stream with or without the recorder; returns its tick costs and a stop function. */
async function tickCosts(recorder: boolean) {
  const ticks: number[] = [];
  let handler: ReturnType<typeof createDiagnosticsHandler> | undefined;
  let last = -1;
  let counting = false;
  // Read at the start of each tick: the figures of the tick before, complete.
  const registry = workload(() => {
    const s = handler?.stream.stats;
    if (s === undefined || s.events_sent === last) return;
    last = s.events_sent;
    if (counting) ticks.push(s.collect_us + s.encode_us + s.send_us);
  });
  let finish = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  let started = () => {};
  const ready = new Promise<void>((resolve) => (started = resolve));
  const served = serve(
    registry,
    { interval: 100, ...(recorder ? {} : { recorder: false }) },
    async (h, url) => {
      handler = h;
      const stop = await reader(url);
      started();
      await done;
      await stop();
    },
  );
  await ready;
  return {
    ticks,
    count(on: boolean) {
      counting = on;
    },
    async stop() {
      finish();
      await served;
    },
  };
}
const on: number[] = [];
const off: number[] = [];
const roundRatios: number[] = [];
for (let round = 0; round < rounds; round++) {
  // Alternate which starts first, so that neither has the other's timer phase.
  const [a, b] = round % 2 === 0 ? [true, false] : [false, true];
  const first = await tickCosts(a);
  const second = await tickCosts(b);
  const [withRecorder, without] = a ? [first, second] : [second, first];
  await new Promise((resolve) => setTimeout(resolve, 1000));
  withRecorder.count(true);
  without.count(true);
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  withRecorder.count(false);
  without.count(false);
  await Promise.all([first.stop(), second.stop()]);
  on.push(...withRecorder.ticks);
  off.push(...without.ticks);
  roundRatios.push(meanOf(withRecorder.ticks) / meanOf(without.ticks));
}
const mean = meanOf;
const pct = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length * p)]!;

console.log(`| measurement | figure | target |`);
console.log(`| --- | ---: | ---: |`);
console.log(
  `| events held: 3,000 ticks (5 min at 10 Hz), recorded at up to 100 Hz | ${memory.events} (${memory.keyframes} keyframes) in ${
    (memory.span / 1000).toFixed(1)
  } s | |`,
);
console.log(
  `| mean delta, keyframe | ${(memory.deltaMean / 1024).toFixed(2)} KiB, ${
    (memory.keyframeBytes / 1024).toFixed(1)
  } KiB | |`,
);
console.log(
  `| recorder memory, as it accounts it | ${(memory.accounted / MiB).toFixed(2)} MiB | ≤ 32 MiB |`,
);
console.log(
  `| the same events on the heap (heap + external, measured) | ${
    (memory.measured / MiB).toFixed(2)
  } MiB | ≤ 32 MiB |`,
);
console.log(
  `| tick cost, recorder on (mean / p50 / p95, ${on.length} ticks) | ${mean(on).toFixed(0)} / ${
    pct(on, 0.5)
  } / ${pct(on, 0.95)} µs | |`,
);
console.log(
  `| tick cost, recorder off (mean / p50 / p95, ${off.length} ticks) | ${mean(off).toFixed(0)} / ${
    pct(off, 0.5)
  } / ${pct(off, 0.95)} µs | |`,
);
console.log(
  `| ratio on : off (means; medians) | **${(mean(on) / mean(off)).toFixed(3)}×**; ${
    (pct(on, 0.5) / pct(off, 0.5)).toFixed(3)
  }× | ≤ 1.1× |`,
);
console.log(
  `| ratio of means per round (both streams at once, ${rounds} rounds of 10 s) | ${
    roundRatios.map((r) => r.toFixed(3)).join(", ")
  } (median ${pct(roundRatios, 0.5).toFixed(3)}×) | ≤ 1.1× |`,
);
