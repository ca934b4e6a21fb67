// Copyright 2026 the slabscope authors. MIT license.
// Closed by default: host and origin checks before routing, tokens with
// one-time login links, no CORS, read-only, security headers, stream caps.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import {
  AccessGuard,
  createDashboard,
  createDiagnosticsHandler,
  generateToken,
  serveDashboard,
} from "../../dashboard.ts";
import { eventually } from "./_sse_client.ts";

function registry() {
  const r = new DiagnosticsRegistry();
  r.addSlab(new SlabAllocator({ name: "objects", slotSize: 8, capacity: 64 })).alloc();
  return r;
}

/** A raw HTTP/1.1 request, so that any Host header can be sent. */
async function raw(port: number, lines: string[]): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n`));
    const buffer = new Uint8Array(64 * 1024);
    const n = await conn.read(buffer);
    return new TextDecoder().decode(buffer.subarray(0, n ?? 0));
  } finally {
    conn.close();
  }
}

function serve(options: Parameters<typeof createDashboard>[1] = {}) {
  const dashboard = createDashboard(registry(), options);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
  const base = `http://127.0.0.1:${server.addr.port}/debug`;
  return {
    dashboard,
    port: server.addr.port,
    base,
    async [Symbol.asyncDispose]() {
      await dashboard.close();
      await server.shutdown();
    },
  };
}

Deno.test("a foreign Host header gets 403 before any routing (DNS rebinding)", async () => {
  await using s = serve();
  for (
    const path of [
      "/debug/",
      "/debug/diagnostics/memory",
      "/debug/diagnostics/snapshot",
      "/debug/nope",
      "/debug/styles.css",
    ]
  ) {
    const response = await raw(s.port, [
      `GET ${path} HTTP/1.1`,
      "Host: attacker.example:8000",
      "Connection: close",
    ]);
    assert.match(response, /^HTTP\/1\.1 403/, path);
    assert.doesNotMatch(response, /slabscope|objects/, "nothing leaks in the refusal");
  }
  for (const host of [`localhost:${s.port}`, `127.0.0.1:${s.port}`, `[::1]:${s.port}`]) {
    const response = await raw(s.port, [
      "GET /debug/diagnostics/snapshot HTTP/1.1",
      `Host: ${host}`,
      "Connection: close",
    ]);
    assert.match(response, /^HTTP\/1\.1 200/, host);
  }
  // The endpoints-only handler applies the same check.
  const handler = createDiagnosticsHandler(registry());
  const rebound = await handler(
    new Request("http://127.0.0.1/debug/diagnostics/snapshot", {
      headers: { host: "127.0.0.1.nip.io" },
    }),
  );
  assert.equal(rebound.status, 403);
  await handler.close();
});

Deno.test("allowedHosts admits the names a server is reached by, and nothing else", () => {
  const guard = new AccessGuard({ allowedHosts: ["dash.internal:8443"] });
  const request = (host: string) => new Request(`http://${host}/debug/`, { headers: { host } });
  assert.equal(guard.check(request("dash.internal:8443")), undefined);
  assert.equal(guard.check(request("dash.internal:9999"))?.status, 403);
  assert.equal(guard.check(request("other.internal:8443"))?.status, 403);
});

Deno.test("a cross-origin request gets 403; same-origin passes; no CORS header ever", async () => {
  await using s = serve();
  const foreign = await fetch(`${s.base}/diagnostics/snapshot`, {
    headers: { origin: "https://evil.example" },
  });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.headers.get("access-control-allow-origin"), null);
  await foreign.body?.cancel();
  const same = await fetch(`${s.base}/diagnostics/snapshot`, {
    headers: { origin: `http://127.0.0.1:${s.port}` },
  });
  assert.equal(same.status, 200);
  assert.equal(same.headers.get("access-control-allow-origin"), null);
  await same.body?.cancel();
  // A cross-site <script src> or <img src> carries no Origin; Fetch Metadata
  // gives it away. A cross-site navigation (a clicked link) is let through.
  const subresource = await fetch(`${s.base}/diagnostics/snapshot`, {
    headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" },
  });
  assert.equal(subresource.status, 403);
  await subresource.body?.cancel();
  const navigation = await fetch(`${s.base}/`, {
    headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" },
  });
  assert.equal(navigation.status, 200);
  await navigation.body?.cancel();
  const preflight = await fetch(`${s.base}/diagnostics/snapshot`, { method: "OPTIONS" });
  assert.equal(preflight.status, 405);
  assert.equal(preflight.headers.get("access-control-allow-origin"), null);
  await preflight.body?.cancel();
});

