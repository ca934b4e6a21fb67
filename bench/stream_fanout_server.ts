// Copyright 2026 the slabscope authors. MIT license.
// Server process of bench/stream_fanout.ts: serves the stream workload on a
// free loopback port, prints `url <url>`, then answers one command per stdin
// line with one JSON line:
//
//   measure <seconds>   tick costs, CPU and memory over that many seconds
//
// and exits when stdin closes.
//
// Modes (first argument):
//   stream   the diagnostics stream over bench/_stream_workload.ts
//   floor    Deno.serve with a bare ReadableStream per client sent the same
//            traffic shape (a keyframe-sized event on connect, then a
//            delta-sized event every 100 ms, one shared buffer for all):
//            what Deno itself costs per connection
// Second argument: `churn` (1 % of the slab per tick) or `idle`; for the
// floor also `tiny` (one empty event on connect, then nothing).
import { createDiagnosticsHandler } from "../dashboard.ts";
import { encodeServerSentEvent } from "../core/stream/sse.ts";
import { encodeKeyframe } from "../wire.ts";
import { ONE_PERCENT, streamWorkload } from "./_stream_workload.ts";
import process from "node:process";

const [mode = "stream", load = "churn"] = Deno.args;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

/** In-use bytes of the C heap (glibc's mallinfo2), where Rust allocates. */
const mallinfo = (() => {
  try {
    const libc = Deno.dlopen("libc.so.6", {
      mallinfo2: { parameters: [], result: { struct: Array(10).fill("usize") } },
    });
    return () => {
      const raw = libc.symbols.mallinfo2() as Uint8Array;
      const fields = new BigUint64Array(raw.buffer, raw.byteOffset, 10);
      return Number(fields[7]! + fields[4]!); // uordblks + hblkhd
    };
  } catch {
    return () => NaN;
  }
})();

function memory() {
  gc!();
  gc!();
  const usage = Deno.memoryUsage();
  const status = Deno.readTextFileSync("/proc/self/status");
  return {
    rss: usage.rss,
    anon: Number(/RssAnon:\s+(\d+)/.exec(status)![1]) * 1024,
    heapTotal: usage.heapTotal,
    heapUsed: usage.heapUsed,
    external: usage.external,
    malloc: mallinfo(),
  };
}

/**
 * Tick costs (µs), one entry per tick, filled by the running mode: the
 * stream's own wall-clock figures, and the process CPU time the tick took
 * (which a preempted tick does not inflate).
 */
const ticks: { collect: number; encode: number; send: number; cpu: number }[] = [];
const cpuMicros = (since: { user: number; system: number }) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};
let clients = () => 0;
/** The stream's own counters (zero for the floor). */
let counters = () => ({ events: 0, bytes: 0, skipped: 0, dropped: 0 });
let url: string;

if (mode === "stream") {
  const registry = streamWorkload(load === "churn" ? ONE_PERCENT : 0);
  const handler = createDiagnosticsHandler(registry, {
    maxStreams: 4_000,
    maxStreamsPerAddress: 4_000,
    connectsPerSecond: 100_000,
  });
  // A tick calls snapshot() first; a microtask queued then runs right after
  // the tick's synchronous work, when its stats are complete.
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => {
    if (handler.stream.ticking) {
      const started = process.cpuUsage();
      queueMicrotask(() => {
        const s = handler.stream.stats;
        const cpu = cpuMicros(started);
        ticks.push({ collect: s.collect_us, encode: s.encode_us, send: s.send_us, cpu });
      });
    }
    return snapshot(options);
  };
  clients = () => handler.stream.clientCount;
  counters = () => {
    const s = handler.stream.stats;
    return {
      events: s.events_sent,
      bytes: s.bytes_sent,
      skipped: s.skipped_ticks,
      dropped: s.slow_dropped,
    };
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  url = `http://127.0.0.1:${server.addr.port}/debug/diagnostics/memory`;
} else {
  // `tiny`: one empty event on connect and nothing after, the least a
  // streamed response can carry (the clients wait for this event name).
  const keyframe = load === "tiny"
    ? encodeServerSentEvent({ event: "diagnostics", data: "{}" })
    : encodeServerSentEvent({
      event: "diagnostics",
      data: encodeKeyframe(streamWorkload(0).snapshot()),
    });
  const delta = new Uint8Array(load === "churn" ? 3_900 : 0).fill(0x61);
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>();
  setInterval(() => {
    if (delta.length === 0) return;
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const controller of open) controller.enqueue(delta);
    const send = Math.round((performance.now() - started) * 1000);
    ticks.push({ collect: 0, encode: 0, send, cpu: cpuMicros(cpu) });
  }, 100);
  clients = () => open.size;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    let mine: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        mine = controller;
        open.add(controller);
        controller.enqueue(keyframe);
      },
      cancel() {
        open.delete(mine);
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-transform" },
    });
  });
  url = `http://127.0.0.1:${server.addr.port}/`;
}

async function measure(seconds: number) {
  ticks.length = 0;
  const before = counters();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const after = counters();
  return {
    sent: {
      events: after.events - before.events,
      bytes: after.bytes - before.bytes,
      skipped: after.skipped - before.skipped,
      dropped: after.dropped - before.dropped,
    },
    clients: clients(),
    ticks: ticks.splice(0),
    cpuPerSecond: (used.user + used.system) / 1000 / elapsed, // ms of CPU per second
    memory: memory(),
  };
}

console.log(`url ${url}`);
const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
let pending = "";
for await (const text of lines) {
  pending += text;
  let newline;
  while ((newline = pending.indexOf("\n")) >= 0) {
    const [command, argument] = pending.slice(0, newline).split(" ");
    pending = pending.slice(newline + 1);
    if (command === "measure") console.log(JSON.stringify(await measure(Number(argument))));
  }
}
Deno.exit(0); // stdin closed
