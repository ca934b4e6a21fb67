// Copyright 2026 the slabscope authors. MIT license.
// `slabscope top --record FILE`: the same format the dashboard downloads,
// written as the stream comes, with no gap: states the stream skipped are
// fetched from the server's recorder, or the file ends, complete, before them.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { encodeKeyframe } from "../../wire.ts";
import { readRecording } from "../../core/stream/recording_file.ts";
import { RecordingStates, verifyRecording } from "../../core/stream/recording_states.ts";
import { recordedState } from "../../core/stream/recorder_catch_up.ts";
import { eventData } from "../../core/stream/flight_recorder.ts";
import { TopRecorder } from "../../cli/top/record.ts";
import { StreamKeeper } from "../../cli/top/state.ts";
import { serveStream } from "./_stream_server.ts";
import { eventually } from "./_sse_client.ts";

const ROOT = new URL("../../", import.meta.url);

function churning() {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 8, capacity: 4096 }),
  );
  const held: number[] = [];
  const timer = setInterval(() => {
    for (let i = 0; i < 20; i++) {
      if (held.length < 3000 && (held.length < 100 || Math.random() < 0.55)) {
        held.push(slab.alloc()!);
      } else slab.free(held.splice(Math.floor(Math.random() * held.length), 1)[0]!);
    }
  }, 10);
  return { registry, stop: () => clearInterval(timer) };
}

Deno.test("top --record without a terminal writes a recording that replays every state it received", async () => {
  const work = churning();
  await using s = serveStream(work.registry, { interval: 30 });
  const dir = await Deno.makeTempDir();
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-write",
        "--allow-env",
        "cli/top.ts",
        "--record",
        "out.jsonl.gz",
        s.base,
      ],
      cwd: ROOT.pathname,
      env: { INIT_CWD: dir, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const recorder = s.handler.stream.recorder!;
    await eventually(() => s.handler.stream.clientCount === 1, 10_000, "top connected");
    const from = recorder.last!.seq;
    await eventually(() => recorder.last!.seq >= from + 40, 10_000, "40 ticks");
    child.kill("SIGTERM");
    const { code, stdout, stderr } = await child.output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.match(
      new TextDecoder().decode(stdout),
      /^slabscope top: recorded \d+ events to .*out\.jsonl\.gz\n?$/,
    );
    const recording = await readRecording(await Deno.readFile(`${dir}/out.jsonl.gz`));
    assert.equal(recording.header.boot, s.handler.stream.bootId);
    assert.equal(recording.header.source, `${s.base}/debug/`);
    assert.ok(recording.events.length >= 40, `${recording.events.length} events`);
    verifyRecording(recording.events);
    // Every state in the file is the one the server recorded.
    const states = new RecordingStates(recording.events);
    for (const seq of states.seqs) {
      assert.deepEqual(states.stateAt(seq), recordedState(recorder, seq), `state ${seq}`);
    }
  } finally {
    work.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("top --record fills a gap from the server's recorder, and ends the file where it cannot", async () => {
  const work = churning();
  await using s = serveStream(work.registry, { interval: 20 });
  const recorder = s.handler.stream.recorder!;
  await eventually(() => recorder.size > 30, 10_000, "30 events");
  work.stop();
  const boot = s.handler.stream.bootId;
  const events = recorder.select().filter((e, i) => i === 0 || e.event === "diagnostics-delta");
  const first = events[0]!.seq;
  const item = (event: (typeof events)[number]) => ({
    kind: "event" as const,
    event: event.event,
    data: new TextDecoder().decode(eventData(event)),
    id: `${boot}-${event.seq}`,
  });
  const jumpTo = first + 20;
  const jump = {
    kind: "event" as const,
    event: "diagnostics",
    data: encodeKeyframe(recordedState(recorder, jumpTo)!),
    id: `${boot}-${jumpTo}`,
  };
  const feed = async (path: string, streamUrl: URL) => {
    const keeper = new StreamKeeper();
    const top = await TopRecorder.create({ path, streamUrl });
    // Five states, then the stream skips to `jumpTo` (a keyframe, as after
    // a slow spell), then two more.
    for (const event of events.slice(0, 6)) {
      top.handle(item(event), keeper.handle(item(event)), keeper);
    }
    top.handle(jump, keeper.handle(jump), keeper);
    for (const event of events.filter((e) => e.seq > jumpTo).slice(0, 2)) {
      top.handle(item(event), keeper.handle(item(event)), keeper);
    }
    await top.close();
    return { status: top.status, recording: await readRecording(await Deno.readFile(path)) };
  };
  const dir = await Deno.makeTempDir();
  try {
    const filled = await feed(
      `${dir}/filled.jsonl.gz`,
      new URL(`${s.base}/debug/diagnostics/memory`),
    );
    assert.equal(filled.status.stopped, undefined);
    const seqs = new RecordingStates(filled.recording.events).seqs;
    assert.deepEqual(seqs, Array.from({ length: 23 }, (_, i) => first + i));
    verifyRecording(filled.recording.events);

    // A server that does not answer: the file ends before the gap, complete.
    const lost = await feed(
      `${dir}/lost.jsonl.gz`,
      new URL("http://127.0.0.1:9/debug/diagnostics/memory"),
    );
    assert.match(
      lost.status.stopped!,
      /^recording stopped after 6 events: states \d+ to \d+ were skipped and could not be fetched/,
    );
    assert.deepEqual(
      new RecordingStates(lost.recording.events).seqs,
      Array.from({ length: 6 }, (_, i) => first + i),
    );
    verifyRecording(lost.recording.events);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
