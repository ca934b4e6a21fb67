// Copyright 2026 the slabscope authors. MIT license.
// `slabscope top` against real servers: `--once` over a real stream, the live
// view in a real pseudo-terminal, bearer tokens, and reconnection (gaps,
// resumption, a restart).
import assert from "node:assert/strict";
import { Arena, DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { encodeDelta, encodeKeyframe } from "../../wire.ts";
import { createDiagnosticsHandler } from "../../dashboard.ts";
import { TopConnection } from "../../cli/top/connection.ts";
import { StreamKeeper } from "../../cli/top/state.ts";
import { LEAVE_SCREEN } from "../../cli/top/terminal.ts";
import { addTopSlabs } from "../fixtures/top_slabs.ts";
import { serveStream } from "./_stream_server.ts";
import { afterExit, DRIVERS, PtySession, runTop, topScript } from "./_top_process.ts";

/** alpha 10/100 (64 B), beta 10/10 with 2 overflows (4 KiB), gamma 500/1000 (16 B), one arena. */
function pools() {
  const registry = new DiagnosticsRegistry();
  const { alpha, beta, gamma } = addTopSlabs(registry);
  const arena = registry.addArena(new Arena({ name: "scratch", capacity: 65536 }));
  arena.alloc(2048);
  arena.alloc(100_000); // does not fit: served from the heap, counted
  return { registry, alpha, beta, gamma };
}

/** The words of the table line whose last word is `name`. */
function row(text: string, name: string): string[] | undefined {
  return text.split("\n").map((line) => line.trim().split(/\s+/)).find((words) =>
    words.at(-1) === name && /^\d+$/.test(words[0]!)
  );
}

Deno.test("top --once prints slabtop's table with the right numbers, from a base, dashboard or stream URL", async () => {
  const { registry } = pools();
  await using s = serveStream(registry);
  for (
    const url of [
      s.base,
      `${s.base}/debug/`,
      `${s.base}/debug/diagnostics/memory`,
      `127.0.0.1:${s.port}`,
    ]
  ) {
    const { code, stdout, stderr } = await runTop(["--once", url]);
    assert.equal(code, 0, stderr);
    assert.ok(!stdout.includes("\x1b"), "no ANSI control sequences");
    assert.match(
      stdout,
      new RegExp(`^ Instance\\s+: 127\\.0\\.0\\.1:${s.port} \\(boot [0-9a-z]{10}, seq \\d+\\)`),
    );
    assert.match(stdout, /Active \/ Total Slots \(% used\) : 520 \/ 1110 \(46\.8%\)/);
    assert.match(stdout, /Pools\s+: 3 slabs, 1 arena/);
    assert.match(stdout, /Total overflow\s+: 3 \(slabs 2, arenas 1\)/);
    assert.match(stdout, /OBJS ACTIVE\s+USE SLOT SIZE\s+HWM OVERFLOW NAME/);
    // OBJS ACTIVE USE SLOT-SIZE HWM OVERFLOW NAME
    assert.deepEqual(row(stdout, "gamma"), ["1000", "500", "50%", "16B", "500", "0", "gamma"]);
    assert.deepEqual(row(stdout, "alpha"), ["100", "10", "10%", "64B", "10", "0", "alpha"]);
    assert.deepEqual(row(stdout, "beta"), ["10", "10", "100%", "4K", "10", "2", "beta"]);
    // USED CAPACITY USE HWM OVERFLOW NAME
    assert.match(
      stdout,
      /USED CAPACITY\s+USE\s+HWM OVERFLOW NAME\n\s+2K\s+64K\s+3%\s+2K\s+1 scratch\n$/,
    );
    // Default order: OBJS, largest first.
    assert.ok(stdout.indexOf(" gamma\n") < stdout.indexOf(" alpha\n"));
    assert.ok(stdout.indexOf(" alpha\n") < stdout.indexOf(" beta\n"));
  }
  const sorted = await runTop(["--once", "--sort", "u", s.base]);
  assert.ok(sorted.stdout.indexOf(" beta\n") < sorted.stdout.indexOf(" gamma\n"));
});

Deno.test("top --once fails clearly: nothing listening, not a stream, bad arguments", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const refused = await runTop(["--once", `http://127.0.0.1:${port}`]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /slabscope top: Cannot connect to http:\/\/127\.0\.0\.1:\d+\/debug\/diagnostics\/memory: Connection refused/,
  );

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) =>
      new URL(request.url).pathname.startsWith("/html")
        ? new Response("<!doctype html>", { headers: { "content-type": "text/html" } })
        : new Response("nope", { status: 404 }),
  );
  try {
    const notFound = await runTop(["--once", `http://127.0.0.1:${server.addr.port}/`]);
    assert.equal(notFound.code, 1);
    assert.match(notFound.stderr, /answered 404 Not Found/);
    const html = await runTop(["--once", `http://127.0.0.1:${server.addr.port}/html/`]);
    assert.equal(html.code, 1);
    assert.match(html.stderr, /is not an event stream \(content-type "text\/html"\)/);
  } finally {
    await server.shutdown();
  }
  const bad = await runTop(["--interval", "-5"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--interval must be a number of ms from 10 to 60000, received "-5"/);
});

