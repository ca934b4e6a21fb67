// Copyright 2026 the slabscope authors. MIT license.
// When an instrumented request ends: a small body sent whole at the
// handler's answer, anything else when `completed` settles (Deno's handler
// info, here held in the test's hand), and every failure once.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, instrumentServer } from "../../mod.ts";

/** Handler info whose `completed` the test settles, and how often it was asked for. */
function heldInfo(): Deno.ServeHandlerInfo & { settle(): void; asked: number } {
  const { promise, resolve } = Promise.withResolvers<void>();
  let asked = 0;
  return {
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    get completed() {
      asked++;
      return promise;
    },
    settle: resolve,
    get asked() {
      return asked;
    },
  };
}

function server(handler: () => Response | Promise<Response>, isStream?: () => boolean) {
  const registry = new DiagnosticsRegistry();
  const app = instrumentServer(registry, handler, {
    name: "test",
    ...(isStream === undefined ? {} : { isStream }),
  });
  const record = () => registry.requests.snapshot(Date.now()).server[0]!;
  return { app, record, used: () => app.handles.stats().used };
}

Deno.test("a small body sent whole ends its request at the answer, without asking for completed", () => {
  const { app, record, used } = server(() => new Response("hello"));
  const info = heldInfo();
  const response = app(new Request("http://127.0.0.1/"), info);
  assert.ok(response instanceof Response, "answered synchronously");
  assert.equal(used(), 0);
  assert.equal(info.asked, 0);
  assert.equal(record().completed, 1);
  assert.equal(record().response_bytes, 5);
  app.close();
});

Deno.test("a whole body over 64 KiB stays Closing until completed settles; its bytes are counted", async () => {
  const { app, record, used } = server(() => new Response(new Uint8Array(64 * 1024 + 1)));
  const info = heldInfo();
  app(new Request("http://127.0.0.1/"), info);
  assert.equal(used(), 1);
  assert.equal(info.asked, 1);
  assert.equal(record().in_flight, 1);
  info.settle();
  await info.completed;
  assert.equal(used(), 0);
  assert.equal(record().completed, 1);
  assert.equal(record().response_bytes, 64 * 1024 + 1);
  app.close();
});

Deno.test("answering that throws after an async handler (a custom isStream) frees the slot and counts a 500", async () => {
  const { app, record, used } = server(
    () => Promise.resolve(new Response("hi")),
    () => {
      throw new Error("isStream failed");
    },
  );
  await assert.rejects(
    Promise.resolve(app(new Request("http://127.0.0.1/"), heldInfo())),
    /isStream failed/,
  );
  assert.equal(used(), 0);
  assert.equal(record().in_flight, 0);
  assert.equal(record().completed, 1);
  assert.deepEqual(Object.keys(record().classes), ["5xx"]);
  app.close();
});

Deno.test("answering that throws synchronously, and a request with a body, end once too", async () => {
  const { app, record, used } = server(
    () => new Response("hi"),
    () => {
      throw new Error("isStream failed");
    },
  );
  assert.throws(() => app(new Request("http://127.0.0.1/"), heldInfo()), /isStream failed/);
  await assert.rejects(
    Promise.resolve(
      app(new Request("http://127.0.0.1/", { method: "POST", body: "abc" }), heldInfo()),
    ),
    /isStream failed/,
  );
  assert.equal(used(), 0);
  assert.equal(record().completed, 2);
  assert.equal(record().in_flight, 0);
  app.close();
});
