// Copyright 2026 the slabscope authors. MIT license.
// `slabscope top` against a hostile server: a real Deno.serve on loopback
// whose stream carries terminal escapes (an OSC 52 clipboard write, a clear
// screen), C1 controls and bidirectional overrides in every place top prints
// from: V8's JSON error quoting the data, the decoder's duplicate-name error,
// a content type, slab names, a server `error` event; and the same in the
// user's own arguments. Nothing that can act on a terminal may reach stdout or
// stderr, with `--once` or on a real pseudo-terminal.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { encodeKeyframe } from "../../wire.ts";
import { ENTER_SCREEN, LEAVE_SCREEN } from "../../cli/top/terminal.ts";
import { afterExit, DRIVERS, PtySession, runTop, topScript } from "./_top_process.ts";

/** Writes "Hello" to the clipboard (OSC 52), then clears the screen. */
const ESCAPES = "\x1b]52;c;SGVsbG8=\x07\x1b[2J";
/** A right-to-left override, an 8-bit CSI (C1), and a 7-bit one. */
const HOSTILE_NAME = "\u202e\u009b31m\x1b[2Jevil";
/** The name as top prints it. */
const SHOWN_NAME = "??31m?[2Jevil";

/**
 * What must never reach a terminal: C0 controls but LF, DEL, C1 controls,
 * and the bidirectional marks, embeddings, overrides and isolates.
 */
// deno-lint-ignore no-control-regex -- matching control characters is the point
const UNSAFE_REGEXP = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function assertInert(text: string, what: string): void {
  const match = UNSAFE_REGEXP.exec(text);
  if (match === null) return;
  const code = match[0].codePointAt(0)!.toString(16).padStart(4, "0");
  assert.fail(`${what}: U+${code} at ${match.index} in ${JSON.stringify(text)}`);
}

/** A keyframe whose slabs are all named `name` (twice the same name when `slabs` is 2). */
function keyframeNamed(name: string, slabs: number): string {
  const registry = new DiagnosticsRegistry();
  for (let i = 0; i < slabs; i++) {
    registry.addSlab(new SlabAllocator({ name: `slab${i}`, slotSize: 64, capacity: 100 })).alloc();
  }
  const keyframe = JSON.parse(encodeKeyframe({ ...registry.snapshot(), seq: 1 }));
  for (const slab of keyframe.slabs) slab.name = name;
  return JSON.stringify(keyframe);
}

const event = (type: string, data: string, id = "evil0-1") =>
  `event:${type}\ndata:${data}\nid:${id}\n\n`;

/** What the hostile server answers, by the first segment of the path. */
const ANSWERS: Record<string, { type?: string; body: string; keepOpen?: boolean }> = {
  // A keyframe that is not JSON: V8's SyntaxError quotes it.
  "bad-json": { body: `retry:50\n\n${event("diagnostics", ESCAPES)}` },
  // The decoder names the duplicate in its error.
  duplicate: { body: event("diagnostics", keyframeNamed(HOSTILE_NAME, 2)) },
  // A content type with an 8-bit CSI: top names it in its error.
  "content-type": { type: "text/html\x9b2J", body: "<!doctype html>" },
  // A valid keyframe with hostile names, then a server error event.
  names: {
    body: event("diagnostics", keyframeNamed(HOSTILE_NAME, 1)) +
      event("error", `{"message":"collect failed ${ESCAPES}"}`, "evil0-1"),
    keepOpen: true,
  },
};

/**
 * The hostile server. `/sequence/…` answers bad-json, then (once the test
 * opens the first gate) duplicate, then (second gate) names, so that the live
 * view shows each error before the next one replaces it.
 */
function hostileServer() {
  const encoder = new TextEncoder();
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const gates = [Promise.withResolvers<void>(), Promise.withResolvers<void>()];
  let sequenced = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      let scenario = new URL(request.url).pathname.split("/")[1]!;
      if (scenario === "sequence") {
        const n = sequenced++;
        if (n > 0) await gates[n - 1]?.promise;
        scenario = ["bad-json", "duplicate", "names"][Math.min(n, 2)]!;
      }
      const answer = ANSWERS[scenario];
      if (answer === undefined) return new Response("no such scenario", { status: 404 });
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode(answer.body));
          if (answer.keepOpen) open.add(controller);
          else controller.close();
        },
        cancel() {},
      });
      return new Response(body, {
        headers: { "content-type": answer.type ?? "text/event-stream" },
      });
    },
  );
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    /** Lets the `/sequence/` request number `n + 1` (1 or 2) be answered. */
    release(n: 1 | 2) {
      gates[n - 1]!.resolve();
    },
    async [Symbol.asyncDispose]() {
      for (const gate of gates) gate.resolve();
      for (const controller of open) {
        try {
          controller.close();
        } catch {
          // Cancelled by the client already.
        }
      }
      await server.shutdown();
    },
  };
}

