// Copyright 2026 the slabscope authors. MIT license.
// registerOpenTelemetry() against Deno's built-in OpenTelemetry SDK: a child
// process (this file, run with `deno run`) exports with OTEL_DENO=true over
// OTLP http/json to a receiver on 127.0.0.1, and the test reads what
// arrives. Without OTEL_DENO the same child never reads its registry.
import assert from "node:assert/strict";
import { type BatchObservableCallback, type Meter, metrics } from "@opentelemetry/api";
import denoJson from "../../deno.json" with { type: "json" };
import {
  Arena,
  ArenaPool,
  DiagnosticsRegistry,
  HandleError,
  HandleState,
  SlabAllocator,
} from "../../mod.ts";
import { DiagnosticsStream } from "../../core/stream/diagnostics_stream.ts";
import { registerOpenTelemetry } from "../../core/export/otel.ts";
import { OTEL_DURATION_BOUNDS_S } from "../../core/wire/durations.ts";

const HOSTILE_OWNER = 'https://up"stream\\x\ny';
const EXPORT_INTERVAL_MS = 200;

/** The registry both sides know: the child observes it, the test checks the numbers. */
function fixture() {
  const registry = new DiagnosticsRegistry();
  const server = registry.owners.register(":8080", "server");
  const upstream = registry.owners.register(HOSTILE_OWNER, "client");
  const handles = registry.addSlab(
    new SlabAllocator({ name: "handles", slotSize: 1, capacity: 16, kind: "handle" }),
  );
  const active = handles.alloc(server, HandleState.Active)!;
  handles.alloc(server, HandleState.Active);
  handles.alloc(server, HandleState.Idle);
  handles.alloc(upstream); // Connecting
  const buffers = registry.addSlab(
    new SlabAllocator({ name: "tcp_buffers", slotSize: 4096, capacity: 4 }),
  );
  for (let i = 0; i < 4; i++) buffers.alloc();
  buffers.alloc(); // overflow
  const scratch = registry.addArena(new Arena({ name: "scratch", capacity: 1024 }));
  scratch.alloc(100);
  scratch.alloc(2000); // served from the heap
  registry.addArenaPool(new ArenaPool({ name: "stream_arenas", arenaCapacity: 256, count: 4 }))
    .acquire()!.alloc(10);
  // A lint: a double free after the registry first looked.
  const spare = registry.addSlab(new SlabAllocator({ name: "spare", slotSize: 8, capacity: 2 }));
  const freed = spare.alloc()!;
  registry.snapshot();
  spare.free(freed);
  assert.throws(() => spare.free(freed), HandleError);
  // A diagnostics stream attached, as the dashboard attaches its own (no recorder: no timer).
  const stream = new DiagnosticsStream(registry, { recorder: false });
  registry.addStreamSource(stream);
  /** A dashboard that takes the keyframe and leaves: the stream's figures move, then it stops. */
  const watch = async () => {
    const reader = stream.connect(new Request("http://127.0.0.1/")).body!.getReader();
    await reader.read();
    await reader.cancel();
  };
  /** A change the test can wait for: one Active handle goes Idle. */
  const step = () => handles.setState(active, HandleState.Idle);
  // Request records: two completed (2 ms and 40 ms, 200), one 503, one in flight, one aborted.
  const api = registry.requests.acquire("server", "api");
  const origin = registry.requests.acquire("client", HOSTILE_OWNER);
  /** Requests, completed after the instruments exist (the histograms record as they complete). */
  const traffic = () => {
    for (const [status, us] of [[200, 2000], [200, 40_000], [503, 600_000]]) {
      api.start();
      api.complete(status, us, 10, 100, Date.now());
    }
    api.start();
    api.start();
    api.abort(5, 0);
    origin.start();
    origin.complete(404, 3000, 0, 9, Date.now());
  };
  return { registry, step, traffic, watch };
}

/** Counts `registry.snapshot()` calls. */
function countSnapshots(registry: DiagnosticsRegistry): () => number {
  let calls = 0;
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => (calls++, snapshot(options));
  return () => calls;
}

