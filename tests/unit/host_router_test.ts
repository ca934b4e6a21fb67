// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import { h } from "preact";
import type { Manifest, RouteModule } from "../../host/manifest.ts";
import { crawlProject, generateManifest, writeManifest } from "../../host/manifest.ts";
import { buildRouteTable } from "../../host/route_table.ts";
import {
  comparePatterns,
  pathToPattern,
  Router,
  selectMethod,
  TEST_FILE_REGEXP,
} from "../../host/router.ts";

Deno.test("pathToPattern() follows Fresh's file-name rules", () => {
  const cases: [string, string][] = [
    ["index", "/"],
    ["about", "/about"],
    ["blog/index", "/blog"],
    ["blog/[slug]", "/blog/:slug"],
    ["blog/[slug]/comments", "/blog/:slug/comments"],
    ["docs/[...rest]", "/docs/:rest*"],
    ["[...all]", "/:all*"],
    ["shop/[[id]]", "/shop{/:id}?"],
    ["shop/[[id]]/edit", "/shop{/:id}?/edit"],
    ["(marketing)/about", "/about"],
    ["(a)/(b)/index", "/"],
    ["files/[name].json", "/files/:name.json"],
    ["v[major]-[minor]", "/v:major-:minor"],
    ["what*ever", "/what\\*ever"],
  ];
  for (const [path, pattern] of cases) assert.equal(pathToPattern(path), pattern, path);
});

Deno.test("pathToPattern() rejects adjacent params and bad names", () => {
  assert.throws(() => pathToPattern("[a][b]"), SyntaxError);
  assert.throws(() => pathToPattern("x/[a][...b]"), /params must not be adjacent/);
  assert.throws(() => pathToPattern("[]"), /param name "" is not an identifier/);
  assert.throws(() => pathToPattern("[a-b]"), SyntaxError);
  assert.throws(() => pathToPattern("[open"), /unclosed/);
  assert.throws(() => pathToPattern("close]"), /unmatched/);
  assert.throws(() => pathToPattern(42 as unknown as string), TypeError);
});

Deno.test("pathToPattern() output matches the URLs it should", () => {
  const optional = new URLPattern({ pathname: pathToPattern("shop/[[id]]") });
  assert.ok(optional.test({ pathname: "/shop" }));
  assert.ok(optional.test({ pathname: "/shop/3" }));
  assert.ok(!optional.test({ pathname: "/shop/3/4" }));
  const rest = new URLPattern({ pathname: pathToPattern("docs/[...rest]") });
  assert.equal(rest.exec({ pathname: "/docs/a/b" })?.pathname.groups.rest, "a/b");
  assert.ok(rest.test({ pathname: "/docs" }));
});

Deno.test("TEST_FILE_REGEXP matches test files only", () => {
  for (const file of ["a_test.ts", "a.test.tsx", "x/b_test.js", "c.test.mts"]) {
    assert.ok(TEST_FILE_REGEXP.test(file), file);
  }
  for (const file of ["test.ts", "latest.ts", "contest.tsx", "a_test.css"]) {
    assert.ok(!TEST_FILE_REGEXP.test(file), file);
  }
});

Deno.test("Router matches statics first, then patterns in order", () => {
  const router = new Router<string>();
  router.add("/posts/:id", "post");
  router.add("/posts/:rest*", "rest");
  router.add("/posts/new", "new");
  router.add("/", "home");
  assert.deepEqual(router.match("/posts/new"), { value: "new", pattern: "/posts/new", params: {} });
  assert.deepEqual(router.match("/posts/7"), {
    value: "post",
    pattern: "/posts/:id",
    params: { id: "7" },
  });
  assert.equal(router.match("/posts/7/8")?.value, "rest");
  assert.equal(router.match("/")?.value, "home");
  assert.equal(router.match("/nope"), undefined);
  assert.deepEqual(router.match("/posts/a%20b")?.params, { id: "a b" });
  assert.deepEqual(router.match("/posts/%E0%A4%A")?.params, { id: "%E0%A4%A" });
});

Deno.test("Router refuses duplicates and relative patterns", () => {
  const router = new Router<number>();
  router.add("/a", 1);
  assert.throws(() => router.add("/a", 2), /registered already/);
  assert.throws(() => router.add("a", 3), TypeError);
});

