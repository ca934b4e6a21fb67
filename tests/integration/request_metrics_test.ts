// Copyright 2026 the slabscope authors. MIT license.
// Request metrics of instrumentServer() and instrumentFetch(), against a real
// Deno.serve and real fetch: what the records count is what happened.
import assert from "node:assert/strict";
import {
  DiagnosticsRegistry,
  instrumentFetch,
  instrumentServer,
  type RequestSnapshot,
} from "../../mod.ts";
import { bucketOf, DURATION_BOUNDS_US } from "../../core/wire/durations.ts";
import { eventually } from "./_sse_client.ts";

const encoder = new TextEncoder();

function record(registry: DiagnosticsRegistry, kind: "server" | "client", name: string) {
  const found = registry.snapshot().requests![kind].find((r) => r.name === name);
  assert.ok(found, `no ${kind} record named ${name}`);
  return found;
}

/** The fewest microseconds a request in `record`'s class can have taken, from its buckets. */
function slowestBucketFloor(r: RequestSnapshot, klass: "2xx"): number {
  const buckets = Object.keys(r.classes[klass]!.buckets).map(Number);
  const top = Math.max(...buckets);
  return top === 0 ? 0 : DURATION_BOUNDS_US[top - 1]!;
}

function serve(registry: DiagnosticsRegistry) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const app = instrumentServer(registry, async (request) => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/hello":
        return new Response("Hello, world!");
      case "/sized":
        return new Response("12345678", { headers: { "content-length": "8" } });
      case "/missing":
        return new Response("nope", { status: 404 });
      case "/throw":
        throw new Error("handler failure on purpose");
      case "/slow":
        await new Promise((resolve) => setTimeout(resolve, 60));
        return new Response("slow");
      case "/held":
        await gate;
        return new Response("held");
      case "/upload":
        return new Response(String((await request.arrayBuffer()).byteLength));
      case "/events":
        return new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(encoder.encode("data: 1\n\n")); // 9 bytes
              if (url.searchParams.has("end")) controller.close();
              // …otherwise it stays open until the client leaves.
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        );
      default:
        return new Response("?", { status: 400 });
    }
  }, { name: "api" });
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: app.onListen,
    onError: () => new Response("error", { status: 500 }),
  }, app);
  return {
    app,
    release,
    url: `http://127.0.0.1:${server.addr.port}`,
    async [Symbol.asyncDispose]() {
      release();
      await server.shutdown();
      app.close();
    },
  };
}

