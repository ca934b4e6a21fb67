// Copyright 2026 the slabscope authors. MIT license.
// The guard at its edges, against a real server: requests other sites
// start (links, frames, other ports of the same host), security headers on
// every answer, paths outside the prefix, the session cookie's scope, a
// trusted TLS proxy, origins with their scheme, page renders, the slot
// endpoint's index.
import assert from "node:assert/strict";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";
import { createDashboard, generateToken, serveDashboard } from "../../dashboard.ts";
import type { DashboardOptions } from "../../dashboard.ts";

function registry() {
  const r = new DiagnosticsRegistry();
  r.addSlab(new SlabAllocator({ name: "objects", slotSize: 8, capacity: 64 })).alloc();
  return r;
}

function serve(options: DashboardOptions = {}) {
  const dashboard = createDashboard(registry(), options);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, dashboard);
  return {
    dashboard,
    port: server.addr.port,
    base: `http://127.0.0.1:${server.addr.port}/debug`,
    async [Symbol.asyncDispose]() {
      await dashboard.close();
      await server.shutdown();
    },
  };
}

/** A raw HTTP/1.1 request (any Host, any method); returns the status line and headers. */
async function raw(port: number, head: string): Promise<{ status: number; headers: Headers }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(`${head}\r\nConnection: close\r\n\r\n`));
    let text = "";
    const buffer = new Uint8Array(16 * 1024);
    while (!text.includes("\r\n\r\n")) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    const [statusLine, ...lines] = text.slice(0, text.indexOf("\r\n\r\n")).split("\r\n");
    const headers = new Headers();
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    return { status: Number(statusLine!.split(" ")[1]), headers };
  } finally {
    conn.close();
  }
}

/** Fetch Metadata as a browser sends it. */
function from(site: "cross-site" | "same-site", mode: string, dest: string): HeadersInit {
  return { "sec-fetch-site": site, "sec-fetch-mode": mode, "sec-fetch-dest": dest };
}

async function status(url: string, init: RequestInit = {}): Promise<number> {
  const response = await fetch(url, { redirect: "manual", ...init });
  await response.body?.cancel();
  return response.status;
}

function assertNoFraming(headers: Headers, what: string): void {
  assert.equal(headers.get("x-frame-options"), "DENY", what);
  assert.match(headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/, what);
  assert.equal(headers.get("x-content-type-options"), "nosniff", what);
  assert.equal(headers.get("referrer-policy"), "no-referrer", what);
}

Deno.test("another site may link to the page and the login only; other ports of the host count as other sites", async () => {
  await using s = serve();
  const link = from("cross-site", "navigate", "document");
  assert.equal(await status(`${s.base}/`, { headers: link }), 200, "the page");
  assert.equal(await status(s.base, { headers: link }), 200, "the page without its slash");
  assert.equal(
    await status(`${s.base}/login?code=nope`, { headers: link }),
    401,
    "the login: past the guard, its own answer to an unknown code",
  );
  for (const path of ["/diagnostics/memory", "/diagnostics/snapshot", "/metrics", "/styles.css"]) {
    assert.equal(await status(`${s.base}${path}`, { headers: link }), 403, path);
  }
  // A page on another port of 127.0.0.1 is "same-site", not "cross-site".
  const otherPort = from("same-site", "no-cors", "script");
  assert.equal(await status(`${s.base}/diagnostics/snapshot`, { headers: otherPort }), 403);
  assert.equal(
    await status(`${s.base}/diagnostics/memory`, {
      headers: from("same-site", "navigate", "document"),
    }),
    403,
  );
  // The dashboard's own requests are same-origin, and a typed URL says "none".
  assert.equal(
    await status(`${s.base}/diagnostics/snapshot`, {
      headers: from("same-origin" as "same-site", "cors", "empty"),
    }),
    200,
  );
  assert.equal(
    await status(`${s.base}/diagnostics/snapshot`, {
      headers: from("none" as "same-site", "navigate", "document"),
    }),
    200,
  );
});