Deno.test("top --once against a hostile stream prints its errors and names with every control replaced", async () => {
  await using s = hostileServer();

  const badJson = await runTop(["--once", `${s.base}/bad-json/debug/`]);
  assert.equal(badJson.code, 1);
  assert.match(
    badJson.stderr,
    /malformed keyframe: .*Unexpected token '\?', "\?\]52;c;SGVsbG8=\?\?\[2J"/,
  );

  const duplicate = await runTop(["--once", `${s.base}/duplicate/debug/`]);
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /the name "\?\?31m\\u001b\[2Jevil" appears twice/);

  const contentType = await runTop(["--once", `${s.base}/content-type/debug/`]);
  assert.equal(contentType.code, 1);
  assert.match(contentType.stderr, /is not an event stream \(content-type "text\/html\?2J"\)/);

  const names = await runTop(["--once", `${s.base}/names/debug/`]);
  assert.equal(names.code, 0, names.stderr);
  assert.match(names.stdout, new RegExp(` ${RegExp.escape(SHOWN_NAME)}\n`));

  for (const [what, result] of Object.entries({ badJson, duplicate, contentType, names })) {
    assertInert(result.stdout, `${what} stdout`);
    assertInert(result.stderr, `${what} stderr`);
  }
});

Deno.test("top --once against an endless line stops reading at its bound and says so", async () => {
  const chunk = new TextEncoder().encode("x".repeat(65536));
  let sent = 0;
  const cancelled = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("event:diagnostics\ndata:"));
      },
      // Pulled as the socket drains: what top reads, plus the kernel's buffers.
      pull(controller) {
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled.resolve();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  try {
    const result = await runTop(["--once", `http://127.0.0.1:${server.addr.port}/`]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^slabscope top: http:\/\/127\.0\.0\.1:\d+\/debug\/diagnostics\/memory: Cannot parse event stream: an event exceeds 67108864 characters\n$/,
    );
    await cancelled.promise;
    const bound = 64 * 1024 * 1024;
    assert.ok(sent >= bound, `${sent} bytes sent`);
    assert.ok(sent < bound + 32 * 1024 * 1024, `${sent} bytes sent: the bound and socket buffers`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("top's errors about the user's own arguments replace every control too", async () => {
  const sort = await runTop(["--sort", "\u009b2J"]);
  assert.equal(sort.code, 2);
  assert.match(sort.stderr, /--sort must be one of o a u s h v n, received "\?2J"/);
  const url = await runTop(["--once", "http://evil\u202e.example\x1b[2J/"]);
  assert.equal(url.code, 2);
  assert.match(url.stderr, /Cannot watch "http:\/\/evil\?\.example\\u001b\[2J\/": it is not a URL/);
  const option = await runTop(["--\u2066x"]);
  assert.equal(option.code, 2);
  assert.match(option.stderr, /unknown option "--\?x"/);
  for (const [what, result] of Object.entries({ sort, url, option })) {
    assertInert(result.stdout, `${what} stdout`);
    assertInert(result.stderr, `${what} stderr`);
  }
});

/** Deno clearing its progress line (to column 0, erase line, erase below). */
// deno-lint-ignore no-control-regex -- matching escape sequences is the point
const DENO_PROGRESS_REGEXP = /^(\x1b\[0G\x1b\[2K\x1b\[J)*$/;

/**
 * The output of a live session with top's own control sequences taken out:
 * entering and leaving the alternate screen, and what renderFrame writes
 * (home, erase line, erase below, inverse, the capacity colors, reset).
 * Before top starts, Deno
 * may clear its own progress line on the terminal.
 */
function withoutOwnSequences(output: string): string {
  const enter = output.indexOf(ENTER_SCREEN);
  assert.ok(enter >= 0, "the session enters the alternate screen");
  assert.match(
    output.slice(0, enter),
    DENO_PROGRESS_REGEXP,
    "only Deno's progress line before",
  );
  const leave = output.lastIndexOf(LEAVE_SCREEN);
  assert.ok(leave > enter, "the session leaves the alternate screen");
  const frames = output.slice(enter + ENTER_SCREEN.length, leave) +
    output.slice(leave + LEAVE_SCREEN.length);
  // deno-lint-ignore no-control-regex -- matching escape sequences is the point
  return frames.replace(/\x1b\[(?:H|K|J|7m|33m|1;31m|m)/g, "").replaceAll("\r", "");
}

Deno.test({
  name:
    "top in a real PTY against a hostile stream: its errors, the server's error and the names show with every control replaced",
  ignore: DRIVERS.length === 0,
  async fn() {
    await using s = hostileServer();
    const session = new PtySession(
      DRIVERS[0]!,
      topScript([`${s.base}/sequence/debug/`]),
      { columns: 200, rows: 24 },
      { SLABSCOPE_TOKEN: "", TERM: "xterm-256color" },
    );
    try {
      const header = (lines: string[]) => lines[0] ?? "";
      await session.waitFor(
        "the malformed keyframe's error",
        (lines) =>
          /reconnecting .*: malformed keyframe: .*Unexpected token '\?'/.test(header(lines)),
      );
      s.release(1);
      await session.waitFor(
        "the duplicate name's error",
        (lines) =>
          /reconnecting .*: Cannot decode keyframe.slabs: the name .* appears twice/.test(
            header(lines),
          ),
      );
      s.release(2);
      await session.waitFor(
        "the hostile names and the server's error",
        (lines) =>
          / · server error: .*collect failed \?\]52;c;SGVsbG8=\?\?\[2J/.test(header(lines)) &&
          lines.some((line) => line.endsWith(` ${SHOWN_NAME}`)),
      );
      await session.type("q");
      assert.equal(await session.exit(), 0);
      const { top } = afterExit(session.output);
      assertInert(withoutOwnSequences(top), "the live session");
    } finally {
      await session.close();
    }
  },
});
