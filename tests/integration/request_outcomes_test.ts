// Copyright 2026 the slabscope authors. MIT license.
// How instrumentServer() counts requests that end in less usual ways, each
// against a real Deno.serve with real clients (fetch, or raw TCP for what
// fetch cannot do): a client that aborts or leaves mid-upload, responses
// whose headers were changed, responses Deno refuses, HEAD requests to a
// stream, a method no Request can be copied with.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, instrumentServer } from "../../mod.ts";
import { eventually } from "./_sse_client.ts";

type Handler = Parameters<typeof instrumentServer>[1];

function serve(handler: Handler) {
  const registry = new DiagnosticsRegistry();
  const app = instrumentServer(registry, handler, { name: "test", onListen() {} });
  const refused: string[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: app.onListen,
    onError(error) {
      refused.push(String(error));
      return new Response("refused", { status: 500 });
    },
  }, app);
  const record = () => registry.requests.snapshot(Date.now()).server[0]!;
  const outcome = () => {
    const r = record();
    return {
      used: app.handles.stats().used + registry.slab("tcp_buffers")!.stats().used,
      started: r.started,
      completed: r.completed,
      aborted: r.aborted,
      classes: Object.fromEntries(Object.entries(r.classes).map(([name, c]) => [name, c!.count])),
      bytesIn: r.request_bytes,
      bytesOut: r.response_bytes,
    };
  };
  /** Waits until no request is under way and every slot is free. */
  const settled = () =>
    eventually(
      () => record().in_flight === 0 && outcome().used === 0,
      5000,
      "every request to end",
    );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    port: server.addr.port,
    outcome,
    settled,
    refused,
    async stop() {
      await server.shutdown();
      app.close();
    },
  };
}

const encoder = new TextEncoder();

/** A raw HTTP/1.1 request: `head` (request line and headers), then `body`, then the connection closed once `closeAfter` resolves. */
async function rawRequest(
  port: number,
  head: string,
  body: Uint8Array,
  closeAfter: Promise<unknown>,
) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encoder.encode(`${head}\r\nHost: 127.0.0.1\r\n\r\n`));
  if (body.length > 0) await conn.write(body);
  await closeAfter;
  conn.close();
}

Deno.test("a handler that waits on request.signal sees the client abort, for a body read into a slot and one read as it arrives", async () => {
  // (Plain Deno.serve fires it for small bodies like these; after a body
  // of some 16 KiB or more it does not, instrumented or not.)
  const signalled: string[] = [];
  const gotBody = Promise.withResolvers<void>();
  // Ends a handler still waiting when the test fails (the server's shutdown waits for it).
  const over = Promise.withResolvers<void>();
  const s = serve(async (request) => {
    await request.arrayBuffer();
    gotBody.resolve();
    const aborted = new Promise((resolve) => request.signal.addEventListener("abort", resolve));
    if (await Promise.race([aborted.then(() => true), over.promise])) {
      signalled.push(new URL(request.url).pathname);
    }
    return new Response("late");
  });
  try {
    const chunked = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode("hello"));
          controller.close();
        },
      });
    for (const [path, body] of [["/slot", "hello"], ["/chunked", chunked()]] as const) {
      const client = new AbortController();
      const made = fetch(`${s.url}${path}`, { method: "POST", body, signal: client.signal })
        .catch((error) => error.name);
      await gotBody.promise;
      client.abort();
      assert.equal(await made, "AbortError");
      await eventually(() => signalled.includes(path), 5000, `the handler of ${path} to see it`);
      Object.assign(gotBody, Promise.withResolvers<void>());
    }
    await s.settled();
  } finally {
    over.resolve();
    await s.stop();
  }
});

