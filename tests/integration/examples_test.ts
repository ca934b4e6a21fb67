// Copyright 2026 the slabscope authors. MIT license.
// The README's examples, run as written (only the port is changed).
import assert from "node:assert/strict";
import { decodeKeyframe } from "../../mod.ts";

const ROOT = new URL("../../", import.meta.url);

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function waitFor(url: string): Promise<Response> {
  for (let i = 0; i < 200; i++) {
    try {
      return await fetch(url);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${url} never answered`);
}

async function run(source: URL, port: number, check: (base: string) => Promise<void>) {
  // A copy next to the original, so that its imports resolve the same way.
  const text = (await Deno.readTextFile(source)).replace("port: 8080", `port: ${port}`);
  const copy = new URL(`./.example_${port}.ts`, source);
  await Deno.writeTextFile(copy, text);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", copy.pathname],
    env: { PORT: String(port) },
    cwd: ROOT.pathname,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    await check(`http://127.0.0.1:${port}`);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await child.stderr.cancel();
    await Deno.remove(copy);
  }
}

Deno.test("examples/deno_serve.ts: under 10 lines add the dashboard and track every request", async () => {
  const source = new URL("examples/deno_serve.ts", ROOT);
  const lines = (await Deno.readTextFile(source)).split("\n").filter((line) => line.trim() !== "");
  assert.ok(lines.length < 10, `${lines.length} lines`);
  await run(source, freePort(), async (base) => {
    assert.equal(await (await waitFor(`${base}/`)).text(), "Hello from my app");
    assert.equal(await (await fetch(`${base}/hello`)).text(), "Hello from my app");
    const page = await fetch(`${base}/debug/`);
    assert.match(await page.text(), /<title>slabscope<\/title>/);
    const snapshot = decodeKeyframe(
      await (await fetch(`${base}/debug/diagnostics/snapshot`)).text(),
    );
    const handles = snapshot.slabs.find((slab) => slab.name === "handles")!;
    assert.ok(handles.allocs >= 2, "the app's requests went through the handle slab");
    assert.ok(snapshot.owner_map.includes(`:${new URL(base).port}`));
  });
});

Deno.test("examples/fresh_app: the dashboard mounted in a Fresh-style route module", async () => {
  const port = freePort();
  await run(new URL("examples/fresh_app/main.ts", ROOT), port, async (base) => {
    assert.match(await (await waitFor(`${base}/`)).text(), /^session \d+$/);
    const page = await fetch(`${base}/debug/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>slabscope<\/title>/);
    const snapshot = decodeKeyframe(
      await (await fetch(`${base}/debug/diagnostics/snapshot`)).text(),
    );
    assert.equal(snapshot.slabs.find((slab) => slab.name === "sessions")?.used, 1);
    const events = await fetch(`${base}/debug/diagnostics/memory`);
    assert.equal(events.headers.get("content-type"), "text/event-stream; charset=utf-8");
    await events.body!.cancel();
  });
});
