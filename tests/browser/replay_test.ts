// Copyright 2026 the slabscope authors. MIT license.
// A recording replayed: `deno task replay FILE` as its own process, the
// page in real Chromium, the timeline over the whole file, read-only.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";
import { createDashboard } from "../../dashboard.ts";
import { noBrowser } from "./_chromium.ts";
import {
  openPage,
  scrubTo,
  serverRecording,
  timelineState,
  until,
  usedCells,
} from "./_timeline_page.ts";

const ROOT = new URL("../../", import.meta.url);

/** Records a few seconds of a live workload and writes the file. */
async function recordFile(): Promise<string> {
  const registry = new DiagnosticsRegistry();
  const owner = registry.owners.register("api", "server");
  const objects = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 8, capacity: 16_384 }),
  );
  const conns = registry.addSlab(
    new SlabAllocator({ name: "conns", slotSize: 1, capacity: 128, kind: "handle" }),
  );
  const held: number[] = [];
  const open: number[] = [];
  let step = 0;
  const timer = setInterval(() => {
    step++;
    // Up for a while, then down: the first and the last moments differ.
    if (step < 60) { for (let i = 0; i < 50; i++) held.push(objects.alloc()!); }
    else for (let i = 0; i < 30 && held.length > 0; i++) objects.free(held.pop()!);
    const c = conns.alloc(owner);
    if (c !== null) open.push(c);
    if (open.length > 20) conns.free(open.shift()!);
    if (open.length > 0) conns.setState(open[0]!, HandleState.Idle);
  }, 20);
  const dashboard = createDashboard(registry, {
    interval: 40,
    recorder: { keyframeInterval: 400 },
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
  try {
    await until(() => step > 100, "100 steps");
    const response = await fetch(
      `http://127.0.0.1:${server.addr.port}/debug/diagnostics/recording`,
    );
    const path = await Deno.makeTempFile({ suffix: ".jsonl.gz" });
    await Deno.writeFile(path, new Uint8Array(await response.arrayBuffer()));
    return path;
  } finally {
    clearInterval(timer);
    await dashboard.close();
    await server.shutdown();
  }
}

/** `deno task replay`'s command, on a free port; resolves with its URL once it listens. */
async function startReplay(path: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-net=127.0.0.1",
      "--allow-env=INIT_CWD,PORT",
      "cli/replay.ts",
      path,
      "--port",
      "0",
    ],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!/http:\/\/127\.0\.0\.1:\d+\/debug\//.test(out)) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`replay exited: ${out}`);
    out += value;
  }
  lines.releaseLock();
  child.stdout.cancel().catch(() => {});
  return {
    url: /http:\/\/127\.0\.0\.1:\d+\/debug\//.exec(out)![0],
    out,
    async stop() {
      child.kill("SIGTERM");
      const status = await child.status;
      const stderr = await new Response(child.stderr).text();
      return { code: status.code, stderr };
    },
  };
}

Deno.test({
  name: "replay: a recording in the dashboard, read-only, from its last moment back to its first",
  ignore: noBrowser,
  async fn() {
    const path = await recordFile();
    const replay = await startReplay(path);
    const { page, problems, close } = await openPage(replay.url, '[data-connection="replay"]');
    try {
      assert.match(replay.out, /events, .* checked in /);
      const states = await serverRecording(`${replay.url}diagnostics/recording`);
      const last = states.seqs.at(-1)!;
      const first = states.seqs[0]!;
      // It opens at the last moment, paused, with no live end.
      await until(async () => (await timelineState(page)).seq === last, "the last moment");
      assert.equal((await timelineState(page)).mode, "paused");
      const objects = (seq: number) =>
        states.stateAt(seq).slabs.find((s) => s.name === "objects")!.summary.U;
      await until(
        async () => (await usedCells(page, "objects")) === objects(last),
        "the last grid",
      );
      assert.equal(await page.locator("section.timeline button", { hasText: "Live" }).count(), 0);
      assert.match(await page.locator("header .where").innerText(), /a recording: .*\.jsonl\.gz/);

      // Back to the first moment, then play it at 4× to the end.
      await scrubTo(page, 0);
      await until(async () => (await timelineState(page)).seq === first, "the first moment");
      await until(
        async () => (await usedCells(page, "objects")) === objects(first),
        "the first grid",
      );
      await page.getByRole("button", { name: "Play 4×" }).click();
      await until(async () => (await timelineState(page)).seq > first + 10, "playing");
      await until(async () => (await timelineState(page)).mode === "paused", "stopped at the end");
      assert.equal((await timelineState(page)).seq, last);
      // Every pool's history spans the file.
      assert.equal(await page.locator(".history-row").count(), 2);
      // What the page downloads is the file it shows.
      const href = await page.locator("a.download").getAttribute("href");
      const again = await serverRecording(new URL(href!, replay.url).href);
      assert.deepEqual(again.seqs, states.seqs);
      assert.deepEqual(problems, []);
    } finally {
      await close();
      const { code, stderr } = await replay.stop();
      assert.equal(code, 0, stderr);
      await Deno.remove(path);
    }
  },
});
