// Copyright 2026 the slabscope authors. MIT license.
// `deno task start`, as a user runs it: a subprocess that serves the
// dashboard within seconds, shows real movement, prints no Deno warning,
// and stops cleanly on SIGINT; beyond loopback with a token; and a clear
// message when the port is taken.
import assert from "node:assert/strict";
import { decodeKeyframe } from "../../wire.ts";
import type { MemorySnapshot } from "../../mod.ts";
import { isPoolChange } from "../../core/stream/publish_decision.ts";
import { SseClient } from "./_sse_client.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function snapshot(url: string, init?: RequestInit): Promise<MemorySnapshot | undefined> {
  try {
    const response = await fetch(url, init);
    return response.ok ? decodeKeyframe(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000) {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    assert.ok(performance.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `deno task start` with `env`, its output collected. */
function start(env: Record<string, string>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "start"],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = { stdout: "", stderr: "" };
  const reading = Promise.all([
    (async () => {
      for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
        out.stdout += text;
      }
    })(),
    (async () => {
      for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
        out.stderr += text;
      }
    })(),
  ]);
  return {
    child,
    out,
    async [Symbol.asyncDispose]() {
      // `deno task` passes SIGTERM on to the demo (which stops within a
      // second); a SIGKILL would stop only the task runner.
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await child.status;
      await reading;
    },
  };
}

const slab = (s: MemorySnapshot, name: string) => s.slabs.find((x) => x.name === name)!;

Deno.test({
  name: "the demo serves changing pools, prints no Deno warning, and stops on SIGINT",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    await using demo = start({ PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    const url = `${base}/debug/diagnostics/snapshot`;
    const first = await until("a snapshot", () => snapshot(url));
    assert.match(demo.out.stdout, new RegExp(`http://127\\.0\\.0\\.1:${port}/debug/`));
    // What a dashboard does: the page, the stream, a scrape.
    const page = await fetch(`${base}/debug/`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(page.status, 200);
    await page.body?.cancel();
    const events = await fetch(`${base}/debug/diagnostics/memory`);
    const reader = events.body!.getReader();
    await reader.read();
    assert.match(await (await fetch(`${base}/metrics`)).text(), /slabscope_slab_slots/);
    const moved = await until("Workers, requests and fetches to move", async () => {
      const now = await snapshot(url);
      if (now === undefined) return undefined;
      const grew = (name: string) => slab(now, name).allocs > slab(first, name).allocs;
      return grew("shared_objects") && grew("handles") && grew("http_clients") ? now : undefined;
    });
    assert.notDeepEqual(slab(moved, "shared_objects").bitmap, slab(first, "shared_objects").bitmap);
    const owners = moved.owner_map.filter((name) => name !== null);
    assert.ok(owners.includes("api") && owners.includes("streams"), owners.join());
    // Stable names only: no owner, and no request record, is named after a port.
    const records = [...moved.requests!.server, ...moved.requests!.client].map((r) => r.name);
    assert.ok(records.includes("api") && records.includes("streams"), records.join());
    for (const name of [...owners, ...records]) assert.doesNotMatch(name, /:\d+/, name);
    // The Workers own slots of the shared slab, under their names.
    const shared = slab(moved, "shared_objects");
    const byName = Object.keys(shared.summary.by_owner).map((i) => moved.owner_map[Number(i)]);
    assert.deepEqual(byName.sort(), ["worker-0", "worker-1"]);
    await reader.cancel();

    const stopping = performance.now();
    demo.child.kill("SIGINT");
    const status = await demo.child.status;
    const took = performance.now() - stopping;
    assert.equal(status.code, 0, `exit code ${status.code}: ${demo.out.stderr}`);
    // Within a second on an idle machine (README); the bound here tells a
    // stop from a hang on a loaded one too.
    console.log(`the demo stopped in ${took.toFixed(0)} ms`);
    assert.ok(took < 10_000, `stopped in ${took.toFixed(0)} ms`);
    await until(
      "the last words",
      () => Promise.resolve(/stopped in \d+ ms/.test(demo.out.stdout) || undefined),
    );
    // `deno task` echoes the command on stderr; nothing else may be there.
    const stderr = demo.out.stderr.split("\n").filter((line) => line && !line.startsWith("Task "));
    assert.deepEqual(stderr, [], "no warnings, no errors");
  },
});

/** Whether this machine has an IPv6 loopback to listen on. */
const HAS_IPV6_LOOPBACK = (() => {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
})();

for (const [host, origin] of [["localhost", "localhost"], ["::1", "[::1]"]] as const) {
  Deno.test({
    name: `the demo listens on HOST=${host} and answers there, without a token`,
    ignore: host === "::1" && !HAS_IPV6_LOOPBACK,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const port = freePort();
      await using demo = start({ PORT: String(port), HOST: host });
      const url = `http://${origin}:${port}/debug/diagnostics/snapshot`;
      const served = await until(`a snapshot at ${url}`, () => snapshot(url));
      assert.ok(served.slabs.length > 0);
      assert.doesNotMatch(demo.out.stderr, /Warning|error/i, demo.out.stderr);
    },
  });
}

Deno.test({
  name:
    "the demo listens on 0.0.0.0 with a token and SLABSCOPE_ALLOWED_HOSTS, and prints a usable login link",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    const token = "t".repeat(8) + crypto.randomUUID().replaceAll("-", "");
    await using demo = start({
      PORT: String(port),
      HOST: "0.0.0.0",
      SLABSCOPE_TOKEN: token,
      SLABSCOPE_ALLOWED_HOSTS: `127.0.0.1:${port},diag.example:${port}`,
    });
    const link = await until(
      "the login link",
      () => Promise.resolve(/login \(once, 5 min\): (\S+)/.exec(demo.out.stdout)?.[1]),
    );
    assert.ok(link.startsWith(`http://127.0.0.1:${port}/debug/login?code=`), link);
    const url = `http://127.0.0.1:${port}/debug/diagnostics/snapshot`;
    assert.equal((await fetch(url)).status, 401);
    const authorized = await until(
      "an authorized snapshot",
      () => snapshot(url, { headers: { authorization: `Bearer ${token}` } }),
    );
    assert.ok(authorized.slabs.length > 0);
    const login = await fetch(link, { redirect: "manual" });
    assert.equal(login.status, 303);
    assert.match(login.headers.get("set-cookie") ?? "", /HttpOnly/);
  },
});