Deno.test("comparePatterns() puts static before params before catch-alls", () => {
  const sorted = ["/:all*", "/posts/:id", "/posts/new", "/posts", "/posts{/:x}?/y", "/:a"]
    .sort(comparePatterns);
  assert.deepEqual(sorted, [
    "/posts",
    "/posts/new",
    "/posts/:id",
    "/posts{/:x}?/y",
    "/:a",
    "/:all*",
  ]);
});

Deno.test("selectMethod() falls back from HEAD to GET and lists Allow", () => {
  const handlers = { GET: "g", POST: "p" };
  assert.deepEqual(selectMethod(handlers, "GET"), { handler: "g", method: "GET" });
  assert.deepEqual(selectMethod(handlers, "HEAD"), { handler: "g", method: "GET" });
  assert.deepEqual(selectMethod({ HEAD: "h", GET: "g" }, "HEAD"), { handler: "h", method: "HEAD" });
  assert.deepEqual(selectMethod(handlers, "DELETE"), {
    handler: undefined,
    allow: "GET, HEAD, POST",
  });
  assert.deepEqual(selectMethod({ POST: "p" }, "HEAD"), { handler: undefined, allow: "POST" });
  assert.deepEqual(selectMethod(handlers, "toString"), {
    handler: undefined,
    allow: "GET, HEAD, POST",
  });
});

const page = () => h("p", null, "x");
const layout = () => h("div", null);

function manifestOf(routes: Record<string, RouteModule>): Manifest {
  return { routes, islands: {}, baseUrl: "file:///app/manifest.gen.ts" };
}

Deno.test("buildRouteTable() handles special files, groups, skipped folders and tests", () => {
  const mw1 = (ctx: { next(): Promise<Response> }) => ctx.next();
  const mw2 = (ctx: { next(): Promise<Response> }) => ctx.next();
  const table = buildRouteTable(manifestOf({
    "./routes/_app.tsx": { default: layout },
    "./routes/_middleware.ts": { default: mw1 },
    "./routes/_layout.tsx": { default: layout },
    "./routes/_404.tsx": { default: page },
    "./routes/_500.tsx": { default: page },
    "./routes/index.tsx": { default: page },
    "./routes/(admin)/_middleware.ts": { default: [mw2] },
    "./routes/(admin)/users/[id].tsx": { handler: { GET: () => new Response("u") } },
    "./routes/(_private)/hidden.tsx": { default: page },
    "./routes/index_test.tsx": { default: page },
    "./routes/_helper.ts": {},
    "./routes/docs/_layout.tsx": {
      default: layout,
      config: { skipInheritedLayouts: true },
    },
    "./routes/docs/[...rest].tsx": { default: page },
    "./routes/bare.tsx": { default: page, config: { skipInheritedLayouts: true } },
    "./routes/moved.tsx": { default: page, config: { routeOverride: "/x/:y" } },
  }));
  const user = table.router.match("/users/5");
  assert.equal(user?.value.pattern, "/users/:id");
  assert.deepEqual(user?.params, { id: "5" });
  assert.deepEqual(user?.value.middlewares, [mw1, mw2]);
  assert.equal(user?.value.layouts.length, 1);
  assert.equal(user?.value.app, layout);
  assert.equal(user?.value.notFound?.file, "./routes/_404.tsx");
  assert.equal(user?.value.error?.file, "./routes/_500.tsx");
  assert.equal(table.router.match("/")?.value.file, "./routes/index.tsx");
  assert.deepEqual(table.router.match("/")?.value.middlewares, [mw1]);
  assert.equal(table.router.match("/hidden"), undefined);
  assert.equal(table.router.match("/index_test"), undefined);
  assert.equal(table.router.match("/_helper"), undefined);
  assert.equal(table.router.match("/docs/a")?.value.layouts.length, 1, "docs layout only");
  assert.equal(table.router.match("/bare")?.value.layouts.length, 0);
  assert.equal(table.router.match("/x/1")?.value.file, "./routes/moved.tsx");
  assert.equal(table.router.match("/moved"), undefined);
  assert.deepEqual(table.rootMiddlewares, [mw1]);
  assert.equal(table.notFound?.file, "./routes/_404.tsx");
});

