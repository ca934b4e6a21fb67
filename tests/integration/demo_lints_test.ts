// Copyright 2026 the slabscope authors. MIT license.
// The demo's steady state raises no lint: `deno task start` as a user runs
// it, watched through GET /debug/diagnostics/lints for longer than every
// rule's window (the slope of time_to_full and the arena's fallbacks are
// judged over 60 s; the load's cycle of steady, burst and idle phases is
// 42 s), with the default thresholds.
import assert from "node:assert/strict";
import type { LintReport } from "../../core/diagnostics/lints/lint_report.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
/** Server time the demo is watched for: past every rule's window and one load cycle. */
const WATCHED_MS = 70_000;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function report(url: string): Promise<LintReport | undefined> {
  try {
    const response = await fetch(url);
    return response.ok ? await response.json() as LintReport : undefined;
  } catch {
    return undefined;
  }
}

Deno.test({
  name: "demo: its steady state raises no lint over more than every rule's window",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["task", "start"],
      cwd: ROOT,
      env: { NO_COLOR: "1", PORT: String(port) },
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const url = `http://127.0.0.1:${port}/debug/diagnostics/lints`;
      let first: LintReport | undefined;
      const deadline = performance.now() + 20_000;
      while ((first = await report(url)) === undefined) {
        assert.ok(performance.now() < deadline, "the demo did not answer within 20 s");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(first.enabled, true);
      assert.equal(first.rules.time_to_full?.window, 60_000, "the default thresholds");
      let last = first;
      let reads = 0;
      while (last.ts - first.ts < WATCHED_MS) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const now = await report(url);
        assert.ok(now !== undefined, "the demo stopped answering");
        reads++;
        assert.deepEqual(
          now.lints.map(({ rule, pool, detail }) => ({ rule, pool, detail })),
          [],
          `at ${((now.ts - first.ts) / 1000).toFixed(1)} s`,
        );
        last = now;
      }
      assert.ok(reads > 100, `read ${reads} times`);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.doesNotMatch(metrics, /slabscope_lint_active\{/);
    } finally {
      child.kill("SIGTERM");
      await child.status;
    }
  },
});
