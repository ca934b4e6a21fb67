// Copyright 2026 the slabscope authors. MIT license.
/**
 * `deno task start`: the live demo. One process runs
 *
 * - the dashboard and its endpoints on http://127.0.0.1:8000/debug/
 *   (`PORT`, `HOST`);
 * - two instrumented app servers on their own loopback ports: an API and a
 *   streaming service (`demo/apps.ts`);
 * - a load generator with bursts, slow responses, long-lived streams, idle
 *   spells and aborted requests, through the instrumented `fetch`
 *   (`demo/load.ts`);
 * - two Workers churning one shared 262,144-slot slab through
 *   `SlabAllocator.attach` over its memory, each with a cache of 32
 *   handles (`demo/churn_worker.ts`);
 * - a fleet entry in Deno KV (`Deno.openKv()`: a local SQLite file here,
 *   the platform's database on Deno Deploy), so that every demo started
 *   from this checkout (`PORT=8001 deno task start`) lists the others and
 *   can switch to them.
 *
 * `SLABSCOPE_DEMO_LOAD=paused` starts it with nothing moving: the Workers
 * take their first working sets and hold them, no request is made and the
 * scratch arena stays as it is; what is left is the cost of an idle process
 * (with a dashboard open: the stream's). `on` (the default) is the live
 * workload.
 *
 * Ctrl-C (SIGINT) or SIGTERM stops all of it within a second.
 *
 * @module
 */

import { Arena, DiagnosticsRegistry, SlabAllocator } from "./mod.ts";
import { registerOpenTelemetry } from "./otel.ts";
import { isLoopback, serveDashboard } from "./dashboard.ts";
import { startApi, startStreams } from "./demo/apps.ts";
import type { ChurnWorkerInit } from "./demo/churn_worker.ts";
import { startLoad } from "./demo/load.ts";

// On Deno Deploy the platform routes public traffic to us: listen on every
// interface, which the checks below allow only with a token.
const onDeploy = Deno.env.get("DENO_DEPLOYMENT_ID") !== undefined;
const hostname = Deno.env.get("HOST") ?? (onDeploy ? "0.0.0.0" : "127.0.0.1");
const port = Number(Deno.env.get("PORT") ?? 8000);
// Beyond loopback only with a token (and the host names clients use).
const token = Deno.env.get("SLABSCOPE_TOKEN");
const allowedHosts = Deno.env.get("SLABSCOPE_ALLOWED_HOSTS")?.split(",").filter(Boolean);
if (!isLoopback(hostname) && token === undefined) {
  console.error(
    `slabscope demo: refusing to listen on ${hostname} without SLABSCOPE_TOKEN (at least 22 random characters); see SECURITY.md`,
  );
  Deno.exit(1);
}
const loadMode = Deno.env.get("SLABSCOPE_DEMO_LOAD") ?? "on";
if (loadMode !== "on" && loadMode !== "paused") {
  console.error(
    `slabscope demo: SLABSCOPE_DEMO_LOAD must be "on" or "paused", received ${
      JSON.stringify(loadMode)
    }`,
  );
  Deno.exit(1);
}
const paused = loadMode === "paused";
// The fleet: Deno.openKv() needs --unstable-kv locally (deno.json sets it)
// and nothing on Deno Deploy. Without KV the demo runs on its own.
const kv = typeof Deno.openKv === "function" ? await Deno.openKv() : undefined;

const registry = new DiagnosticsRegistry();
// A no-op unless the process runs with OTEL_DENO=true; then Deno exports them.
registerOpenTelemetry(registry);

// Two Workers share one slab: each attaches to its WebAssembly.Memory.
const shared = registry.addSlab(
  new SlabAllocator({ name: "shared_objects", slotSize: 32, capacity: 262_144 }),
);
const control = new SharedArrayBuffer(4);
const stopWord = new Int32Array(control);
const workers = [0, 1].map((id) => {
  const worker = new Worker(new URL("./demo/churn_worker.ts", import.meta.url), { type: "module" });
  const init: ChurnWorkerInit = {
    slab: shared.memory!, // a 8 MiB slab always has one (only slabs over 4 GiB do not)
    control,
    paused,
    id,
    owner: registry.owners.register(`worker-${id}`, "worker"),
    share: 0.4,
    churn: 0.01,
  };
  worker.postMessage(init);
  return worker;
});

// The two app servers, and load against them.
const api = startApi(registry, "127.0.0.1");
const streams = startStreams(registry, "127.0.0.1");
const load = startLoad(registry, { api: api.url, streams: streams.url }, { paused });

// A scratch arena that the main loop fills in waves, now and then too much.
const scratch = registry.addArena(new Arena({ name: "main_scratch", capacity: 1 << 20 }));
const waves = paused ? undefined : setInterval(() => {
  if (Math.random() < 0.3) scratch.reset();
  scratch.alloc(1 + Math.floor(Math.random() * (Math.random() < 0.05 ? 600_000 : 60_000)));
}, 250);

const served = listen();
if (token !== undefined) console.log(`  login (once, 5 min): ${served.loginLink()}`);

function listen() {
  try {
    return serveDashboard(registry, {
      hostname,
      port,
      token,
      allowedHosts,
      fleet: kv &&
        { kv, publish: { name: `demo :${port}`, host: onDeploy ? "deno deploy" : undefined } },
      onListen(url) {
        console.log(`slabscope demo: ${token === undefined ? url : "open the login link below"}`);
        console.log(`  api ${api.url}, streams ${streams.url}, 2 Workers on a 262,144-slot slab`);
        if (paused) console.log(`  load paused (SLABSCOPE_DEMO_LOAD=paused): nothing moves`);
        console.log(`  Ctrl-C to stop`);
      },
    });
  } catch (error) {
    console.error(`slabscope demo: ${(error as Error).message}`);
    Deno.exit(1);
  }
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const started = performance.now();
  // Whatever happens, the process is gone within a second.
  const deadline = setTimeout(() => {
    console.error("slabscope demo: forced exit after 900 ms");
    Deno.exit(1);
  }, 900);
  clearInterval(waves);
  Atomics.store(stopWord, 0, 1); // Workers free their slots and stop
  Atomics.notify(stopWord, 0); // and paused ones wake up to do so
  const workersDone = Promise.all(workers.map((worker) =>
    new Promise<void>((resolve) => {
      worker.onmessage = ({ data }) => data === "stopped" && resolve();
      setTimeout(resolve, 400);
    })
  ));
  await load.stop();
  await Promise.all([api.stop(), streams.stop(), served.shutdown(), workersDone]);
  kv?.close();
  for (const worker of workers) worker.terminate();
  clearTimeout(deadline);
  console.log(`slabscope demo: stopped in ${Math.round(performance.now() - started)} ms`);
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", stop);
if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
