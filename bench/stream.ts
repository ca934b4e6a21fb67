// Copyright 2026 the slabscope authors. MIT license.
// The diagnostics stream's budgets, measured with real clients over a real
// Deno.serve on loopback. Prints Markdown tables.
//
//   deno run -A --v8-flags=--expose-gc bench/stream.ts [seconds per measurement, default 10]
//
// The idle measurement always runs 30 s, to include heartbeats (every 15 s)
// and heap updates (at most every 5 s).
import type { DiagnosticsRegistry } from "../mod.ts";
import { encodeKeyframe } from "../wire.ts";
import { createDiagnosticsHandler } from "../dashboard.ts";
import { SLOTS, streamWorkload } from "./_stream_workload.ts";

const seconds = Number(Deno.args[0] ?? 10);

const setup = streamWorkload;

async function withServer<T>(
  registry: DiagnosticsRegistry,
  run: (url: string, handler: ReturnType<typeof createDiagnosticsHandler>) => Promise<T>,
): Promise<T> {
  // 100 clients from one address: lift the per-address caps meant for browsers.
  const handler = createDiagnosticsHandler(registry, {
    maxStreams: 256,
    maxStreamsPerAddress: 256,
    connectsPerSecond: 1_000,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    return await run(`http://127.0.0.1:${server.addr.port}/debug/diagnostics/memory`, handler);
  } finally {
    await handler.close();
    await server.shutdown();
  }
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Bytes one client receives per second over `seconds`, after its keyframe. */
async function bytesPerSecond(registry: DiagnosticsRegistry, seconds: number): Promise<number> {
  return await withServer(registry, async (url) => {
    const response = await fetch(url);
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("event:diagnostics\n")) {
      text += new TextDecoder().decode((await reader.read()).value);
    }
    // Let the keyframe finish arriving, then count.
    await new Promise((resolve) => setTimeout(resolve, 500));
    let bytes = 0;
    const counting = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        bytes += value.byteLength;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    bytes = 0;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const rate = bytes / ((performance.now() - started) / 1000);
    await reader.cancel();
    await counting;
    return rate;
  });
}

/** Mean tick cost (collect + encode + send, µs) with `clients` connected from another process. */
interface TickCost {
  collect: number;
  encode: number;
  send: number;
  tick: number;
  rssPerClient: number;
  heapPerClient: number;
}

async function tickCost(clients: number): Promise<TickCost> {
  return await withServer(setup(SLOTS / 100), async (url, handler) => {
    gc();
    const before = Deno.memoryUsage();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./stream_clients.ts", import.meta.url).pathname,
        url,
        String(clients),
      ],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("ready")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`the client process exited before its clients were ready: ${out}`);
      out += value;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const samples = {
      collect: [] as number[],
      encode: [] as number[],
      send: [] as number[],
      tick: [] as number[],
    };
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const s = handler.stream.stats;
      samples.collect.push(s.collect_us);
      samples.encode.push(s.encode_us);
      samples.send.push(s.send_us);
      samples.tick.push(s.collect_us + s.encode_us + s.send_us);
    }
    gc();
    const after = Deno.memoryUsage();
    await child.stdin.close();
    await child.status;
    const median = (values: number[]) =>
      values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    return {
      collect: median(samples.collect),
      encode: median(samples.encode),
      send: median(samples.send),
      tick: median(samples.tick),
      rssPerClient: (after.rss - before.rss) / clients,
      heapPerClient: (after.heapUsed + after.external - before.heapUsed - before.external) /
        clients,
    };
  });
}

const keyframeBytes = encodeKeyframe(setup(0).snapshot()).length + 60;
const idle = await bytesPerSecond(setup(0), 30);
const churn = await bytesPerSecond(setup(SLOTS / 100), seconds);
const one = await tickCost(1);
const hundred = await tickCost(100);

console.log(`| measurement | figure | target |`);
console.log(`| --- | ---: | ---: |`);
console.log(
  `| bytes/s per client, idle after the keyframe (30 s) | ${idle.toFixed(1)} B/s | ≤ 100 B/s |`,
);
console.log(`| keyframe size (262,144-slot slab + handles) | ${keyframeBytes} B | |`);
console.log(`| bytes/s per client at 1 % churn per tick | ${(churn / 1000).toFixed(1)} kB/s | |`);
console.log(
  `| the same as a keyframe every tick (10 Hz) | ${
    (keyframeBytes * 10 / 1000).toFixed(1)
  } kB/s | |`,
);
console.log(`| ratio | ${(churn / (keyframeBytes * 10) * 100).toFixed(1)} % | ≤ 10 % |`);
for (const [label, cost] of [["1 client", one], ["100 clients", hundred]] as const) {
  console.log(
    `| tick cost, ${label}: collect (incl. the bench's churn) + encode + send, medians | ${cost.collect} + ${cost.encode} + ${cost.send} µs | |`,
  );
}
console.log(`| tick cost, 1 client (median of sums) | ${one.tick} µs | |`);
console.log(`| tick cost, 100 clients (median of sums) | ${hundred.tick} µs | |`);
console.log(`| ratio 100 : 1 | ${(hundred.tick / one.tick).toFixed(2)}× | ≤ 1.5× |`);
console.log(
  `| server memory per connected client (RSS) | ${
    (hundred.rssPerClient / 1024).toFixed(1)
  } KiB | |`,
);
console.log(
  `| server memory per connected client (JS heap + external) | ${
    (hundred.heapPerClient / 1024).toFixed(1)
  } KiB | |`,
);
