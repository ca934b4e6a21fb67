// Copyright 2026 the slabscope authors. MIT license.
// What request metrics cost per request, in ns: the recorder alone, and an
// instrumented handler with and without them (a GET answered with a plain
// string body, its `completed` settling at once), next to a plain handler,
// and with registerOpenTelemetry() called but no meter provider (the
// duration histogram's record() is then an empty method). The handler rows
// are batches of 1,000 requests: divide by 1,000.
//
//   deno bench -A bench/request_metrics_bench.ts
import { DiagnosticsRegistry, instrumentServer, RequestMetrics } from "../mod.ts";
import { registerOpenTelemetry } from "../otel.ts";

const BATCH = 1_000;

// --- The recorder alone ------------------------------------------------------

const recorder = new RequestMetrics("server", "bench");
let clock = Date.now();

Deno.bench("recorder: start + complete (one request)", { group: "recorder" }, () => {
  recorder.start();
  recorder.complete(200, 42.7, 0, 13, clock);
});

Deno.bench("recorder: start + complete, a new second each 1,000", { group: "recorder" }, () => {
  for (let i = 0; i < BATCH; i++) {
    recorder.start();
    recorder.complete(200, 10 + (i & 255), 0, 13, clock);
  }
  clock += 1000;
});

Deno.bench("clock: performance.now() (two per request)", { group: "recorder" }, () => {
  performance.now();
});

// --- A handler, plain and instrumented -----------------------------------------

const hello = () => new Response("Hello, world!");
const request = new Request("http://127.0.0.1/");
const remoteAddr: Deno.NetAddr = { transport: "tcp", hostname: "127.0.0.1", port: 9 };

function handlerBatch(handler: (request: Request, info: Deno.ServeHandlerInfo) => unknown) {
  return async () => {
    const done: Promise<void>[] = [];
    for (let i = 0; i < BATCH; i++) {
      const completed = Promise.resolve();
      handler(request, { remoteAddr, completed });
      done.push(completed);
    }
    // The `completed` reactions (slot freed, request counted) run before the next batch.
    await Promise.all(done);
  };
}

function instrumented(metrics: boolean, otel = false) {
  const registry = new DiagnosticsRegistry();
  // Without a meter provider (no OTEL_DENO), as most servers run.
  if (otel) registerOpenTelemetry(registry);
  const app = instrumentServer(registry, hello, { name: "bench", metrics, onListen() {} });
  app.onListen({ transport: "tcp", hostname: "127.0.0.1", port: 9 });
  return app;
}

Deno.bench("plain handler (1,000 requests)", {
  group: "handler",
  baseline: true,
}, handlerBatch(hello));
Deno.bench(
  "instrumented, metrics off (1,000 requests)",
  { group: "handler" },
  handlerBatch(instrumented(false)),
);
Deno.bench(
  "instrumented, metrics on (1,000 requests)",
  { group: "handler" },
  handlerBatch(instrumented(true)),
);
Deno.bench(
  "instrumented, metrics on, OpenTelemetry registered (1,000 requests)",
  { group: "handler" },
  handlerBatch(instrumented(true, true)),
);
