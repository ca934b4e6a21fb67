// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode build}: what Fresh 2's build does, for this host. It crawls a
 * project's `routes/` and `islands/`, bundles the browser runtime with every
 * island (`deno bundle --platform browser --minify`), and writes two
 * modules, so that the app reads no file and fetches nothing at run time:
 *
 * - `routes.gen.ts`: the app's snapshot (`_app`, each route with the path
 *   it answers, the islands), imported by the server;
 * - `assets.gen.ts`: the client bundle and every file of `static/`, with
 *   content types, weak ETags and the build id (a content hash).
 *
 * The output is deterministic: the same sources give the same bytes.
 * {@linkcode checkBuild} builds in memory and compares with what is there.
 *
 * ```sh
 * deno run -A host/build.ts <projectDir> <outDir>          # build
 * deno run -A host/build.ts <projectDir> <outDir> --check  # exit 1 if stale
 * ```
 *
 * Routes are plain files: `index` answers its folder, `name.tsx` answers
 * `/name`. Fresh's dynamic segments, route groups, layouts, middlewares and
 * error pages are refused with an error naming the file: this host serves
 * what the dashboard uses and no more.
 *
 * @module
 */

import { relative } from "node:path";
import { encodePath, listFiles, toDirUrl, toPath } from "./_fs.ts";

/** Modules a route or island may be. */
const MODULE_REGEXP = /\.(tsx|ts|jsx|js)$/;
/** Fresh's test-file rule: skipped by the crawl. */
const TEST_FILE_REGEXP = /[._]test\.(?:[tj]sx?|[mc][tj]s)$/;
/** What a route file's path may contain here: no `[param]`, `(group)` or `_special`. */
const PLAIN_ROUTE_REGEXP = /^([A-Za-z0-9-][A-Za-z0-9._-]*\/)*[A-Za-z0-9-][A-Za-z0-9._-]*$/;

/** Content types of the static files this host serves (all text). */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json; charset=utf-8",
  svg: "image/svg+xml; charset=utf-8",
  txt: "text/plain; charset=utf-8",
};

const ENTRY_NAME = "client.js";
const HEADER = "// Copyright 2026 the slabscope authors. MIT license.\n";

/** What {@linkcode build} wrote, or would write. */
export interface BuildOutput {
  /** The build id. */
  readonly buildId: string;
  /** The text of `routes.gen.ts`. */
  readonly routes: string;
  /** The text of `assets.gen.ts`. */
  readonly assets: string;
}

/** A project's route and island files, as the crawl found them. */
export interface ProjectFiles {
  /** `routes/_app.tsx` (or `.ts`…), when there is one. */
  readonly app: string | undefined;
  /** Route files with the paths they answer, sorted by path. */
  readonly routes: readonly { readonly file: string; readonly path: string }[];
  /** Island files, sorted. */
  readonly islands: readonly string[];
}

/**
 * Lists a project's routes and islands.
 *
 * @param projectDir The folder holding `routes/` and `islands/`.
 * @returns The files, sorted.
 * @throws {SyntaxError} For a route file this host does not serve (a
 * dynamic segment, a group, a layout…), naming the file.
 */
export async function crawlProject(projectDir: string | URL): Promise<ProjectFiles> {
  const root = toDirUrl(projectDir);
  const isModule = (file: string) => MODULE_REGEXP.test(file) && !TEST_FILE_REGEXP.test(file);
  let app: string | undefined;
  const routes: { file: string; path: string }[] = [];
  for (const file of await listFiles(new URL("routes/", root))) {
    if (!isModule(file)) continue;
    const stem = file.replace(MODULE_REGEXP, "");
    if (stem === "_app") {
      app = `./routes/${file}`;
      continue;
    }
    if (!PLAIN_ROUTE_REGEXP.test(stem)) {
      throw new SyntaxError(
        `Cannot build routes/${file}: this host serves plain route files only (no [params], (groups), layouts, middlewares or error pages)`,
      );
    }
    const path = "/" + stem.replace(/(^|\/)index$/, "");
    routes.push({
      file: `./routes/${file}`,
      path: path.length > 1 ? path.replace(/\/$/, "") : "/",
    });
  }
  const islands = (await listFiles(new URL("islands/", root))).filter(isModule)
    .map((file) => `./islands/${file}`);
  routes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { app, routes, islands };
}