// ---------------------------------------------------------------------------
// Bearer tokens

const TOKEN = "s3cret-T0KEN-value";

function tokenServer(registry: DiagnosticsRegistry) {
  const handler = createDiagnosticsHandler(registry);
  const seen: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request, info) => {
    const authorization = request.headers.get("authorization");
    seen.push(authorization);
    if (authorization !== `Bearer ${TOKEN}`) {
      return new Response("unauthorized\n", {
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="slabscope"' },
      });
    }
    return handler(request, info);
  });
  return {
    seen,
    base: `http://127.0.0.1:${server.addr.port}`,
    async [Symbol.asyncDispose]() {
      await handler.close();
      await server.shutdown();
    },
  };
}

Deno.test("top sends the token from --token or SLABSCOPE_TOKEN; a wrong or missing token exits 1 clearly", async () => {
  const { registry } = pools();
  await using s = tokenServer(registry);

  const flag = await runTop(["--once", "--token", TOKEN, s.base]);
  assert.equal(flag.code, 0, flag.stderr);
  assert.deepEqual(row(flag.stdout, "beta"), ["10", "10", "100%", "4K", "10", "2", "beta"]);
  assert.equal(s.seen.at(-1), `Bearer ${TOKEN}`);

  const env = await runTop(["--once", s.base], { SLABSCOPE_TOKEN: TOKEN });
  assert.equal(env.code, 0, env.stderr);
  assert.deepEqual(row(env.stdout, "alpha"), ["100", "10", "10%", "64B", "10", "0", "alpha"]);
  assert.equal(s.seen.at(-1), `Bearer ${TOKEN}`);

  // --token wins over the environment.
  const both = await runTop(["--once", "--token", "wrong-token-xyz", s.base], {
    SLABSCOPE_TOKEN: TOKEN,
  });
  assert.equal(both.code, 1);
  assert.equal(s.seen.at(-1), "Bearer wrong-token-xyz");
  assert.match(
    both.stderr,
    /refused the token \(401 Unauthorized\): check --token or SLABSCOPE_TOKEN/,
  );
  assert.equal(both.stdout, "");

  const none = await runTop(["--once", s.base]);
  assert.equal(none.code, 1);
  assert.equal(s.seen.at(-1), null);
  assert.match(
    none.stderr,
    /requires a token \(401 Unauthorized\): pass --token <token> or set SLABSCOPE_TOKEN/,
  );

  for (const result of [flag, env, both, none]) {
    assert.ok(!(result.stdout + result.stderr).includes(TOKEN), "the token is never printed");
    assert.ok(!(result.stdout + result.stderr).includes("wrong-token-xyz"));
  }
});

// ---------------------------------------------------------------------------
// The live view in a real pseudo-terminal

