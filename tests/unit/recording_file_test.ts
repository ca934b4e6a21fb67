// Copyright 2026 the slabscope authors. MIT license.
// Recording files: what the writer writes reads back; every broken file is
// refused with the line at fault and what was expected there, never read
// in part.
import assert from "node:assert/strict";
import { readRecording, recordingStream } from "../../core/stream/recording_file.ts";
import { RecordingLineWriter } from "../../core/stream/recording_format.ts";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { encodeDelta, encodeKeyframe } from "../../wire.ts";

/** Real events of a real registry: a keyframe, deltas, a checkpoint keyframe. */
function realEvents() {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 64 }));
  let state = { ...registry.snapshot(), seq: 1 };
  const events = [{ event: "diagnostics" as const, seq: 1, base: 1, data: encodeKeyframe(state) }];
  for (let seq = 2; seq <= 6; seq++) {
    slab.alloc();
    const next = { ...registry.snapshot({ sampleHeap: false }), seq, ts: state.ts + seq };
    events.push({
      event: "diagnostics-delta" as never,
      seq,
      base: seq - 1,
      data: encodeDelta(state, next)!,
    });
    state = next;
    if (seq === 4) {
      events.push({ event: "diagnostics", seq, base: seq, data: encodeKeyframe(state) });
    }
  }
  return events;
}