/**
 * Builds a project: bundles its client and generates its two modules.
 *
 * @param projectDir The folder holding `routes/`, `islands/` and `static/`.
 * @param outDir Where `routes.gen.ts` and `assets.gen.ts` go.
 * @param options `write: false` builds in memory only.
 * @returns What was (or would be) written.
 * @throws {Error} When `deno bundle` fails; the message has its output.
 */
export async function build(
  projectDir: string | URL,
  outDir: string | URL,
  options: { write?: boolean } = {},
): Promise<BuildOutput> {
  const root = toDirUrl(projectDir);
  const out = toDirUrl(outDir);
  const files = await crawlProject(root);
  const bundle = await bundleClient(root, files.islands);

  const statics: [string, string][] = [];
  const staticDir = new URL("static/", root);
  for (const file of await listFiles(staticDir)) {
    const extension = file.slice(file.lastIndexOf(".") + 1).toLowerCase();
    if (CONTENT_TYPES[extension] === undefined) {
      throw new TypeError(
        `Cannot build static/${file}: expected a text file (${
          Object.keys(CONTENT_TYPES).join(", ")
        })`,
      );
    }
    statics.push([`/${file}`, await Deno.readTextFile(new URL(encodePath(file), staticDir))]);
  }
  const parts = [`${ENTRY_NAME}\0${await sha256(bundle)}`];
  for (const [path, text] of statics) parts.push(`${path}\0${await sha256(text)}`);
  const buildId = (await sha256(parts.join("\n"))).slice(0, 16);
  const clientEntry = `/_frsh/js/${buildId}/${ENTRY_NAME}`;

  const assetEntries: string[] = [];
  for (const [path, text] of [[clientEntry, bundle], ...statics] as [string, string][]) {
    const type = CONTENT_TYPES[path.slice(path.lastIndexOf(".") + 1).toLowerCase()]!;
    const etag = `W/"${(await sha256(text)).slice(0, 32)}"`;
    assetEntries.push(
      `    ${JSON.stringify(path)}: {\n      contentType: ${JSON.stringify(type)},\n      etag: ${
        JSON.stringify(etag)
      },\n      text: ${JSON.stringify(text)},\n    },`,
    );
  }
  const hostDir = relativeImport(out, new URL("./", import.meta.url));
  const assets = `${HEADER}// deno-fmt-ignore-file
// deno-lint-ignore-file
// DO NOT EDIT. Generated by \`deno task build\` (host/build.ts) from islands/ and static/.
import type { HostAssets } from "${hostDir}static.ts";

/** The client bundle and the static files, served from memory. */
export const assets: HostAssets = {
  buildId: ${JSON.stringify(buildId)},
  clientEntry: ${JSON.stringify(clientEntry)},
  files: {
${assetEntries.join("\n")}
  },
};
`;
  const modules = [
    ...(files.app === undefined ? [] : [["$app", files.app]]),
    ...files.routes.map((route, i) => [`$${i}`, route.file]),
    ...files.islands.map((file, i) => [`$$${i}`, file]),
  ];
  const importOf = (file: string) => relativeImport(out, new URL(encodePath(file), root));
  const routes =
    `${HEADER}// DO NOT EDIT. Generated by \`deno task build\` (host/build.ts) from routes/ and islands/.
// Commit it; rebuild after adding, moving or removing a route or an island.

${modules.map(([name, file]) => `import * as ${name} from "${importOf(file!)}";`).join("\n")}
import type { AppSnapshot } from "${hostDir}app.ts";

/** The app: its document, its routes and its islands. */
export const snapshot: AppSnapshot = {
${files.app === undefined ? "" : "  app: $app,\n"}  routes: [
${
      files.routes.map((route, i) =>
        `    { path: ${JSON.stringify(route.path)}, file: ${
          JSON.stringify(route.file)
        }, module: $${i} },`
      ).join("\n")
    }
  ],
  islands: {
${files.islands.map((file, i) => `    ${JSON.stringify(file)}: $$${i},`).join("\n")}
  },
};
`;
  if (options.write !== false) {
    await Deno.mkdir(out, { recursive: true });
    await Deno.writeTextFile(new URL("routes.gen.ts", out), routes);
    await Deno.writeTextFile(new URL("assets.gen.ts", out), assets);
  }
  return { buildId, routes, assets };
}

