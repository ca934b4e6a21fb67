// Copyright 2026 the slabscope authors. MIT license.
// Lints over HTTP, on a real Deno.serve: GET /debug/diagnostics/lints
// (JSON, explained, with the thresholds; HEAD and 405 from the one
// router), /metrics' slabscope_lint_active{rule,pool}, and the stream's
// own figure for the time lints take (lint_us).
import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { serveDashboard } from "../../dashboard.ts";
import type { LintReport } from "../../core/diagnostics/lints/lint_report.ts";
import { decodeKeyframe } from "../../wire.ts";

interface Family {
  name: string;
  metrics: { labels?: Record<string, string>; value: string }[];
}

/** A dashboard whose registry has one slot stuck in Connecting for 1 s already (threshold 1 s, clock 5 s ahead). */
function stuckWorld(lints: ConstructorParameters<typeof DiagnosticsRegistry>[0] = {}) {
  const registry = new DiagnosticsRegistry({
    clock: () => Date.now() + 5_000,
    lints: { stuck: { after: 1_000 } },
    ...lints,
  });
  const conns = registry.addSlab(
    new SlabAllocator({ name: "conns", slotSize: 1, capacity: 8, kind: "handle" }),
  );
  const handle = conns.alloc(undefined, HandleState.Connecting)!;
  const served = serveDashboard(registry, { port: 0, onListen() {} });
  return { registry, conns, handle, served, origin: new URL(served.url).origin };
}

Deno.test("GET /debug/diagnostics/lints: the active lints, explained, and every rule's thresholds", async () => {
  const { served, origin, handle, conns } = stuckWorld();
  try {
    const response = await fetch(`${origin}/debug/diagnostics/lints`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(response.headers.get("cache-control"), "no-store");
    const report = await response.json() as LintReport;
    assert.equal(report.enabled, true);
    assert.equal(report.lints.length, 1);
    const [lint] = report.lints;
    assert.equal(lint!.rule, "stuck");
    assert.equal(lint!.pool, "conns");
    assert.deepEqual(lint!.slots, [handle & 7]);
    assert.equal(lint!.title, "Stuck in Connecting or Closing");
    assert.match(lint!.explanation, /connect or to close/);
    assert.match(lint!.look_at, /timeout/);
    assert.deepEqual(report.rules.stuck, { after: 1_000 });
    assert.equal(report.rules.idle?.after, 300_000);
    assert.equal(Object.keys(report.rules).length, 8);

    const head = await fetch(`${origin}/debug/diagnostics/lints`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const post = await fetch(`${origin}/debug/diagnostics/lints`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    await post.body?.cancel();

    // The same lint in the keyframe, and gone once the slot moves on.
    const keyframe = decodeKeyframe(
      await (await fetch(`${origin}/debug/diagnostics/snapshot`)).text(),
    );
    assert.equal(keyframe.lints?.[0]?.rule, "stuck");
    conns.setState(handle, HandleState.Active);
    for (;;) {
      const now = await (await fetch(`${origin}/debug/diagnostics/lints`)).json() as LintReport;
      if (now.lints.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100)); // the rule reads slots once a second
    }
  } finally {
    await served.shutdown();
  }
});

Deno.test("GET /debug/diagnostics/lints with lints: false says so", async () => {
  const { served, origin } = stuckWorld({ lints: false });
  try {
    const report = await (await fetch(`${origin}/debug/diagnostics/lints`)).json() as LintReport;
    assert.equal(report.enabled, false);
    assert.deepEqual(report.lints, []);
    assert.equal(report.rules.stuck, null);
    const metrics = await (await fetch(`${origin}/metrics`)).text();
    assert.doesNotMatch(metrics, /slabscope_lint_active/);
  } finally {
    await served.shutdown();
  }
});

Deno.test("/metrics: slabscope_lint_active{rule,pool} for each active lint; the stream's lint phase", async () => {
  const { served, origin } = stuckWorld();
  try {
    // The dashboard's stream ticks (its recorder runs): wait for a tick's figures.
    let families: Family[] = [];
    for (;;) {
      families = parsePrometheusTextFormat(
        await (await fetch(`${origin}/metrics`)).text(),
      ) as Family[];
      if (families.some((f) => f.name === "slabscope_stream_tick_seconds")) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const active = families.find((f) => f.name === "slabscope_lint_active")!;
    assert.deepEqual(active.metrics, [{ labels: { rule: "stuck", pool: "conns" }, value: "1" }]);
    const tick = families.find((f) => f.name === "slabscope_stream_tick_seconds")!;
    assert.deepEqual(tick.metrics.map((m) => m.labels?.phase), [
      "collect",
      "encode",
      "send",
      "lint",
    ]);
  } finally {
    await served.shutdown();
  }
});

Deno.test("the stream counts the time lints take apart from collecting (lint_us)", async () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "big", slotSize: 8, capacity: 262_144, kind: "handle" }),
  );
  for (let i = 0; i < 100_000; i++) slab.alloc(undefined, HandleState.Active);
  const served = serveDashboard(registry, { port: 0, onListen() {} });
  try {
    const origin = new URL(served.url).origin;
    // A tick that read every slot for the per-slot rules takes well over a microsecond.
    for (;;) {
      const keyframe = decodeKeyframe(
        await (await fetch(`${origin}/debug/diagnostics/snapshot`)).text(),
      );
      if ((keyframe.stream?.lint_us ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(registry.lints!.lastMicros >= 0);
  } finally {
    await served.shutdown();
  }
});
