// Copyright 2026 the slabscope authors. MIT license.
// The flight recorder's ring: segments, the window, the byte bound, the
// keyframe rule, selections and replays.
import assert from "node:assert/strict";
import {
  EVENT_OVERHEAD_BYTES,
  eventData,
  FlightRecorder,
  type RecordedEvent,
} from "../../core/stream/flight_recorder.ts";
import { encodeServerSentEvent } from "../../core/stream/sse.ts";

function keyframe(seq: number, ts: number, size = 100): RecordedEvent {
  return {
    event: "diagnostics",
    seq,
    base: seq,
    ts,
    poolChange: false,
    bytes: new Uint8Array(size),
  };
}

function delta(seq: number, ts: number, size = 10): RecordedEvent {
  return {
    event: "diagnostics-delta",
    seq,
    base: seq - 1,
    ts,
    poolChange: true,
    bytes: new Uint8Array(size),
  };
}

/** Feeds a recorder the way the stream does: a delta per tick, a keyframe when it asks. */
function run(recorder: FlightRecorder, ticks: number, every = 100, deltaSize = 10) {
  let seq = recorder.last?.seq ?? 0;
  let ts = recorder.last?.ts ?? 0;
  for (let i = 0; i < ticks; i++) {
    if (seq > 0) {
      seq++;
      ts += every;
      recorder.record(delta(seq, ts, deltaSize), ts);
    } else {
      seq = 1;
    }
    if (recorder.keyframeDue(ts)) recorder.record(keyframe(seq, ts), ts);
  }
  return { seq, ts };
}

Deno.test("flight recorder: a keyframe first, then one every keyframeInterval while deltas arrive", () => {
  const recorder = new FlightRecorder({ keyframeInterval: 1000 });
  run(recorder, 35); // 3.4 s of ticks
  const keyframes = recorder.select().filter((e) => e.event === "diagnostics");
  assert.deepEqual(keyframes.map((e) => e.ts), [0, 1000, 2000, 3000]);
  assert.equal(recorder.first!.event, "diagnostics");
  // With no delta since the last keyframe, none is due however long it was.
  const idle = new FlightRecorder({ keyframeInterval: 1000 });
  idle.record(keyframe(1, 0), 0);
  assert.equal(idle.keyframeDue(60_000), false);
});

Deno.test("flight recorder: the window drops whole segments and keeps at least window of history", () => {
  const recorder = new FlightRecorder({ window: 2000, keyframeInterval: 500 });
  const { ts } = run(recorder, 100); // 9.9 s
  assert.equal(recorder.first!.event, "diagnostics");
  const held = ts - recorder.first!.ts;
  assert.ok(held >= 2000 && held < 2500, `holds ${held} ms`);
  assert.equal(recorder.span, held);
  // The bytes add up to what is held.
  const sum = recorder.select().reduce((n, e) => n + e.bytes.byteLength + EVENT_OVERHEAD_BYTES, 0);
  assert.equal(recorder.bytes, sum);
});

Deno.test("flight recorder: maxBytes bounds it whatever the window, and the newest segment stays", () => {
  const maxBytes = 20_000;
  const recorder = new FlightRecorder({ maxBytes, keyframeInterval: 60_000 });
  run(recorder, 2000, 100, 300);
  assert.ok(recorder.bytes <= maxBytes, `${recorder.bytes} bytes`);
  // Segments end at an eighth of maxBytes, so trimming keeps most of it.
  assert.ok(recorder.bytes > maxBytes * 0.7, `${recorder.bytes} bytes`);
  assert.equal(recorder.first!.event, "diagnostics");
  // One keyframe larger than the bound is still kept: it is the only state.
  const tiny = new FlightRecorder({ maxBytes: 50 });
  tiny.record(keyframe(1, 0, 500), 0);
  assert.equal(tiny.size, 1);
});

Deno.test("flight recorder: deltasAfter replays from any state it holds, nothing older or ahead", () => {
  const recorder = new FlightRecorder({ window: 1000, keyframeInterval: 300 });
  const { seq } = run(recorder, 50);
  const first = recorder.first!.seq;
  assert.ok(first > 1, "the window moved");
  assert.deepEqual(recorder.deltasAfter(first)!.map((e) => e.seq), range(first + 1, seq));
  assert.deepEqual(recorder.deltasAfter(seq - 2)!.map((e) => e.base), [seq - 2, seq - 1]);
  assert.deepEqual(recorder.deltasAfter(seq), []);
  assert.equal(recorder.deltasAfter(first - 1), undefined);
  assert.equal(recorder.deltasAfter(seq + 1), undefined);
});

Deno.test("flight recorder: select starts at the keyframe before from and ends at to", () => {
  const recorder = new FlightRecorder({ keyframeInterval: 1000 });
  run(recorder, 50); // keyframes at seq 1, 11, 21, 31, 41
  const picked = recorder.select({ seq: 25 }, { seq: 33 });
  assert.equal(picked[0]!.event, "diagnostics");
  assert.equal(picked[0]!.seq, 21);
  assert.equal(picked.at(-1)!.seq, 33);
  // A keyframe at `to` itself (a checkpoint after its delta) comes along.
  assert.equal(recorder.select({ seq: 5 }, { seq: 31 }).at(-1)!.event, "diagnostics");
  // By time; bounds outside the window clamp to it.
  const byTime = recorder.select({ ts: 1500 }, { ts: 2050 });
  assert.deepEqual([byTime[0]!.seq, byTime.at(-1)!.seq], [11, 21]);
  assert.equal(recorder.select({ seq: -5 }, { seq: 1e9 }).length, recorder.size);
  assert.deepEqual(recorder.select({ seq: 40 }, { seq: 20 }), []);
  assert.deepEqual(recorder.eventsTo(13)!.map((e) => e.seq), [11, 12, 13]);
  assert.equal(recorder.eventsTo(0), undefined);
});

Deno.test("flight recorder: refuses events that do not follow the newest state", () => {
  const recorder = new FlightRecorder();
  recorder.record(delta(5, 0), 0); // before any keyframe: ignored
  assert.equal(recorder.size, 0);
  recorder.record(keyframe(1, 0), 0);
  assert.throws(() => recorder.record(delta(3, 0), 0), {
    name: "RangeError",
    message: "Cannot record delta 2→3: the recorder holds state 1",
  });
  assert.throws(() => recorder.record(keyframe(2, 0), 0), /Cannot record keyframe 2/);
  assert.throws(() => new FlightRecorder({ maxBytes: -1 }), {
    name: "RangeError",
    message:
      "Cannot create flight recorder: recorder.maxBytes must be a positive number, received -1",
  });
});

Deno.test("eventData: the data line of a real event, however long its id", () => {
  for (const id of ["b-1", `${"z".repeat(32)}-9007199254740991`]) {
    const bytes = encodeServerSentEvent({ event: "diagnostics-delta", data: '{"a":"\\n"}', id });
    const event = { ...delta(2, 0), bytes };
    assert.equal(new TextDecoder().decode(eventData(event)), '{"a":"\\n"}');
  }
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