async function gzip(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function fileText(): Promise<string> {
  const file = recordingStream(
    { boot: "boot1", source: "http://h/debug/", created: 1 },
    realEvents(),
  );
  return await new Response(file.pipeThrough(new DecompressionStream("gzip"))).text();
}

/** The file's lines with `edit` applied, gzipped again. */
async function edited(edit: (lines: string[]) => string[]): Promise<Uint8Array<ArrayBuffer>> {
  const lines = (await fileText()).split("\n").slice(0, -1);
  return await gzip(edit(lines).map((line) => `${line}\n`).join(""));
}

async function refusal(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  try {
    await readRecording(bytes, "r.jsonl.gz");
  } catch (error) {
    assert.equal((error as Error).name, "RecordingError");
    assert.ok(error instanceof SyntaxError);
    return (error as Error).message;
  }
  throw new Error("the recording was accepted");
}

Deno.test("recording file: written events read back in order, line by line", async () => {
  const events = realEvents();
  const recording = await readRecording(
    recordingStream({ boot: "boot1", source: "http://h/debug/", created: 1 }, events),
  );
  assert.equal(recording.header.boot, "boot1");
  assert.equal(recording.header.source, "http://h/debug/");
  assert.deepEqual(
    recording.events.map((e) => [e.event, e.seq, e.base]),
    events.map((e) => [e.event, e.seq, e.base]),
  );
  assert.deepEqual(recording.events.map((e) => e.line), events.map((_, i) => i + 2));
  assert.deepEqual(recording.events.map((e) => JSON.stringify(e.data)), events.map((e) => e.data));
  const lines = (await fileText()).split("\n");
  assert.equal(lines.at(-1), "", "the file ends with a line break");
  assert.equal(lines.at(-2), `{"end":{"events":${events.length}}}`);
});

Deno.test("recording file: a truncated file names where it stops", async () => {
  const whole = new Uint8Array(
    await new Response(recordingStream({ boot: "boot1", source: "", created: 1 }, realEvents()))
      .arrayBuffer(),
  );
  // Cut inside the compressed data: gzip's own check fails.
  assert.match(
    await refusal(whole.slice(0, whole.length - 9)),
    /^Cannot read recording "r\.jsonl\.gz": line \d+: expected more compressed data, but it is cut short or damaged \(.*\): the file is truncated or corrupt$/,
  );
  // Cut at a line break (a writer killed mid-file): the end line is missing.
  assert.equal(
    await refusal(await edited((lines) => lines.slice(0, 5))),
    'Cannot read recording "r.jsonl.gz": line 6: expected an event or the end line, but the file ends: it is truncated',
  );
  assert.equal(
    await refusal(await gzip("")),
    'Cannot read recording "r.jsonl.gz": line 1: expected the recording header, but the file ends: it is truncated',
  );
});

Deno.test("recording file: a gap is refused at the event after it", async () => {
  assert.equal(
    await refusal(await edited((lines) => lines.filter((_, i) => i !== 3))),
    'Cannot read recording "r.jsonl.gz": line 4: expected a delta from state 2 (line 3), received one from state 3: events are missing between them',
  );
  assert.match(
    await refusal(await edited((lines) => [lines[0]!, lines[2]!, ...lines.slice(3)])),
    /line 2: expected a keyframe \("diagnostics"\) first, received a delta$/,
  );
});

Deno.test("recording file: a wrong version, bad JSON, foreign ids and stray fields name their line", async () => {
  const cases: [(lines: string[]) => string[], RegExp][] = [
    [
      (l) => [l[0]!.replace('"version":1', '"version":2'), ...l.slice(1)],
      /line 1: expected recording version 1, received 2$/,
    ],
    [
      (l) => [l[0]!.replace('"wire":1', '"wire":7'), ...l.slice(1)],
      /line 1: expected wire version 1, received 7$/,
    ],
    [
      (l) => ['{"hello":"world"}', ...l.slice(1)],
      /line 1: expected the recording header \(\{"recording":"slabscope","version":1,…\}\), received/,
    ],
    [
      (l) => [l[0]!, l[1]!, l[2]!.slice(0, 40), ...l.slice(3)],
      /line 3: expected a JSON object, received text that is not JSON \(/,
    ],
    [
      (l) => [l[0]!, l[1]!, "", ...l.slice(2)],
      /line 3: expected a JSON object, received an empty line$/,
    ],
    [
      (l) => [l[0]!, l[1]!.replace('"id":"boot1-', '"id":"other-'), ...l.slice(2)],
      /line 2: expected "id" to be "boot1-<seq>" \(this recording's boot\), received "other-1"$/,
    ],
    [
      (l) => [l[0]!, l[1]!.replace('"event":"diagnostics"', '"event":"ping"'), ...l.slice(2)],
      /line 2: expected "event" to be "diagnostics" or "diagnostics-delta", received "ping"$/,
    ],
    [
      (l) => [l[0]!, l[1]!.replace('{"event"', '{"extra":1,"event"'), ...l.slice(2)],
      /line 2: expected only event, id, data in an event, received "extra"$/,
    ],
    [
      (l) => [l[0]!, l[1]!.replace('"v":1', '"v":3'), ...l.slice(2)],
      /line 2: expected data\.v to be wire version 1, received 3$/,
    ],
    [
      (l) => [...l.slice(0, -1), '{"end":{"events":99}}'],
      /line 9: expected the end line to count the 7 events before it, received 99$/,
    ],
    [
      (l) => [...l, '{"end":{"events":7}}'],
      /line 10: expected nothing after the end line, received/,
    ],
  ];
  for (const [edit, expected] of cases) assert.match(await refusal(await edited(edit)), expected);
});

Deno.test("recording file: bytes that are not gzip, or not UTF-8 inside, are refused", async () => {
  assert.equal(
    await refusal(new TextEncoder().encode('{"recording":"slabscope"}\n')),
    'Cannot read recording "r.jsonl.gz": line 1: expected a gzip file (its first bytes 1f 8b), received "{\\"recording\\":\\"slabscope\\""',
  );
  assert.match(
    await refusal(new Uint8Array()),
    /line 1: expected a gzip file, received an empty one$/,
  );
  const header = (await fileText()).split("\n")[0]!;
  const bytes = new Uint8Array([...new TextEncoder().encode(`${header}\n`), 0xff, 0xfe, 0x0a]);
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
  assert.match(
    await refusal(new Uint8Array(await new Response(stream).arrayBuffer())),
    /line 2: expected UTF-8 text, received bytes that are not$/,
  );
});

Deno.test("recording writer: refuses to write what the reader would refuse", () => {
  const writer = new RecordingLineWriter({ boot: "b", source: "", created: 0 });
  assert.throws(
    () => writer.event({ event: "diagnostics-delta", seq: 2, base: 1, data: "{}" }),
    /Cannot write recording event 2: expected a keyframe \("diagnostics"\) first/,
  );
  writer.event({ event: "diagnostics", seq: 1, base: 1, data: "{}" });
  assert.throws(
    () => writer.event({ event: "diagnostics-delta", seq: 5, base: 4, data: "{}" }),
    /events are missing/,
  );
  writer.end();
  assert.throws(
    () => writer.event({ event: "diagnostics-delta", seq: 2, base: 1, data: "{}" }),
    /it has ended/,
  );
  assert.throws(() => new RecordingLineWriter({ boot: "B!", source: "", created: 0 }), RangeError);
});
