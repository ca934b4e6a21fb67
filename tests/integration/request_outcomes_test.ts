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
    // A clone's signal follows the client too (a clone is made before the body is read).
    const clone = request.clone();
    await request.arrayBuffer();
    gotBody.resolve();
    const aborted = new Promise((resolve) => clone.signal.addEventListener("abort", resolve));
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

Deno.test("a client that leaves mid-upload makes its request aborted, counting only the bytes that arrived, when slabscope reads the body", async () => {
  const s = serve(async (request) =>
    new Response(String((await request.arrayBuffer()).byteLength))
  );
  try {
    const arrived = (n: number) => eventually(() => s.outcome().started === n, 5000, "the request");
    // Declared 1,000 bytes (a slot's worth), 100 sent; chunked, 5 sent.
    await rawRequest(
      s.port,
      "POST /a HTTP/1.1\r\nContent-Length: 1000",
      new Uint8Array(100),
      arrived(1),
    );
    await rawRequest(
      s.port,
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked",
      encoder.encode("5\r\nhello\r\n"),
      arrived(2),
    );
    await s.settled();
    let outcome = s.outcome();
    assert.deepEqual([outcome.started, outcome.completed, outcome.aborted], [2, 0, 2]);
    assert.deepEqual(outcome.classes, {});
    const before = outcome.bytesIn;
    assert.ok(before <= 5, `${before} bytes in: more than arrived`);
    // Declared 100,000 (too long for a slot: the body stays Deno's, read by
    // the handler), 1,000 sent: the handler's read fails, and it is counted
    // as the handler's failure, with the length declared.
    await rawRequest(
      s.port,
      "POST /b HTTP/1.1\r\nContent-Length: 100000",
      new Uint8Array(1000),
      arrived(3),
    );
    await s.settled();
    outcome = s.outcome();
    assert.deepEqual([outcome.completed, outcome.aborted, outcome.classes], [1, 2, { "5xx": 1 }]);
    assert.equal(outcome.bytesIn - before, 100_000);
  } finally {
    await s.stop();
  }
});

Deno.test("a body with a declared length reaches the handler as Deno's own: passed on to fetch, it keeps its content-length", async () => {
  const upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) =>
      new Response(
        `${request.headers.get("content-length")} ${request.headers.get("transfer-encoding")} ${
          (await request.arrayBuffer()).byteLength
        }`,
      ),
  );
  const s = serve(async (request) => {
    const fresh = request.bodyUsed;
    const forwarded = await fetch(`http://127.0.0.1:${upstream.addr.port}/`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    return new Response(`${fresh} ${await forwarded.text()}`);
  });
  try {
    for (const size of [20_000, 100]) {
      const response = await fetch(s.url, { method: "POST", body: "x".repeat(size) });
      assert.equal(await response.text(), `false ${size} null ${size}`);
    }
    await s.settled();
    assert.equal(s.outcome().bytesIn, 20_100);
  } finally {
    await s.stop();
    await upstream.shutdown();
  }
});

Deno.test("a request with a body whose copy would read differently reaches the handler as it came", async () => {
  const s = serve(async (request) =>
    new Response(`${request.method} ${request.url} ${(await request.text()).length}`)
  );
  const ask = async (head: string) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
    await conn.write(encoder.encode(`${head}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`));
    const answer = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
    return answer.slice(answer.indexOf("\r\n\r\n") + 4);
  };
  try {
    // A Request writes these methods in upper case, refuses a body with GET,
    // and rewrites or refuses these URLs: the handler gets Deno's own request.
    assert.equal(await ask("post /p HTTP/1.1\r\nHost: 127.0.0.1"), "post http://127.0.0.1/p 2");
    assert.equal(await ask("get /g HTTP/1.1\r\nHost: 127.0.0.1"), "get http://127.0.0.1/g 2");
    assert.equal(
      await ask("POST /a/../admin HTTP/1.1\r\nHost: 127.0.0.1"),
      "POST http://127.0.0.1/a/../admin 2",
    );
    assert.equal(await ask("POST /h HTTP/1.1\r\nHost: a^b"), "POST http://a^b/h 2");
    await s.settled();
    const outcome = s.outcome();
    assert.deepEqual([outcome.completed, outcome.classes, outcome.bytesIn], [4, { "2xx": 4 }, 8]);
  } finally {
    await s.stop();
  }
});

Deno.test("a body sent whole counts the bytes Deno sends, after its headers were read or changed, whatever length it declares", async () => {
  const s = serve((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/declared") {
      // Deno sends the body's own length in place of a wrong one.
      return new Response("hello world", { headers: { "content-length": "5" } });
    }
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
    let received = 0;
    for (const path of ["/", "/bytes", "/json", "/large", "/declared"]) {
      received += (await (await fetch(`${s.url}${path}`)).arrayBuffer()).byteLength;
    }
    await s.settled();
    const outcome = s.outcome();
    assert.deepEqual([outcome.completed, outcome.aborted], [5, 0]);
    assert.equal(outcome.bytesOut, 11 + 7 + 7 + 100 * 1024 + 11);
    assert.equal(outcome.bytesOut, received);
  } finally {
    await s.stop();
  }
});

Deno.test("a response Deno refuses is counted as the 500 it answers", async () => {
  let shared: Response | undefined;
  const s = serve(async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/used") {
      const response = new Response("hello");
      await response.text();
      return response;
    }
    if (path === "/locked") {
      const response = new Response(new ReadableStream());
      response.body!.getReader();
      return response;
    }
    shared ??= new Response("once");
    return shared;
  });
  try {
    const statuses = [];
    for (const path of ["/used", "/locked", "/twice", "/twice"]) {
      const response = await fetch(`${s.url}${path}`);
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [500, 500, 200, 500]);
    await s.settled();
    assert.equal(s.refused.length, 3, s.refused.join("\n"));
    const outcome = s.outcome();
    assert.deepEqual(outcome.classes, { "2xx": 1, "5xx": 3 });
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
