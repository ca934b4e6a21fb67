// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode build}: bundles the browser runtime and every island of a
 * project into `static/_frsh/js/<BUILD_ID>/client.js` with
 * `deno bundle --platform browser --minify`, and writes
 * `static/_frsh/build.json`. The output is committed, so users need no build
 * step: the build is deterministic (same inputs, same bytes, same id) and
 * removes older build folders. {@linkcode checkBuild} rebuilds into a
 * temporary folder and compares with what is committed.
 *
 * ```sh
 * deno run -A host/build.ts [projectDir]          # build
 * deno run -A host/build.ts [projectDir] --check  # exit 1 if stale
 * ```
 *
 * @module
 */

import { type BuildFile, formatBuildFile, parseBuildFile } from "./_build_file.ts";
import { encodePath, listFiles, toDirUrl, toPath } from "./_fs.ts";
import { crawlProject } from "./manifest.ts";

export type { BuildFile } from "./_build_file.ts";

/** The header that keeps `deno fmt` and `deno lint` off the minified bundle. */
const BUNDLE_HEADER = "// deno-fmt-ignore-file\n// deno-lint-ignore-file\n";
/** The bundle's file name inside its build folder. */
const ENTRY_NAME = "client.js";

/** Options for {@linkcode build}. */
export interface BuildOptions {
  /**
   * Where to write `build.json` and `js/<id>/`.
   *
   * @default {"<projectDir>/static/_frsh/"}
   */
  readonly outDir?: string | URL;
  /**
   * The `deno.json` that maps `preact` and the islands' imports.
   *
   * @default {the one Deno finds from projectDir}
   */
  readonly config?: string | URL;
}

/** What {@linkcode build} wrote. */
export interface BuildResult extends BuildFile {
  /** The folder written to. */
  readonly outDir: string;
}

/**
 * Builds a project's client bundle.
 *
 * @param projectDir The folder holding `islands/`, `routes/` and `static/`.
 * @param options The output folder and config file.
 * @returns The build id and the files written.
 * @throws {Error} When `deno bundle` fails; the message has its output.
 *
 * @example Build the app in the current folder
 * ```ts ignore
 * import { build } from "./build.ts";
 *
 * const { buildId } = await build(".");
 * console.log(`static/_frsh/js/${buildId}/client.js`);
 * ```
 */
export async function build(
  projectDir: string | URL,
  options: BuildOptions = {},
): Promise<BuildResult> {
  const root = toDirUrl(projectDir);
  const outDir = toDirUrl(options.outDir ?? new URL("static/_frsh/", root));
  const bundle = await bundleClient(root, options.config);

  const hashes = [`${ENTRY_NAME}\0${await sha256(bundle)}`];
  const staticDir = new URL("static/", root);
  for (const file of await listFiles(staticDir, (dir) => dir === "_frsh")) {
    const bytes = await Deno.readFile(new URL(encodePath(file), staticDir));
    hashes.push(`${file}\0${await sha256(bytes)}`);
  }
  const buildId = (await sha256(new TextEncoder().encode(hashes.join("\n")))).slice(0, 16);

  const entry = `js/${buildId}/${ENTRY_NAME}`;
  const result: BuildFile = { buildId, entry, files: [entry] };
  const jsDir = new URL("js/", outDir);
  await Deno.mkdir(new URL(`${buildId}/`, jsDir), { recursive: true });
  for await (const old of Deno.readDir(jsDir)) {
    if (old.name !== buildId) await Deno.remove(new URL(old.name, jsDir), { recursive: true });
  }
  await Deno.writeFile(new URL(entry, outDir), bundle);
  await Deno.writeTextFile(new URL("build.json", outDir), formatBuildFile(result));
  return { ...result, outDir: toPath(outDir) };
}