/** The NAME column of the slab table, top to bottom. */
function slabOrder(lines: string[]): string[] {
  const head = lines.findIndex((line) => /OBJS\s+ACTIVE/.test(line));
  if (head < 0) return [];
  const names: string[] = [];
  for (const line of lines.slice(head + 1)) {
    const words = line.trim().split(/\s+/);
    if (!/^\d+$/.test(words[0] ?? "")) break;
    names.push(words.at(-1)!);
  }
  return names;
}

function rowOf(lines: string[], name: string): string[] | undefined {
  return row(lines.join("\n"), name);
}

Deno.test({
  name:
    "top in a real PTY: first screen, live updates, `u` sorts (again: reverses), throttled, `q` exits 0 and restores the terminal",
  ignore: DRIVERS.length === 0,
  async fn() {
    const { registry, alpha } = pools();
    // A fast stream (50 ticks per second) to check the redraw throttle.
    await using s = serveStream(registry, { interval: 20 });
    const session = new PtySession(DRIVERS[0]!, topScript([s.base]), { columns: 100, rows: 30 }, {
      SLABSCOPE_TOKEN: "",
      NO_COLOR: "",
      TERM: "xterm-256color",
    });
    try {
      await session.waitFor(
        "the first screen",
        (lines) =>
          /Instance\s+: 127\.0\.0\.1:\d+ \(boot [0-9a-z]{10}\) · live/.test(lines[0] ?? "") &&
          rowOf(lines, "gamma") !== undefined,
      );
      assert.ok(session.output.includes("\x1b[?1049h"), "the alternate screen is used");
      assert.ok(session.output.includes("\x1b[?25l"), "the cursor is hidden");
      const lines = session.screen();
      assert.equal(lines.length, 30, "the frame fills the terminal's rows");
      assert.ok(lines.every((line) => [...line].length <= 100), "no line is wider than 100");
      assert.deepEqual(slabOrder(lines), ["gamma", "alpha", "beta"], "sorted by OBJS");
      assert.deepEqual(rowOf(lines, "beta"), ["10", "10", "100%", "4K", "10", "2", "beta"]);
      assert.match(lines.at(-1)!, /^ Sort: OBJS desc │ q quit/);
      // beta is full: its row is drawn bold red, the others in the default color.
      // deno-lint-ignore no-control-regex -- matching escape sequences is the point
      assert.match(session.output, /\x1b\[1;31m\s+10\s+10\s+100%[^\x1b]* beta\x1b\[m/);
      // deno-lint-ignore no-control-regex -- matching escape sequences is the point
      assert.doesNotMatch(session.output, /\x1b\[(33|1;31)m[^\x1b]* (alpha|gamma)\x1b/);

      // The server's slabs change: the screen follows.
      const held = Array.from({ length: 7 }, () => alpha.alloc()!);
      await session.waitFor(
        "alpha at 17 used",
        (lines) => rowOf(lines, "alpha")?.slice(0, 3).join(" ") === "100 17 17%",
      );

      // `u`: by USE, largest first; `u` again: reversed.
      await session.type("u");
      await session.waitFor("the USE order", (lines) =>
        /Sort: USE desc/.test(lines.at(-1) ?? "") &&
        slabOrder(lines).join() === "beta,gamma,alpha");
      await session.type("u");
      await session.waitFor(
        "the reversed USE order",
        (lines) =>
          /Sort: USE asc/.test(lines.at(-1) ?? "") &&
          slabOrder(lines).join() === "alpha,gamma,beta",
      );

      // Churn at 50 deltas per second: at most ~4 frames per second.
      const frames = () => session.output.split("\x1b[H").length;
      const before = frames();
      const started = performance.now();
      while (performance.now() - started < 2000) {
        held.push(alpha.alloc()!);
        alpha.free(held.shift()!);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const drawn = frames() - before;
      assert.ok(drawn >= 3 && drawn <= 11, `${drawn} frames in 2 s`);

      await session.type("q");
      assert.equal(await session.exit(), 0);
      const { top, stty } = afterExit(session.output);
      assert.ok(top.endsWith(LEAVE_SCREEN), "top's output ends by leaving the alternate screen");
      assert.ok(top.lastIndexOf("\x1b[?25h") > top.lastIndexOf("\x1b[?25l"), "cursor shown again");
      assert.match(stty, /(^|\s)icanon(\s|$)/, "canonical mode is back");
      assert.match(stty, /(^|\s)echo(\s|$)/, "echo is back");
    } finally {
      await session.close();
    }
  },
});

Deno.test({
  name:
    "top in a real PTY: Ctrl-C exits 0, NO_COLOR turns colors off; a refused token exits 1 with the message after the screen is restored",
  ignore: DRIVERS.length === 0,
  async fn() {
    const { registry } = pools();
    await using s = serveStream(registry);
    const session = new PtySession(DRIVERS[0]!, topScript([s.base]), { columns: 80, rows: 24 }, {
      SLABSCOPE_TOKEN: "",
      NO_COLOR: "1",
    });
    try {
      await session.waitFor("the first screen", (lines) => rowOf(lines, "beta") !== undefined);
      // deno-lint-ignore no-control-regex -- matching escape sequences is the point
      assert.doesNotMatch(session.output, /\x1b\[(33|1;31)m/, "NO_COLOR: no colors");
      await session.type("\x03");
      assert.equal(await session.exit(), 0);
      assert.ok(afterExit(session.output).top.endsWith(LEAVE_SCREEN));
    } finally {
      await session.close();
    }

    await using t = tokenServer(registry);
    const refused = new PtySession(
      DRIVERS[0]!,
      topScript(["--token", "wrong-token-xyz", t.base]),
      { columns: 80, rows: 24 },
      { SLABSCOPE_TOKEN: "" },
    );
    try {
      assert.equal(await refused.exit(), 1);
      const { top, stty } = afterExit(refused.output);
      const left = top.lastIndexOf(LEAVE_SCREEN);
      assert.ok(left >= 0, "the alternate screen was left");
      assert.match(
        top.slice(left),
        /refused the token \(401 Unauthorized\)/,
        "the message comes after",
      );
      assert.ok(!refused.output.includes("wrong-token-xyz"), "the token is never printed");
      assert.match(stty, /(^|\s)icanon(\s|$)/);
    } finally {
      await refused.close();
    }
  },
});

// ---------------------------------------------------------------------------
// Reconnection, in process

/** An event stream server whose answers the test writes, one per request. */
function scriptedServer(answers: (() => string)[]) {
  const requests: Headers[] = [];
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    requests.push(new Headers(request.headers));
    const answer = answers[requests.length - 1];
    if (answer === undefined) return new Response("no more answers", { status: 503 });
    const text = answer();
    const keepOpen = text.endsWith("\n\n") && !text.endsWith("#close\n\n");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(text.replace("#close\n\n", "")));
        if (keepOpen) open.add(controller);
        else controller.close();
      },
      cancel() {},
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  return {
    requests,
    url: new URL(`http://127.0.0.1:${server.addr.port}/debug/diagnostics/memory`),
    async [Symbol.asyncDispose]() {
      for (const controller of open) {
        try {
          controller.close();
        } catch {
          // Already cancelled by the client.
        }
      }
      await server.shutdown();
    },
  };
}

async function until(what: string, predicate: () => boolean, timeout = 30_000): Promise<void> {
  const deadline = performance.now() + timeout;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits for `promise`, or fails naming `what` after `timeout` ms instead of hanging. */
async function within<T>(what: string, promise: Promise<T>, timeout = 30_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${timeout} ms`)),
      timeout,
    );
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("top's connection resumes with Last-Event-ID after a drop, and asks for a keyframe after a gap", async () => {
  const { registry, alpha } = pools();
  const s5 = { ...registry.snapshot(), seq: 5 };
  alpha.alloc();
  const s6 = { ...registry.snapshot(), seq: 6 };
  const sse = (event: string, data: string, id: string) =>
    `event:${event}\ndata:${data}\nid:${id}\n\n`;
  await using server = scriptedServer([
    // 1: a keyframe, then the server drops the stream.
    () => `retry:20\n\n:connected\n\n${sse("diagnostics", encodeKeyframe(s5), "aaa-5")}#close\n\n`,
    // 2: resumed (no keyframe), then a delta with a gap: base 9, not 5.
    () =>
      `:resumed\n\n${
        sse("diagnostics-delta", encodeDelta({ ...s5, seq: 9 }, { ...s6, seq: 10 })!, "aaa-10")
      }`,
    // 3: a keyframe from a new boot: the server restarted meanwhile.
    () => `${sse("diagnostics", encodeKeyframe({ ...s6, seq: 1 }), "bbb-1")}`,
  ]);
  const keeper = new StreamKeeper();
  let changes = 0;
  const connection = new TopConnection({
    url: server.url,
    keeper,
    onChange: () => changes++,
    random: () => 0.5,
  });
  const stop = new AbortController();
  const running = connection.run(stop.signal);
  try {
    await until("the third connection's keyframe", () => keeper.bootId === "bbb");
    assert.equal(server.requests.length, 3);
    assert.equal(server.requests[0]!.get("last-event-id"), null);
    assert.equal(server.requests[1]!.get("last-event-id"), "aaa-5", "resumes after a drop");
    assert.equal(
      server.requests[2]!.get("last-event-id"),
      null,
      "no resumption after a gap",
    );
    assert.equal(server.requests[0]!.get("accept"), "text/event-stream");
    assert.equal(keeper.snapshot!.slabs[0]!.used, 11);
    assert.equal(keeper.snapshot!.seq, 1);
    assert.match(keeper.resyncReason!, /applies to state 9 but the state is 5/);
    await until("live", () => connection.status.state === "live");
    assert.ok(changes >= 4);
  } finally {
    stop.abort();
    await running;
  }
});

Deno.test("top's connection backs off while the server is down and picks up a restarted server's new boot", async () => {
  const first = pools();
  const handler1 = createDiagnosticsHandler(first.registry, { bootId: "firstboot", retry: 10 });
  const server1 = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler1);
  const port = server1.addr.port;
  const keeper = new StreamKeeper();
  const connection = new TopConnection({
    url: new URL(`http://127.0.0.1:${port}/debug/diagnostics/memory`),
    keeper,
    onChange() {},
  });
  const stop = new AbortController();
  const running = connection.run(stop.signal);
  let server1Down = false;
  let handler2: ReturnType<typeof createDiagnosticsHandler> | undefined;
  let server2: Deno.HttpServer | undefined;
  try {
    await until("the first keyframe", () => keeper.bootId === "firstboot");
    assert.deepEqual(keeper.snapshot!.slabs.map((slab) => slab.name), ["alpha", "beta", "gamma"]);

    await within("closing the first handler", handler1.close());
    await within("shutting the first server down", server1.shutdown());
    server1Down = true;
    await until("reconnecting", () => connection.status.state === "reconnecting");
    await until("a second failed attempt", () => connection.status.attempt >= 2);
    const status = connection.status;
    assert.ok(status.retryAt! > 0 && status.error !== undefined, JSON.stringify(status));

    const registry2 = new DiagnosticsRegistry();
    registry2.addSlab(new SlabAllocator({ name: "restarted", slotSize: 32, capacity: 64 })).alloc();
    handler2 = createDiagnosticsHandler(registry2, { bootId: "secondboot" });
    // The same port: a restart. (Another test may have taken it meanwhile;
    // then this throws AddrInUse, which says so.)
    server2 = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, handler2);
    // The next attempt comes within the longest backoff the attempts so far allow.
    await until("the new boot's keyframe", () => keeper.bootId === "secondboot", 60_000);
    assert.deepEqual(keeper.snapshot!.slabs.map((slab) => [slab.name, slab.used]), [[
      "restarted",
      1,
    ]]);
    await until("live", () => connection.status.state === "live");
    assert.equal(connection.status.attempt, 0);
  } finally {
    stop.abort();
    await within("top's connection to stop", running);
    if (!server1Down) {
      await within("closing the first handler", handler1.close());
      await within("shutting the first server down", server1.shutdown());
    }
    await within("closing the second handler", handler2?.close() ?? Promise.resolve());
    await within("shutting the second server down", server2?.shutdown() ?? Promise.resolve());
  }
});
