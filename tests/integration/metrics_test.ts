// Copyright 2026 the slabscope authors. MIT license.
// GET /metrics on serveDashboard (and …/metrics on a mounted dashboard):
// real scrapes of a live registry, behind the same guard as the page.
import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../../prometheus.ts";
import { generateToken, serveDashboard } from "../../dashboard.ts";

interface Family {
  name: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

function value(families: Family[], name: string, labels: Record<string, string>): number {
  const family = families.find((f) => f.name === name);
  assert.ok(family, `family ${name}`);
  const sample = family.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)
  );
  assert.ok(sample, `${name} ${JSON.stringify(labels)}`);
  return Number(sample.value);
}

function live() {
  const registry = new DiagnosticsRegistry();
  const owner = registry.owners.register("api.example", "client");
  const sockets = registry.addSlab(
    new SlabAllocator({ name: "sockets", slotSize: 1, capacity: 32, kind: "handle" }),
  );
  return { registry, owner, sockets };
}

Deno.test("serveDashboard serves /metrics (and /debug/metrics) from the live registry", async () => {
  const { registry, owner, sockets } = live();
  const served = serveDashboard(registry, { port: 0, onListen() {} });
  try {
    const origin = new URL(served.url).origin;
    const first = await fetch(`${origin}/metrics`);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
    assert.equal(first.headers.get("cache-control"), "no-store");
    assert.equal(first.headers.get("x-content-type-options"), "nosniff");
    const before = parsePrometheusTextFormat(await first.text()) as Family[];
    assert.equal(value(before, "slabscope_slab_slots_used", { pool: "sockets" }), 0);

    sockets.setState(sockets.alloc(owner)!, HandleState.Idle);
    sockets.alloc(owner, HandleState.Active);
    const after = parsePrometheusTextFormat(
      await (await fetch(`${served.url}metrics`)).text(),
    ) as Family[];
    assert.equal(value(after, "slabscope_slab_slots_used", { pool: "sockets" }), 2);
    assert.equal(
      value(after, "slabscope_slab_slots_by_state", { pool: "sockets", state: "idle" }),
      1,
    );
    assert.equal(
      value(after, "slabscope_slab_owner_slots", {
        pool: "sockets",
        owner: "api.example",
        state: "active",
      }),
      1,
    );

    const post = await fetch(`${origin}/metrics`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  } finally {
    await served.shutdown();
  }
});

Deno.test("/metrics is behind the guard: a token-protected server wants the Bearer token; foreign hosts get 403", async () => {
  const token = generateToken();
  const served = serveDashboard(live().registry, { port: 0, token, onListen() {} });
  try {
    const origin = new URL(served.url).origin;
    const anonymous = await fetch(`${origin}/metrics`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
    const scraper = await fetch(`${origin}/metrics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(scraper.status, 200);
    assert.match(await scraper.text(), /^# HELP slabscope_/m);
    // fetch() sets Host itself; a raw request can lie about it.
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(origin).port) });
    await conn.write(
      new TextEncoder().encode(
        `GET /metrics HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      ),
    );
    const reply = new TextDecoder().decode(await new Response(conn.readable).bytes());
    assert.match(reply, /^HTTP\/1\.1 403 /);
  } finally {
    await served.shutdown();
  }
});

Deno.test("serveDashboard({ metrics: false }) leaves /metrics to the fallback", async () => {
  const served = serveDashboard(live().registry, { port: 0, metrics: false, onListen() {} });
  try {
    const response = await fetch(`${new URL(served.url).origin}/metrics`);
    assert.equal(response.status, 404);
    await response.body?.cancel();
  } finally {
    await served.shutdown();
  }
});

Deno.test("/metrics reports the dashboard's stream: clients and bytes sent, live", async () => {
  const { registry } = live();
  const served = serveDashboard(registry, { port: 0, onListen() {} });
  try {
    const origin = new URL(served.url).origin;
    const scrape = async () =>
      parsePrometheusTextFormat(await (await fetch(`${origin}/metrics`)).text()) as Family[];
    const idle = await scrape();
    assert.equal(value(idle, "slabscope_stream_clients", {}), 0);
    assert.equal(value(idle, "slabscope_build_info", {}), 1);
    assert.ok(value(idle, "process_start_time_seconds", {}) * 1000 <= Date.now());
    const stream = await fetch(`${served.url}diagnostics/memory`);
    const reader = stream.body!.getReader();
    let text = "";
    while (!text.includes("event:diagnostics\n")) {
      text += new TextDecoder().decode((await reader.read()).value);
    }
    const watched = await scrape();
    assert.equal(value(watched, "slabscope_stream_clients", {}), 1);
    assert.ok(value(watched, "slabscope_stream_bytes_sent_total", {}) >= text.length);
    assert.ok(value(watched, "slabscope_stream_events_sent_total", {}) >= 1);
    await reader.cancel();
  } finally {
    await served.shutdown();
  }
});

Deno.test("/metrics tells what the stream's flight recorder holds, in bytes and seconds", async () => {
  const { registry, owner, sockets } = live();
  const served = serveDashboard(registry, {
    port: 0,
    interval: 20,
    recorder: { keyframeInterval: 50 },
    onListen() {},
  });
  try {
    const origin = new URL(served.url).origin;
    const recorder = served.dashboard.stream.recorder!;
    const churn = setInterval(() => {
      const handle = sockets.alloc(owner);
      if (handle !== null) sockets.free(handle);
    }, 10);
    try {
      while (recorder.span < 200) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      clearInterval(churn);
    }
    const families = parsePrometheusTextFormat(
      await (await fetch(`${origin}/metrics`)).text(),
    ) as Family[];
    const bytes = value(families, "slabscope_recorder_bytes", {});
    const seconds = value(families, "slabscope_recorder_window_seconds", {});
    assert.ok(bytes > 0 && bytes <= recorder.bytes, `${bytes} B`);
    assert.ok(seconds >= 0.15 && seconds <= recorder.span / 1000, `${seconds} s`);
    assert.equal(families.find((f) => f.name === "slabscope_recorder_bytes")!.type, "GAUGE");
  } finally {
    await served.shutdown();
  }
});
