// Copyright 2026 the slabscope authors. MIT license.
// The layer rule (see ARCHITECTURE.md), checked on the real module graph
// (`deno info --json`): an import only ever points down or sideways.
//
//   core/   imports nothing outside core/
//   host/   imports nothing of ours outside host/
//   app     (app/ routes/ islands/ components/ client/) imports core/, host/, app
//   entries (mod.ts and the subpath entries, cli/, main.ts, demo/) anything above
//
// And the `./slab` entry (what a Worker imports) and `.` load no npm package.
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const ENTRIES = [
  "mod.ts",
  "slab.ts",
  "wire.ts",
  "prometheus.ts",
  "otel.ts",
  "fleet.ts",
  "dashboard.ts",
  "cli/top.ts",
  "main.ts",
  "host/mod.ts",
  "host/build.ts",
];

interface InfoModule {
  specifier: string;
  kind?: string;
  dependencies?: {
    specifier: string;
    code?: { specifier: string };
    type?: { specifier: string };
  }[];
}

async function graph(entry: string): Promise<InfoModule[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT.pathname,
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout)).modules;
}

type Layer = "core" | "host" | "app" | "entry" | "outside";

function layerOf(specifier: string): Layer {
  if (!specifier.startsWith(ROOT.href)) return "outside";
  const path = specifier.slice(ROOT.href.length);
  if (path.startsWith("core/")) return "core";
  if (path.startsWith("host/")) return "host";
  if (/^(app|routes|islands|components|client)\//.test(path)) return "app";
  return "entry";
}

const ALLOWED: Record<Layer, ReadonlySet<Layer>> = {
  core: new Set(["core"]),
  host: new Set(["host"]),
  app: new Set(["core", "host", "app"]),
  entry: new Set(["core", "host", "app", "entry"]),
  outside: new Set(),
};

Deno.test("layers: every import of every module points down or sideways", async () => {
  const seen = new Map<string, InfoModule>();
  for (const entry of ENTRIES) {
    for (const module of await graph(entry)) seen.set(module.specifier, module);
  }
  const crossings: string[] = [];
  for (const module of seen.values()) {
    const from = layerOf(module.specifier);
    if (from === "outside") continue;
    for (const dependency of module.dependencies ?? []) {
      const target = dependency.code?.specifier ?? dependency.type?.specifier;
      if (target === undefined) continue;
      const to = layerOf(target);
      if (to === "outside") continue; // npm:, node:, the standard library of the platform
      if (!ALLOWED[from].has(to)) {
        crossings.push(
          `${module.specifier.slice(ROOT.href.length)} (${from}) → ${dependency.specifier} (${to})`,
        );
      }
    }
  }
  assert.ok(seen.size > 100, `walked ${seen.size} modules`);
  assert.deepEqual(crossings, []);
});

for (const entry of ["slab.ts", "mod.ts"]) {
  Deno.test(`layers: ${entry} loads no npm package (a Worker that only wants slabs pays for nothing else)`, async () => {
    const modules = await graph(entry);
    // `node:` built-ins ship with Deno; npm packages would be downloaded.
    const foreign = modules.filter((module) => module.kind === "npm" || module.kind === "external")
      .map((module) => module.specifier);
    assert.deepEqual(foreign, []);
    if (entry === "slab.ts") {
      const outside = modules.map((module) => module.specifier.slice(ROOT.href.length))
        .filter((path) => path !== "slab.ts" && !path.startsWith("core/allocator/"));
      assert.deepEqual(outside, [], "slab.ts pulls in only the allocator");
    }
  });
}

Deno.test("layers: the package's npm specifiers name one version range per package, the import map's", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const ranges = new Map<string, string>();
  for (const [name, target] of Object.entries(config.imports as Record<string, string>)) {
    const match = /^npm:(@?[^@/]+(?:\/[^@/]+)?)@([^/]+)/.exec(target);
    if (match !== null && !name.endsWith("/")) ranges.set(match[1]!, match[2]!);
  }
  const problems: string[] = [];
  const sources = new Deno.Command("git", {
    args: ["ls-files", "*.ts", "*.tsx"],
    cwd: ROOT.pathname,
  });
  const files = new TextDecoder().decode((await sources.output()).stdout).trim().split("\n");
  for (const file of files.filter((file) => file !== "tests/unit/layers_test.ts")) {
    const text = await Deno.readTextFile(new URL(file, ROOT));
    for (const match of text.matchAll(/["\s]npm:\/?(@?[^@/"\s]+(?:\/[^@/"\s]+)?)@([^/"\s*]+)/g)) {
      const [, name, range] = match;
      if (ranges.get(name!) !== range) {
        problems.push(`${file}: npm:${name}@${range}, the import map has ${ranges.get(name!)}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

Deno.test("core/version.ts says the version deno.json says", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const { VERSION } = await import("../../core/version.ts");
  assert.equal(VERSION, config.version);
});