Deno.test("a client that leaves mid-upload makes its request aborted, counting only the bytes that arrived", async () => {
  const s = serve(async (request) =>
    new Response(String((await request.arrayBuffer()).byteLength))
  );
  try {
    const arrived = (n: number) => eventually(() => s.outcome().started === n, 5000, "the request");
    // Declared 1,000 bytes (a slot's worth), 100 sent; declared 100,000 (no
    // slot: read by the handler), 1,000 sent; chunked, 5 sent.
    await rawRequest(
      s.port,
      "POST /a HTTP/1.1\r\nContent-Length: 1000",
      new Uint8Array(100),
      arrived(1),
    );
    await rawRequest(
      s.port,
      "POST /b HTTP/1.1\r\nContent-Length: 100000",
      new Uint8Array(1000),
      arrived(2),
    );
    await rawRequest(
      s.port,
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked",
      encoder.encode("5\r\nhello\r\n"),
      arrived(3),
    );
    await s.settled();
    const outcome = s.outcome();
    assert.deepEqual([outcome.started, outcome.completed, outcome.aborted], [3, 0, 3]);
    assert.deepEqual(outcome.classes, {});
    assert.ok(outcome.bytesIn <= 1005, `${outcome.bytesIn} bytes in: more than arrived`);
  } finally {
    await s.stop();
  }
});

Deno.test("a body sent whole counts its bytes out after its headers were read or changed", async () => {
  const s = serve((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/json") {
      const response = Response.json({ a: 1 });
      response.headers.set("access-control-allow-origin", "*");
      return response;
    }
    const response = path === "/bytes"
      ? new Response(new Uint8Array(7))
      : new Response(path === "/large" ? "x".repeat(100 * 1024) : "hello world");
    if (response.headers.get("x-none") === null) response.headers.set("x-served-by", "test");
    return response;
  });
  try {
    for (const path of ["/", "/bytes", "/json", "/large"]) {
      await (await fetch(`${s.url}${path}`)).arrayBuffer();
    }
    await s.settled();
    const outcome = s.outcome();
    assert.deepEqual([outcome.completed, outcome.aborted], [4, 0]);
    assert.equal(outcome.bytesOut, 11 + 7 + 7 + 100 * 1024);
  } finally {
    await s.stop();
  }
});

Deno.test("a response Deno refuses is counted as the 500 it answers", async () => {
  let shared: Response | undefined;
  const s = serve(async (request) => {
    if (new URL(request.url).pathname === "/used") {
      const response = new Response("hello");
      await response.text();
      return response;
    }
    shared ??= new Response("once");
    return shared;
  });
  try {
    const statuses = [];
    for (const path of ["/used", "/twice", "/twice"]) {
      const response = await fetch(`${s.url}${path}`);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [500, 200, 500]);
    await s.settled();
    assert.equal(s.refused.length, 2, s.refused.join("\n"));
    const outcome = s.outcome();
    assert.deepEqual(outcome.classes, { "2xx": 1, "5xx": 2 });
    assert.equal(outcome.bytesOut, 4);
  } finally {
    await s.stop();
  }
});

Deno.test("HEAD to an event stream completes; it is not a client going away", async () => {
  const s = serve(() =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(encoder.encode("data: x\n\n"));
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    )
  );
  try {
    const response = await fetch(s.url, { method: "HEAD" });
    assert.equal(response.status, 200);
    await s.settled();
    const outcome = s.outcome();
    assert.deepEqual([outcome.completed, outcome.aborted, outcome.classes], [1, 0, { "2xx": 1 }]);
    assert.equal(outcome.bytesOut, 0);
  } finally {
    await s.stop();
  }
});

Deno.test("a TRACE request with a body is served as Deno serves it, its declared length counted", async () => {
  const s = serve(async (request) =>
    new Response(`${request.method} ${(await request.text()).length}`)
  );
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
    await conn.write(
      encoder.encode(
        "TRACE /x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789",
      ),
    );
    const answer = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(answer, /\r\n\r\nTRACE 10$/);
    await s.settled();
    const outcome = s.outcome();
    assert.deepEqual([outcome.completed, outcome.bytesIn], [1, 10]);
  } finally {
    await s.stop();
  }
});
