// Copyright 2026 the slabscope authors. MIT license.
// The dashboard ships prebuilt: its manifest and its client bundle are
// committed. These fail when either is out of date with the sources.
import assert from "node:assert/strict";
import { checkBuild } from "../../host/build.ts";
import { generateManifest } from "../../host/manifest.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("manifest.gen.ts lists exactly the routes and islands on disk (deno task manifest)", async () => {
  const committed = await Deno.readTextFile(new URL("manifest.gen.ts", ROOT));
  assert.equal(await generateManifest(ROOT), committed);
});

Deno.test("the committed client bundle is the one the sources build to (deno task build)", async () => {
  const result = await checkBuild(ROOT);
  assert.ok(result.upToDate, `static/_frsh is out of date: ${JSON.stringify(result.differences)}`);
});