Deno.test("every path is read-only: other methods get 405", async () => {
  await using s = serve();
  for (
    const path of [
      "/",
      "/diagnostics/memory",
      "/diagnostics/snapshot",
      "/diagnostics/slot?slab=objects&index=0",
      "/styles.css",
      "/metrics",
      "/fleet/instances",
      "/fleet/keyframe?id=x",
    ]
  ) {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const response = await fetch(`${s.base}${path}`, {
        method,
        body: method === "DELETE" ? undefined : "x",
      });
      assert.equal(response.status, 405, `${method} ${path}`);
      await response.body?.cancel();
    }
  }
  const head = await fetch(`${s.base}/diagnostics/memory`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-type"), "text/event-stream; charset=utf-8");
  assert.equal(s.dashboard.stream.clientCount, 0, "HEAD opens no stream");
});

Deno.test("the page carries no-store, nosniff, no-referrer and a strict CSP with a nonce; assets nosniff", async () => {
  await using s = serve();
  const page = await fetch(`${s.base}/`);
  const html = await page.text();
  assert.equal(page.headers.get("cache-control"), "no-store");
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  assert.equal(page.headers.get("referrer-policy"), "no-referrer");
  const csp = page.headers.get("content-security-policy")!;
  assert.match(csp, /default-src 'none'/);
  // Scripts: its own, and the one inline boot script by this response's nonce.
  const nonce = /script-src 'self' 'nonce-([0-9a-f]{32})'(;|$)/.exec(csp)?.[1];
  assert.ok(nonce, csp);
  assert.match(csp, /frame-ancestors 'none'/);
  const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
  assert.deepEqual(scripts, [` type="module" nonce="${nonce}"`]);
  const css = await fetch(`${s.base}/styles.css`);
  assert.equal(css.headers.get("x-content-type-options"), "nosniff");
  await css.body?.cancel();
});

Deno.test("names from user code are escaped in the page and the payloads", async () => {
  const r = new DiagnosticsRegistry();
  const evil = `</script><script>alert(1)</script>"'&`;
  r.addSlab(new SlabAllocator({ name: evil.slice(0, 60), slotSize: 8, capacity: 8 })).alloc(
    r.owners.register(`<img src=x onerror=alert(2)>`, "server"),
  );
  const dashboard = createDashboard(r);
  const html = await (await dashboard(new Request("http://127.0.0.1/debug/"))).text();
  assert.doesNotMatch(html, /<script>alert\(1\)/);
  assert.doesNotMatch(html, /<img src=x/);
  assert.match(html, /&lt;\/script>|\\u003c\/script/);
  const json = await (await dashboard(new Request("http://127.0.0.1/debug/diagnostics/snapshot")))
    .json();
  assert.equal(json.slabs[0].name, evil.slice(0, 60), "JSON carries the name exactly");
  await dashboard.close();
});

Deno.test("with a token: 401 without it, Bearer works, a one-time login link sets an HttpOnly SameSite cookie", async () => {
  const token = generateToken();
  await using s = serve({ token });
  for (const path of ["/", "/diagnostics/snapshot", "/diagnostics/memory", "/styles.css"]) {
    const response = await fetch(`${s.base}${path}`);
    assert.equal(response.status, 401, path);
    assert.doesNotMatch(await response.text(), new RegExp(token));
  }
  const bearer = { authorization: `Bearer ${token}` };
  const ok = await fetch(`${s.base}/diagnostics/snapshot`, { headers: bearer });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  const wrong = await fetch(`${s.base}/diagnostics/snapshot`, {
    headers: { authorization: `Bearer ${token.slice(0, -1)}x` },
  });
  assert.equal(wrong.status, 401);
  await wrong.body?.cancel();

  // A token holder asks for a login link; the link works once.
  const link = (await (await fetch(`${s.base}/login`, { headers: bearer })).text()).trim();
  assert.match(link, /\/debug\/login\?code=[A-Za-z0-9_-]{32}$/);
  assert.doesNotMatch(link, new RegExp(token), "the link does not carry the token");
  const login = await fetch(link, { redirect: "manual" });
  assert.equal(login.status, 303);
  assert.equal(login.headers.get("location"), "/debug/");
  const cookie = login.headers.get("set-cookie")!;
  assert.match(
    cookie,
    new RegExp(
      `^slabscope_${s.port}_2fdebug=[A-Za-z0-9_-]{43}; Path=/debug; HttpOnly; SameSite=Strict; Max-Age=43200$`,
    ),
  );
  const session = cookie.split(";")[0]!;
  const page = await fetch(`${s.base}/`, { headers: { cookie: session } });
  assert.equal(page.status, 200);
  await page.body?.cancel();
  const events = await fetch(`${s.base}/diagnostics/memory`, { headers: { cookie: session } });
  assert.equal(events.status, 200, "EventSource sends the cookie; no header needed");
  await events.body?.cancel();
  const again = await fetch(link, { redirect: "manual" });
  assert.equal(again.status, 401, "a login link works once");
  await again.body?.cancel();
  const forged = await fetch(`${s.base}/`, {
    headers: { cookie: `slabscope_${s.port}_2fdebug=forged` },
  });
  assert.equal(forged.status, 401);
  await forged.body?.cancel();
});

