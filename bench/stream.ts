// Copyright 2026 the slabscope authors. MIT license.
// The diagnostics stream's byte budgets, measured with a real client over a
// real Deno.serve on loopback. Prints a Markdown table. What each client
// costs the server (tick, CPU, memory) is bench/stream_fanout.ts.
//
//   deno run -A bench/stream.ts [seconds per measurement, default 10]
//
// The idle measurement always runs 30 s, to include heartbeats (every 15 s)
// and heap updates (at most every 5 s); the registry has request records
// whose last requests were two minutes ago, as an idle server has. The
// minute after traffic stops runs 62 s: the records' windows empty.
import { type DiagnosticsRegistry, instrumentFetch, instrumentServer } from "../mod.ts";
import { encodeKeyframe } from "../wire.ts";
import { createDiagnosticsHandler } from "../dashboard.ts";
import { ONE_PERCENT, streamWorkload } from "./_stream_workload.ts";

const seconds = Number(Deno.args[0] ?? 10);

const setup = streamWorkload;

async function withServer<T>(
  registry: DiagnosticsRegistry,
  run: (url: string, handler: ReturnType<typeof createDiagnosticsHandler>) => Promise<T>,
): Promise<T> {
  const handler = createDiagnosticsHandler(registry);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  try {
    return await run(`http://127.0.0.1:${server.addr.port}/debug/diagnostics/memory`, handler);
  } finally {
    await handler.close();
    await server.shutdown();
  }
}

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

/**
 * Real requests at `perSecond` through an instrumented Deno.serve and an
 * instrumented fetch on `registry` (so that a server record and a client
 * record change every tick), until the returned function is called.
 */
function traffic(registry: DiagnosticsRegistry, perSecond: number): () => Promise<void> {
  const app = instrumentServer(registry, () => new Response("hello"), {
    name: "api",
    onListen() {},
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: app.onListen }, app);
  const tracked = instrumentFetch(registry, { name: () => "upstream" });
  const url = `http://127.0.0.1:${server.addr.port}/`;
  let running = true;
  const loop = (async () => {
    const started = performance.now();
    for (let sent = 0; running; sent++) {
      await (await tracked(url)).text();
      const wait = started + (sent * 1000) / perSecond - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return async () => {
    running = false;
    await loop;
    tracked.close();
    await server.shutdown();
    app.close();
  };
}

/** Bytes per second per client while `perSecond` requests are served, pools idle. */
async function underTraffic(perSecond: number): Promise<number> {
  const registry = setup(0);
  const stop = traffic(registry, perSecond);
  try {
    return await bytesPerSecond(registry, seconds);
  } finally {
    await stop();
  }
}

/** Bytes per second per client in the 62 s after 5 s of traffic stopped. */
async function afterTraffic(): Promise<number> {
  const registry = setup(0);
  const stop = traffic(registry, 200);
  await new Promise((resolve) => setTimeout(resolve, 5000));
  await stop();
  return await bytesPerSecond(registry, 62);
}

const keyframeBytes = encodeKeyframe(setup(0).snapshot()).length + 60;
const idle = await bytesPerSecond(setup(0), 30);
const served = await underTraffic(200);
const settling = await afterTraffic();
const churn = await bytesPerSecond(setup(ONE_PERCENT), seconds);
const cycling = await bytesPerSecond(setup(ONE_PERCENT, "cycles"), seconds);

console.log(`| measurement | figure | target |`);
console.log(`| --- | ---: | ---: |`);
console.log(
  `| bytes/s per client, idle after the keyframe (30 s) | ${idle.toFixed(1)} B/s | ≤ 100 B/s |`,
);
console.log(
  `| bytes/s per client, 200 requests/s served and fetched, pools idle | ${
    (served / 1000).toFixed(2)
  } kB/s | |`,
);
console.log(
  `| bytes/s per client, the 62 s after the requests stopped | ${settling.toFixed(1)} B/s | |`,
);
console.log(`| keyframe size (262,144-slot slab + handles) | ${keyframeBytes} B | |`);
console.log(`| bytes/s per client at 1 % churn per tick | ${(churn / 1000).toFixed(1)} kB/s | |`);
console.log(
  `| the same as a keyframe every tick (10 Hz) | ${
    (keyframeBytes * 10 / 1000).toFixed(1)
  } kB/s | |`,
);
console.log(`| ratio | ${(churn / (keyframeBytes * 10) * 100).toFixed(1)} % | ≤ 10 % |`);
console.log(
  `| bytes/s per client, 1 % of the slots allocated and freed within each tick (cycled) | ${
    (cycling / 1000).toFixed(1)
  } kB/s | |`,
);
console.log(`| ratio | ${(cycling / (keyframeBytes * 10) * 100).toFixed(1)} % | ≤ 10 % |`);
