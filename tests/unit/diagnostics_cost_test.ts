// Copyright 2026 the slabscope authors. MIT license.
// The diagnostics' own CPU time, phase by phase: measured where each phase
// runs, reported by the stream (cpu_us_per_s, cpu_us_total) and /metrics.
import assert from "node:assert/strict";
import { COST_PHASES, DiagnosticsCost, DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { DiagnosticsStream } from "../../dashboard.ts";
import { applyDelta, decodeKeyframe, encodeDelta, encodeKeyframe } from "../../wire.ts";
import { formatPrometheus } from "../../prometheus.ts";
import { eventually } from "../integration/_sse_client.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test("DiagnosticsCost: totals per phase, and per second over the last whole window", () => {
  const cost = new DiagnosticsCost(0);
  cost.add("collect", 2);
  cost.add("send", 0.5);
  cost.add("send", -1); // a clock that went back adds nothing
  assert.deepEqual(cost.totalMs(), {
    collect: 2,
    lint: 0,
    encode: 0,
    record: 0,
    send: 0.5,
    sample: 0,
  });
  assert.equal(cost.perSecondMs(999), undefined, "no window closed yet");
  assert.deepEqual(cost.perSecondMs(1000), {
    collect: 2,
    lint: 0,
    encode: 0,
    record: 0,
    send: 0.5,
    sample: 0,
  });
  cost.add("collect", 1);
  assert.equal(
    cost.perSecondMs(1500)?.collect,
    2,
    "the closed window stands until the next closes",
  );
  assert.equal(cost.perSecondMs(3000)?.collect, 0.5, "1 ms over the 2 s since");
  assert.deepEqual(Object.keys(cost.totalMs()), [...COST_PHASES]);
});

Deno.test("DiagnosticsCost: stack capture is counted from the slabs' shared capture time, from when a slab is first seen", () => {
  const slab = new SlabAllocator({
    name: "s",
    slotSize: 8,
    capacity: 64,
    sampleSites: 1,
    sampleBudget: 1,
  });
  for (let i = 0; i < 8; i++) slab.alloc();
  const before = slab.siteCounters().captureMs;
  assert.ok(before > 0, "capturing takes time, and the slab counts it");
  const cost = new DiagnosticsCost();
  cost.addCaptures([slab, new SlabAllocator({ name: "plain", slotSize: 8, capacity: 8 })]);
  assert.equal(cost.totalMs().sample, 0, "what the slab spent before it was seen is not counted");
  for (let i = 0; i < 8; i++) slab.alloc();
  cost.addCaptures([slab]);
  const spent = slab.siteCounters().captureMs - before;
  assert.ok(spent > 0);
  assert.ok(Math.abs(cost.totalMs().sample - spent) < 1e-6, "exactly what the slab added");
});

Deno.test("stream: its figures carry the diagnostics' CPU time per phase, exact through keyframes and deltas, and /metrics counts it", async () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "s", slotSize: 8, capacity: 64, sampleSites: 1, sampleBudget: 1 }),
  );
  const stream = new DiagnosticsStream(registry, { interval: 20, bootId: "cost" });
  const detach = registry.addStreamSource(stream);
  try {
    await eventually(
      () => stream.stats.cpu_us_per_s !== undefined && stream.stats.cpu_us_total!.collect! > 0,
      5000,
      "a whole second of ticks",
    );
    const base = { ...registry.snapshot({ sampleHeap: false }), seq: 1 };
    const total = base.stream!.cpu_us_total!;
    for (const phase of ["collect", "encode", "record", "send"] as const) {
      assert.ok(total[phase]! > 0, `${phase} is measured`);
    }
    assert.deepEqual(decodeKeyframe(encodeKeyframe(base)), base);
    slab.alloc(); // sampled: capture time, and a change for the delta to carry
    const next = { ...registry.snapshot({ sampleHeap: false }), seq: 2 };
    assert.ok(next.stream!.cpu_us_total!.sample! > 0, "the capture is counted");
    const delta: Json = JSON.parse(encodeDelta(base, next)!);
    assert.deepEqual(Object.keys(delta.stream.cpu_us_total), [...COST_PHASES]);
    assert.deepEqual(applyDelta(base, delta), next);
    const text = formatPrometheus(next);
    const collect = text.match(
      /^slabscope_diagnostics_cpu_seconds_total\{phase="collect"\} (\S+)$/m,
    );
    assert.ok(collect !== null && Number(collect[1]) > 0, text.slice(0, 200));
    assert.match(text, /^# TYPE slabscope_diagnostics_cpu_seconds_total counter$/m);
    for (const phase of COST_PHASES) {
      assert.match(
        text,
        new RegExp(`^slabscope_diagnostics_cpu_seconds_total\\{phase="${phase}"\\} `, "m"),
      );
    }
  } finally {
    detach();
    await stream.close();
  }
});

Deno.test("stream: a payload without CPU figures decodes as before; an unknown phase is refused, named", () => {
  const registry = new DiagnosticsRegistry();
  const stream = new DiagnosticsStream(registry, { bootId: "old", recorder: false });
  const detach = registry.addStreamSource(stream);
  const keyframe: Json = JSON.parse(encodeKeyframe({ ...registry.snapshot(), seq: 1 }));
  detach();
  delete keyframe.stream.cpu_us_per_s;
  delete keyframe.stream.cpu_us_total;
  assert.equal(decodeKeyframe(JSON.stringify(keyframe)).stream!.cpu_us_total, undefined);
  keyframe.stream.cpu_us_total = { collect: 1, gc: 2 };
  assert.throws(
    () => decodeKeyframe(JSON.stringify(keyframe)),
    /keyframe\.stream\.cpu_us_total\.gc: not a field of the diagnostics' phases/,
  );
  keyframe.stream.cpu_us_total = { collect: -1 };
  assert.throws(
    () => decodeKeyframe(JSON.stringify(keyframe)),
    /keyframe\.stream\.cpu_us_total\.collect: expected a non-negative integer/,
  );
  void stream.close();
});

Deno.test("stream: a state patched to carry a per-phase map it had not encodes as the keyframe does (recordings compare the text)", () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 8 }));
  const stream = new DiagnosticsStream(registry, { bootId: "order", recorder: false });
  const detach = registry.addStreamSource(stream);
  try {
    const first = { ...registry.snapshot({ sampleHeap: false }), seq: 1 };
    const { cpu_us_per_s: _, ...withoutRates } = first.stream!;
    const base = { ...first, stream: withoutRates }; // before the first whole second
    slab.alloc();
    const next = { ...registry.snapshot({ sampleHeap: false }), seq: 2 };
    // As the writer orders it: the rates before the totals.
    const { cpu_us_per_s: _none, cpu_us_total, ...figures } = next.stream!;
    next.stream = { ...figures, cpu_us_per_s: { collect: 1, encode: 2 }, cpu_us_total };
    const applied = applyDelta(base, encodeDelta(base, next)!);
    assert.equal(encodeKeyframe(applied), encodeKeyframe(next));
    assert.equal(encodeKeyframe(decodeKeyframe(encodeKeyframe(next))), encodeKeyframe(next));
  } finally {
    detach();
    void stream.close();
  }
});
