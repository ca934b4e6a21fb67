// Copyright 2026 the slabscope authors. MIT license.
/**
 * Writes a project's `manifest.gen.ts` from its `routes/` and `islands/`.
 *
 * ```sh
 * deno run -A host/gen_manifest.ts [projectDir]
 * ```
 *
 * @module
 */

import { writeManifest } from "./manifest.ts";

if (import.meta.main) {
  const path = await writeManifest(Deno.args[0] ?? ".");
  console.log(`Wrote ${path}`);
}
