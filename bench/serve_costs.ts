// Copyright 2026 the slabscope authors. MIT license.
// Where an instrumented request's time goes, timed inside a live server
// under wrk (Debian's package): nanoseconds per request of the instrumented
// handler's synchronous part and of its completion, against a plain
// handler's, and of the single steps it takes, each between two
// `performance.now()` reads (their own cost, measured the same way with
// nothing between them, is subtracted). Each request times one step, in
// turn, so that no step runs warm after another of its kind.
//
// Inside a server the steps cost more than in a loop (bench/request_metrics_bench.ts):
// between two requests the kernel and Deno's HTTP stack run, and what the
// step touches has left the caches. The "again" row takes a second slot
// right after the first, warm.
//
//   deno run -A bench/serve_costs.ts [seconds per mode, default 5]
import { DiagnosticsRegistry, HandleState, instrumentServer } from "../mod.ts";
import { wrk } from "./_wrk.ts";

const seconds = Number(Deno.args[0] ?? 5);
const hello = () => new Response("Hello, world!");

/** Sums of nanoseconds by row, and how many requests timed each. */
class Timings {
  #sums = new Map<string, number>();
  #counts = new Map<string, number>();
  #empty = 0;
  #emptyCount = 0;
  /** The cost of two clock reads with nothing between them. */
  empty(ms: number): void {
    this.#empty += ms;
    this.#emptyCount++;
  }
  /** Forgets what was timed so far (the warm-up's requests, run before the JIT settled). */
  reset(): void {
    this.#sums.clear();
    this.#counts.clear();
    this.#empty = 0;
    this.#emptyCount = 0;
  }
  add(row: string, ms: number): void {
    this.#sums.set(row, (this.#sums.get(row) ?? 0) + ms);
    this.#counts.set(row, (this.#counts.get(row) ?? 0) + 1);
  }
  /** Nanoseconds per request by row, the clock pair's own cost taken off. */
  rows(): [string, number][] {
    const empty = this.#empty / this.#emptyCount;
    return [...this.#sums].map(([row, sum]) => [row, (sum / this.#counts.get(row)! - empty) * 1e6]);
  }
}

/** wrk against the server for the seconds given; its requests per second. */
async function drive(port: number): Promise<number> {
  return (await wrk(port, seconds)).rate;
}

/** Serves `handler` under wrk (after a warm-up) and returns the requests per second. */
async function underLoad(
  handler: (request: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>,
  timings: Timings,
): Promise<number> {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request, info) => {
    const a = performance.now();
    timings.empty(performance.now() - a);
    return handler(request, info);
  });
  await drive(server.addr.port); // warm-up: JIT, connections
  timings.reset();
  const rate = await drive(server.addr.port);
  await server.shutdown();
  return rate;
}

/**
 * The whole instrumented handler, and a plain one, timed from outside. For
 * a body sent whole the handler's return ends the request (slot freed,
 * request counted): its synchronous part is all it costs.
 */
async function wholeHandler(mode: "plain" | "instrumented" | "no-metrics"): Promise<Timings> {
  const timings = new Timings();
  const app = mode === "plain" ? undefined : instrumentServer(new DiagnosticsRegistry(), hello, {
    name: "bench",
    metrics: mode === "instrumented",
    onListen() {},
  });
  app?.onListen({ transport: "tcp", hostname: "127.0.0.1", port: 0 });
  await underLoad((request, info) => {
    const a = performance.now();
    const response = app === undefined ? hello() : app(request, info);
    timings.add("handler", performance.now() - a);
    return response;
  }, timings);
  app?.close();
  return timings;
}

/** The steps the instrumented handler takes, one per request in turn. */
async function steps(): Promise<Timings> {
  const timings = new Timings();
  const registry = new DiagnosticsRegistry();
  const app = instrumentServer(registry, hello, { name: "bench", onListen() {} });
  const handles = app.handles;
  const owner = registry.owners.register("bench steps", "server");
  let n = 0;
  await underLoad((request, info) => {
    const step = n++ % 5;
    let a = 0;
    if (step === 0) {
      a = performance.now();
      void request.method;
      timings.add("Deno: request.method", performance.now() - a);
    } else if (step === 1) {
      a = performance.now();
      void request.url;
      timings.add(
        "Deno: request.url (read for requests open at a snapshot)",
        performance.now() - a,
      );
    } else if (step === 2) {
      const noop = () => {};
      a = performance.now();
      info.completed.then(noop, noop);
      timings.add("Deno: info.completed.then() (streamed bodies only)", performance.now() - a);
    } else if (step === 3) {
      a = performance.now();
      performance.now();
      timings.add("one performance.now() (two per request)", performance.now() - a);
    } else {
      a = performance.now();
      const handle = handles.alloc(owner, HandleState.Active, "GET /")!;
      timings.add("a labelled slot: alloc(owner, Active, site)", performance.now() - a);
      a = performance.now();
      const again = handles.alloc(owner, HandleState.Active, "GET /")!;
      handles.free(again);
      timings.add("again, warm: alloc + free", performance.now() - a);
      a = performance.now();
      handles.setState(handle, HandleState.Closing);
      timings.add("setState(Closing)", performance.now() - a);
      a = performance.now();
      handles.free(handle);
      timings.add("free()", performance.now() - a);
    }
    return hello();
  }, timings);
  app.close();
  return timings;
}

console.log(`| what (ns per request, in a server under wrk -c64) | ns |`);
console.log(`| --- | ---: |`);
const whole = new Map<string, Map<string, number>>();
for (const mode of ["plain", "no-metrics", "instrumented"] as const) {
  whole.set(mode, new Map((await wholeHandler(mode)).rows()));
}
const plain = whole.get("plain")!;
for (const mode of ["no-metrics", "instrumented"] as const) {
  const rows = whole.get(mode)!;
  const label = mode === "instrumented" ? "with request metrics" : "without request metrics";
  console.log(
    `| instrumented handler ${label}, its end included, − a plain one | ${
      (rows.get("handler")! - plain.get("handler")!).toFixed(0)
    } |`,
  );
}
for (const [row, ns] of (await steps()).rows()) console.log(`| ${row} | ${ns.toFixed(0)} |`);
