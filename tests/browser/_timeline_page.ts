// Copyright 2026 the slabscope authors. MIT license.
// Shared by the timeline, diff, replay and resume browser tests: a page in
// real Chromium that records its console, and the recording the server
// holds, rebuilt in the test to know what each moment must show.
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { readRecording } from "../../core/stream/recording_file.ts";
import { RecordingStates } from "../../core/stream/recording_states.ts";
import { launchChromium } from "./_chromium.ts";

/** A page with its browser, and the console errors and warnings it printed. */
export interface OpenPage {
  browser: Browser;
  page: Page;
  problems: string[];
  close(): Promise<void>;
}

/** Opens `url` in a fresh Chromium, keeping what the page complains about. */
export async function openPage(url: string, ready = "[data-connection]"): Promise<OpenPage> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.text().startsWith("Canvas2D: Multiple readback")) return;
    if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
  });
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(url);
  await page.waitForSelector(ready);
  return { browser, page, problems, close: () => browser.close() };
}

/** Waits for a condition, checking every 25 ms. */
export async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeout = 15_000,
): Promise<void> {
  const deadline = performance.now() + timeout;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The recording a server holds now, as states the test can read. */
export async function serverRecording(recordingUrl: string): Promise<RecordingStates> {
  const response = await fetch(recordingUrl);
  assert.equal(response.status, 200);
  return new RecordingStates((await readRecording(response.body!)).events);
}

/** What the timeline says: its mode, the moment shown and the seq it drew. */
export async function timelineState(page: Page) {
  const section = page.locator("section.timeline");
  return {
    mode: await section.getAttribute("data-mode"),
    moment: await section.getAttribute("data-moment"),
    seq: Number(await section.getAttribute("data-seq") ?? NaN),
  };
}

/** The used cells a grid drew (its own count of non-free slots). */
export async function usedCells(page: Page, slab: string): Promise<number> {
  return Number(await page.locator(`canvas[data-slab="${slab}"]`).getAttribute("data-used-cells"));
}

/** Moves the scrubber to moment `index`, as a drag that stops there does (an input event). */
export async function scrubTo(page: Page, index: number): Promise<void> {
  await page.locator("input.scrubber").fill(String(index));
}
