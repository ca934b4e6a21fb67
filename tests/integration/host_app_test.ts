// Copyright 2026 the slabscope authors. MIT license.
// The stand-in host end to end: a real Deno.serve on 127.0.0.1 and real
// fetches against the fixture app, plus small in-memory apps for edge cases.
import assert from "node:assert/strict";
import { h } from "preact";
import { signal } from "@preact/signals";
import { createDefine, HttpError, page } from "fresh";
import { asset } from "fresh/runtime";
import { createHostApp, type HostHandler } from "../../host/app.ts";
import { checkBuild } from "../../host/build.ts";
import { generateManifest, type Manifest } from "../../host/manifest.ts";
import manifest from "../fixtures/host_app/manifest.gen.ts";
import type { State } from "../fixtures/host_app/utils.ts";

const FIXTURE = new URL("../fixtures/host_app/", import.meta.url);
const BUILD = JSON.parse(
  await Deno.readTextFile(new URL("static/_frsh/build.json", FIXTURE)),
) as { buildId: string; entry: string };

async function withServer(
  fn: (base: string, server: Deno.HttpServer<Deno.NetAddr>) => Promise<void>,
): Promise<void> {
  let n = 0;
  const app = createHostApp<State>({
    manifest,
    state: () => ({ requestId: `req-${++n}`, visited: [] }),
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app);
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, server);
  } finally {
    await server.shutdown();
  }
}

/** The `<script>` tags of a page, with whether each has inline content. */
function scripts(html: string): { attrs: string; inline: boolean }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({
    attrs: m[1]!,
    inline: m[2]!.length > 0,
  }));
}

Deno.test("host app: base path, redirects and 404 outside it", async () => {
  await withServer(async (base) => {
    const bare = await fetch(`${base}/debug?x=1`, { redirect: "manual" });
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.get("location"), "/debug/?x=1");
    await bare.body?.cancel();
    for (const path of ["/", "/styles.css", "/debugger", "/about"]) {
      const outside = await fetch(`${base}${path}`);
      assert.equal(outside.status, 404, path);
      assert.doesNotMatch(await outside.text(), /no page at/, "not the app's _404");
    }
  });
});

