// Copyright 2026 the slabscope authors. MIT license.
// `slabscope top` shows request metrics: `--once` against a real
// instrumented Deno.serve with real traffic, and the live screen's requests
// table at every width, every name through the one sanitizer.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, instrumentFetch, instrumentServer } from "../../mod.ts";
import { renderScreen } from "../../cli/top/render.ts";
import { serveStream } from "./_stream_server.ts";
import { runTop } from "./_top_process.ts";

const HOSTILE = "evil\x1b[2J\u202e!";

/** The words of the requests table line whose name is `name`. */
function row(text: string, name: string): string[] | undefined {
  return text.split("\n").map((line) => line.trim()).filter((line) => line.endsWith(name))
    .map((line) => line.slice(0, -name.length).trim().split(/\s+/))[0];
}

Deno.test("top --once prints a requests table: statuses, in flight and aborted as served", async () => {
  const registry = new DiagnosticsRegistry();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const app = instrumentServer(registry, async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/held") await held;
    return new Response("ok", { status: path === "/missing" ? 404 : path === "/fail" ? 503 : 200 });
  }, { name: HOSTILE });
  const api = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: app.onListen }, app);
  const tracked = instrumentFetch(registry, { name: () => "upstream" });
  await using s = serveStream(registry);
  const origin = `http://127.0.0.1:${api.addr.port}`;
  try {
    for (let i = 0; i < 12; i++) await (await tracked(`${origin}/`)).text();
    for (let i = 0; i < 3; i++) await (await tracked(`${origin}/missing`)).text();
    await (await tracked(`${origin}/fail`)).text();
    const pending = tracked(`${origin}/held`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { code, stdout, stderr } = await runTop(["--once", s.base]);
    assert.equal(code, 0, stderr);
    assert.ok(!stdout.includes("\x1b") && !stdout.includes("\u202e"), "the name is sanitized");
    assert.match(
      stdout,
      /REQ\/S\s+10S\s+60S\s+P50\s+P95\s+P99\s+2XX\s+4XX\s+5XX\s+OPEN\s+ABORT\s+NAME/,
    );
    // REQ/S 10S 60S P50 P95 P99 2XX 4XX 5XX OPEN ABORT
    const server = row(stdout, "evil?[2J?! (server)");
    assert.ok(server, stdout);
    assert.deepEqual(server.slice(6), ["12", "3", "1", "1", "0"]);
    const client = row(stdout, "upstream (fetch)");
    assert.deepEqual(client!.slice(6), ["12", "3", "1", "1", "0"]);
    release();
    await (await pending).text();
  } finally {
    release();
    tracked.close();
    await api.shutdown();
    app.close();
  }
});

Deno.test("top's screen: the requests table fits any width, keeps its key columns, and clips", () => {
  const registry = new DiagnosticsRegistry();
  const now = Date.now() - 2000;
  for (let i = 0; i < 30; i++) {
    const metrics = registry.requests.acquire("client", `https://origin-${i}.example`);
    metrics.start();
    metrics.complete(200, 1500, 0, 0, now);
  }
  const evil = registry.requests.acquire("server", HOSTILE);
  evil.start();
  const snapshot = { ...registry.snapshot(), seq: 1 };
  for (const columns of [40, 60, 80, 120, 200]) {
    const lines = renderScreen({
      host: "127.0.0.1:8000",
      snapshot,
      status: { state: "live", attempt: 0 },
      now: performance.now(),
      sort: { key: "use", reverse: false },
    }, { columns, rows: 30 });
    assert.equal(lines.length, 30);
    const text = lines.map((line) => line.text).join("\n");
    assert.ok(!text.includes("\x1b") && !text.includes("\u202e"), `${columns}: sanitized`);
    const head = lines.find((line) => line.text.startsWith("REQ/S"));
    assert.ok(head, `${columns}: the requests table has its title`);
    assert.equal(head.style, "inverse");
    for (const title of ["REQ/S", "P99", "5XX", "OPEN"]) {
      assert.ok(head.text.includes(title), `${columns}: ${title} is kept`);
    }
    assert.ok(lines.every((line) => [...line.text].length <= columns), `${columns}: fits`);
    const more = /… (\d+) more request owners/.exec(text);
    assert.ok(more, `${columns}: 31 rows do not fit in 30 lines`);
    const shown = lines.filter((line) =>
      /(server|fetch)\)$|…$/.test(line.text) && /^ +\d/.test(line.text)
    );
    assert.equal(shown.length + Number(more[1]), 31, `${columns}: every owner counted`);
    assert.ok(lines.some((line) => /^ +\d.* evil\?/.test(line.text)), `${columns}: the server row`);
    if (columns >= 120) assert.match(text, / evil\?\[2J\?! \(server\)$/m);
  }
});