Deno.test({
  name:
    "SLABSCOPE_DEMO_LOAD=paused: the Workers hold their slots and the stream sends no pool change",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    await using demo = start({ PORT: String(port), SLABSCOPE_DEMO_LOAD: "paused" });
    const base = `http://127.0.0.1:${port}/debug/diagnostics`;
    // Both Workers took their working sets (each its own owner), and they hold still.
    let last = -1;
    const held = await until("both Workers' working sets, unchanged", async () => {
      const now = await snapshot(`${base}/snapshot`);
      if (now === undefined) return undefined;
      const objects = slab(now, "shared_objects");
      const settled = Object.keys(objects.summary.by_owner).length === 2 && objects.allocs === last;
      last = objects.allocs;
      return settled ? now : undefined;
    });
    assert.match(demo.out.stdout, /load paused/);
    const client = await SseClient.open(`${base}/memory`);
    const keyframe = decodeKeyframe((await client.nth(1)).data);
    for (const name of ["shared_objects", "handles", "http_clients"]) {
      assert.equal(slab(keyframe, name).allocs, slab(held, name).allocs, name);
      assert.equal(slab(keyframe, name).frees, slab(held, name).frees, name);
    }
    await client.until(() => client.events.filter((e) => e.event === "ping").length >= 3);
    const changes = client.events.filter((e) =>
      e.event === "diagnostics-delta" && isPoolChange(JSON.parse(e.data))
    );
    assert.deepEqual(changes, [], "no pool changed");
    await client.close();
  },
});

Deno.test({
  name: "the demo refuses an unknown SLABSCOPE_DEMO_LOAD",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using demo = start({ PORT: String(freePort()), SLABSCOPE_DEMO_LOAD: "fast" });
    const status = await demo.child.status;
    assert.equal(status.code, 1);
    await until(
      "the message",
      () =>
        Promise.resolve(
          demo.out.stderr.includes(
            'SLABSCOPE_DEMO_LOAD must be "on" or "paused", received "fast"',
          ) ||
            undefined,
        ),
    );
  },
});

Deno.test({
  name: "the demo names the port when it is in use",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      const port = (taken.addr as Deno.NetAddr).port;
      await using demo = start({ PORT: String(port) });
      const status = await demo.child.status;
      assert.equal(status.code, 1);
      await until(
        "the message",
        () =>
          Promise.resolve(
            demo.out.stderr.includes(`127.0.0.1:${port}: the port is in use`) || undefined,
          ),
      );
    } finally {
      taken.close();
    }
  },
});
