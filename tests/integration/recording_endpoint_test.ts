// Copyright 2026 the slabscope authors. MIT license.
// GET …/diagnostics/recording over a real server: the file it serves reads
// back, rebuilds every state the recorder holds, and honours from/to.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { readRecording } from "../../core/stream/recording_file.ts";
import type { RecordingEvent } from "../../core/stream/recording_format.ts";
import { RecordingStates, verifyRecording } from "../../core/stream/recording_states.ts";
import { recordedState } from "../../core/stream/recorder_catch_up.ts";
import { decodeKeyframe } from "../../wire.ts";
import { serveStream } from "./_stream_server.ts";
import { eventually } from "./_sse_client.ts";

function busy() {
  const registry = new DiagnosticsRegistry();
  const owner = registry.owners.register(":9000", "server");
  const objects = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 8, capacity: 4096 }),
  );
  const conns = registry.addSlab(
    new SlabAllocator({ name: "conns", slotSize: 1, capacity: 128, kind: "handle" }),
  );
  const held: number[] = [];
  const open: number[] = [];
  let random = 99;
  const next = () => (random = (Math.imul(random, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const step = () => {
    for (let i = 0; i < 30; i++) {
      if (next() < 0.55 && held.length < 4000) held.push(objects.alloc()!);
      else if (held.length > 0) objects.free(held.splice(Math.floor(next() * held.length), 1)[0]!);
    }
    const c = conns.alloc(owner);
    if (c !== null) open.push(c);
    for (const h of open) if (next() < 0.3) conns.setState(h, HandleState.Idle);
    while (open.length > 40) conns.free(open.shift()!);
  };
  return { registry, step };
}

async function fetchRecording(url: string) {
  const response = await fetch(url);
  assert.equal(response.status, 200, await response.clone().text().catch(() => ""));
  return { response, recording: await readRecording(response.body!, url) };
}

Deno.test("GET …/diagnostics/recording: a file that rebuilds every state the recorder holds", async () => {
  const { registry, step } = busy();
  await using s = serveStream(registry, { interval: 20, recorder: { keyframeInterval: 200 } });
  const timer = setInterval(step, 10);
  try {
    const recorder = s.handler.stream.recorder!;
    await eventually(
      () => recorder.select().filter((e) => e.event === "diagnostics").length >= 4,
      10_000,
      "four keyframes",
    );
  } finally {
    clearInterval(timer);
  }
  const recorder = s.handler.stream.recorder!;
  const { response, recording } = await fetchRecording(`${s.base}/debug/diagnostics/recording`);
  assert.equal(response.headers.get("content-type"), "application/gzip");
  assert.match(
    response.headers.get("content-disposition")!,
    new RegExp(
      `^attachment; filename="slabscope-${s.handler.stream.bootId}-\\d+-\\d+\\.jsonl\\.gz"$`,
    ),
  );
  assert.equal(recording.header.boot, s.handler.stream.bootId);
  assert.equal(recording.header.source, `${s.base}/debug/`);
  const events = recording.events;
  assert.equal(events[0]!.event, "diagnostics");
  // Every state, rebuilt from the file, is the recorder's own.
  const states = new RecordingStates(events);
  for (const seq of states.seqs) {
    assert.deepEqual(states.stateAt(seq), recordedState(recorder, seq), `state ${seq}`);
  }
  // Backwards too (checkpoints are reused, never wrong).
  for (const seq of [...states.seqs].reverse().slice(0, 30)) {
    assert.deepEqual(states.stateAt(seq), recordedState(recorder, seq), `state ${seq}`);
  }
  assert.deepEqual(verifyRecording(events), states.stateAt(states.seqs.at(-1)!));
});

Deno.test("GET …/diagnostics/recording?from=…&to=…: by id and by time, from the keyframe before", async () => {
  const { registry, step } = busy();
  await using s = serveStream(registry, { interval: 20, recorder: { keyframeInterval: 150 } });
  const timer = setInterval(step, 10);
  const recorder = s.handler.stream.recorder!;
  try {
    await eventually(() => recorder.size > 60, 10_000, "60 events");
  } finally {
    clearInterval(timer);
  }
  const boot = s.handler.stream.bootId;
  const all = recorder.select();
  const middle = all[Math.floor(all.length / 2)]!;
  const later = all[Math.floor(all.length * 0.8)]!;
  const base = `${s.base}/debug/diagnostics/recording`;
  const byId = await fetchRecording(`${base}?from=${boot}-${middle.seq}&to=${boot}-${later.seq}`);
  const ids = byId.recording.events;
  assert.equal(ids[0]!.event, "diagnostics");
  assert.ok(ids[0]!.seq <= middle.seq);
  assert.equal(ids.at(-1)!.seq, later.seq);
  assert.ok(new RecordingStates(ids).has(middle.seq));
  const iso = (ts: number) => new Date(ts).toISOString();
  const byTime = await fetchRecording(`${base}?from=${iso(middle.ts)}&to=${later.ts}`);
  assert.ok(byTime.recording.events.at(-1)!.ts <= later.ts);
  assert.ok(new RecordingStates(byTime.recording.events).indexAt(middle.ts) >= 0);

  const refused = async (query: string, status: number, message: RegExp) => {
    const response = await fetch(`${base}${query}`);
    assert.equal(response.status, status, query);
    assert.match((await response.json()).error, message);
  };
  await refused("?from=yesterday", 400, /from must be an event id \(.*\), an ISO 8601 time/);
  await refused(`?to=zzz-3`, 400, /is an event of another boot/);
  await refused(
    `?from=${boot}-${all.at(-1)!.seq + 1000}&to=${boot}-${all.at(-1)!.seq + 2000}`,
    404,
    /Nothing is recorded between .* the recorder holds/,
  );
});

Deno.test("GET …/diagnostics/recording without a recorder: 404, and a HEAD opens nothing", async () => {
  await using off = serveStream(new DiagnosticsRegistry(), { recorder: false });
  const response = await fetch(`${off.base}/debug/diagnostics/recording`);
  assert.equal(response.status, 404);
  assert.match((await response.json()).error, /flight recorder is off/);
  await using on = serveStream(new DiagnosticsRegistry(), { interval: 20 });
  await eventually(() => (on.handler.stream.recorder?.size ?? 0) > 0, 5000, "a keyframe");
  const head = await fetch(`${on.base}/debug/diagnostics/recording`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-type"), "application/gzip");
  assert.equal(await head.text(), "");
});

Deno.test("verifyRecording: a keyframe that contradicts its deltas, or a delta that does not decode, names its line", async () => {
  const { registry, step } = busy();
  await using s = serveStream(registry, { interval: 20, recorder: { keyframeInterval: 100 } });
  const timer = setInterval(step, 10);
  try {
    await eventually(
      () =>
        s.handler.stream.recorder!.select().filter((e) => e.event === "diagnostics").length >= 3,
      10_000,
      "three keyframes",
    );
  } finally {
    clearInterval(timer);
  }
  const { recording } = await fetchRecording(`${s.base}/debug/diagnostics/recording`);
  const events = recording.events;
  const checkpoint = events.findIndex((e, i) => i > 0 && e.event === "diagnostics");
  const edit = (index: number, change: (data: Record<string, unknown>) => void): RecordingEvent[] =>
    events.map((event, i) => {
      if (i !== index) return event;
      const data = structuredClone(event.data);
      change(data);
      return { ...event, data };
    });
  const forged = edit(checkpoint, (data) => {
    const slabs = data.slabs as { hwm: number }[];
    slabs[0]!.hwm++;
  });
  assert.throws(() => verifyRecording(forged, "f.jsonl.gz"), {
    name: "RecordingError",
    message: `Cannot read recording "f.jsonl.gz": line ${
      events[checkpoint]!.line
    }: expected the keyframe of state ${
      events[checkpoint]!.seq
    } to match the deltas before it, but its slabs[0] "objects" differs`,
  });
  const delta = events.findIndex((e) => e.event === "diagnostics-delta" && "slabs" in e.data);
  const broken = edit(delta, (data) => {
    const slabs = data.slabs as { summary?: { U: number } }[];
    for (const slab of slabs) if (slab.summary) slab.summary.U += 1;
  });
  assert.throws(() => verifyRecording(broken), (error: Error) => {
    assert.match(
      error.message,
      new RegExp(
        `^Cannot read recording: line ${
          events[delta]!.line
        }: expected a valid delta: Cannot decode delta\\.slabs\\[\\d\\]`,
      ),
    );
    return true;
  });
  // The untouched recording passes, and its last state is the stream's.
  const last = verifyRecording(events);
  assert.equal(last.seq, events.at(-1)!.seq);
  assert.ok(decodeKeyframe(s.handler.stream.snapshot()).seq >= last.seq);
});