function say(message: unknown): void {
  // Deno.stdout, not console.log: with OTEL_DENO=true the console is exported too.
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(message) + "\n"));
}

/** The child process: `export` (driven by stdin lines) or `noop`. */
async function child(mode: string): Promise<void> {
  const { registry, step, traffic, watch } = fixture();
  const snapshots = countSnapshots(registry);
  const telemetry = registerOpenTelemetry(registry, { maxOwnersPerPool: 2 });
  traffic();
  if (mode === "noop") {
    await new Promise((resolve) => setTimeout(resolve, 10 * EXPORT_INTERVAL_MS));
    say({ snapshots: snapshots() });
    telemetry.close();
    return;
  }
  await watch();
  say({ ready: true });
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  let buffered = "";
  for await (const chunk of lines) {
    buffered += chunk;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const command = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (command === "step") {
        step();
        say({ stepped: true });
      } else if (command === "close") {
        telemetry.close();
        const before = snapshots();
        await new Promise((resolve) => setTimeout(resolve, 6 * EXPORT_INTERVAL_MS));
        say({ closed: true, before, after: snapshots() });
        return;
      }
    }
  }
}

if (import.meta.main) {
  await child(Deno.args[0] ?? "export");
  Deno.exit(0);
}

// --- OTLP JSON, as much of it as the test reads -------------------------------------------------

interface KeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string; doubleValue?: number };
}
interface DataPoint {
  attributes?: KeyValue[];
  asDouble?: number;
  asInt?: string;
  count?: string | number;
  sum?: number;
  bucketCounts?: (string | number)[];
  explicitBounds?: number[];
}
interface Metric {
  name: string;
  unit?: string;
  description?: string;
  sum?: { dataPoints: DataPoint[]; isMonotonic?: boolean; aggregationTemporality?: number };
  gauge?: { dataPoints: DataPoint[] };
  histogram?: { dataPoints: DataPoint[]; aggregationTemporality?: number };
}
interface ExportRequest {
  resourceMetrics: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics: { scope: { name: string; version?: string }; metrics: Metric[] }[];
  }[];
}

/** The slabscope metrics of one export request, by name, with the resource's attributes. */
function slabscopeMetrics(request: ExportRequest) {
  const found = new Map<string, Metric>();
  let resource: Record<string, string> = {};
  let version: string | undefined;
  for (const rm of request.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      if (sm.scope.name !== "slabscope") continue;
      version = sm.scope.version;
      resource = attributes(rm.resource?.attributes);
      for (const metric of sm.metrics) found.set(metric.name, metric);
    }
  }
  return { metrics: found, resource, version };
}

function attributes(list: KeyValue[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (list ?? []).map((
      { key, value },
    ) => [key, String(value.stringValue ?? value.intValue ?? value.doubleValue)]),
  );
}

/** The one point of `metric` whose attributes are exactly `expected`. */
function dataPoint(metric: Metric | undefined, expected: Record<string, string>): DataPoint {
  assert.ok(metric, "metric missing");
  const points = (metric.sum ?? metric.gauge ?? metric.histogram)!.dataPoints;
  const matching = points.filter((p) => {
    try {
      assert.deepStrictEqual(attributes(p.attributes), expected);
      return true;
    } catch {
      return false;
    }
  });
  assert.equal(matching.length, 1, `${metric.name} ${JSON.stringify(expected)}`);
  return matching[0]!;
}

/** The value of the one point of `metric` whose attributes are exactly `expected`. */
function point(metric: Metric | undefined, expected: Record<string, string>): number {
  assert.ok(metric, "metric missing");
  const points = (metric.sum ?? metric.gauge)!.dataPoints;
  const matching = points.filter((p) => {
    try {
      assert.deepStrictEqual(attributes(p.attributes), expected);
      return true;
    } catch {
      return false;
    }
  });
  assert.equal(matching.length, 1, `${metric.name} ${JSON.stringify(expected)}`);
  const [p] = matching;
  return p!.asDouble ?? Number(p!.asInt);
}

