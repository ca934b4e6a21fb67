// Copyright 2026 the slabscope authors. MIT license.
/**
 * Takes the README's screenshot: runs two demos (a fleet of two, through
 * their shared KV), lets them move for a while, and photographs the first
 * one's dashboard in headless Chromium.
 *
 *   deno run -A demo/screenshot.ts [seconds, default 25]
 *
 * @module
 */
import { launchChromium } from "../tests/browser/_chromium.ts";

const seconds = Number(Deno.args[0] ?? 25);

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

const port = freePort();
const demos = [port, freePort()].map((p) =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname],
    env: { PORT: String(p) },
    stdout: "null",
  }).spawn()
);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  for (let i = 0; i < 100; i++) {
    try {
      await page.goto(`http://127.0.0.1:${port}/debug/`);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await page.waitForSelector('[data-connection="live"]');
  await page.waitForTimeout(seconds * 1000); // the demo's load moving for a while: the point of the picture
  // The side column is sticky with its own scroll, as tall as the window: a
  // window as tall as the page shows all of it beside the grids.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height });
  await page.waitForTimeout(500); // one more tick drawn at the new size
  const path = new URL("../docs/dashboard.png", import.meta.url).pathname;
  await page.screenshot({ path, fullPage: true });
  console.log(`wrote ${path}`);
} finally {
  await browser.close();
  for (const demo of demos) demo.kill("SIGINT");
  await Promise.all(demos.map((demo) => demo.status));
}
