// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * The browser runtime: {@linkcode boot} finds the islands the server
 * marked with `<!--frsh:island:NAME:PROPS:KEY-->…<!--/frsh:island-->`,
 * revives their props (signals shared by identity) and renders each into
 * its range. It re-renders over the server's DOM, reusing its nodes, so
 * nothing flashes.
 *
 * The build bundles it with the app's islands behind a `boot(props,
 * buildId)` export, which the page's inline module script calls.
 *
 * @module
 */

import { type FunctionComponent, h, render } from "npm:preact@^10.29.8";
import { setBuildId } from "../_scope.ts";
import { collectIslands } from "../islands.ts";
import { createRangeRoot } from "./island_root.ts";
import { revive } from "./revive.ts";
import type { WireProps } from "../_wire.ts";

const START = "frsh:island:";
const END = "/frsh:island";

interface Marker {
  readonly start: Comment;
  readonly name: string;
  readonly index: number;
  readonly key: string;
}

/**
 * Renders the page's islands.
 *
 * @param modules The app's island modules, keyed by file (`./islands/X.tsx`).
 * @param serializedProps The islands' props, as the server serialized them.
 * @param buildId The build id, for `asset()`.
 * @param root Where to look for islands.
 * @returns The number of islands rendered.
 */
export function boot(
  modules: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
  serializedProps: string,
  buildId: string,
  root: ParentNode = document.body,
): number {
  setBuildId(buildId);
  const props = revive(JSON.parse(serializedProps) as WireProps);
  const components = new Map(collectIslands(modules).map((i) => [i.name, i.component]));

  const found: { marker: Marker; end: Comment }[] = [];
  const open: Marker[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_COMMENT);
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    const text = (node as Comment).data;
    if (text.startsWith(START)) {
      const [name = "", index = "", ...key] = text.slice(START.length).split(":");
      open.push({ start: node as Comment, name, index: Number(index), key: key.join(":") });
    } else if (text === END) {
      const marker = open.pop();
      if (marker === undefined) {
        console.error("Cannot boot islands: a closing island marker has no opening one");
        continue;
      }
      found.push({ marker, end: node as Comment });
    }
  }

  let rendered = 0;
  for (const { marker, end } of found) {
    const component = components.get(marker.name);
    if (component === undefined) {
      console.error(`Cannot boot island "${marker.name}": it is not in the client bundle`);
      continue;
    }
    if (!Number.isInteger(marker.index) || marker.index < 0 || marker.index >= props.length) {
      console.error(`Cannot boot island "${marker.name}": props index ${marker.index} is unknown`);
      continue;
    }
    if (marker.start.parentNode !== end.parentNode) {
      console.error(
        `Cannot boot island "${marker.name}": the browser moved its markers apart (invalid HTML nesting, e.g. <div> in <p>)`,
      );
      continue;
    }
    const islandProps = (props[marker.index] ?? {}) as Record<string, unknown>;
    const vnode = h(
      component as FunctionComponent,
      marker.key === "" ? islandProps : { ...islandProps, key: marker.key },
    );
    render(vnode, createRangeRoot(marker.start, end) as unknown as Element);
    rendered++;
  }
  return rendered;
}