Deno.test("server metrics: statuses, durations, bytes, in flight and aborted, as served", async () => {
  const registry = new DiagnosticsRegistry();
  await using s = serve(registry);
  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${s.url}${path}`, init);
    return { status: response.status, text: await response.text() };
  };
  for (let i = 0; i < 5; i++) assert.equal((await get("/hello")).text, "Hello, world!");
  assert.equal((await get("/sized")).text, "12345678");
  assert.equal((await get("/missing")).status, 404);
  assert.equal((await get("/throw")).status, 500);
  assert.equal((await get("/slow")).text, "slow");
  // A body with a content-length (read into a tcp_buffers slot) and a chunked one (counted as read).
  assert.equal((await get("/upload", { method: "POST", body: "x".repeat(1000) })).text, "1000");
  const chunked = ReadableStream.from([encoder.encode("abc"), encoder.encode("defgh")]);
  assert.equal((await get("/upload", { method: "POST", body: chunked })).text, "8");
  assert.equal((await get("/events?end")).text, "data: 1\n\n");

  // One request held open: in flight until it is answered.
  const held = fetch(`${s.url}/held`);
  await eventually(() => record(registry, "server", "api").in_flight === 1, 2000, "in flight");
  // A stream the client leaves: aborted.
  const open = await fetch(`${s.url}/events`);
  const reader = open.body!.getReader();
  await reader.read();
  await reader.cancel();
  await eventually(() => record(registry, "server", "api").aborted === 1, 2000, "the abort");
  s.release();
  assert.equal(await (await held).text(), "held");
  await eventually(() => record(registry, "server", "api").in_flight === 0, 2000, "all done");

  const api = record(registry, "server", "api");
  assert.equal(api.started, 14);
  assert.equal(api.completed, 13);
  assert.equal(api.aborted, 1);
  assert.equal(api.classes["2xx"]?.count, 11);
  assert.equal(api.classes["4xx"]?.count, 1);
  assert.equal(api.classes["5xx"]?.count, 1, "a handler that threw counts as Deno's 500");
  assert.equal(api.classes["1xx"], undefined);
  assert.equal(api.request_bytes, 1008);
  // 5 × "Hello, world!" (13), the declared 8, "nope", "slow", "1000", "8", "held" and the two
  // streams' 9 each; the handler that threw sent Deno's answer, not one of the handler's.
  assert.equal(api.response_bytes, 5 * 13 + 8 + 4 + 4 + 4 + 1 + 4 + 9 + 9);
  // The slow request (60 ms) is in a bucket no lower than 50 ms.
  assert.ok(slowestBucketFloor(api, "2xx") >= 50_000, JSON.stringify(api.classes["2xx"]));
  assert.ok(api.classes["2xx"]!.sum_us >= 60_000);

  // A second later the history holds them, and the percentiles cover them.
  await eventually(
    () => record(registry, "server", "api").history.reduce((a, b) => a + b, 0) === 13,
    3000,
    "the history to hold every completed request",
  );
  const later = record(registry, "server", "api");
  assert.ok(later.p50_us > 0 && later.p50_us <= later.p95_us && later.p95_us <= later.p99_us);
  assert.ok(later.p99_us >= 50_000, `p99 ${later.p99_us} µs covers the 60 ms request`);
});

Deno.test("server metrics: a client that leaves mid-upload is aborted; metrics: false records none", async () => {
  const registry = new DiagnosticsRegistry();
  await using s = serve(registry);
  // An upload that declares more than it sends, then hangs up.
  const connection = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(new URL(s.url).port),
  });
  await connection.write(
    encoder.encode("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nonly this"),
  );
  await eventually(() => record(registry, "server", "api").started === 1, 2000, "the upload");
  connection.close();
  await eventually(() => record(registry, "server", "api").aborted === 1, 2000, "the abort");
  assert.equal(record(registry, "server", "api").completed, 0);

  const quiet = instrumentServer(registry, () => new Response("ok"), {
    name: "quiet",
    metrics: false,
  });
  assert.equal(registry.snapshot().requests!.server.some((r) => r.name === "quiet"), false);
  quiet.close();
});

Deno.test("server metrics: named at onListen, shared by name, gone with close()", async () => {
  const registry = new DiagnosticsRegistry();
  const app = instrumentServer(registry, () => new Response("ok"));
  assert.deepEqual(registry.snapshot().requests!.server, [], "no name yet: no record");
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: app.onListen }, app);
  const name = `:${server.addr.port}`;
  await (await fetch(`http://127.0.0.1:${server.addr.port}/`)).text();
  await eventually(() => record(registry, "server", name).completed === 1, 2000, "counted");
  await server.shutdown();
  app.close();
  assert.deepEqual(registry.snapshot().requests!.server, []);
});

Deno.test("client metrics: per name, completed when read, aborted when cancelled or failed", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/stream") {
      return new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(encoder.encode("first"));
          },
        }),
      );
    }
    if (url.pathname === "/empty") return new Response(null, { status: 204 });
    return new Response("payload", { status: url.pathname === "/gone" ? 410 : 200 });
  });
  const registry = new DiagnosticsRegistry();
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const tracked = instrumentFetch(registry, {
    name: (url) => (url.origin === origin ? "upstream" : url.origin),
  });
  try {
    assert.equal(await (await tracked(`${origin}/`)).text(), "payload");
    assert.equal(await (await tracked(`${origin}/gone`)).text(), "payload");
    assert.equal((await tracked(`${origin}/empty`)).status, 204);
    await (await tracked(`${origin}/`, { method: "POST", body: "héllo" })).text(); // 6 bytes
    const stream = await tracked(`${origin}/stream`);
    const reader = stream.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "first");
    await reader.cancel();
    await assert.rejects(tracked("http://127.0.0.1:1/")); // refused: aborted, under its origin
    const up = record(registry, "client", "upstream");
    assert.deepEqual(registry.owners.names().filter(Boolean), ["upstream", "http://127.0.0.1:1"]);
    assert.equal(up.started, 5);
    assert.equal(up.completed, 4);
    assert.equal(up.aborted, 1);
    assert.equal(up.in_flight, 0);
    assert.equal(up.classes["2xx"]?.count, 3);
    assert.equal(up.classes["4xx"]?.count, 1);
    assert.equal(up.request_bytes, 6);
    assert.equal(
      up.response_bytes,
      7 * 3 + 5,
      "three bodies read, and what the cancelled one gave",
    );
    assert.equal(record(registry, "client", "http://127.0.0.1:1").aborted, 1);
    // Durations are in buckets of their own, at least 10 µs (loopback, a real round trip).
    const buckets = Object.keys(up.classes["2xx"]!.buckets).map(Number);
    assert.ok(buckets.every((b) => b >= bucketOf(11)), JSON.stringify(up.classes["2xx"]));
  } finally {
    tracked.close();
    await server.shutdown();
  }
  assert.deepEqual(registry.snapshot().requests!.client, [], "close() drops them");
});
