// Copyright 2026 the slabscope authors. MIT license.
// `deno task replay FILE` refuses a broken file before serving anything:
// exit 1 and one line naming the line at fault, never a crash.
import assert from "node:assert/strict";
import { recordingStream } from "../../core/stream/recording_file.ts";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { encodeDelta, encodeKeyframe } from "../../wire.ts";

const ROOT = new URL("../../", import.meta.url);

/** The lines of a small, valid recording. */
async function lines(): Promise<string[]> {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 64 }));
  let state = { ...registry.snapshot(), seq: 1 };
  const events = [{ event: "diagnostics" as const, seq: 1, base: 1, data: encodeKeyframe(state) }];
  for (let seq = 2; seq < 8; seq++) {
    slab.alloc();
    const next = { ...registry.snapshot({ sampleHeap: false }), seq, ts: state.ts + seq };
    events.push({
      event: "diagnostics-delta" as never,
      seq,
      base: seq - 1,
      data: encodeDelta(state, next)!,
    });
    state = next;
  }
  const file = recordingStream({ boot: "boot1", source: "", created: 0 }, events);
  const text = await new Response(file.pipeThrough(new DecompressionStream("gzip"))).text();
  return text.split("\n").slice(0, -1);
}

async function run(text: string) {
  const path = await Deno.makeTempFile({ suffix: ".jsonl.gz" });
  const gz = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  await Deno.writeFile(path, new Uint8Array(await new Response(gz).arrayBuffer()));
  try {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-net=127.0.0.1", "cli/replay.ts", path, "--port", "0"],
      cwd: ROOT.pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code, out: new TextDecoder().decode(stdout), err: new TextDecoder().decode(stderr) };
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("deno task replay refuses a truncated file, a gap, a wrong version and bad JSON, naming the line", async () => {
  const good = await lines();
  const cases: [string, RegExp][] = [
    [
      good.slice(0, 5).map((l) => `${l}\n`).join(""),
      /line 6: expected an event or the end line, but the file ends: it is truncated/,
    ],
    [
      good.filter((_, i) => i !== 3).map((l) => `${l}\n`).join(""),
      /line 4: expected a delta from state 2 \(line 3\), received one from state 3: events are missing/,
    ],
    [
      [good[0]!.replace('"version":1', '"version":9'), ...good.slice(1)].map((l) => `${l}\n`).join(
        "",
      ),
      /line 1: expected recording version 1, received 9/,
    ],
    [
      [...good.slice(0, 4), good[4]!.slice(0, -9), ...good.slice(5)].map((l) => `${l}\n`).join(""),
      /line 5: expected a JSON object, received text that is not JSON/,
    ],
    [
      [...good.slice(0, 4), good[4]!.replace('"U":3,', '"U":5,'), ...good.slice(5)]
        .map((l) => `${l}\n`).join(""),
      /line 5: expected a valid delta: Cannot decode delta\.slabs\[0\]\.summary: U is 5, the slots hold 3/,
    ],
  ];
  for (const [text, expected] of cases) {
    const { code, out, err } = await run(text);
    assert.equal(code, 1, err);
    assert.equal(out, "", "nothing served");
    assert.match(err, /^slabscope replay: Cannot read recording "[^"]+\.jsonl\.gz": /);
    assert.match(err, expected);
    assert.equal(err.trim().split("\n").length, 1, `one line: ${err}`);
  }
});

Deno.test("deno task replay prints nothing of a hostile file that could act on the terminal", async () => {
  const good = await lines();
  // A line of terminal escapes (a clipboard write, a clear screen, a CSI in
  // its C1 form, a bidi override) that V8's JSON error quotes.
  const hostile = "\x1b]52;c;aGVsbG8=\x07\x1b[2J\u009b31m\u202etxt";
  const { code, err } = await run(
    [...good.slice(0, 4), hostile, ...good.slice(5)].map((l) => `${l}\n`).join(""),
  );
  assert.equal(code, 1, err);
  assert.match(err, /line 5: expected a JSON object/);
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  assert.doesNotMatch(err, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  assert.equal(err.trim().split("\n").length, 1, `one line: ${err}`);
});
