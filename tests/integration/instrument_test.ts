// Copyright 2026 the slabscope authors. MIT license.
// Instrumented Deno.serve handlers and fetch, against a real server and real
// clients.
import assert from "node:assert/strict";
import {
  DiagnosticsRegistry,
  HandleState,
  type InstrumentableHandler,
  instrumentFetch,
  instrumentServer,
  SlabAllocator,
} from "../../mod.ts";
import { eventually } from "./_sse_client.ts";
import { trackStream } from "../../core/instrument/track_body.ts";

function start(
  handler: InstrumentableHandler,
  registry = new DiagnosticsRegistry(),
  idleAfter = 150,
  isStream?: false,
) {
  const app = instrumentServer(registry, handler, { idleAfter, isStream, onListen() {} });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: app.onListen }, app);
  return {
    registry,
    app,
    url: `http://127.0.0.1:${server.addr.port}`,
    port: server.addr.port,
    /** Non-free states of the handle slab, as letters. */
    states(): string {
      return [...app.handles.readStates()].filter((s) => s !== 0).map((s) => "FUNAIC"[s]).join("");
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      app.close();
    },
  };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

Deno.test("a slow request is Active while its handler runs, and its slot is freed after completion", async () => {
  const gate = deferred();
  await using s = start(async () => {
    await gate.promise;
    return new Response("done");
  });
  const pending = fetch(s.url);
  await eventually(() => s.states() === "A", 2000, "the request to be Active");
  const owner = s.app.handles.slotInfo(0).owner;
  assert.equal(s.registry.owners.get(owner!)?.name, `:${s.port}`);
  gate.resolve();
  assert.equal(await (await pending).text(), "done");
  await eventually(() => s.states() === "", 2000, "the slot to be freed");
  assert.equal(s.app.handles.stats().used, 0);
});

Deno.test("an event stream goes Active → Idle when quiet → Active on bytes → Closing → free", async () => {
  let push!: (text: string) => void;
  let end!: () => void;
  await using s = start(() => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(new TextEncoder().encode(text));
        end = () => controller.close();
        push("data: first\n\n");
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  const response = await fetch(s.url);
  const reader = response.body!.getReader();
  await reader.read();
  await eventually(() => s.states() === "I", 2000, "Idle after 150 ms of silence");
  push("data: again\n\n");
  await reader.read();
  await eventually(() => s.states() === "A", 2000, "Active again on bytes");
  end();
  assert.equal((await reader.read()).done, true);
  await eventually(() => s.states() === "", 2000, "free once delivered");
});

Deno.test("isStream: false follows no body: an event stream is Closing until delivered, then free", async () => {
  let push!: (text: string) => void;
  let end!: () => void;
  await using s = start(
    () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          push = (text) => controller.enqueue(new TextEncoder().encode(text));
          end = () => controller.close();
          push("data: first\n\n");
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    },
    new DiagnosticsRegistry(),
    150,
    false,
  );
  const response = await fetch(s.url);
  const reader = response.body!.getReader();
  await reader.read();
  assert.equal(s.states(), "C");
  // Quiet for longer than idleAfter: not followed, so never Idle.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(s.states(), "C");
  push("data: again\n\n");
  await reader.read();
  end();
  assert.equal((await reader.read()).done, true);
  await eventually(() => s.states() === "", 2000, "free once delivered");
  const [record] = s.registry.requests.snapshot(Date.now()).server;
  assert.equal(record?.completed, 1);
  assert.equal(record?.response_bytes, 0); // not followed: its bytes are not counted
});

