// Copyright 2026 the slabscope authors. MIT license.
// Launches Debian's Chromium through playwright-core. Never downloads a
// browser. When Chromium is missing, browser tests are skipped locally but
// fail in CI (.ci/run sets SLABSCOPE_REQUIRE_BROWSER=1).
import { type Browser, chromium } from "playwright-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium binary, or undefined when none is installed. */
export function chromiumPath(): string | undefined {
  const fromEnv = Deno.env.get("SLABSCOPE_CHROMIUM");
  for (const path of fromEnv ? [fromEnv, ...CANDIDATES] : CANDIDATES) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** Whether browser tests must run (CI) rather than be skipped when Chromium is missing. */
export const browserRequired: boolean = Deno.env.get("SLABSCOPE_REQUIRE_BROWSER") === "1";

/** `ignore` for Deno.test: skip browser tests only when Chromium is missing and not required. */
export const noBrowser: boolean = chromiumPath() === undefined && !browserRequired;

/** Launches headless Chromium with the flags this machine needs. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) {
    throw new Error(
      "Chromium is not installed (apt-get install -y chromium); browser tests cannot run",
    );
  }
  return await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  });
}
