// Copyright 2026 the slabscope authors. MIT license.
// gzip on the dashboard's responses: the page, JSON and Prometheus text
// when the client accepts it, never the event stream.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { serveDashboard } from "../../dashboard.ts";
import { acceptsGzip } from "../../core/http/compression.ts";

Deno.test("acceptsGzip: gzip or * with a non-zero quality, RFC 9110's rules", () => {
  const cases: [string | null, boolean][] = [
    [null, false],
    ["", false],
    ["gzip", true],
    ["GZIP", true],
    ["br, gzip;q=0.5", true],
    ["gzip;q=0", false],
    ["gzip; q=0.001", true],
    ["*", true],
    ["*;q=0", false],
    ["identity", false],
    ["br, *;q=0.1", true],
    ["gzip;q=0, *", false], // gzip named: its own quality wins over *
    ["deflate, br", false],
  ];
  for (const [header, expected] of cases) {
    assert.equal(acceptsGzip(header), expected, `Accept-Encoding: ${header}`);
  }
});

Deno.test("dashboard responses: gzip when accepted, with Vary; identity otherwise; never on the stream", async () => {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 65_536 }));
  for (let i = 0; i < 1000; i++) slab.alloc();
  const served = serveDashboard(registry, { port: 0, onListen() {} });
  const origin = new URL(served.url).origin;
  try {
    const get = async (url: string, acceptEncoding: string) => {
      const headers = { "accept-encoding": acceptEncoding };
      const controller = new AbortController();
      const response = await fetch(url, { headers, signal: controller.signal });
      const type = response.headers.get("content-type") ?? "";
      // Deno's fetch decodes gzip itself: the text must still be whole.
      const text = type.startsWith("text/event-stream") ? "" : await response.text();
      controller.abort();
      await response.body?.cancel().catch(() => {});
      return { status: response.status, headers: response.headers, text };
    };
    const checks: [string, (text: string) => boolean][] = [
      [served.url, (text) => text.includes("<title>")],
      [`${served.url}diagnostics/snapshot`, (text) => JSON.parse(text).v === 1],
      [`${origin}/metrics`, (text) => text.includes("slabscope_slab_slots_used")],
    ];
    for (const [url, check] of checks) {
      const gzip = await get(url, "gzip, deflate, br");
      assert.equal(gzip.status, 200, url);
      assert.equal(gzip.headers.get("content-encoding"), "gzip", url);
      assert.match(gzip.headers.get("vary") ?? "", /accept-encoding/i, url);
      assert.equal(gzip.headers.get("content-length"), null, `${url}: no length of the original`);
      assert.ok(check(gzip.text), `${url}: the body decodes whole`);
      // (Without the header, Deno's fetch would send its own, accepting gzip.)
      const plain = await get(url, "identity");
      assert.equal(plain.headers.get("content-encoding"), null, `${url} with identity only`);
      assert.match(plain.headers.get("vary") ?? "", /accept-encoding/i, url);
      assert.ok(check(plain.text), url);
      const refused = await get(url, "gzip;q=0");
      assert.equal(refused.headers.get("content-encoding"), null, `${url} with gzip;q=0`);
    }
    const stream = await get(`${served.url}diagnostics/memory`, "gzip");
    assert.equal(stream.status, 200);
    assert.equal(
      stream.headers.get("content-encoding"),
      null,
      "the event stream is never compressed",
    );
  } finally {
    await served.shutdown();
  }
});