Deno.test("a request whose body is still arriving is Connecting; its body lands in a tcp_buffers slot", async () => {
  let seen: Uint8Array | null = null;
  let copy = "";
  await using s = start(async (request, _info, scope) => {
    seen = scope.body?.slice() ?? null;
    copy = await request.text();
    assert.notEqual(scope.arena, null);
    scope.arena!.alloc(64); // per-request scratch
    return new Response("ok");
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
  const encoder = new TextEncoder();
  await conn.write(encoder.encode(
    "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 11\r\n\r\nhello",
  ));
  await eventually(() => s.states() === "N", 2000, "Connecting while the body trickles in");
  assert.equal(s.registry.slab("tcp_buffers")!.stats().used, 1);
  await conn.write(encoder.encode(" world"));
  const buffer = new Uint8Array(512);
  const n = await conn.read(buffer);
  assert.match(new TextDecoder().decode(buffer.subarray(0, n!)), /200 OK/);
  conn.close();
  assert.equal(new TextDecoder().decode(seen!), "hello world");
  assert.equal(copy, "hello world");
  await eventually(
    () => s.registry.slab("tcp_buffers")!.stats().used === 0,
    2000,
    "the buffer freed",
  );
  assert.equal(s.registry.arenaPool("stream_arenas")!.stats().inUse, 0);
  assert.equal(s.registry.arenaPool("stream_arenas")!.stats().hwm, 64);
});

Deno.test("aborted requests free their slots", async () => {
  const gate = deferred();
  await using s = start(async () => {
    await gate.promise;
    return new Response("late");
  });
  const aborts = Array.from({ length: 20 }, () => new AbortController());
  const requests = aborts.map((a) => fetch(s.url, { signal: a.signal }).catch(() => null));
  await eventually(() => s.states().length === 20, 3000, "20 requests in flight");
  aborts.forEach((a) => a.abort());
  await Promise.all(requests);
  gate.resolve();
  await eventually(() => s.states() === "", 3000, "aborted requests freed");
});

Deno.test("10,000 requests, some aborted mid-response, leave no slot in use", async () => {
  // What is promised: every request that reaches the server is tracked
  // (one handle each) and freed, however it ends. An aborted request may
  // never reach it (the abort can come before the request is sent, which a
  // loaded machine makes likely), so the server's own count is the measure.
  let reached = 0;
  await using s = start(async (request) => {
    reached++;
    if (new URL(request.url).pathname === "/slow") await new Promise((r) => setTimeout(r, 20));
    if (request.method === "POST") await request.arrayBuffer();
    return new Response("x".repeat(64));
  });
  const total = 10_000;
  let sent = 0;
  let answered = 0;
  let aborted = 0;
  const worker = async () => {
    while (sent < total) {
      const i = sent++;
      if (i % 50 === 0) {
        const abort = new AbortController();
        const pending = fetch(`${s.url}/slow`, { signal: abort.signal })
          .then((response) => response.text())
          .then(() => answered++, () => aborted++);
        setTimeout(() => abort.abort(), 5);
        await pending;
      } else if (i % 7 === 0) {
        await (await fetch(s.url, { method: "POST", body: "payload" })).text();
        answered++;
      } else {
        await (await fetch(s.url)).text();
        answered++;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  assert.equal(answered + aborted, total);
  assert.ok(aborted <= total / 50, `${aborted} aborted`);
  await eventually(() => s.app.handles.stats().used === 0, 30_000, "no handle in use");
  assert.equal(s.registry.slab("tcp_buffers")!.stats().used, 0);
  assert.equal(s.registry.arenaPool("stream_arenas")!.stats().inUse, 0);
  const { allocs, frees, overflow } = s.app.handles.stats();
  assert.ok(reached >= answered, `${reached} reached the handler, ${answered} answered`);
  assert.equal(allocs + overflow, reached, "one handle per request that reached the server");
  assert.equal(frees, allocs);
  assert.deepEqual(s.app.handles.verify(), { ok: true, errors: [] });
});

Deno.test("a full handle slab still serves every request and counts the overflow", async () => {
  const registry = new DiagnosticsRegistry();
  registry.addSlab(
    new SlabAllocator({ name: "handles", slotSize: 1, capacity: 2, kind: "handle" }),
  );
  const gate = deferred();
  await using s = start(async () => {
    await gate.promise;
    return new Response("ok");
  }, registry);
  const requests = Array.from({ length: 5 }, () => fetch(s.url).then((r) => r.text()));
  await eventually(() => s.app.handles.stats().overflow === 3, 3000, "3 overflows");
  gate.resolve();
  assert.deepEqual(await Promise.all(requests), ["ok", "ok", "ok", "ok", "ok"]);
  await eventually(() => s.app.handles.stats().used === 0, 2000, "freed");
});

Deno.test("the server's owner is registered on listen and unregistered on close", () => {
  const registry = new DiagnosticsRegistry();
  const app = instrumentServer(registry, () => new Response("ok"), { name: "api" });
  assert.deepEqual(registry.owners.names(), ["api"]);
  app.close();
  app.close();
  assert.deepEqual(registry.owners.names(), [null]);
  assert.throws(
    () =>
      instrumentServer(registry, () => new Response(), { handles: registry.slab("tcp_buffers")! }),
    TypeError,
  );
});

Deno.test("instrumented fetch: Connecting until headers, Active while read, Idle when not, freed after", async () => {
  const headers = deferred();
  let push!: (text: string) => void;
  let end!: () => void;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    await headers.promise;
    return new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          push = (text) => controller.enqueue(new TextEncoder().encode(text));
          end = () => controller.close();
        },
      }),
    );
  });
  const registry = new DiagnosticsRegistry();
  const tracked = instrumentFetch(registry, { idleAfter: 150 });
  const state = () =>
    [...tracked.handles.readStates()].filter((x) => x !== 0).map((x) => "FUNAIC"[x]).join("");
  try {
    const origin = `http://127.0.0.1:${server.addr.port}`;
    const pending = tracked(`${origin}/path`);
    await eventually(() => state() === "N", 2000, "Connecting");
    assert.deepEqual(registry.owners.names(), [origin]);
    assert.equal(tracked.handles.slotInfo(0).owner, 0);
    headers.resolve();
    const response = await pending;
    assert.equal(response.url, `${origin}/path`);
    assert.equal(state(), "A");
    await eventually(() => state() === "I", 2000, "Idle while unread");
    const reader = response.body!.getReader();
    push("abc");
    assert.equal(new TextDecoder().decode((await reader.read()).value), "abc");
    await eventually(() => state() === "A", 2000, "Active again");
    end();
    assert.equal((await reader.read()).done, true);
    assert.equal(state(), "", "freed as soon as the body ended");
    // Cancelled bodies and failed requests free their slots too.
    const second = tracked(`${origin}/`);
    push = () => {};
    const cancelled = await second;
    await cancelled.body!.cancel();
    assert.equal(state(), "");
    await assert.rejects(tracked("http://127.0.0.1:1/"));
    assert.equal(tracked.handles.stats().used, 0);
    assert.equal(tracked.handles.stats().allocs, 3);
  } finally {
    tracked.close();
    await server.shutdown();
  }
  assert.deepEqual(registry.owners.names().filter((n) => n !== null), []);
});

