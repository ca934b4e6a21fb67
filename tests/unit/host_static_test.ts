// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import { createStaticHandler, IMMUTABLE, REVALIDATE } from "../../host/static.ts";

const BUILD_ID = "0123456789abcdef";

/** A temp folder with `root/` (served) and a secret file beside it. */
async function fixture(): Promise<{ dir: string; root: URL } & AsyncDisposable> {
  const dir = await Deno.makeTempDir();
  const files: Record<string, string> = {
    "secret.txt": "top secret",
    "root/hello.txt": "hello",
    "root/styles.css": "body {}",
    "root/app.js": "export {};",
    "root/data.json": "{}",
    "root/icon.svg": "<svg/>",
    "root/a b%20c.txt": "spaced",
    "root/unknown.bin": "bin",
    "root/.env": "KEY=1",
    "root/sub/index.html": "<p>index</p>",
    [`root/_frsh/js/${BUILD_ID}/client.js`]: "console.log(1)",
    "root/_frsh/js/stale/client.js": "old",
  };
  for (const [file, text] of Object.entries(files)) {
    await Deno.mkdir(`${dir}/${file.slice(0, file.lastIndexOf("/"))}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${file}`, text);
  }
  return {
    dir,
    root: new URL(`file://${dir}/root/`),
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function get(path: string, init?: RequestInit): Request {
  return new Request(`http://localhost${path}`, init);
}

Deno.test("static: content types by extension, length, ETag, no-cache", async () => {
  await using fx = await fixture();
  const serve = createStaticHandler(fx.root, { buildId: BUILD_ID });
  const types: Record<string, string> = {
    "/hello.txt": "text/plain; charset=utf-8",
    "/styles.css": "text/css; charset=utf-8",
    "/app.js": "text/javascript; charset=utf-8",
    "/data.json": "application/json; charset=utf-8",
    "/icon.svg": "image/svg+xml; charset=utf-8",
    "/unknown.bin": "application/octet-stream",
  };
  for (const [path, type] of Object.entries(types)) {
    const response = await serve(get(path));
    assert.equal(response?.status, 200, path);
    assert.equal(response?.headers.get("content-type"), type, path);
    assert.equal(response?.headers.get("cache-control"), REVALIDATE, path);
    assert.match(response?.headers.get("etag") ?? "", /^"[0-9a-f]{32}"$/, path);
    await response?.body?.cancel();
  }
  const hello = await serve(get("/hello.txt"));
  assert.equal(hello?.headers.get("content-length"), "5");
  assert.equal(await hello?.text(), "hello");
  const spaced = await serve(get("/a%20b%2520c.txt"));
  assert.equal(await spaced?.text(), "spaced");
});

Deno.test("static: the ETag follows the content, If-None-Match gives 304", async () => {
  await using fx = await fixture();
  const serve = createStaticHandler(fx.root);
  const first = await serve(get("/hello.txt"));
  const etag = first!.headers.get("etag")!;
  await first!.body?.cancel();
  const again = await serve(get("/hello.txt"));
  assert.equal(again!.headers.get("etag"), etag, "stable for the same content");
  await again!.body?.cancel();

  for (const header of [etag, `W/${etag}`, `"nope", ${etag}`, "*"]) {
    const cached = await serve(get("/hello.txt", { headers: { "if-none-match": header } }));
    assert.equal(cached?.status, 304, header);
    assert.equal(cached?.body, null);
    assert.equal(cached?.headers.get("etag"), etag);
  }
  const miss = await serve(get("/hello.txt", { headers: { "if-none-match": '"other"' } }));
  assert.equal(miss?.status, 200);
  await miss?.body?.cancel();

  await Deno.writeTextFile(`${fx.dir}/root/hello.txt`, "changed");
  const changed = await serve(get("/hello.txt", { headers: { "if-none-match": etag } }));
  assert.equal(changed?.status, 200);
  assert.notEqual(changed?.headers.get("etag"), etag);
  assert.equal(await changed?.text(), "changed");
});

Deno.test("static: build files and ?__frsh_c=<BUILD_ID> are immutable, others are not", async () => {
  await using fx = await fixture();
  const serve = createStaticHandler(fx.root, { buildId: BUILD_ID });
  const cases: [string, string][] = [
    [`/_frsh/js/${BUILD_ID}/client.js`, IMMUTABLE],
    [`/styles.css?__frsh_c=${BUILD_ID}`, IMMUTABLE],
    ["/styles.css?__frsh_c=somethingelse", REVALIDATE],
    ["/styles.css", REVALIDATE],
    ["/_frsh/js/stale/client.js", REVALIDATE],
  ];
  for (const [path, cache] of cases) {
    const response = await serve(get(path));
    assert.equal(response?.headers.get("cache-control"), cache, path);
    await response?.body?.cancel();
  }
  const noBuild = createStaticHandler(fx.root);
  const response = await noBuild(get(`/_frsh/js/${BUILD_ID}/client.js`));
  assert.equal(response?.headers.get("cache-control"), REVALIDATE);
  await response?.body?.cancel();
});

Deno.test("static: HEAD has headers and no body; other methods on a file get 405", async () => {
  await using fx = await fixture();
  const serve = createStaticHandler(fx.root);
  const head = await serve(get("/hello.txt", { method: "HEAD" }));
  assert.equal(head?.status, 200);
  assert.equal(head?.body, null);
  assert.equal(head?.headers.get("content-length"), "5");
  for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
    const response = await serve(get("/hello.txt", { method, body: "x" }));
    assert.equal(response?.status, 405, method);
    assert.equal(response?.headers.get("allow"), "GET, HEAD");
    await response?.body?.cancel();
  }
  assert.equal(await serve(get("/missing.txt", { method: "POST" })), undefined);
});

Deno.test("static: no listings, no dotfiles, nothing missing", async () => {
  await using fx = await fixture();
  const serve = createStaticHandler(fx.root);
  for (const path of ["/", "/sub", "/sub/", "/_frsh/js/", "/.env", "/missing", "/hello.txt/"]) {
    assert.equal(await serve(get("/"), path), undefined, path);
  }
  const index = await serve(get("/sub/index.html"));
  assert.equal(await index?.text(), "<p>index</p>");
});

Deno.test("static: no path traversal, encoded or not", async () => {
  await using fx = await fixture();
  const serve = createStaticHandler(fx.root);
  const attempts = [
    "/../secret.txt",
    "/sub/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/..%2fsecret.txt",
    "/..%2Fsecret.txt",
    "/sub/..%2f..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/..\\secret.txt",
    "/..%5csecret.txt",
    "/%252e%252e/secret.txt",
    "//secret.txt",
    `/${fx.dir}/secret.txt`,
    `//${fx.dir.slice(1)}/secret.txt`,
    "/./hello.txt",
    "/hello.txt%00.css",
    "/%E0%A4%A",
    "secret.txt",
    "/file:%2F%2F%2Fetc%2Fpasswd",
  ];
  for (const path of attempts) {
    const response = await serve(get("/"), path);
    assert.equal(response, undefined, `${path} answered ${response?.status}`);
  }
  // The same through a URL: the parser resolves dot segments before we see them.
  const viaUrl = await serve(get("/sub/../hello.txt"));
  assert.equal(await viaUrl?.text(), "hello");
});

Deno.test("static: through Deno.serve, raw traversal requests get no file", async () => {
  await using fx = await fixture();
  const serve = createStaticHandler(fx.root);
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => (await serve(req)) ?? new Response("not found", { status: 404 }),
  );
  for (const target of ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt"]) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    try {
      await conn.write(
        new TextEncoder().encode(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      const text = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
      assert.ok(!text.includes("top secret"), `${target}: ${text}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) throw error;
    }
  }
});

Deno.test("static: a non-file: root is read with fetch, like a published package", async () => {
  await using fx = await fixture();
  const local = createStaticHandler(fx.root);
  let fetches = 0;
  await using origin = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      fetches++;
      const url = new URL(req.url);
      return (await local(req, url.pathname.replace(/^\/pkg\/static/, ""))) ??
        new Response("nope", { status: 404 });
    },
  );
  const serve = createStaticHandler(
    new URL(`http://127.0.0.1:${origin.addr.port}/pkg/static/`),
    { buildId: BUILD_ID },
  );
  const css = await serve(get(`/styles.css?__frsh_c=${BUILD_ID}`));
  assert.equal(css?.status, 200);
  assert.equal(await css?.text(), "body {}");
  assert.equal(css?.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(css?.headers.get("cache-control"), IMMUTABLE);
  const again = await serve(get("/styles.css"));
  assert.equal(await again?.text(), "body {}");
  assert.equal(fetches, 1, "a published copy is fetched once");
  assert.equal(await serve(get("/missing.txt")), undefined);
  assert.equal(await serve(get("/"), "/%2e%2e/secret.txt"), undefined);
});

Deno.test("static: createStaticHandler() wants a URL", () => {
  assert.throws(() => createStaticHandler("/tmp" as unknown as URL), TypeError);
});
