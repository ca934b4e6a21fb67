// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode collectIslands}: names the islands of a set of island modules.
 * The server (to mark islands) and the browser bundle (to find them) both
 * call it on the same modules, so they agree on every name.
 *
 * @module
 */

import { compareCodeUnits } from "./_order.ts";

/** One island: an exported function of an island module. */
export interface IslandInfo {
  /** The island's unique name, used in the page's markers. */
  readonly name: string;
  /** The module's key, e.g. `"./islands/counter.tsx"`. */
  readonly specifier: string;
  /** The export, e.g. `"default"`. */
  readonly exportName: string;
  /** The component. */
  // deno-lint-ignore no-explicit-any
  readonly component: (props: any) => unknown;
}

/**
 * Lists the islands of island modules: every exported function is one,
 * named after its file for `default` and after the export otherwise. Names
 * are made unique (`Counter`, `Counter_2`, …) in the modules' sorted order.
 * A function exported twice is one island, under its first name.
 *
 * @param modules Island modules keyed by specifier, e.g. `manifest.islands`.
 * @returns The islands, in a deterministic order.
 *
 * @example Names
 * ```ts
 * import { collectIslands } from "./islands.ts";
 * import assert from "node:assert/strict";
 *
 * function Counter() {}
 * function Badge() {}
 * const islands = collectIslands({ "./islands/counter.tsx": { default: Counter, Badge, size: 3 } });
 * assert.deepEqual(islands.map((island) => island.name), ["Badge", "counter"]);
 * ```
 */
export function collectIslands(
  modules: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): IslandInfo[] {
  if (modules === null || typeof modules !== "object") {
    throw new TypeError(
      `Cannot collect islands: expected an object of modules, received ${modules}`,
    );
  }
  const islands: IslandInfo[] = [];
  const names = new Set<string>();
  const seen = new Set<unknown>();
  for (const specifier of Object.keys(modules).sort(compareCodeUnits)) {
    const mod = modules[specifier];
    if (mod === null || typeof mod !== "object") {
      throw new TypeError(`Cannot collect islands: module "${specifier}" is not a module`);
    }
    for (const exportName of Object.keys(mod).sort(compareCodeUnits)) {
      const component = mod[exportName];
      if (typeof component !== "function" || seen.has(component)) continue;
      seen.add(component);
      const base = toIdentifier(exportName === "default" ? fileStem(specifier) : exportName);
      let name = base;
      for (let n = 2; names.has(name); n++) name = `${base}_${n}`;
      names.add(name);
      islands.push({
        name,
        specifier,
        exportName,
        component: component as IslandInfo["component"],
      });
    }
  }
  return islands;
}

function fileStem(specifier: string): string {
  const file = specifier.slice(specifier.lastIndexOf("/") + 1);
  const dot = file.indexOf(".");
  return dot > 0 ? file.slice(0, dot) : file;
}

function toIdentifier(text: string): string {
  const name = text.replace(/[^\w$]/g, "_");
  return /^[A-Za-z_$]/.test(name) ? name : `_${name}`;
}
