// Copyright 2026 the slabscope authors. MIT license.
// `deno task start`, as a user runs it: a subprocess that serves the
// dashboard within seconds, shows real movement, and stops cleanly on SIGINT.
import assert from "node:assert/strict";
import { decodeKeyframe } from "../../wire.ts";
import type { MemorySnapshot } from "../../mod.ts";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function snapshot(url: string): Promise<MemorySnapshot | undefined> {
  try {
    const response = await fetch(url);
    return response.ok ? decodeKeyframe(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}

Deno.test({
  name: "the demo serves changing pools within 10 s and stops within a second on SIGINT",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["task", "start"],
      cwd: new URL("../../", import.meta.url).pathname,
      env: { PORT: String(port) },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = child.stdout.pipeThrough(new TextDecoderStream());
    let printed = "";
    const reading = (async () => {
      for await (const text of output) printed += text;
    })();
    try {
      const url = `http://127.0.0.1:${port}/debug/diagnostics/snapshot`;
      const started = performance.now();
      let first: MemorySnapshot | undefined;
      while (first === undefined) {
        assert.ok(performance.now() - started < 10_000, "no snapshot within 10 s");
        await new Promise((resolve) => setTimeout(resolve, 100));
        first = await snapshot(url);
      }
      assert.match(printed, new RegExp(`http://127\\.0\\.0\\.1:${port}/debug/`));
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const second = (await snapshot(url))!;
      const slab = (s: MemorySnapshot, name: string) => s.slabs.find((x) => x.name === name)!;
      assert.ok(
        slab(second, "shared_objects").allocs > slab(first, "shared_objects").allocs,
        "Workers churn",
      );
      assert.notDeepEqual(
        slab(second, "shared_objects").bitmap,
        slab(first, "shared_objects").bitmap,
      );
      assert.ok(
        slab(second, "handles").allocs > slab(first, "handles").allocs,
        "requests are served",
      );
      assert.ok(
        slab(second, "http_clients").allocs > slab(first, "http_clients").allocs,
        "fetches are made",
      );
      const owners = second.owner_map.filter((name) => name !== null);
      assert.ok(owners.includes("api") && owners.includes("streams"), owners.join());
      const page = await fetch(`http://127.0.0.1:${port}/debug/`);
      assert.equal(page.status, 200);
      await page.body?.cancel();

      const stopping = performance.now();
      child.kill("SIGINT");
      const status = await child.status;
      const took = performance.now() - stopping;
      assert.equal(status.code, 0, `exit code ${status.code}`);
      assert.ok(took < 1000, `stopped in ${took.toFixed(0)} ms`);
      await reading;
      assert.match(printed, /stopped in \d+ ms/);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await child.status;
      await child.stderr.cancel().catch(() => {});
    }
  },
});
