// Copyright 2026 the slabscope authors. MIT license.
// The examples, each run from its own folder as the README says
// (`cd examples/<name> && deno run --allow-net main.ts`), with only the
// port changed, after a type check there.
import assert from "node:assert/strict";
import { decodeKeyframe } from "../../wire.ts";

const EXAMPLES = new URL("../../examples/", import.meta.url);

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function waitFor(url: string): Promise<Response> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function run(name: string, check: (base: string) => Promise<void>) {
  const folder = new URL(`${name}/`, EXAMPLES).pathname;
  const port = freePort();
  const source = await Deno.readTextFile(`${folder}main.ts`);
  const copy = `.example_${port}.ts`;
  await Deno.writeTextFile(`${folder}${copy}`, source.replace("port: 8080", `port: ${port}`));
  const checked = await new Deno.Command(Deno.execPath(), {
    args: ["check", "main.ts"],
    cwd: folder,
  })
    .output();
  assert.equal(checked.code, 0, new TextDecoder().decode(checked.stderr));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env=PORT", copy],
    env: { PORT: String(port) },
    cwd: folder,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    await check(`http://127.0.0.1:${port}`);
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await child.stderr.cancel();
    await Deno.remove(`${folder}${copy}`);
  }
}

async function snapshot(base: string) {
  return decodeKeyframe(await (await fetch(`${base}/debug/diagnostics/snapshot`)).text());
}

Deno.test("examples/deno_serve: the README's nine lines, the dashboard beside the app", async () => {
  const text = await Deno.readTextFile(new URL("deno_serve/main.ts", EXAMPLES));
  assert.equal(text.trimEnd().split("\n").length, 9);
  await run("deno_serve", async (base) => {
    assert.equal(await (await waitFor(`${base}/`)).text(), "Hello from my app");
    assert.equal(await (await fetch(`${base}/hello`)).text(), "Hello from my app");
    assert.match(await (await fetch(`${base}/debug/`)).text(), /<title>slabscope<\/title>/);
    const handles = (await snapshot(base)).slabs.find((slab) => slab.name === "handles")!;
    assert.ok(handles.allocs >= 2, "the app's requests went through the handle slab");
  });
});

Deno.test("examples/hono: a Hono app, instrumented, with the dashboard at /debug", async () => {
  await run("hono", async (base) => {
    assert.equal(await (await waitFor(`${base}/`)).text(), "Hello from Hono");
    const created = await fetch(`${base}/sessions`, { method: "POST" });
    assert.equal(typeof (await created.json()).session, "number");
    const state = await snapshot(base);
    assert.equal(state.slabs.find((slab) => slab.name === "sessions")?.used, 1);
    assert.ok(state.slabs.find((slab) => slab.name === "handles")!.allocs >= 2);
    const events = await fetch(`${base}/debug/diagnostics/memory`);
    assert.equal(events.headers.get("content-type"), "text/event-stream; charset=utf-8");
    await events.body!.cancel();
  });
});