Deno.test("buildRouteTable() rejects malformed manifests", () => {
  assert.throws(
    () => buildRouteTable(manifestOf({ "./pages/a.tsx": { default: page } })),
    TypeError,
  );
  assert.throws(
    () => buildRouteTable(manifestOf({ "./routes/a/_app.tsx": { default: page } })),
    /_app must be in routes/,
  );
  assert.throws(
    () => buildRouteTable(manifestOf({ "./routes/a.tsx": { default: "nope" } })),
    /default export must be a component/,
  );
  assert.throws(
    () => buildRouteTable(manifestOf({ "./routes/a.tsx": {} })),
    /neither a handler nor a page/,
  );
  assert.throws(
    () => buildRouteTable(manifestOf({ "./routes/_middleware.ts": { default: [1] } })),
    /expected a function or an array of functions/,
  );
  assert.throws(
    () =>
      buildRouteTable(manifestOf({
        "./routes/index.tsx": { default: page },
        "./routes/(g)/index.tsx": { default: page },
      })),
    /pattern "\/" is registered already/,
  );
});

Deno.test("crawlProject() lists routes and islands, skipping tests and (_private) folders", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const files = [
      "routes/index.tsx",
      "routes/[slug].tsx",
      "routes/index_test.tsx",
      "routes/notes.md",
      "routes/(_private)/x.tsx",
      "routes/(group)/y.ts",
      "routes/blog/(_islands)/Like.tsx",
      "routes/.hidden.tsx",
      "islands/counter.tsx",
      "islands/nested/chart.tsx",
      "islands/counter.test.tsx",
    ];
    for (const file of files) {
      await Deno.mkdir(`${dir}/${file.slice(0, file.lastIndexOf("/"))}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/${file}`, "");
    }
    assert.deepEqual(await crawlProject(dir), {
      routes: ["./routes/(group)/y.ts", "./routes/[slug].tsx", "./routes/index.tsx"],
      islands: [
        "./islands/counter.tsx",
        "./islands/nested/chart.tsx",
        "./routes/blog/(_islands)/Like.tsx",
      ],
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeManifest() writes manifest.gen.ts with encoded specifiers and a resolvable type import", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/routes/blog`, { recursive: true });
    await Deno.mkdir(`${dir}/islands`);
    await Deno.writeTextFile(`${dir}/routes/a b.tsx`, "");
    await Deno.writeTextFile(`${dir}/routes/blog/[slug].tsx`, "");
    await Deno.writeTextFile(`${dir}/islands/chart.tsx`, "");
    const path = await writeManifest(dir);
    assert.equal(path, `${dir}/manifest.gen.ts`);
    const text = await Deno.readTextFile(path);
    assert.match(text, /^import \* as \$0 from "\.\/routes\/a%20b\.tsx";$/m);
    assert.match(text, /^import \* as \$1 from "\.\/routes\/blog\/\[slug\]\.tsx";$/m);
    assert.match(text, /^import \* as \$\$0 from "\.\/islands\/chart\.tsx";$/m);
    assert.match(text, /^ {4}"\.\/routes\/a b\.tsx": \$0,$/m);
    assert.match(text, /^ {4}"\.\/islands\/chart\.tsx": \$\$0,$/m);
    const typeImport = text.match(/^import type \{ Manifest \} from "([^"]+)";$/m)![1]!;
    const resolved = new URL(typeImport, `file://${dir}/manifest.gen.ts`);
    assert.equal(resolved.href, new URL("../../host/manifest.ts", import.meta.url).href);
    assert.equal(await generateManifest(dir), text, "deterministic");
    const custom = await generateManifest(dir, { manifestTypeSpecifier: "fresh-manifest" });
    assert.match(custom, /from "fresh-manifest";/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("generateManifest() writes empty records for a project without routes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const text = await generateManifest(dir);
    assert.match(text, /^ {2}routes: \{\},$/m);
    assert.match(text, /^ {2}islands: \{\},$/m);
    assert.doesNotMatch(text, /import \* as/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
