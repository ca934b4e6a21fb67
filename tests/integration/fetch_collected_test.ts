// Copyright 2026 the slabscope authors. MIT license.
// instrumentFetch() and the garbage collector: a body kept without its
// Response is read to its end and counted as completed; a response dropped
// unread frees its slot once collected. Real fetches to a real Deno.serve,
// in a process of their own (tests/fixtures/fetch_collected.ts) where
// collections are forced.
import assert from "node:assert/strict";

Deno.test("instrumented fetch: a body kept without its Response completes; one dropped unread is freed when collected, whatever its signal", async () => {
  const fixture = new URL("../fixtures/fetch_collected.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--v8-flags=--expose-gc", fixture],
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const { kept, dropped, droppedWithSignal } = JSON.parse(new TextDecoder().decode(stdout));
  assert.deepEqual(kept.usedWhileRead, [1, 1, 1, 1, 1], "held while read");
  assert.deepEqual(
    [kept.bytes, kept.used, kept.completed, kept.aborted, kept.responseBytes],
    [40, 0, 1, 0, 40],
  );
  assert.deepEqual([dropped.used, dropped.completed, dropped.aborted], [0, 1, 1]);
  assert.deepEqual(
    [droppedWithSignal.used, droppedWithSignal.completed, droppedWithSignal.aborted],
    [0, 1, 2],
    "a signal that lives on does not keep the body",
  );
});
