// Copyright 2026 the slabscope authors. MIT license.
// The dashboard ships prebuilt: its route snapshot and its assets (client
// bundle, styles, icon) are generated modules, committed. This fails when
// either is out of date with the sources (run `deno task build`).
import assert from "node:assert/strict";
import { checkBuild } from "../../host/build.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("app/routes.gen.ts and app/assets.gen.ts are what the sources build to (deno task build)", async () => {
  const result = await checkBuild(ROOT, new URL("app/", ROOT));
  assert.ok(result.upToDate, `stale: ${result.stale.join(", ")}; run \`deno task build\``);
});