Deno.test("host app: the island page has markers, one JSON state and one external module", async () => {
  await withServer(async (base) => {
    const response = await fetch(`${base}/debug/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(response.headers.get("x-fixture-middleware"), "root");
    const html = await response.text();
    assert.ok(html.startsWith('<!DOCTYPE html><html lang="en">'));
    assert.match(html, /<!--frsh:island:counter:0:--><div class="counter">/);
    assert.match(html, /<!--frsh:island:display:1:--><p class="display">/);
    assert.equal(html.match(/<!--\/frsh:island-->/g)?.length, 2);
    assert.doesNotMatch(html, /frsh:island:Badge/, "an island inside an island is not marked");
    assert.match(html, /<em class="badge">nested<\/em>/);
    const tags = scripts(html);
    assert.equal(tags.length, 2);
    assert.match(tags[0]!.attrs, /^ id="__FRSH_STATE" type="application\/json"$/);
    assert.equal(tags[1]!.attrs, ` type="module" src="/debug/_frsh/${BUILD.entry}"`);
    assert.equal(tags[1]!.inline, false);
    const state = JSON.parse(html.match(/id="__FRSH_STATE"[^>]*>([^<]*)</)![1]!);
    assert.equal(state.basePath, "/debug");
    assert.equal(state.buildId, BUILD.buildId);
    assert.deepEqual(state.props.roots.length, 2);
    assert.match(html, new RegExp(`href="/debug/styles\\.css\\?__frsh_c=${BUILD.buildId}"`));
    assert.ok(html.indexOf("</script></body>") > 0, "scripts go at the end of the body");
  });
});

Deno.test("host app: the client bundle and static files are served with the right caching", async () => {
  await withServer(async (base) => {
    const js = await fetch(`${base}/debug/_frsh/${BUILD.entry}`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.match(await js.text(), /frsh:island/);
    const css = await fetch(`${base}/debug/styles.css`);
    assert.equal(css.headers.get("cache-control"), "no-cache");
    const etag = css.headers.get("etag")!;
    await css.body?.cancel();
    const cached = await fetch(`${base}/debug/styles.css`, { headers: { "if-none-match": etag } });
    assert.equal(cached.status, 304);
    await cached.body?.cancel();
    const busted = await fetch(`${base}/debug/styles.css?__frsh_c=${BUILD.buildId}`);
    assert.equal(busted.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(await busted.text(), "body {\n  font-family: sans-serif;\n}\n");
    const post = await fetch(`${base}/debug/hello.txt`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.body?.cancel();
    const traversal = await fetch(`${base}/debug/..%2f..%2f..%2fdeno.json`);
    assert.equal(traversal.status, 404);
    await traversal.body?.cancel();
  });
});

Deno.test("host app: pages without islands ship no JavaScript", async () => {
  await withServer(async (base) => {
    for (const path of ["/debug/about", "/debug/posts/1", "/debug/grouped", "/debug/docs/x"]) {
      const html = await (await fetch(`${base}${path}`)).text();
      assert.deepEqual(scripts(html), [], path);
      assert.doesNotMatch(html, /frsh:island/, path);
    }
  });
});

Deno.test("host app: handlers, params, state, middleware, layouts and info", async () => {
  await withServer(async (base) => {
    const post = await fetch(`${base}/debug/posts/h%C3%A9llo`);
    assert.equal(post.status, 200);
    assert.equal(post.headers.get("x-post"), "héllo");
    const html = await post.text();
    assert.match(html, /<span id="id">héllo<\/span>/);
    assert.match(html, /<span id="route">\/posts\/:id<\/span>/);
    assert.match(html, /<span id="visited">root<\/span>/);

    const about = await (await fetch(`${base}/debug/about`)).text();
    assert.match(about, /about \/debug req-\d+/);

    const docs = await (await fetch(`${base}/debug/docs/a/b`)).text();
    assert.match(docs, /<section id="docs-layout"><p id="rest">rest=a\/b<\/p><\/section>/);

    const grouped = await fetch(`${base}/debug/grouped`);
    assert.equal(grouped.status, 200);
    await grouped.body?.cancel();

    const echo = await (await fetch(`${base}/debug/api/echo`)).json();
    assert.equal(echo.method, "GET");
    assert.equal(echo.remote, "127.0.0.1", "ctx.info is Deno.serve's handler info");
    assert.match(echo.requestId, /^req-\d+$/);
    const posted = await fetch(`${base}/debug/api/echo`, { method: "POST", body: "ping" });
    assert.deepEqual(await posted.json(), { echo: "ping" });
  });
});

Deno.test("host app: HEAD falls back to GET, other methods get 405 with Allow", async () => {
  await withServer(async (base) => {
    const head = await fetch(`${base}/debug/api/echo`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), "application/json");
    assert.equal(await head.text(), "");
    const put = await fetch(`${base}/debug/api/echo`, { method: "PUT", body: "x" });
    assert.equal(put.status, 405);
    assert.equal(put.headers.get("allow"), "GET, HEAD, POST");
    await put.body?.cancel();
    const pageOnly = await fetch(`${base}/debug/about`, { method: "DELETE" });
    assert.equal(pageOnly.status, 405);
    assert.equal(pageOnly.headers.get("allow"), "GET, HEAD");
    await pageOnly.body?.cancel();
  });
});

Deno.test("host app: _404 and _500 pages, inside the middlewares", async () => {
  await withServer(async (base) => {
    const missing = await fetch(`${base}/debug/nowhere`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("x-fixture-middleware"), "root");
    assert.match(await missing.text(), /<p id="not-found">no page at \/debug\/nowhere<\/p>/);
    const skipped = await fetch(`${base}/debug/secret`);
    assert.equal(skipped.status, 404, "(_hidden) folders are not routes");
    await skipped.body?.cancel();
    const thrown = await fetch(`${base}/debug/posts/missing`);
    assert.equal(thrown.status, 404, "HttpError(404) from a handler");
    assert.match(await thrown.text(), /no page at/);
    const originalError = console.error;
    const logged: unknown[] = [];
    console.error = (...args: unknown[]) => logged.push(args[0]);
    try {
      const boom = await fetch(`${base}/debug/boom`);
      assert.equal(boom.status, 500);
      assert.match(await boom.text(), /<p id="error">failed: kaboom<\/p>/);
    } finally {
      console.error = originalError;
    }
    assert.equal((logged[0] as Error).message, "kaboom", "500s are logged");
  });
});

Deno.test("host app: the fixture's manifest.gen.ts matches its folders", async () => {
  const committed = await Deno.readTextFile(new URL("manifest.gen.ts", FIXTURE));
  assert.equal(await generateManifest(FIXTURE), committed);
  assert.deepEqual(Object.keys(manifest.routes).length, 12);
  assert.deepEqual(Object.keys(manifest.islands), [
    "./islands/badge.tsx",
    "./islands/counter.tsx",
    "./islands/display.tsx",
  ]);
});

Deno.test("host app: the fixture's committed build is up to date", async () => {
  const result = await checkBuild(FIXTURE);
  assert.deepEqual(result.differences, []);
  assert.equal(result.upToDate, true);
  assert.equal(result.committed?.buildId, BUILD.buildId);
});

// In-memory apps for the edge cases.

function Shout(props: { text: string; count?: unknown }) {
  return h("b", { class: "shout" }, props.text, h(Whisper, { text: "inner" }));
}
function Whisper(props: { text: string }) {
  return h("i", null, props.text);
}

async function tempStatic(build: boolean): Promise<URL & AsyncDisposable> {
  const dir = await Deno.makeTempDir();
  if (build) {
    await Deno.mkdir(`${dir}/_frsh/js/abcdef0123456789`, { recursive: true });
    await Deno.writeTextFile(
      `${dir}/_frsh/build.json`,
      JSON.stringify({
        buildId: "abcdef0123456789",
        entry: "js/abcdef0123456789/client.js",
        files: ["js/abcdef0123456789/client.js"],
      }),
    );
  }
  return Object.assign(new URL(`file://${dir}/`), {
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  });
}

function appOf(
  routes: Manifest["routes"],
  staticDir: URL,
  basePath?: string,
): HostHandler {
  return createHostApp({
    manifest: { routes, islands: { "./islands/shout.tsx": { Shout, Whisper } }, baseUrl: "" },
    staticDir,
    ...(basePath === undefined ? {} : { basePath }),
  });
}

Deno.test("host app: island state is escaped, keys are kept, nested islands are plain", async () => {
  await using dir = await tempStatic(true);
  const evil = "</script><script>alert(1)</script><!-- \u2028";
  const app = appOf(
    {
      "./routes/index.tsx": {
        default: () =>
          h("div", null, h(Shout, { text: evil, key: "k1" }), h(Whisper, { text: "top" })),
      },
    },
    dir,
    "/m",
  );
  const html = await (await app(new Request("http://x/m/"))).text();
  assert.match(html, /<!--frsh:island:Shout:0:k1--><b class="shout">/);
  assert.match(html, /<!--frsh:island:Whisper:1:--><i>top<\/i><!--\/frsh:island-->/);
  assert.equal(html.match(/frsh:island:Whisper/g)?.length, 1, "the nested Whisper is unmarked");
  const state = html.match(
    /<script id="__FRSH_STATE" type="application\/json">([\s\S]*?)<\/script>/,
  )!;
  assert.doesNotMatch(state[1]!, /<\/script|<!--|\u2028/i);
  const parsed = JSON.parse(state[1]!);
  assert.ok(parsed.props.slots.includes(evil), "the string survives JSON.parse");
  assert.equal(html.match(/<script/g)?.length, 2);
});

Deno.test("host app: a page with islands but no build fails loudly; without islands it works", async () => {
  await using dir = await tempStatic(false);
  const app = appOf({
    "./routes/index.tsx": { default: () => h(Shout, { text: "x" }) },
    "./routes/plain.tsx": { default: () => h("p", null, asset("/a.css")) },
  }, dir);
  const originalError = console.error;
  const logged: string[] = [];
  console.error = (error: unknown) => logged.push(String(error));
  try {
    const response = await app(new Request("http://x/debug/"));
    assert.equal(response.status, 500);
    assert.match(await response.text(), /500 Internal Server Error/);
  } finally {
    console.error = originalError;
  }
  assert.match(logged.join("\n"), /no client build/);
  const plain = await app(new Request("http://x/debug/plain"));
  assert.equal(plain.status, 200);
  const html = await plain.text();
  assert.match(html, /<p>\/debug\/a\.css<\/p>/, "asset() without a build id adds the base path");
});

Deno.test("host app: island props that cannot be serialized give a 500 naming the prop", async () => {
  await using dir = await tempStatic(true);
  const app = appOf({
    "./routes/index.tsx": { default: () => h(Shout, { text: "x", count: () => 1 }) },
  }, dir);
  const originalError = console.error;
  const logged: string[] = [];
  console.error = (error: unknown) => logged.push(String(error));
  try {
    const response = await app(new Request("http://x/debug/"));
    assert.equal(response.status, 500);
    await response.body?.cancel();
  } finally {
    console.error = originalError;
  }
  assert.match(logged.join("\n"), /Cannot serialize "Shout\.count": functions/);
});

Deno.test("host app: a signal passed to two islands is serialized once", async () => {
  await using dir = await tempStatic(true);
  const app = appOf({
    "./routes/index.tsx": {
      default: () => {
        const count = signal(7);
        return h("div", null, h(Shout, { text: "a", count }), h(Shout, { text: "b", count }));
      },
    },
  }, dir);
  const html = await (await app(new Request("http://x/debug/"))).text();
  const state = JSON.parse(html.match(/id="__FRSH_STATE"[^>]*>([^<]*)</)![1]!);
  const signals = state.props.slots.filter((slot: unknown) =>
    Array.isArray(slot) && slot[0] === "Signal"
  );
  assert.equal(signals.length, 1);
});

Deno.test("host app: middleware order, short-circuit, ctx.render, error statuses", async () => {
  await using dir = await tempStatic(false);
  const order: string[] = [];
  const app = appOf(
    {
      "./routes/_middleware.ts": {
        default: [
          async (ctx: { next(): Promise<Response>; url: URL }) => {
            order.push("a");
            if (ctx.url.searchParams.has("stop")) return new Response("stopped", { status: 403 });
            const response = await ctx.next();
            order.push("a-after");
            return response;
          },
          (ctx: { next(): Promise<Response> }) => {
            order.push("b");
            return ctx.next();
          },
        ],
      },
      "./routes/_error.tsx": {
        default: ({ error }: { error: unknown }) =>
          h(
            "p",
            { id: "err" },
            `${(error as HttpError).status ?? 500}:${(error as Error).message}`,
          ),
      },
      "./routes/render.tsx": {
        handler: (ctx: { render(d?: unknown): Promise<Response> }) => ctx.render({ n: 5 }),
        default: ({ data }: { data: { n: number } }) => h("p", { id: "n" }, data.n),
      },
      "./routes/vnode.tsx": {
        handler: (ctx: { render(d?: unknown): Promise<Response> }) =>
          ctx.render(h("p", { id: "v" }, "jsx")),
      },
      "./routes/teapot.ts": {
        handler: () => {
          throw new HttpError(418, "short and stout");
        },
      },
      "./routes/bad.ts": { handler: () => 42 },
      "./routes/created.tsx": {
        handler: () => page({ ok: true }, { status: 201, headers: { "x-a": "1" } }),
        default: () => h("p", null, "made"),
      },
    },
    dir,
    "",
  );
  const rendered = await app(new Request("http://x/render"));
  assert.match(await rendered.text(), /<p id="n">5<\/p>/);
  assert.deepEqual(order, ["a", "b", "a-after"]);
  const stopped = await app(new Request("http://x/render?stop"));
  assert.equal(stopped.status, 403);
  assert.equal(await stopped.text(), "stopped");
  assert.match(await (await app(new Request("http://x/vnode"))).text(), /<p id="v">jsx<\/p>/);
  const teapot = await app(new Request("http://x/teapot"));
  assert.equal(teapot.status, 418);
  assert.match(await teapot.text(), /<p id="err">418:short and stout<\/p>/);
  const missing = await app(new Request("http://x/missing"));
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /<p id="err">404:Not Found<\/p>/, "_error handles 404s too");
  const created = await app(new Request("http://x/created"));
  assert.equal(created.status, 201);
  assert.equal(created.headers.get("x-a"), "1");
  await created.body?.cancel();
  const originalError = console.error;
  console.error = () => {};
  try {
    const bad = await app(new Request("http://x/bad"));
    assert.equal(bad.status, 500);
    assert.match(await bad.text(), /500:Cannot handle GET \/bad: the handler returned number/);
  } finally {
    console.error = originalError;
  }
});

Deno.test("host app: createHostApp() validates its options", () => {
  const routes = {};
  const staticDir = new URL("file:///nowhere/");
  const manifest = { routes, islands: {}, baseUrl: "file:///x/manifest.gen.ts" };
  assert.throws(() => createHostApp({ manifest, basePath: "debug" }), /basePath "debug"/);
  assert.throws(() => createHostApp({ manifest, basePath: "/a b" }), TypeError);
  assert.throws(() => createHostApp({ manifest: {} as Manifest }), /manifest must be/);
  assert.throws(
    () => createHostApp({ manifest, staticDir: "static" as unknown as URL }),
    /staticDir must be a URL/,
  );
  assert.equal(typeof createHostApp({ manifest, staticDir, basePath: "/debug/" }), "function");
});

Deno.test("host app: define.page<typeof handler> types props.data from page(data)", () => {
  // A compile-time test: `deno test` type-checks it, and the
  // expect-error lines below fail the check if the inference regresses.
  const define = createDefine<{ user: string }>();
  const handler = define.handlers({
    GET(ctx) {
      const user: string = ctx.state.user;
      return page({ count: 1, user });
    },
  });
  const Page = define.page<typeof handler>((props) => {
    const count: number = props.data.count;
    // @ts-expect-error count is a number, not a string
    const wrong: string = props.data.count;
    // @ts-expect-error there is no such field
    props.data.missing;
    return h("p", null, count, wrong);
  });
  const middleware = define.middleware((ctx) => {
    // @ts-expect-error state has no `other`
    ctx.state.other;
    return ctx.next();
  });
  assert.equal(typeof handler.GET, "function");
  assert.equal(typeof Page, "function");
  assert.equal(typeof middleware, "function");
});

Deno.test("host app: asset() adds the base path and build id during a render", async () => {
  await using dir = await tempStatic(true);
  const paths = [
    "/a.css",
    "/b.png?v=1",
    "/c.svg#icon",
    "relative.css",
    "//cdn/x.js",
    "/d?__frsh_c=x",
  ];
  const app = appOf(
    {
      "./routes/index.tsx": {
        default: () => h("ul", null, paths.map((path) => h("li", null, asset(path)))),
      },
      "./routes/late.tsx": {
        default: async () => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          return h("p", null, asset("/late.css"));
        },
      },
    },
    dir,
    "/mnt",
  );
  const html = await (await app(new Request("http://x/mnt/"))).text();
  const items = [...html.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]!.replaceAll("&amp;", "&"));
  assert.deepEqual(items, [
    "/mnt/a.css?__frsh_c=abcdef0123456789",
    "/mnt/b.png?v=1&__frsh_c=abcdef0123456789",
    "/mnt/c.svg?__frsh_c=abcdef0123456789#icon",
    "relative.css",
    "//cdn/x.js",
    "/d?__frsh_c=x",
  ]);
  const late = await (await app(new Request("http://x/mnt/late"))).text();
  assert.match(late, /<p>\/mnt\/late\.css\?__frsh_c=abcdef0123456789<\/p>/, "after an await too");
  assert.throws(() => asset(1 as unknown as string), TypeError);
});

Deno.test("host app: the build CLI's --check passes on the committed fixture", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "host/build.ts", "tests/fixtures/host_app", "--check"],
    cwd: new URL("../../", import.meta.url),
    stdin: "null",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  assert.match(
    new TextDecoder().decode(stdout),
    new RegExp(`Build ${BUILD.buildId} is up to date`),
  );
});
