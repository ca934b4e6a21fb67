// Copyright 2026 the slabscope authors. MIT license.
// How long a client that never reads stays connected, over a real Deno.serve
// on loopback: the bytes and seconds until its first skipped tick (the
// kernel's socket buffers and the server's write buffer fill first, and the
// server cannot see them), then from that tick to the drop. Prints a
// Markdown table.
//
//   deno run -A bench/stalled_client.ts [scenario…]
//
// Scenarios: "churn" (a 262,144-slot slab flipping 1 % of its slots per
// tick, about 40 kB/s, as in bench/stream.ts) and "owners" (2,000 owners
// of 250 characters renamed every tick, about 5 MB/s). Both by default;
// "churn" takes a few minutes.
import { DiagnosticsRegistry, OwnerRegistry, SlabAllocator } from "../mod.ts";
import { createDiagnosticsHandler } from "../dashboard.ts";

const SLOTS = 262_144;

function churn(): DiagnosticsRegistry {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 32, capacity: SLOTS }),
  );
  const held: number[] = [];
  for (let i = 0; i < SLOTS / 2; i++) held.push(slab.alloc()!);
  let freed: number[] = [];
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => {
    if (freed.length === 0) {
      for (let i = 0; i < SLOTS / 100; i++) {
        const k = Math.floor(Math.random() * held.length);
        slab.free(held[k]!);
        freed.push(k);
        held[k] = held[held.length - 1]!;
        held.pop();
      }
    } else {
      for (const _ of freed) held.push(slab.alloc()!);
      freed = [];
    }
    return snapshot(options);
  };
  return registry;
}

function owners(): DiagnosticsRegistry {
  const registry = new DiagnosticsRegistry({ owners: new OwnerRegistry({ capacity: 4000 }) });
  registry.addSlab(new SlabAllocator({ name: "small", slotSize: 1, capacity: 64 }));
  let generation = 0;
  const registered: number[] = [];
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => {
    for (const index of registered.splice(0)) registry.owners.unregister(index);
    const tag = String(generation++).padStart(8, "0");
    for (let i = 0; i < 2000; i++) {
      registered.push(registry.owners.register(`${tag}-${i}-`.padEnd(250, "x"), "client"));
    }
    return snapshot(options);
  };
  return registry;
}

interface Tick {
  at: number;
  skipped: number;
  dropped: number;
  bytes: number;
}

async function measure(name: string, registry: DiagnosticsRegistry) {
  const handler = createDiagnosticsHandler(registry);
  // Every tick starts with one snapshot: the stream's counters then hold
  // what the previous tick did.
  const ticks: Tick[] = [];
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => {
    const stats = handler.stream.stats;
    ticks.push({
      at: performance.now(),
      skipped: stats.skipped_ticks,
      dropped: stats.slow_dropped,
      bytes: stats.bytes_sent,
    });
    return snapshot(options);
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const port = server.addr.port;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const started = performance.now();
  await conn.write(
    new TextEncoder().encode(
      `GET /debug/diagnostics/memory HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
    ),
  );
  while (handler.stream.stats.slow_dropped === 0) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // The tick that first skipped is the one before the counters show it; the
  // drop left no client, so it was the last tick.
  const firstSkip = ticks[ticks.findIndex((tick) => tick.skipped > 0) - 1]!;
  const drop = ticks.at(-1)!;
  conn.close();
  await handler.close();
  await server.shutdown();
  const elapsed = (firstSkip.at - started) / 1000;
  return {
    name,
    rate: firstSkip.bytes / elapsed,
    bytes: firstSkip.bytes,
    toFirstSkip: elapsed,
    toDrop: (drop.at - firstSkip.at) / 1000,
    total: (drop.at - started) / 1000,
  };
}

const scenarios: Record<string, () => DiagnosticsRegistry> = { owners, churn };
const chosen = Deno.args.length > 0 ? Deno.args : Object.keys(scenarios);
console.log(
  "| workload | stream rate | sent before the first skipped tick | seconds to it | first skipped tick → drop | connect → drop |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const name of chosen) {
  const result = await measure(name, scenarios[name]!());
  console.log(
    `| ${result.name} | ${(result.rate / 1000).toFixed(1)} kB/s | ${
      (result.bytes / 1e6).toFixed(2)
    } MB | ${result.toFirstSkip.toFixed(1)} s | ${result.toDrop.toFixed(2)} s | ${
      result.total.toFixed(1)
    } s |`,
  );
}