/** What {@linkcode checkBuild} found. */
export interface BuildCheck {
  /** Whether both generated modules equal a fresh build, byte for byte. */
  readonly upToDate: boolean;
  /** The fresh build's id. */
  readonly buildId: string;
  /** The stale modules (empty when up to date). */
  readonly stale: readonly string[];
}

/**
 * Builds in memory and compares with the generated modules in `outDir`.
 *
 * @param projectDir The folder holding `routes/`, `islands/` and `static/`.
 * @param outDir Where the generated modules are.
 * @returns Whether they are up to date, and which are not.
 */
export async function checkBuild(
  projectDir: string | URL,
  outDir: string | URL,
): Promise<BuildCheck> {
  const fresh = await build(projectDir, outDir, { write: false });
  const out = toDirUrl(outDir);
  const stale: string[] = [];
  for (const [name, text] of [["routes.gen.ts", fresh.routes], ["assets.gen.ts", fresh.assets]]) {
    const committed = await Deno.readTextFile(new URL(name!, out)).catch(() => undefined);
    if (committed !== text) stale.push(name!);
  }
  return { upToDate: stale.length === 0, buildId: fresh.buildId, stale };
}

/** Runs `deno bundle` on a generated entry that exports `boot(props, buildId)`. */
async function bundleClient(root: URL, islands: readonly string[]): Promise<string> {
  const tmp = await Deno.makeTempDir({ prefix: "host_build_" });
  try {
    const lines = [
      `import { boot as bootIslands } from ${
        JSON.stringify(import.meta.resolve("./client/boot.ts"))
      };`,
      ...islands.map((file, i) =>
        `import * as $${i} from ${JSON.stringify(new URL(encodePath(file), root).href)};`
      ),
      `export function boot(props: string, buildId: string): number {`,
      `  return bootIslands({${
        islands.map((file, i) => `${JSON.stringify(file)}: $${i}`).join(", ")
      }}, props, buildId);`,
      `}`,
    ];
    const entryPath = `${tmp}/entry.ts`;
    const outPath = `${tmp}/${ENTRY_NAME}`;
    await Deno.writeTextFile(entryPath, lines.join("\n") + "\n");
    const { code, stderr, stdout } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform",
        "browser",
        "--format",
        "esm",
        "--minify",
        "--output",
        outPath,
        entryPath,
      ],
      cwd: toPath(root),
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).output();
    if (code !== 0) {
      const decoder = new TextDecoder();
      throw new Error(
        `Cannot build the client: deno bundle exited with ${code}\n${decoder.decode(stderr)}${
          decoder.decode(stdout)
        }`,
      );
    }
    return await Deno.readTextFile(outPath);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** A relative import specifier from folder `from` to `to` (a file or folder URL). */
function relativeImport(from: URL, to: URL): string {
  const path = relative(toPath(from), toPath(to)).replaceAll("\\", "/");
  const spec = path.startsWith(".") ? path : `./${path}`;
  return to.href.endsWith("/") ? `${spec.replace(/\/$/, "")}/` : spec;
}

async function sha256(data: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(data));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

if (import.meta.main) {
  const args = Deno.args.filter((arg) => !arg.startsWith("--"));
  if (args.length !== 2) {
    console.error("Usage: deno run -A host/build.ts <projectDir> <outDir> [--check]");
    Deno.exit(2);
  }
  const [projectDir, outDir] = args as [string, string];
  if (Deno.args.includes("--check")) {
    const result = await checkBuild(projectDir, outDir);
    if (!result.upToDate) {
      console.error(`The generated build is stale: ${result.stale.join(", ")}`);
      console.error(`Run: deno task build`);
      Deno.exit(1);
    }
    console.log(`Build ${result.buildId} is up to date`);
  } else {
    const result = await build(projectDir, outDir);
    console.log(`Built ${result.buildId} into ${outDir}`);
  }
}
