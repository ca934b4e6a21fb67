// Copyright 2026 the slabscope authors. MIT license.
// The Prometheus families beyond the pools: request metrics (OpenTelemetry's
// HTTP names), the stream's own figures, build info, process start, and
// owners that hold no slot.
import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { formatPrometheus } from "../../core/export/prometheus.ts";
import { VERSION } from "../../core/version.ts";
import { OTEL_DURATION_BOUNDS_S } from "../../core/wire/durations.ts";

const T = Date.now();

/** Every sample line of `text`: name, labels and value (a parser for what the test reads). */
function samples(text: string) {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    out.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return out;
}

function value(text: string, name: string, labels: Record<string, string> = {}): number {
  const found = samples(text).filter((s) =>
    s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels)
  );
  assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0]!.value;
}

Deno.test("request metrics: OpenTelemetry's names, one histogram per owner and status class", () => {
  const registry = new DiagnosticsRegistry();
  const api = registry.requests.acquire("server", "api");
  // 3 × 2 ms and 1 × 80 ms answered 200, 1 × 4 s answered 503, one in flight, one aborted.
  for (const [status, us] of [[200, 2000], [200, 2000], [200, 2000], [200, 80_000], [503, 4e6]]) {
    api.start();
    api.complete(status, us, 100, 1000, T);
  }
  api.start();
  api.start();
  api.abort(7, 0);
  const upstream = registry.requests.acquire("client", "https://up.example");
  upstream.start();
  upstream.complete(404, 30_000, 0, 12, T);
  const text = formatPrometheus(registry.snapshot(), { heap: false });

  const h = "slabscope_http_server_request_duration_seconds";
  assert.match(text, new RegExp(`^# TYPE ${h} histogram$`, "m"));
  const ok = { owner: "api", status_class: "2xx" };
  const buckets = OTEL_DURATION_BOUNDS_S.map((le) =>
    value(text, `${h}_bucket`, { ...ok, le: String(le) })
  );
  // le 0.005 holds the three 2 ms requests; le 0.1 and above the 80 ms one too.
  assert.deepEqual(buckets, [3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4]);
  assert.equal(value(text, `${h}_bucket`, { ...ok, le: "+Inf" }), 4);
  assert.equal(value(text, `${h}_sum`, ok), 0.086);
  assert.equal(value(text, `${h}_count`, ok), 4);
  const failed = { owner: "api", status_class: "5xx" };
  assert.equal(value(text, `${h}_bucket`, { ...failed, le: "2.5" }), 0);
  assert.equal(value(text, `${h}_bucket`, { ...failed, le: "5" }), 1);
  // Every class of every owner, zeros included.
  for (const klass of ["1xx", "3xx", "4xx"]) {
    assert.equal(value(text, `${h}_count`, { owner: "api", status_class: klass }), 0);
    assert.equal(value(text, `${h}_bucket`, { owner: "api", status_class: klass, le: "+Inf" }), 0);
  }
  assert.equal(value(text, "slabscope_http_server_active_requests", { owner: "api" }), 1);
  assert.equal(value(text, "slabscope_http_server_requests_aborted_total", { owner: "api" }), 1);
  assert.equal(
    value(text, "slabscope_http_server_request_body_bytes_total", { owner: "api" }),
    507,
  );
  assert.equal(
    value(text, "slabscope_http_server_response_body_bytes_total", { owner: "api" }),
    5000,
  );

  const client = { owner: "https://up.example", status_class: "4xx" };
  assert.equal(value(text, "slabscope_http_client_request_duration_seconds_count", client), 1);
  assert.equal(value(text, "slabscope_http_client_request_duration_seconds_sum", client), 0.03);
  assert.equal(
    value(text, "slabscope_http_client_request_duration_seconds_bucket", {
      ...client,
      le: "0.025",
    }),
    0,
  );
  assert.equal(
    value(text, "slabscope_http_client_request_duration_seconds_bucket", { ...client, le: "0.05" }),
    1,
  );
  assert.equal(
    value(text, "slabscope_http_client_active_requests", { owner: "https://up.example" }),
    0,
  );

  // Buckets are cumulative and end at the count, in every series.
  const series = new Map<string, number[]>();
  for (const s of samples(text).filter((s) => s.name.endsWith("_bucket"))) {
    const { le: _, ...rest } = s.labels;
    const key = `${s.name} ${JSON.stringify(rest)}`;
    series.set(key, [...(series.get(key) ?? []), s.value]);
  }
  assert.equal(series.size, 5 + 5, "five classes of one server and of one client");
  for (const [key, counts] of series) {
    assert.equal(counts.length, OTEL_DURATION_BOUNDS_S.length + 1, key);
    for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!, key);
  }
});

