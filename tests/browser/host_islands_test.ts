// Copyright 2026 the slabscope authors. MIT license.
// The stand-in host in a real browser: islands boot from the committed
// build under a strict CSP, share one signal, and get their props intact.
import assert from "node:assert/strict";
import { fixtureApp } from "../fixtures/host_app/serve.ts";
import { launchChromium, noBrowser } from "./_chromium.ts";

async function serveFixture(): Promise<Deno.HttpServer<Deno.NetAddr>> {
  const app = await fixtureApp("browser");
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app);
}

Deno.test({
  name: "host islands: booted under a nonce CSP, two islands share one signal, props arrive intact",
  ignore: noBrowser,
  async fn() {
    const server = await serveFixture();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      const problems: string[] = [];
      page.on("console", (message) => {
        // The browser's own /favicon.ico probe is outside the app's base path.
        if (message.location().url.endsWith("/favicon.ico")) return;
        if (message.type() === "error" || message.type() === "warning") {
          problems.push(`${message.type()}: ${message.text()}`);
        }
      });
      const notOk: string[] = [];
      page.on("response", (response) => {
        if (!response.ok() && !response.url().endsWith("/favicon.ico")) {
          notOk.push(`${response.status()} ${response.url()}`);
        }
      });
      page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
      const failed: string[] = [];
      page.on("requestfailed", (request) => failed.push(request.url()));

      // Hold the client bundle back: the server's HTML must already show
      // everything, and booting must reuse its nodes (no flash of empty
      // content). The module script is deferred, so parsing goes on.
      const { promise: released, resolve: release } = Promise.withResolvers<void>();
      await page.route("**/_frsh/js/**", async (route) => {
        await released;
        await route.continue();
      });
      const response = await page.goto(`http://127.0.0.1:${server.addr.port}/debug/`, {
        waitUntil: "commit",
      });
      await page.waitForSelector("#tail", { state: "attached" });
      assert.equal(response?.status(), 200);
      assert.match(
        response?.headers()["content-security-policy"] ?? "",
        /script-src 'self' 'nonce-[0-9a-f]{32}'/,
      );
      assert.equal(await page.textContent("#env"), "server");
      assert.equal(await page.textContent("#display-value"), "3");
      await page.evaluate(() => {
        const marked = globalThis as unknown as Record<string, unknown>;
        marked.serverButton = document.getElementById("increment");
        marked.serverOutput = document.getElementById("display-value");
      });
      release();

      // The islands re-render in the browser: IS_BROWSER flips, the
      // Uint8Array survives the trip as a Uint8Array.
      await page.waitForFunction(() => document.getElementById("env")?.textContent === "browser");
      assert.equal(await page.textContent("#bytes"), "u8:1,2,255");
      assert.equal(await page.textContent("#counter-value"), "3");
      assert.equal(await page.textContent("#display-value"), "3");
      assert.ok(
        await page.evaluate(() => {
          const marked = globalThis as unknown as Record<string, unknown>;
          return marked.serverButton === document.getElementById("increment") &&
            marked.serverOutput === document.getElementById("display-value");
        }),
        "booting replaced the server-rendered nodes instead of reusing them",
      );

      // One click in Counter updates Display: the signal is shared.
      await page.click("#increment");
      await page.waitForFunction(() =>
        document.getElementById("display-value")?.textContent === "4"
      );
      assert.equal(await page.textContent("#counter-value"), "4");
      await page.click("#increment");
      await page.click("#increment");
      await page.waitForFunction(() =>
        document.getElementById("display-value")?.textContent === "6"
      );
      assert.equal(await page.textContent("#counter-value"), "6");

      // The content around the islands is untouched, nothing is duplicated.
      assert.equal(await page.locator("#increment").count(), 1);
      assert.equal(await page.locator("#display-value").count(), 1);
      assert.equal(await page.locator(".badge").count(), 1);
      assert.equal(await page.textContent("#tail"), "static tail");
      assert.equal(await page.textContent("h1"), "Shared count");

      // One script: the inline boot module, allowed by its nonce alone.
      const scripts = await page.$$eval("script", (elements) =>
        elements.map((element) => ({
          type: element.getAttribute("type"),
          nonce: element.nonce,
          src: element.getAttribute("src"),
        })));
      assert.equal(scripts.length, 1);
      assert.equal(scripts[0]!.type, "module");
      assert.equal(scripts[0]!.src, null);
      assert.match(scripts[0]!.nonce, /^[0-9a-f]{32}$/);

      assert.deepEqual(problems, []);
      assert.deepEqual(failed, []);
      assert.deepEqual(notOk, []);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "host islands: a page without islands loads no JavaScript",
  ignore: noBrowser,
  async fn() {
    const server = await serveFixture();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const scripts: string[] = [];
      page.on("request", (request) => {
        if (request.resourceType() === "script") scripts.push(request.url());
      });
      await page.goto(`http://127.0.0.1:${server.addr.port}/debug/about`);
      assert.equal(await page.textContent("#about"), "about /debug browser nobody");
      assert.equal(await page.locator("script").count(), 0);
      assert.deepEqual(scripts, []);
      // The stylesheet came through asset(): base path and build id.
      const href = await page.getAttribute("link[rel=stylesheet]", "href");
      assert.match(href ?? "", /^\/debug\/styles\.css\?__frsh_c=[0-9a-f]{16}$/);
      const color = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
      assert.match(color, /sans-serif/);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
