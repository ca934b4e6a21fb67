// Copyright 2026 the slabscope authors. MIT license.
// What the dashboard's browser tests share: a dashboard on a real
// Deno.serve, a page in Chromium that reports its console problems, the
// pixels of a grid, and waiting for a condition.
import type { Page } from "playwright-core";
import type { DiagnosticsRegistry } from "../../mod.ts";
import { createDashboard } from "../../dashboard.ts";
import { launchChromium } from "./_chromium.ts";

/** The dashboard of `registry` on a loopback port, ticking every 50 ms. */
export function serve(registry: DiagnosticsRegistry, port = 0) {
  const dashboard = createDashboard(registry, { interval: 50 });
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, dashboard);
  return {
    dashboard,
    port: server.addr.port,
    url: `http://127.0.0.1:${server.addr.port}/debug/`,
    async stop() {
      await dashboard.close();
      await server.shutdown();
    },
  };
}

/** Opens `url` in Chromium and waits until the stream is live; `problems` collects console errors. */
export async function openPage(url: string) {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const problems: string[] = [];
  page.on("console", (message) => {
    // The readback warning is about this test reading pixels, not the page.
    if (message.text().startsWith("Canvas2D: Multiple readback")) return;
    if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(url);
  await page.waitForSelector('[data-connection="live"]');
  return { browser, page, problems };
}

/** Colour per state code as the grid draws it (client/palette.ts), K included. */
const BASE: Record<number, number[]> = {
  0: [0x50, 0x54, 0x59],
  1: [0x3f, 0xb9, 0x50],
  2: [0x58, 0xa6, 0xff],
  3: [0x3f, 0xb9, 0x50],
  4: [0x1f, 0x6f, 0xeb],
  5: [0xd2, 0x99, 0x22],
  6: [0xa3, 0x71, 0xf7],
};

/**
 * Reads a grid's source image: how many cells differ from the free colour,
 * which flash (differ from their state's colour), and which are drawn in
 * the cached colour.
 */
export function readGrid(page: Page, name: string) {
  return page.evaluate(([slab, base]) => {
    const grid = (globalThis as unknown as {
      __slabscope: {
        grids: Record<
          string,
          {
            total: number;
            columns: number;
            rows: number;
            source: OffscreenCanvas;
            stateOf(i: number): number;
          }
        >;
      };
    }).__slabscope.grids[slab]!;
    const data = grid.source.getContext("2d")!.getImageData(0, 0, grid.columns, grid.rows).data;
    const free = base[0]!;
    const cachedColour = base[6]!;
    let used = 0;
    const flashing: number[] = [];
    const cached: number[] = [];
    for (let i = 0; i < grid.total; i++) {
      const [r, g, b] = [data[i * 4]!, data[i * 4 + 1]!, data[i * 4 + 2]!];
      if (r !== free[0] || g !== free[1] || b !== free[2]) used++;
      if (r === cachedColour[0] && g === cachedColour[1] && b === cachedColour[2]) cached.push(i);
      const colour = base[grid.stateOf(i)]!;
      if (r !== colour[0] || g !== colour[1] || b !== colour[2]) flashing.push(i);
    }
    return { used, flashing, cached };
  }, [name, BASE] as const);
}

/** Waits until `check` holds, polling every 25 ms; throws naming `what` after `timeout` ms. */
export async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeout = 10_000,
): Promise<void> {
  const deadline = performance.now() + timeout;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The cells of a grid flashing on the first read that shows any: on a
 * loaded machine a second read can come after the flash's 300 ms.
 */
export async function firstFlash(page: Page, name: string): Promise<number[]> {
  let seen: number[] = [];
  await until(
    async () => (seen = (await readGrid(page, name)).flashing).length > 0,
    `a flash in ${name}`,
  );
  return seen;
}