Deno.test("stream figures, build info and the process start are reported", async () => {
  const registry = new DiagnosticsRegistry();
  const bare = formatPrometheus(registry.snapshot(), { heap: false });
  assert.ok(!bare.includes("slabscope_stream_"), "no stream attached: no stream families");
  const detach = registry.addStreamSource({
    stats: {
      clients: 3,
      events_sent: 120,
      bytes_sent: 45_000,
      skipped_ticks: 4,
      slow_dropped: 1,
      collect_us: 250,
      encode_us: 100,
      send_us: 12,
      recorded_ms: 4_500,
      recorded_bytes: 90_000,
      lint_us: 30,
    },
  });
  const text = formatPrometheus(registry.snapshot(), { heap: false });
  assert.equal(value(text, "slabscope_stream_clients"), 3);
  assert.equal(value(text, "slabscope_stream_events_sent_total"), 120);
  assert.equal(value(text, "slabscope_recorder_bytes"), 90_000);
  assert.equal(value(text, "slabscope_recorder_window_seconds"), 4.5);
  assert.equal(value(text, "slabscope_stream_bytes_sent_total"), 45_000);
  assert.equal(value(text, "slabscope_stream_skipped_ticks_total"), 4);
  assert.equal(value(text, "slabscope_stream_dropped_clients_total"), 1);
  assert.equal(value(text, "slabscope_stream_tick_seconds", { phase: "collect" }), 0.00025);
  assert.equal(value(text, "slabscope_build_info", { version: VERSION }), 1);
  const started = value(text, "process_start_time_seconds");
  assert.ok(started <= Date.now() / 1000 && started > Date.now() / 1000 - 3600, String(started));
  const families = parsePrometheusTextFormat(text) as { name: string; type: string }[];
  assert.equal(families.find((f) => f.name === "process_start_time_seconds")?.type, "GAUGE");
  detach();
  assert.ok(!formatPrometheus(registry.snapshot()).includes("slabscope_stream_"));

  // A real stream, attached: its figures add up with the others'.
  const { DiagnosticsStream } = await import("../../core/stream/diagnostics_stream.ts");
  const stream = new DiagnosticsStream(registry, { bootId: "prom" });
  registry.addStreamSource(stream);
  const reader = stream.connect(new Request("http://localhost/")).body!.getReader();
  await reader.read();
  const live = formatPrometheus(registry.snapshot(), { heap: false });
  assert.equal(value(live, "slabscope_stream_clients"), 1);
  assert.ok(value(live, "slabscope_stream_bytes_sent_total") > 0);
  await reader.cancel();
  await stream.close();
});

Deno.test("a registered owner holding no slot is 0, in every slab that records owners", () => {
  const registry = new DiagnosticsRegistry();
  const busy = registry.owners.register(":8080", "server");
  registry.owners.register("worker-1", "worker"); // registered, holds nothing
  const handles = registry.addSlab(
    new SlabAllocator({ name: "handles", slotSize: 1, capacity: 8, kind: "handle" }),
  );
  handles.alloc(busy, HandleState.Active);
  const shared = registry.addSlab(new SlabAllocator({ name: "shared", slotSize: 8, capacity: 8 }));
  shared.alloc(busy);
  registry.addSlab(new SlabAllocator({ name: "plain", slotSize: 8, capacity: 8 })).alloc();
  const text = formatPrometheus(registry.snapshot(), { heap: false });
  const owned = "slabscope_slab_owner_slots";
  for (const state of ["connecting", "active", "idle", "closing"]) {
    assert.equal(value(text, owned, { pool: "handles", owner: "worker-1", state }), 0, state);
  }
  assert.equal(value(text, owned, { pool: "handles", owner: ":8080", state: "active" }), 1);
  assert.equal(value(text, owned, { pool: "shared", owner: "worker-1", state: "used" }), 0);
  assert.equal(value(text, owned, { pool: "shared", owner: ":8080", state: "used" }), 1);
  assert.ok(
    !samples(text).some((s) => s.name === owned && s.labels.pool === "plain"),
    "a slab that records no owners has no owner series",
  );
});