Deno.test("instrumented fetch: each handle's site is its method and origin, held while the response is read", async () => {
  const headers = deferred();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    await headers.promise;
    return new Response("done");
  });
  const registry = new DiagnosticsRegistry();
  const tracked = instrumentFetch(registry);
  const sites = () =>
    tracked.handles.sites().sites.map((site) => [site.site, site.held, site.total]);
  try {
    const origin = `http://127.0.0.1:${server.addr.port}`;
    const pending = [
      tracked(`${origin}/a?x=1`),
      tracked(new Request(`${origin}/b`, { method: "post", body: "x" })),
    ];
    await eventually(() => tracked.handles.stats().used === 2, 2000, "both requests under way");
    assert.deepEqual(sites().sort(), [[`GET ${origin}`, 1, 1], [`POST ${origin}`, 1, 1]]);
    headers.resolve();
    for (const response of await Promise.all(pending)) await response.text();
    assert.deepEqual(sites().sort(), [[`GET ${origin}`, 0, 1], [`POST ${origin}`, 0, 1]]);
  } finally {
    tracked.close();
    await server.shutdown();
  }
});

Deno.test("instrumented fetch: aborting the request ends a body that is being read, at once", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new Uint8Array([1]));
            // …then silence: the reader waits inside the tracked body.
          },
        }),
      ),
  );
  const registry = new DiagnosticsRegistry();
  const tracked = instrumentFetch(registry);
  try {
    const abort = new AbortController();
    const response = await tracked(`http://127.0.0.1:${server.addr.port}/`, {
      signal: abort.signal,
    });
    const reading = (async () => {
      for await (const _ of response.body!) { /* wait for more */ }
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    abort.abort();
    await assert.rejects(reading, (error: unknown) => (error as Error).name === "AbortError");
    assert.ok(performance.now() - started < 200);
    assert.equal(tracked.handles.stats().used, 0, "the slot is freed with the abort");
  } finally {
    tracked.close();
    await server.shutdown();
  }
});

Deno.test("a body tracker whose slot was freed first keeps streaming and changes nothing", async () => {
  // `completed` can free the slot before the body reports its last state.
  const slab = new SlabAllocator({ name: "h", slotSize: 1, capacity: 2, kind: "handle" });
  const handle = slab.alloc()!;
  const source = ReadableStream.from([new Uint8Array([1]), new Uint8Array([2])]);
  const tracked = trackStream(source, slab, handle, 5);
  slab.free(handle);
  const next = slab.alloc()!; // the same slot, someone else's now
  assert.deepEqual([...new Uint8Array(await new Response(tracked).arrayBuffer())], [1, 2]);
  assert.equal(slab.slotInfo(slab.indexOf(next)).state, HandleState.Connecting);
});

/** A response that counts the reads of its headers (which take it off Deno's fastest way out). */
function watchedResponses() {
  const reads = { count: 0 };
  class Watched extends Response {
    override get headers(): Headers {
      reads.count++;
      return super.headers;
    }
  }
  return { Watched, reads };
}

