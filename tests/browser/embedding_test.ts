// Copyright 2026 the slabscope authors. MIT license.
/// <reference lib="dom" />
// slabscope in someone else's app, three ways in, each from a temporary
// folder outside the repository with no deno.json or import map: the
// README's "Add it to your app" snippet as written, its `jsr:` specifiers
// pointed at (a) a local path, (b) a plain http:// URL of this checkout
// served on loopback, (c) the exact file set `deno publish --dry-run`
// would publish, copied. Run with `--allow-net` only (plus `--allow-import`
// for the URL). In each: the page renders, the islands hydrate in Chromium
// with no console error, the stream flows, and the app's requests are
// counted.
import assert from "node:assert/strict";
import { relative } from "node:path";
import { decodeKeyframe } from "../../wire.ts";
import { launchChromium, noBrowser } from "./_chromium.ts";

const ROOT = new URL("../../", import.meta.url);
const REQUESTS = 25;

/** The first `ts` block after "## Add it to your app" in the README. */
async function readmeSnippet(): Promise<string> {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const section = readme.slice(readme.indexOf("## Add it to your app"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match, "the README has the snippet");
  return match[1]!;
}

/** The snippet with its package specifiers pointed at `base` (a path or URL ending in `/`). */
function pointAt(snippet: string, base: string): string {
  assert.match(snippet, /"jsr:@slabscope\/slabscope"/);
  return snippet
    .replaceAll('"jsr:@slabscope/slabscope/dashboard"', JSON.stringify(`${base}dashboard.ts`))
    .replaceAll('"jsr:@slabscope/slabscope"', JSON.stringify(`${base}mod.ts`));
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Serves a folder's files with the content types Deno expects of modules. */
function serveFolder(root: URL): Deno.HttpServer<Deno.NetAddr> {
  const types: Record<string, string> = {
    ts: "application/typescript",
    tsx: "text/tsx",
    js: "text/javascript",
    json: "application/json",
  };
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.includes("..")) return new Response("no", { status: 400 });
    try {
      const body = await Deno.readFile(new URL(`.${path}`, root));
      const type = types[path.slice(path.lastIndexOf(".") + 1)] ?? "text/plain";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

/** The files `deno publish --dry-run` lists, relative to the root. */
async function publishedFiles(): Promise<string[]> {
  const { stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: ROOT.pathname,
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  const files = [...text.matchAll(/^\s+(file:\/\/\S+) \(/gm)].map((m) =>
    decodeURIComponent(new URL(m[1]!).pathname).slice(ROOT.pathname.length)
  );
  assert.ok(files.includes("mod.ts") && files.includes("app/assets.gen.ts"), text);
  return files;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000) {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the user's app, then checks everything a user would. */
async function tryApp(
  source: (folder: string) => string,
  extraFlags: string[],
): Promise<void> {
  const folder = await Deno.makeTempDir({ prefix: "slabscope_user_" });
  const port = freePort();
  const text = source(folder).replace("port: 8080", `port: ${port}`);
  await Deno.writeTextFile(`${folder}/main.ts`, text);
  // The user's type check passes too: no compilerOptions of theirs are needed.
  const check = await new Deno.Command(Deno.execPath(), {
    args: ["check", ...extraFlags, "main.ts"],
    cwd: folder,
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", ...extraFlags, "main.ts"],
    cwd: folder,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  const base = `http://127.0.0.1:${port}`;
  try {
    // The app's own route, then a burst of its requests.
    const hello = await until("the app", async () => {
      const response = await fetch(`${base}/`);
      return response.ok ? await response.text() : undefined;
    }, 60_000);
    assert.equal(hello, "Hello from my app");
    for (let i = 0; i < REQUESTS; i++) await (await fetch(`${base}/hello/${i}`)).body?.cancel();

    const page = await fetch(`${base}/debug/`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>slabscope<\/title>/);

    // The stream flows: a keyframe in which the requests were counted.
    const events = await fetch(`${base}/debug/diagnostics/memory`);
    assert.equal(events.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!/event:diagnostics\ndata:.*\n/.test(text)) text += (await reader.read()).value ?? "";
    const keyframe = decodeKeyframe(/event:diagnostics\ndata:(.*)\n/.exec(text)![1]!);
    const handles = keyframe.slabs.find((slab) => slab.name === "handles");
    assert.ok(handles !== undefined && handles.allocs >= REQUESTS + 1, JSON.stringify(handles));
    assert.ok(keyframe.owner_map.includes(`:${port}`), JSON.stringify(keyframe.owner_map));
    const served = keyframe.requests?.server.find((record) => record.name === `:${port}`);
    assert.ok(served !== undefined && served.completed >= REQUESTS + 1, JSON.stringify(served));
    // And keeps flowing: one more request of the app's reaches this stream as a delta.
    await (await fetch(`${base}/hello/after`)).body?.cancel();
    while (!text.includes("event:diagnostics-delta\n")) text += (await reader.read()).value ?? "";
    await reader.cancel();

    if (!noBrowser) await checkInBrowser(`${base}/debug/`);
  } catch (error) {
    child.kill("SIGKILL");
    const [out, err] = await output;
    throw new Error(
      `${(error as Error).message}\n--- app stdout:\n${out}\n--- app stderr:\n${err}`,
    );
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await Deno.remove(folder, { recursive: true });
  }
  // It said where it listens, as Deno.serve does for a server without an onListen.
  const [, err] = await output;
  assert.ok(err.includes(`Listening on ${base}/`), err);
}

async function checkInBrowser(url: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") {
        problems.push(`${message.type()}: ${message.text()}`);
      }
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("response", (response) => {
      if (!response.ok()) problems.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(url);
    await page.waitForSelector('[data-connection="live"]', { timeout: 20_000 });
    // Hydrated: the grid drew the slots the stream's keyframe brought.
    await page.waitForSelector('canvas[data-slab="handles"][data-has-slots="true"]', {
      state: "attached",
      timeout: 20_000,
    });
    assert.match(await page.locator("section.slab").first().innerText(), /handles/);
    const styled = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(styled, "rgba(0, 0, 0, 0)", "the stylesheet applied");
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
}

/** A relative import of `target` from `folder`, ending in `/`, as a user would write it. */
function relativeBase(folder: string, target: string): string {
  const path = relative(folder, target);
  return path.startsWith(".") ? `${path}/` : `./${path}/`;
}

Deno.test("in someone else's app (a): the README snippet, importing slabscope by local path", async () => {
  const snippet = await readmeSnippet();
  await tryApp((folder) => pointAt(snippet, relativeBase(folder, ROOT.pathname)), []);
});

Deno.test("in someone else's app (b): the README snippet, importing slabscope from a plain http:// URL", async () => {
  const snippet = await readmeSnippet();
  const server = serveFolder(ROOT);
  try {
    const host = `127.0.0.1:${server.addr.port}`;
    await tryApp(() => pointAt(snippet, `http://${host}/`), [`--allow-import=${host}`]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("in someone else's app (c): the README snippet, on the exact file set deno publish would publish", async () => {
  const snippet = await readmeSnippet();
  const copy = await Deno.makeTempDir({ prefix: "slabscope_published_" });
  try {
    for (const file of await publishedFiles()) {
      const target = `${copy}/${file}`;
      await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
      await Deno.copyFile(new URL(file, ROOT), target);
    }
    await tryApp((folder) => pointAt(snippet, relativeBase(folder, copy)), []);
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
});