/** Runs `deno bundle` on a generated entry that boots the project's islands. */
async function bundleClient(
  root: URL,
  config: string | URL | undefined,
): Promise<Uint8Array<ArrayBuffer>> {
  const { islands } = await crawlProject(root);
  const tmp = await Deno.makeTempDir({ prefix: "frsh_build_" });
  try {
    const lines = [
      `import { boot } from ${JSON.stringify(import.meta.resolve("./client/boot.ts"))};`,
      ...islands.map((file, i) =>
        `import * as $${i} from ${JSON.stringify(new URL(encodePath(file), root).href)};`
      ),
      `boot({${islands.map((file, i) => `${JSON.stringify(file)}: $${i}`).join(", ")}});`,
    ];
    const entryPath = `${tmp}/entry.ts`;
    const outPath = `${tmp}/${ENTRY_NAME}`;
    await Deno.writeTextFile(entryPath, lines.join("\n") + "\n");
    const args = ["bundle", "--quiet", "--platform", "browser", "--format", "esm", "--minify"];
    if (config !== undefined) {
      args.push("--config", config instanceof URL ? toPath(config) : config);
    }
    args.push("--output", outPath, entryPath);
    const { code, stderr, stdout } = await new Deno.Command(Deno.execPath(), {
      args,
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
    const bundle = await Deno.readFile(outPath);
    const header = new TextEncoder().encode(BUNDLE_HEADER);
    const out = new Uint8Array(header.length + bundle.length);
    out.set(header);
    out.set(bundle, header.length);
    return out;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What {@linkcode checkBuild} found. */
export interface BuildCheck {
  /** Whether the committed build equals a fresh one, byte for byte. */
  readonly upToDate: boolean;
  /** The fresh build's `build.json`. */
  readonly expected: BuildFile;
  /** The committed `build.json`, or `undefined` when there is none. */
  readonly committed: BuildFile | undefined;
  /** What differs, one line each (empty when up to date). */
  readonly differences: readonly string[];
}

/**
 * Rebuilds a project into a temporary folder and compares the result with
 * its committed `static/_frsh/`: `build.json`, every built file, and no
 * stale build folders.
 *
 * @param projectDir The folder holding `islands/`, `routes/` and `static/`.
 * @param options The config file (`outDir` is ignored).
 * @returns Whether the committed build is up to date, and how it differs.
 */
export async function checkBuild(
  projectDir: string | URL,
  options: Omit<BuildOptions, "outDir"> = {},
): Promise<BuildCheck> {
  const root = toDirUrl(projectDir);
  const committedDir = new URL("static/_frsh/", root);
  const tmp = await Deno.makeTempDir({ prefix: "frsh_check_" });
  try {
    const fresh = await build(root, { ...options, outDir: tmp });
    const expected: BuildFile = { buildId: fresh.buildId, entry: fresh.entry, files: fresh.files };
    const differences: string[] = [];
    let committed: BuildFile | undefined;
    try {
      committed = parseBuildFile(await Deno.readTextFile(new URL("build.json", committedDir)));
    } catch (error) {
      differences.push(`build.json: ${error instanceof Deno.errors.NotFound ? "missing" : error}`);
    }
    if (committed !== undefined && formatBuildFile(committed) !== formatBuildFile(expected)) {
      differences.push(
        `build.json: build id ${committed.buildId}, expected ${expected.buildId}`,
      );
    }
    for (const file of expected.files) {
      const want = await Deno.readFile(new URL(file, toDirUrl(tmp)));
      let have: Uint8Array | undefined;
      try {
        have = await Deno.readFile(new URL(file, committedDir));
      } catch {
        have = undefined;
      }
      if (have === undefined) differences.push(`${file}: missing`);
      else if (!sameBytes(have, want)) differences.push(`${file}: content differs`);
    }
    const expectedFolders = new Set(expected.files.map((file) => file.split("/")[1]));
    for (const file of await listFiles(new URL("js/", committedDir))) {
      if (!expectedFolders.has(file.split("/")[0])) differences.push(`js/${file}: stale`);
    }
    return { upToDate: differences.length === 0, expected, committed, differences };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const projectDir = Deno.args.find((arg) => !arg.startsWith("--")) ?? ".";
  if (check) {
    const result = await checkBuild(projectDir);
    if (!result.upToDate) {
      console.error(`The committed build is stale:\n  ${result.differences.join("\n  ")}`);
      console.error(`Run: deno run -A host/build.ts ${projectDir}`);
      Deno.exit(1);
    }
    console.log(`Build ${result.expected.buildId} is up to date`);
  } else {
    const result = await build(projectDir);
    console.log(`Built ${result.buildId}: ${result.files.join(", ")} in ${result.outDir}`);
  }
}