Deno.test("a response Deno sends whole is tracked without reading its headers; its bytes are counted, strings in UTF-8", async () => {
  const { Watched, reads } = watchedResponses();
  const encoder = new TextEncoder();
  const json = { headers: { "content-type": "application/json" } };
  const sentTwice = new Watched("once");
  await using s = start((request) => {
    switch (new URL(request.url).pathname) {
      case "/text":
        return new Watched("Hello, world!");
      case "/json":
        return new Watched(JSON.stringify({ ok: true }), json);
      case "/created":
        return new Watched(JSON.stringify({ id: "é" }), { ...json, status: 201 });
      case "/bytes":
        return new Watched(encoder.encode("12345"), { headers: { "x-kind": "bytes" } });
      case "/sized":
        return new Watched("12345678", { status: 404, headers: { "Content-Length": "8" } });
      case "/empty":
        return new Watched(null, { status: 204 });
      case "/twice":
        return sentTwice;
      default:
        return new Watched(ReadableStream.from([encoder.encode("data: 1\n\n")]), {
          headers: { "content-type": "text/event-stream" },
        });
    }
  });
  const bodies: string[] = [];
  for (const path of ["/text", "/json", "/created", "/bytes", "/sized", "/empty"]) {
    bodies.push(await (await fetch(`${s.url}${path}`)).text());
  }
  // A HEAD request's body is never sent.
  assert.equal((await fetch(`${s.url}/text`, { method: "HEAD" })).status, 200);
  assert.deepEqual(
    bodies,
    ["Hello, world!", '{"ok":true}', '{"id":"é"}', "12345", "12345678", ""],
  );
  await eventually(() => s.states() === "", 2000, "every slot freed");
  assert.equal(reads.count, 0, "no header of a body sent whole was read");
  const record = () => s.registry.requests.snapshot(Date.now()).server[0]!;
  assert.equal(record().completed, 7);
  // 13, 11 and 11 bytes of strings (é is two), 5 of bytes, the declared 8, none, none for HEAD.
  assert.equal(record().response_bytes, 13 + 11 + 11 + 5 + 8);

  // A stream is told by its content type: its headers are read, and it is followed.
  assert.equal(await (await fetch(`${s.url}/events`)).text(), "data: 1\n\n");
  await eventually(() => record().completed === 8, 2000, "the stream");
  assert.ok(reads.count > 0);
  assert.equal(record().response_bytes, 48 + 9);

  // A response sent already is not counted again (Deno answers the second request with a 500).
  assert.equal(await (await fetch(`${s.url}/twice`)).text(), "once");
  await (await fetch(`${s.url}/twice`)).body?.cancel();
  await eventually(() => record().completed === 10, 2000, "both");
  assert.equal(record().response_bytes, 48 + 9 + 4);
});

Deno.test("with isStream false or a function of its own, bodies sent whole still count their bytes", async () => {
  for (const isStream of [false, (response: Response) => response.status === 299] as const) {
    const { Watched, reads } = watchedResponses();
    const registry = new DiagnosticsRegistry();
    const app = instrumentServer(registry, () => new Watched("€ for all"), {
      isStream,
      onListen() {},
    });
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: app.onListen }, app);
    try {
      for (let i = 0; i < 3; i++) {
        await (await fetch(`http://127.0.0.1:${server.addr.port}/`)).text();
      }
      const record = () => registry.requests.snapshot(Date.now()).server[0]!;
      await eventually(() => record().completed === 3, 2000, "three requests");
      assert.equal(record().response_bytes, 3 * 11, String(isStream));
      assert.equal(reads.count, 0, String(isStream));
    } finally {
      await server.shutdown();
      app.close();
    }
  }
});

Deno.test("onListen says where the server listens, as Deno.serve would, unless given its own", async () => {
  const printed: string[] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => void printed.push(args.join(" "));
  try {
    const registry = new DiagnosticsRegistry();
    const app = instrumentServer(registry, () => new Response("ok"));
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: app.onListen }, app);
    assert.deepEqual(printed, [`Listening on http://127.0.0.1:${server.addr.port}/`]);
    await server.shutdown();
    app.close();
    const heard: Deno.NetAddr[] = [];
    const quiet = instrumentServer(registry, () => new Response("ok"), {
      onListen: (address) => void heard.push(address),
    });
    const other = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: quiet.onListen }, quiet);
    assert.equal(printed.length, 1);
    assert.equal(heard[0]?.port, other.addr.port);
    assert.equal(registry.owners.get(quiet.owner!)?.name, `:${other.addr.port}`);
    await other.shutdown();
    quiet.close();
  } finally {
    console.error = error;
  }
  assert.throws(
    // @ts-expect-error: not a function
    () => instrumentServer(new DiagnosticsRegistry(), () => new Response(), { onListen: "log" }),
    {
      name: "TypeError",
      message: "Cannot instrument a server: onListen must be a function, received string",
    },
  );
});
