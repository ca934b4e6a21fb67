// Copyright 2026 the slabscope authors. MIT license.
// The Fresh stand-in: its build (crawl, bundle, generated modules), routing
// as Fresh 2 matches, page rendering with islands and a nonce, static files.
import assert from "node:assert/strict";
import { build, checkBuild, crawlProject } from "../../host/build.ts";
import { buildFixture, fixtureApp } from "../fixtures/host_app/serve.ts";

const FIXTURE = new URL("../fixtures/host_app/", import.meta.url);
const BASE = "http://127.0.0.1:8000";

function get(app: (req: Request) => Promise<Response>, path: string, init?: RequestInit) {
  return app(new Request(`${BASE}${path}`, init));
}

Deno.test("host: a route matches with or without a trailing slash; /debug is the page, not a redirect", async () => {
  const app = await fixtureApp();
  for (const path of ["/debug", "/debug/"]) {
    const response = await get(app, path);
    assert.equal(response.status, 200, path);
    assert.match(await response.text(), /<h1>Shared count<\/h1>/);
  }
  for (const path of ["/debug/about", "/debug/about/"]) {
    assert.match(await (await get(app, path)).text(), /about \/debug test nobody/, path);
  }
  for (const path of ["/", "/debugger", "/debug/missing", "/debug/about/x"]) {
    assert.equal((await get(app, path)).status, 404, path);
  }
});

Deno.test("host: handlers per method, HEAD falls back to GET, ctx.render takes JSX, 405 names what is allowed", async () => {
  const app = await fixtureApp("r1");
  assert.match(await (await get(app, "/debug/about?who=ann")).text(), /about \/debug r1 ann/);
  const posted = await get(app, "/debug/about", { method: "POST" });
  assert.match(await posted.text(), /<p id="posted">posted by r1<\/p>/);
  const head = await get(app, "/debug/about", { method: "HEAD" });
  assert.equal(head.status, 200);
  await head.body?.cancel();
  const put = await get(app, "/debug/about", { method: "PUT" });
  assert.equal(put.status, 405);
  assert.equal(put.headers.get("allow"), "GET, POST, HEAD");
  await put.body?.cancel();
  // A page route without a handler answers GET and HEAD only.
  const post = await get(app, "/debug/", { method: "POST" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});

Deno.test("host: islands are marked, booted by one inline module script carrying the response's CSP nonce", async () => {
  const { assets } = await buildFixture();
  const app = await fixtureApp();
  const first = await get(app, "/debug/");
  const html = await first.text();
  const policy = first.headers.get("content-security-policy") ?? "";
  const nonce = /'nonce-([0-9a-f]{32})'/.exec(policy)?.[1];
  assert.ok(nonce, policy);
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1, "one script");
  assert.match(scripts[0]![1]!, new RegExp(`type="module" nonce="${nonce}"`));
  const code = scripts[0]![2]!;
  assert.ok(code.startsWith(`import { boot } from "/debug${assets.clientEntry}";boot(`), code);
  assert.ok(!code.includes("<"), "nothing in the script can close it");
  // Outermost islands only: Counter and Display, not the Badge inside Counter.
  const markers = [...html.matchAll(/<!--frsh:island:([^:]+):(\d+):-->/g)].map((m) => m[1]);
  assert.deepEqual(markers, ["counter", "display"]);
  assert.equal((html.match(/<!--\/frsh:island-->/g) ?? []).length, 2);
  // A new nonce per response.
  const second = await get(app, "/debug/");
  await second.body?.cancel();
  assert.notEqual(second.headers.get("content-security-policy"), policy);
});

Deno.test("host: a page without islands ships no JavaScript; asset() adds the build id, not the base path", async () => {
  const { assets } = await buildFixture();
  const app = await fixtureApp();
  const html = await (await get(app, "/debug/about")).text();
  assert.ok(!html.includes("<script"), html);
  assert.ok(html.includes(`href="/debug/styles.css?__frsh_c=${assets.buildId}"`), html);
});

Deno.test("host: static files from memory, weak ETags, 304, immutable only when content-addressed", async () => {
  const { assets } = await buildFixture();
  const app = await fixtureApp();
  const plain = await get(app, "/debug/styles.css");
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(plain.headers.get("cache-control"), "no-cache");
  const etag = plain.headers.get("etag")!;
  assert.match(etag, /^W\/"[0-9a-f]{32}"$/);
  assert.match(await plain.text(), /font-family/);
  const busted = await get(app, `/debug/styles.css?__frsh_c=${assets.buildId}`);
  assert.equal(busted.headers.get("cache-control"), "public, max-age=31536000, immutable");
  await busted.body?.cancel();
  const bundle = await get(app, `/debug${assets.clientEntry}`);
  assert.equal(bundle.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(bundle.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.match(await bundle.text(), /export\s*\{/);
  for (const tag of [etag, etag.slice(2), `"nope", ${etag}`, "*"]) {
    const revalidated = await get(app, "/debug/styles.css", { headers: { "if-none-match": tag } });
    assert.equal(revalidated.status, 304, tag);
  }
  assert.equal(
    (await get(app, "/debug/hello.txt")).headers.get("content-type"),
    "text/plain; charset=utf-8",
  );
  assert.equal((await get(app, "/debug/styles.css/x")).status, 404);
});

Deno.test("host build: deterministic, and checkBuild() tells a stale output", async () => {
  const { outDir } = await buildFixture();
  const again = await build(FIXTURE, outDir, { write: false });
  assert.equal(again.routes, await Deno.readTextFile(`${outDir}/routes.gen.ts`));
  assert.equal(again.assets, await Deno.readTextFile(`${outDir}/assets.gen.ts`));
  assert.equal((await checkBuild(FIXTURE, outDir)).upToDate, true);
  const copy = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${copy}/routes.gen.ts`, again.routes);
    await Deno.writeTextFile(`${copy}/assets.gen.ts`, again.assets.replace("font-family", "x"));
    const check = await checkBuild(FIXTURE, copy);
    assert.deepEqual([check.upToDate, check.stale], [false, ["assets.gen.ts"]]);
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
});

Deno.test("host build: Fresh features the dashboard does not use are refused, naming the file", async () => {
  for (
    const file of [
      "[id].tsx",
      "(group)/a.tsx",
      "_layout.tsx",
      "_middleware.ts",
      "docs/[...rest].tsx",
      "_404.tsx",
    ]
  ) {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.mkdir(`${dir}/routes/${file.split("/").slice(0, -1).join("/")}`, {
        recursive: true,
      });
      await Deno.writeTextFile(`${dir}/routes/${file}`, "export default () => null;\n");
      await assert.rejects(
        () => crawlProject(dir),
        (error: Error) => error instanceof SyntaxError && error.message.includes(`routes/${file}`),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  // Test files are skipped, as by Fresh.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/routes/a`, { recursive: true });
    await Deno.writeTextFile(`${dir}/routes/a/index.tsx`, "");
    await Deno.writeTextFile(`${dir}/routes/a/b_test.ts`, "");
    assert.deepEqual((await crawlProject(dir)).routes, [{
      file: "./routes/a/index.tsx",
      path: "/a",
    }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