Deno.test("tokens shorter than 128 bits are refused; serveDashboard will not listen beyond loopback without one", () => {
  assert.throws(() => new AccessGuard({ token: "short" }), RangeError);
  assert.throws(
    () => createDashboard(new DiagnosticsRegistry(), { token: "x".repeat(21) }),
    RangeError,
  );
  assert.throws(
    () => serveDashboard(new DiagnosticsRegistry(), { hostname: "0.0.0.0", port: 0 }),
    /Refusing to serve the dashboard on 0\.0\.0\.0 without a token/,
  );
  assert.throws(
    () =>
      serveDashboard(new DiagnosticsRegistry(), {
        hostname: "0.0.0.0",
        port: 0,
        token: generateToken(),
      }),
    /without allowedHosts/,
  );
});

Deno.test("serveDashboard binds 127.0.0.1 by default and redirects / to the dashboard", async () => {
  const served = serveDashboard(registry(), { port: 0, onListen() {} });
  try {
    assert.equal(served.server.addr.hostname, "127.0.0.1");
    const root = await fetch(served.url.replace("/debug/", "/"), { redirect: "manual" });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get("location"), "/debug/");
    assert.equal(served.loginLink(), served.url);
  } finally {
    await served.shutdown();
  }
});

Deno.test("stream caps: over the total or per-address cap 503 with Retry-After; too many connects 429", async () => {
  await using s = serve({ maxStreams: 3, maxStreamsPerAddress: 2, connectsPerSecond: 1000 });
  const open = [
    await fetch(`${s.base}/diagnostics/memory`),
    await fetch(`${s.base}/diagnostics/memory`),
  ];
  assert.deepEqual(open.map((r) => r.status), [200, 200]);
  const third = await fetch(`${s.base}/diagnostics/memory`);
  assert.equal(third.status, 503, "the per-address cap (2)");
  assert.match(third.headers.get("retry-after")!, /^\d+$/);
  await third.body?.cancel();
  await open[0]!.body!.cancel();
  // The released slot is reusable.
  await eventually(() => s.dashboard.stream.clientCount === 1, 30_000, "the slot released");
  const again = await fetch(`${s.base}/diagnostics/memory`);
  assert.equal(again.status, 200);
  await again.body!.cancel();
  await open[1]!.body!.cancel();

  // One connect a second, bursts of 2: ten connects in a row see a 429
  // unless each takes over a second.
  await using r = serve({ connectsPerSecond: 1 });
  const statuses: number[] = [];
  for (let i = 0; i < 10; i++) {
    const response = await fetch(`${r.base}/diagnostics/memory`);
    statuses.push(response.status);
    await response.body?.cancel();
  }
  assert.deepEqual(statuses.slice(0, 2), [200, 200], "a burst of twice the rate");
  assert.ok(statuses.slice(2).includes(429), statuses.join());
});

Deno.test("the demo refuses a non-loopback HOST without SLABSCOPE_TOKEN, and never prints a token", async () => {
  const cwd = new URL("../../", import.meta.url).pathname;
  const refused = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd,
    env: { HOST: "0.0.0.0", PORT: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(refused.code, 1);
  assert.match(
    new TextDecoder().decode(refused.stderr),
    /refusing to listen on 0\.0\.0\.0 without SLABSCOPE_TOKEN/,
  );

  // With a token it prints a one-time login link, never the token.
  const token = generateToken();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts"],
    cwd,
    env: { PORT: "0", SLABSCOPE_TOKEN: token },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let printed = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!/login \(once, 5 min\): \S+/.test(printed)) {
      printed += (await reader.read()).value ?? "";
    }
    assert.doesNotMatch(printed, new RegExp(token));
    const link = /login \(once, 5 min\): (\S+)/.exec(printed)![1]!;
    const login = await fetch(link, { redirect: "manual" });
    assert.equal(login.status, 303);
    await login.body?.cancel();
  } finally {
    child.kill("SIGINT");
    await child.status;
    await reader.cancel();
    await child.stderr.cancel();
  }
});
