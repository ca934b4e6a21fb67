// Copyright 2026 the slabscope authors. MIT license.
// `deno task top` shows the active lints: a summary line and one line per
// lint, in the plain (--once) output and on the screen, whatever its size.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { renderPlain, renderScreen, type TopView } from "../../cli/top/render.ts";
import { lintLines } from "../../cli/top/lints.ts";

function stuckSnapshot() {
  const clock = { now: Date.now() };
  const registry = new DiagnosticsRegistry({ clock: () => clock.now });
  registry.addSlab(new SlabAllocator({ name: "conns", slotSize: 1, capacity: 8, kind: "handle" }))
    .alloc(undefined, HandleState.Connecting);
  registry.snapshot();
  clock.now += 31_000;
  registry.snapshot();
  clock.now += 90_000;
  return registry.snapshot();
}

function view(snapshot: ReturnType<typeof stuckSnapshot>): TopView {
  return {
    host: "127.0.0.1:8000",
    snapshot,
    bootId: "k3j2h1x9a0",
    status: { state: "live", attempt: 0, lastActivity: 0 },
    updatedAt: 0,
    now: 1500,
    sort: { key: "objs", reverse: false },
  };
}

Deno.test("top: the lints, summary and lines", () => {
  const snapshot = stuckSnapshot();
  assert.deepEqual(lintLines(snapshot), {
    summary: "1 active",
    lines: [
      "  ! Stuck in Connecting or Closing · conns · 1 slot in Connecting for over 30 s · for 1m30s",
    ],
  });
  assert.deepEqual(lintLines({ ...snapshot, lints: undefined }), { summary: "off", lines: [] });
  assert.deepEqual(lintLines({ ...snapshot, lints: [] }), { summary: "none", lines: [] });
});

Deno.test("top: --once prints the lints under the figures", () => {
  const text = renderPlain(stuckSnapshot(), "127.0.0.1:8000", "k3j2h1x9a0", {
    key: "objs",
    reverse: false,
  });
  assert.match(text, /^ Lints {25}: 1 active\n {2}! Stuck in Connecting or Closing · conns · /m);
});

Deno.test("top: the screen keeps the lints before the less useful figures", () => {
  const snapshot = stuckSnapshot();
  for (const rows of [8, 12, 40]) {
    const lines = renderScreen(view(snapshot), { columns: 100, rows }).map((line) => line.text);
    assert.equal(lines.length, rows);
    assert.ok(lines.some((line) => line.startsWith(" Lints")), `${rows} rows: ${lines.join("\n")}`);
    assert.ok(lines.some((line) => line.includes("! Stuck in Connecting")), `${rows} rows`);
  }
});