Deno.test("frames of the dashboard are refused before any work; attacker frames cannot take the stream slots", async () => {
  await using s = serve();
  for (const dest of ["iframe", "frame", "embed", "object"]) {
    for (const site of ["cross-site", "same-site"] as const) {
      assert.equal(
        await status(`${s.base}/`, { headers: from(site, "navigate", dest) }),
        403,
        `${site} ${dest}`,
      );
    }
  }
  // Two attacker pages with six iframes of the stream each: every one refused…
  const frames = await Promise.all(
    Array.from(
      { length: 12 },
      () =>
        fetch(`${s.base}/diagnostics/memory`, {
          headers: from("cross-site", "navigate", "iframe"),
        }),
    ),
  );
  assert.deepEqual(frames.map((r) => r.status), new Array(12).fill(403));
  await Promise.all(frames.map((r) => r.body?.cancel()));
  assert.equal(s.dashboard.stream.clientCount, 0);
  // …so the dashboard's own stream (same-origin, from the page) gets its slot.
  const own = await fetch(`${s.base}/diagnostics/memory`, {
    headers: from("same-origin" as "same-site", "cors", "empty"),
  });
  assert.equal(own.status, 200);
  await own.body!.cancel();
});

Deno.test("every answer forbids framing: pages, data, assets, redirects, refusals and errors", async () => {
  const token = generateToken();
  const served = serveDashboard(registry(), { port: 0, token, onListen() {} });
  try {
    const port = served.server.addr.port;
    const host = `Host: 127.0.0.1:${port}`;
    const bearer = `Authorization: Bearer ${token}`;
    const cases: [string, string, number][] = [
      ["the page", `GET /debug/ HTTP/1.1\r\n${host}\r\n${bearer}`, 200],
      ["the snapshot", `GET /debug/diagnostics/snapshot HTTP/1.1\r\n${host}\r\n${bearer}`, 200],
      ["metrics", `GET /metrics HTTP/1.1\r\n${host}\r\n${bearer}`, 200],
      ["an asset", `GET /debug/styles.css HTTP/1.1\r\n${host}\r\n${bearer}`, 200],
      [
        "a HEAD of the stream",
        `HEAD /debug/diagnostics/memory HTTP/1.1\r\n${host}\r\n${bearer}`,
        200,
      ],
      ["the root redirect", `GET / HTTP/1.1\r\n${host}\r\n${bearer}`, 302],
      ["a 404 outside the prefix", `GET /nope HTTP/1.1\r\n${host}\r\n${bearer}`, 404],
      ["a 404 inside it", `GET /debug/nope HTTP/1.1\r\n${host}\r\n${bearer}`, 404],
      ["a 401", `GET /debug/ HTTP/1.1\r\n${host}`, 401],
      ["a 403", `GET /debug/ HTTP/1.1\r\nHost: evil.example`, 403],
      ["a 405", `DELETE /debug/ HTTP/1.1\r\n${host}\r\n${bearer}`, 405],
      ["a 400", `GET /debug/ HTTP/1.1\r\nHost: localhost:abc`, 400],
      ["a login 401", `GET /debug/login?code=nope HTTP/1.1\r\n${host}`, 401],
    ];
    for (const [what, head, expected] of cases) {
      const response = await raw(port, head);
      assert.equal(response.status, expected, what);
      assertNoFraming(response.headers, what);
    }
    const login = await fetch(served.loginLink(), { redirect: "manual" });
    assert.equal(login.status, 303);
    assertNoFraming(login.headers, "the login redirect");
    const session = login.headers.get("set-cookie")!.split(";")[0]!;
    const stream = await fetch(`${served.url}diagnostics/memory`, { headers: { cookie: session } });
    assert.equal(stream.status, 200);
    assertNoFraming(stream.headers, "the stream");
    await stream.body!.cancel();
  } finally {
    await served.shutdown();
  }
});