/** A loopback OTLP/HTTP receiver that keeps every JSON metrics export. */
function receiver() {
  const exports: ExportRequest[] = [];
  const contentTypes = new Set<string>();
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    requests++;
    const body = await request.text();
    if (new URL(request.url).pathname === "/v1/metrics") {
      contentTypes.add(request.headers.get("content-type") ?? "");
      exports.push(JSON.parse(body));
    }
    return Response.json({});
  });
  return {
    exports,
    contentTypes,
    get requests() {
      return requests;
    },
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function eventually<T>(
  find: () => T | undefined,
  what: string,
  timeout = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
}

/** The environment without any OTEL_* variable of the test's own, plus `extra`. */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const env = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([key]) => !key.startsWith("OTEL_")),
  );
  return { ...env, ...extra };
}

function spawnChild(mode: string, env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--config",
      decodeURIComponent(new URL("../../deno.json", import.meta.url).pathname),
      decodeURIComponent(new URL(import.meta.url).pathname),
      mode,
    ],
    env: childEnv(env),
    clearEnv: true,
    stdin: mode === "export" ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** The child's exit status, or `undefined` if it has not exited within `ms`. */
async function exitWithin(
  proc: Deno.ChildProcess,
  ms: number,
): Promise<Deno.CommandStatus | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((
    resolve,
  ) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([proc.status, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads the child's stdout line by line, as JSON. */
function messages(stream: ReadableStream<Uint8Array<ArrayBuffer>>) {
  const received: Record<string, unknown>[] = [];
  const done = (async () => {
    let buffered = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        received.push(JSON.parse(buffered.slice(0, newline)));
        buffered = buffered.slice(newline + 1);
      }
    }
  })();
  return { received, done };
}

const EXPECTED_METRICS: Record<
  string,
  { kind: "updown" | "counter" | "gauge" | "histogram"; unit: string }
> = {
  "slabscope.slab.slot.count": { kind: "updown", unit: "{slot}" },
  "slabscope.slab.slot.max": { kind: "updown", unit: "{slot}" },
  "slabscope.slab.slot.hwm": { kind: "gauge", unit: "{slot}" },
  "slabscope.slab.slot.size": { kind: "gauge", unit: "By" },
  "slabscope.slab.owner.slot.count": { kind: "updown", unit: "{slot}" },
  "slabscope.slab.allocations": { kind: "counter", unit: "{allocation}" },
  "slabscope.slab.frees": { kind: "counter", unit: "{free}" },
  "slabscope.slab.invalid_frees": { kind: "counter", unit: "{free}" },
  "slabscope.slab.overflows": { kind: "counter", unit: "{allocation}" },
  "slabscope.slab.cas_retries": { kind: "counter", unit: "{retry}" },
  "slabscope.arena.memory.usage": { kind: "updown", unit: "By" },
  "slabscope.arena.memory.limit": { kind: "updown", unit: "By" },
  "slabscope.arena.memory.hwm": { kind: "gauge", unit: "By" },
  "slabscope.arena.allocations": { kind: "counter", unit: "{allocation}" },
  "slabscope.arena.resets": { kind: "counter", unit: "{reset}" },
  "slabscope.arena.overflows": { kind: "counter", unit: "{allocation}" },
  "slabscope.arena.overflow.memory": { kind: "counter", unit: "By" },
  "slabscope.heap.used": { kind: "updown", unit: "By" },
  "slabscope.heap.size": { kind: "updown", unit: "By" },
  "slabscope.heap.limit": { kind: "updown", unit: "By" },
  "slabscope.heap.external": { kind: "updown", unit: "By" },
  "slabscope.process.memory.usage": { kind: "updown", unit: "By" },
  "slabscope.http.server.request.duration": { kind: "histogram", unit: "s" },
  "slabscope.http.client.request.duration": { kind: "histogram", unit: "s" },
  "slabscope.http.server.active_requests": { kind: "updown", unit: "{request}" },
  "slabscope.http.client.active_requests": { kind: "updown", unit: "{request}" },
  "slabscope.http.server.request.aborted": { kind: "counter", unit: "{request}" },
  "slabscope.http.client.request.aborted": { kind: "counter", unit: "{request}" },
  "slabscope.http.server.request.body.bytes": { kind: "counter", unit: "By" },
  "slabscope.http.client.request.body.bytes": { kind: "counter", unit: "By" },
  "slabscope.http.server.response.body.bytes": { kind: "counter", unit: "By" },
  "slabscope.http.client.response.body.bytes": { kind: "counter", unit: "By" },
  "slabscope.lint.active": { kind: "gauge", unit: "{lint}" },
  "slabscope.slab.sites.count": { kind: "updown", unit: "{site}" },
  "slabscope.slab.sites.limit": { kind: "updown", unit: "{site}" },
  "slabscope.slab.sites.dropped": { kind: "counter", unit: "{site}" },
  "slabscope.slab.site_samples.skipped": { kind: "counter", unit: "{sample}" },
  "slabscope.stream.clients": { kind: "updown", unit: "{client}" },
  "slabscope.stream.events": { kind: "counter", unit: "{event}" },
  "slabscope.stream.sent": { kind: "counter", unit: "By" },
  "slabscope.stream.skipped_ticks": { kind: "counter", unit: "{tick}" },
  "slabscope.stream.dropped_clients": { kind: "counter", unit: "{client}" },
  "slabscope.stream.tick.duration": { kind: "gauge", unit: "s" },
  "slabscope.recorder.memory.usage": { kind: "gauge", unit: "By" },
  "slabscope.recorder.window": { kind: "gauge", unit: "s" },
  "slabscope.diagnostics.cpu.time": { kind: "counter", unit: "s" },
};

Deno.test("with OTEL_DENO=true, Deno exports the slabscope metrics over OTLP http/json", async () => {
  await using otlp = receiver();
  const proc = spawnChild("export", {
    OTEL_DENO: "true",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    OTEL_METRIC_EXPORT_INTERVAL: String(EXPORT_INTERVAL_MS),
    OTEL_SERVICE_NAME: "slabscope-otel-test",
  });
  const stdin = proc.stdin.getWriter();
  const out = messages(proc.stdout);
  const stderr = proc.stderr.pipeThrough(new TextDecoderStream());
  const errors: string[] = [];
  const errorsDone = (async () => {
    for await (const chunk of stderr) errors.push(chunk);
  })();
  const send = (line: string) => stdin.write(new TextEncoder().encode(line + "\n"));

  try {
    await eventually(() => out.received.find((m) => m.ready), "the child to start");
    const first = await eventually(
      () =>
        otlp.exports.map(slabscopeMetrics).find(({ metrics }) =>
          metrics.has("slabscope.slab.slot.count")
        ),
      "an export with the slabscope metrics",
    );
    assert.deepEqual([...otlp.contentTypes], ["application/json"]);
    assert.equal(first.version, denoJson.version);
    assert.equal(first.resource["service.name"], "slabscope-otel-test");
    assert.deepEqual([...first.metrics.keys()].sort(), Object.keys(EXPECTED_METRICS).sort());
    for (const [name, { kind, unit }] of Object.entries(EXPECTED_METRICS)) {
      const metric = first.metrics.get(name)!;
      assert.equal(metric.unit, unit, name);
      assert.ok(metric.description, `${name} has a description`);
      if (kind === "gauge") {
        assert.ok(metric.gauge, `${name} is a gauge`);
      } else if (kind === "histogram") {
        assert.ok(metric.histogram, `${name} is a histogram`);
        assert.equal(metric.histogram.aggregationTemporality, 2, `${name} is cumulative`);
      } else {
        assert.ok(metric.sum, `${name} is a sum`);
        assert.equal(metric.sum.isMonotonic, kind === "counter", name);
        assert.equal(metric.sum.aggregationTemporality, 2, `${name} is cumulative`);
      }
    }

    const m = first.metrics;
    const pool = (name: string) => ({ "slabscope.pool.name": name });
    const state = (name: string, s: string) => ({
      "slabscope.pool.name": name,
      "slabscope.slab.slot.state": s,
    });
    const count = m.get("slabscope.slab.slot.count");
    // The handle slab: every state, adding up to the capacity.
    for (
      const [s, n] of Object.entries({ free: 12, connecting: 1, active: 2, idle: 1, closing: 0 })
    ) {
      assert.equal(point(count, state("handles", s)), n, s);
    }
    assert.equal(point(m.get("slabscope.slab.slot.max"), pool("handles")), 16);
    assert.equal(point(m.get("slabscope.slab.slot.hwm"), pool("handles")), 4);
    // The plain slab, full, with one refused allocation.
    assert.equal(point(count, state("tcp_buffers", "used")), 4);
    assert.equal(point(count, state("tcp_buffers", "free")), 0);
    assert.equal(point(m.get("slabscope.slab.slot.size"), pool("tcp_buffers")), 4096);
    assert.equal(point(m.get("slabscope.slab.allocations"), pool("tcp_buffers")), 4);
    assert.equal(point(m.get("slabscope.slab.overflows"), pool("tcp_buffers")), 1);
    assert.equal(point(m.get("slabscope.slab.frees"), pool("tcp_buffers")), 0);
    // Owners: two, within maxOwnersPerPool: 2, names exactly as registered.
    const owners = m.get("slabscope.slab.owner.slot.count");
    const owner = (name: string, s: string) => ({
      "slabscope.pool.name": "handles",
      "slabscope.owner.name": name,
      "slabscope.slab.slot.state": s,
    });
    assert.equal(point(owners, owner(":8080", "active")), 2);
    assert.equal(point(owners, owner(":8080", "idle")), 1);
    assert.equal(point(owners, owner(HOSTILE_OWNER, "connecting")), 1);
    assert.equal(owners!.sum!.dataPoints.length, 2 * 4);
    // Arenas, and the arena pool under its one name.
    assert.equal(point(m.get("slabscope.arena.memory.usage"), pool("scratch")), 100);
    assert.equal(point(m.get("slabscope.arena.memory.limit"), pool("scratch")), 1024);
    assert.equal(point(m.get("slabscope.arena.overflows"), pool("scratch")), 1);
    assert.equal(point(m.get("slabscope.arena.overflow.memory"), pool("scratch")), 2000);
    assert.equal(point(m.get("slabscope.arena.memory.usage"), pool("stream_arenas")), 10);
    assert.equal(point(count, state("stream_arenas", "used")), 1);
    // The heap: plausible, not exact (it moves).
    const heapUsed = point(m.get("slabscope.heap.used"), {});
    assert.ok(heapUsed > 1_000_000 && heapUsed < point(m.get("slabscope.heap.limit"), {}));
    assert.ok(point(m.get("slabscope.process.memory.usage"), {}) > heapUsed);

    // Requests: durations recorded as they completed, with the semantic conventions' bounds.
    const served = (status: string) =>
      dataPoint(m.get("slabscope.http.server.request.duration"), {
        "slabscope.owner.name": "api",
        "http.response.status_code": status,
      });
    const ok = served("200");
    assert.deepEqual(ok.explicitBounds, OTEL_DURATION_BOUNDS_S);
    assert.equal(Number(ok.count), 2);
    assert.ok(Math.abs(ok.sum! - 0.042) < 1e-9, String(ok.sum));
    // 2 ms under 5 ms, 40 ms under 50 ms.
    assert.deepEqual(ok.bucketCounts!.map(Number), [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(Number(served("503").count), 1);
    const client = dataPoint(m.get("slabscope.http.client.request.duration"), {
      "slabscope.owner.name": HOSTILE_OWNER,
      "http.response.status_code": "404",
    });
    assert.equal(Number(client.count), 1);
    const api = { "slabscope.owner.name": "api" };
    assert.equal(point(m.get("slabscope.http.server.active_requests"), api), 1);
    assert.equal(point(m.get("slabscope.http.server.request.aborted"), api), 1);
    assert.equal(point(m.get("slabscope.http.server.request.body.bytes"), api), 35);
    assert.equal(point(m.get("slabscope.http.server.response.body.bytes"), api), 300);

    // The diagnostics: the lint, the handle slab's site table, the attached stream.
    const lint = m.get("slabscope.lint.active");
    assert.equal(point(lint, { "slabscope.lint.rule": "invalid_frees", ...pool("spare") }), 1);
    assert.equal(lint!.gauge!.dataPoints.length, 1, "only active lints are observed");
    assert.equal(point(m.get("slabscope.slab.sites.limit"), pool("handles")), 256);
    assert.equal(point(m.get("slabscope.slab.sites.count"), pool("handles")), 0);
    // One dashboard took the keyframe and left.
    assert.equal(point(m.get("slabscope.stream.clients"), {}), 0);
    const events = point(m.get("slabscope.stream.events"), {});
    assert.ok(events >= 1 && events <= 3, String(events));
    assert.ok(point(m.get("slabscope.stream.sent"), {}) > 1000, "the keyframe's bytes");
    assert.equal(point(m.get("slabscope.stream.dropped_clients"), {}), 0);
    assert.equal(point(m.get("slabscope.recorder.memory.usage"), {}), 0);
    const phases = (name: string) =>
      (m.get(name)!.sum ?? m.get(name)!.gauge)!.dataPoints
        .map((p) => attributes(p.attributes)["slabscope.diagnostics.phase"]).sort();
    assert.deepEqual(phases("slabscope.stream.tick.duration"), [
      "collect",
      "encode",
      "lint",
      "send",
    ]);
    assert.deepEqual(
      phases("slabscope.diagnostics.cpu.time"),
      ["collect", "encode", "lint", "record", "sample", "send"],
    );
    assert.ok(
      point(m.get("slabscope.diagnostics.cpu.time"), {
        "slabscope.diagnostics.phase": "collect",
      }) > 0,
      "the keyframe's collection took time",
    );

    // Observations are live: a change shows up in a later export.
    await send("step");
    await eventually(
      () =>
        otlp.exports.map(slabscopeMetrics).find(({ metrics }) => {
          const c = metrics.get("slabscope.slab.slot.count");
          return c !== undefined && point(c, state("handles", "idle")) === 2 &&
            point(c, state("handles", "active")) === 1;
        }),
      "an export with one more idle handle",
    );

    // close(): later collections no longer read the registry.
    await send("close");
    const closed = await eventually(
      () => out.received.find((m) => m.closed),
      "the child to close",
    );
    assert.ok((closed.before as number) >= 2, "the registry was read once per collection");
    assert.equal(closed.after, closed.before);
    // Deno 2.9.6 with OTEL_DENO=true now and then never finishes exiting,
    // Deno.exit() included, and ignores SIGTERM then (denoland/deno#33157;
    // about 1 run in 30 here under load, with or without slabscope). What
    // the test needs is above; the exit code is checked when there is one.
    const status = await exitWithin(proc, 10_000);
    if (status !== undefined) assert.equal(status.code, 0, errors.join(""));
    assert.doesNotMatch(errors.join(""), /error/i);
  } finally {
    await stdin.close().catch(() => {});
    try {
      proc.kill("SIGKILL");
    } catch { /* already exited */ }
    await proc.status;
    await out.done;
    await errorsDone;
  }
});

Deno.test("without OTEL_DENO the API is a no-op: the registry is never read", async () => {
  await using otlp = receiver();
  // Exporter settings present, OTEL_DENO absent: nothing may run or arrive.
  const proc = spawnChild("noop", {
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
    OTEL_METRIC_EXPORT_INTERVAL: String(EXPORT_INTERVAL_MS),
  });
  const out = messages(proc.stdout);
  const { code } = await proc.status;
  await out.done;
  const stderr = await new Response(proc.stderr).text();
  assert.equal(code, 0, stderr);
  assert.deepEqual(out.received, [{ snapshots: 0 }]);
  assert.equal(otlp.requests, 0);
});

Deno.test({
  name: "one collection takes one snapshot and observes every instrument from it",
  // Deno installs its own provider when OTEL_DENO is set; this test installs a fake one.
  ignore: Deno.env.has("OTEL_DENO"),
  fn() {
    const callbacks = new Set<BatchObservableCallback>();
    const created = new Map<object, string>();
    let registered: object[] = [];
    const instrument = (name: string) => {
      const observable = { addCallback() {}, removeCallback() {} };
      created.set(observable, name);
      return observable;
    };
    const recorded: string[] = [];
    const meter = {
      createObservableUpDownCounter: instrument,
      createObservableCounter: instrument,
      createObservableGauge: instrument,
      createHistogram: (name: string, options: { advice?: unknown }) => {
        assert.deepEqual(options.advice, { explicitBucketBoundaries: OTEL_DURATION_BOUNDS_S });
        return {
          record: (value: number, attrs: Record<string, unknown>) =>
            recorded.push(`${name} ${value} ${JSON.stringify(attrs)}`),
        };
      },
      addBatchObservableCallback(callback: BatchObservableCallback, observables: object[]) {
        callbacks.add(callback);
        registered = observables;
      },
      removeBatchObservableCallback(callback: BatchObservableCallback) {
        callbacks.delete(callback);
      },
    } as unknown as Meter;
    let meterName: string[] = [];
    assert.ok(
      metrics.setGlobalMeterProvider({
        getMeter: (name: string, version?: string) => ((meterName = [name, version!]), meter),
      }),
    );
    try {
      const { registry, traffic } = fixture();
      const snapshots = countSnapshots(registry);
      const telemetry = registerOpenTelemetry(registry, { maxOwnersPerPool: 1 });
      traffic();
      assert.deepEqual(recorded.slice(0, 2), [
        'slabscope.http.server.request.duration 0.002 {"slabscope.owner.name":"api","http.response.status_code":200}',
        'slabscope.http.server.request.duration 0.04 {"slabscope.owner.name":"api","http.response.status_code":200}',
      ]);
      assert.equal(recorded.length, 4, "every completed request, once; none for the aborted one");
      assert.deepEqual(meterName, ["slabscope", denoJson.version]);
      assert.equal(snapshots(), 0, "registering reads nothing");
      assert.equal(callbacks.size, 1);
      assert.deepEqual(new Set(registered), new Set(created.keys()));

      const observed = new Map<string, number>();
      const collect = () => {
        for (const callback of callbacks) {
          callback({
            observe(observable, value, attrs) {
              const name = created.get(observable);
              assert.ok(name !== undefined, "observes only its own instruments");
              assert.ok(registered.includes(observable), `${name} is in the batch`);
              observed.set(`${name} ${JSON.stringify(attrs ?? {})}`, value);
            },
          });
        }
      };
      collect();
      assert.equal(snapshots(), 1);
      const names = new Set([...observed.keys()].map((key) => key.split(" ")[0]));
      const observable = Object.entries(EXPECTED_METRICS).filter(([, m]) => m.kind !== "histogram");
      assert.deepEqual([...names].sort(), observable.map(([name]) => name).sort());
      // maxOwnersPerPool: 1 folds both owners into "other".
      assert.equal(
        observed.get(
          `slabscope.slab.owner.slot.count ${
            JSON.stringify({
              "slabscope.pool.name": "handles",
              "slabscope.owner.name": "other",
              "slabscope.slab.slot.state": "active",
            })
          }`,
        ),
        2,
      );
      assert.ok(![...observed.keys()].some((key) => key.includes(":8080")));
      collect();
      assert.equal(snapshots(), 2);

      telemetry.close();
      telemetry.close();
      assert.equal(callbacks.size, 0);
      traffic();
      assert.equal(recorded.length, 4, "close() stops recording durations");
      collect();
      assert.equal(snapshots(), 2);

      // heap: false and maxOwnersPerPool: 0 leave those instruments out.
      created.clear();
      const lean = registerOpenTelemetry(registry, { heap: false, maxOwnersPerPool: 0 });
      const leanNames = [...created.values()];
      assert.ok(!leanNames.some((n) => n.includes("heap") || n.includes("process")));
      assert.ok(!leanNames.includes("slabscope.slab.owner.slot.count"));
      lean.close();

      assert.throws(() => registerOpenTelemetry(registry, { maxOwnersPerPool: 1.5 }), RangeError);
      assert.throws(
        () => registerOpenTelemetry(registry, { heap: "no" as unknown as boolean }),
        TypeError,
      );
      assert.throws(() => registerOpenTelemetry({} as DiagnosticsRegistry), TypeError);
    } finally {
      metrics.disable();
    }
  },
});