Deno.test("outside the prefix the guard runs first: no redirect to a foreign host, 405 for any method, headers on 404s", async () => {
  let fallbackCalls = 0;
  const served = serveDashboard(registry(), { port: 0, onListen() {} });
  const mine = serveDashboard(registry(), {
    port: 0,
    onListen() {},
    fallback: () => {
      fallbackCalls++;
      return new Response("my page");
    },
  });
  try {
    const port = served.server.addr.port;
    const host = `Host: 127.0.0.1:${port}`;
    const rebound = await raw(port, "GET / HTTP/1.1\r\nHost: evil.example");
    assert.equal(rebound.status, 403);
    assert.equal(
      rebound.headers.get("location"),
      null,
      "no redirect to http://evil.example/debug/",
    );
    assert.equal((await raw(port, `POST / HTTP/1.1\r\n${host}\r\nContent-Length: 0`)).status, 405);
    const put = await raw(
      port,
      `PUT /debug/no-such-route HTTP/1.1\r\n${host}\r\nContent-Length: 0`,
    );
    assert.equal(put.status, 405);
    assert.equal(put.headers.get("allow"), "GET, HEAD");
    const missing = await raw(port, `GET /no-such-page HTTP/1.1\r\n${host}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("cross-origin-resource-policy"), "same-origin");
    assert.equal(missing.headers.get("cache-control"), "no-store");
    assertNoFraming(missing.headers, "404");

    // A server's own pages are behind the same guard.
    const minePort = mine.server.addr.port;
    assert.equal((await raw(minePort, "GET /app HTTP/1.1\r\nHost: evil.example")).status, 403);
    assert.equal(
      (await raw(
        minePort,
        `POST /app HTTP/1.1\r\nHost: 127.0.0.1:${minePort}\r\nContent-Length: 0`,
      ))
        .status,
      405,
    );
    assert.equal(fallbackCalls, 0, "refused before the fallback ran");
    assert.equal(
      (await raw(minePort, `GET /app HTTP/1.1\r\nHost: 127.0.0.1:${minePort}`)).status,
      200,
    );
    assert.equal(fallbackCalls, 1);
  } finally {
    await served.shutdown();
    await mine.shutdown();
  }
});

Deno.test("a request target naming another host is refused, whatever its Host header says", async () => {
  await using s = serve();
  const absolute = await raw(
    s.port,
    `GET http://evil.example/debug/ HTTP/1.1\r\nHost: 127.0.0.1:${s.port}`,
  );
  assert.equal(absolute.status, 403);
  const ours = await raw(
    s.port,
    `GET http://127.0.0.1:${s.port}/debug/ HTTP/1.1\r\nHost: 127.0.0.1:${s.port}`,
  );
  assert.equal(ours.status, 200);
});

Deno.test("the Origin check compares the scheme too", async () => {
  await using s = serve();
  const snapshot = `${s.base}/diagnostics/snapshot`;
  assert.equal(await status(snapshot, { headers: { origin: `http://127.0.0.1:${s.port}` } }), 200);
  assert.equal(
    await status(snapshot, { headers: { origin: `https://127.0.0.1:${s.port}` } }),
    403,
    "https://… is another origin than http://…",
  );
  assert.equal(await status(snapshot, { headers: { origin: "null" } }), 403, "an opaque origin");
  assert.equal(
    await status(snapshot, { headers: { origin: `http://127.0.0.1:${s.port}.evil` } }),
    403,
  );
});

Deno.test("the session cookie is named after the port and prefix, limited to the prefix, and lives 12 hours", async () => {
  const token = generateToken();
  await using a = serve({ token });
  await using b = serve({ token });
  const login = async (s: typeof a) => {
    const link = (await (await fetch(`${s.base}/login`, {
      headers: { authorization: `Bearer ${token}` },
    })).text()).trim();
    const response = await fetch(link, { redirect: "manual" });
    assert.equal(response.status, 303);
    return response.headers.get("set-cookie")!;
  };
  const cookieA = await login(a);
  const cookieB = await login(b);
  assert.match(
    cookieA,
    new RegExp(
      `^slabscope_${a.port}_2fdebug=[\\w-]{43}; Path=/debug; HttpOnly; SameSite=Strict; Max-Age=43200$`,
    ),
  );
  assert.doesNotMatch(cookieA, /Secure/, "plain HTTP");
  assert.ok(cookieB.startsWith(`slabscope_${b.port}_2fdebug=`));
  // A browser sends both to both (cookies ignore ports): each takes its own.
  const both = `${cookieA.split(";")[0]}; ${cookieB.split(";")[0]}`;
  assert.equal(await status(`${a.base}/`, { headers: { cookie: both } }), 200);
  assert.equal(await status(`${b.base}/`, { headers: { cookie: both } }), 200);
  // A session is valid under its own name only.
  const value = cookieA.split(";")[0]!.split("=")[1]!;
  assert.equal(
    await status(`${a.base}/`, { headers: { cookie: `slabscope_session=${value}` } }),
    401,
  );
  assert.equal(
    await status(`${a.base}/`, { headers: { cookie: `slabscope_${b.port}_2fdebug=${value}` } }),
    401,
  );

  // Another prefix on the same port is another dashboard.
  const other = createDashboard(registry(), { token, prefix: "/ops/mem" });
  const otherLink = other.guard.loginLink("http://127.0.0.1:9/ops/mem");
  const otherLogin = await other(new Request(otherLink, { headers: { host: "127.0.0.1:9" } }));
  assert.match(
    otherLogin.headers.get("set-cookie")!,
    /^slabscope_9_2fops_2fmem=[\w-]{43}; Path=\/ops\/mem;/,
  );
  await other.close();
});

Deno.test("over TLS the session cookie is a Secure __Host- cookie", async () => {
  const token = generateToken();
  const dashboard = createDashboard(registry(), { token });
  try {
    // A request that reached the handler over TLS (Deno.serve with a certificate).
    const link = dashboard.guard.loginLink("https://127.0.0.1/debug");
    const response = await dashboard(new Request(link));
    assert.equal(response.status, 303);
    const cookie = response.headers.get("set-cookie")!;
    assert.match(
      cookie,
      /^__Host-slabscope_443_2fdebug=[\w-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    const session = cookie.split(";")[0]!;
    const page = await dashboard(
      new Request("https://127.0.0.1/debug/", { headers: { cookie: session } }),
    );
    assert.equal(page.status, 200);
    await page.body?.cancel();
    const plain = await dashboard(
      new Request("http://127.0.0.1/debug/", { headers: { cookie: session } }),
    );
    assert.equal(plain.status, 401, "a __Host- session is not taken over plain HTTP");
    await plain.body?.cancel();
  } finally {
    await dashboard.close();
  }
});

Deno.test("behind a trusted TLS proxy, X-Forwarded-Proto makes cookies Secure, links https and origins https", async () => {
  const token = generateToken();
  await using proxied = serve({ token, trustedProxies: ["127.0.0.1"] });
  await using direct = serve({ token });
  const bearer = { authorization: `Bearer ${token}` };
  const linkFrom = async (s: typeof proxied, forwarded?: string) =>
    (await (await fetch(`${s.base}/login`, {
      headers: { ...bearer, ...(forwarded ? { "x-forwarded-proto": forwarded } : {}) },
    })).text()).trim();

  const link = await linkFrom(proxied, "https");
  assert.ok(link.startsWith(`https://127.0.0.1:${proxied.port}/debug/login?code=`), link);
  // What the proxy forwards to us: the same link over plain HTTP, with the header.
  const login = await fetch(link.replace("https:", "http:"), {
    headers: { "x-forwarded-proto": "https" },
    redirect: "manual",
  });
  const cookie = login.headers.get("set-cookie")!;
  assert.match(
    cookie,
    new RegExp(`^__Host-slabscope_${proxied.port}_2fdebug=[\\w-]{43}; Path=/; Secure;`),
  );
  const session = { cookie: cookie.split(";")[0]!, "x-forwarded-proto": "https" };
  assert.equal(await status(`${proxied.base}/`, { headers: session }), 200);
  assert.equal(
    await status(`${proxied.base}/diagnostics/snapshot`, {
      headers: { ...session, origin: `https://127.0.0.1:${proxied.port}` },
    }),
    200,
  );
  assert.equal(
    await status(`${proxied.base}/diagnostics/snapshot`, {
      headers: { ...session, origin: `http://127.0.0.1:${proxied.port}` },
    }),
    403,
    "the browser is on https: an http: origin is another one",
  );
  // The nearest proxy's value counts; a client cannot prepend its own.
  assert.ok((await linkFrom(proxied, "https, http")).startsWith("http:"));
  assert.ok((await linkFrom(proxied, "http, https")).startsWith("https:"));
  assert.ok((await linkFrom(proxied, "gopher")).startsWith("http:"), "nonsense is ignored");

  // Without trustedProxies the header is ignored (rightly, by default).
  const ignored = await linkFrom(direct, "https");
  assert.ok(ignored.startsWith(`http://127.0.0.1:${direct.port}/`), ignored);
  const plain = await fetch(ignored, {
    headers: { "x-forwarded-proto": "https" },
    redirect: "manual",
  });
  assert.doesNotMatch(plain.headers.get("set-cookie")!, /Secure|__Host-/);
});

Deno.test("page renders are rate-limited per client; assets and data are not", async () => {
  await using s = serve({ pageRendersPerSecond: 1 });
  const started = performance.now();
  const statuses = await Promise.all(Array.from({ length: 20 }, () => status(`${s.base}/`)));
  const seconds = (performance.now() - started) / 1000;
  const rendered = statuses.filter((code) => code === 200).length;
  // A bucket of 2, refilled at 1 per second while the requests came in.
  assert.ok(rendered <= 2 + Math.ceil(seconds), `${rendered} renders in ${seconds.toFixed(1)} s`);
  assert.ok(statuses.every((code) => code === 200 || code === 429), statuses.join());
  const refused = await fetch(`${s.base}/`);
  if (refused.status === 429) assert.equal(refused.headers.get("retry-after"), "1");
  await refused.body?.cancel();
  const assets = await Promise.all(
    Array.from({ length: 20 }, () => status(`${s.base}/styles.css`)),
  );
  assert.deepEqual(assets, new Array(20).fill(200));
  const data = await Promise.all(
    Array.from({ length: 20 }, () => status(`${s.base}/diagnostics/snapshot`)),
  );
  assert.deepEqual(data, new Array(20).fill(200));
});

Deno.test("the slot endpoint takes a plain decimal index only", async () => {
  await using s = serve();
  const slot = (index: string) =>
    status(`${s.base}/diagnostics/slot?slab=objects&index=${encodeURIComponent(index)}`);
  for (const index of ["0x10", "", "1e1", "+1", " 1", "01", "-0", "1.0", "0b1", "99999999999"]) {
    assert.equal(await slot(index), 400, JSON.stringify(index));
  }
  assert.equal(await status(`${s.base}/diagnostics/slot?slab=objects`), 400, "no index");
  assert.equal(await slot("0"), 200);
  assert.equal(await slot("63"), 200);
  assert.equal(await slot("64"), 400, "beyond the slab");
});

Deno.test("serveDashboard on another loopback address answers to that address", async () => {
  // Cookies are per host name, not per port: 127.0.0.2 is a jar of its own.
  const served = serveDashboard(registry(), { hostname: "127.0.0.2", port: 0, onListen() {} });
  try {
    assert.ok(served.url.startsWith("http://127.0.0.2:"), served.url);
    assert.equal(await status(served.url), 200);
  } finally {
    await served.shutdown();
  }
});
