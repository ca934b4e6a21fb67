// Copyright 2026 the slabscope authors. MIT license.
/**
 * Server rendering: {@linkcode renderPage} renders a page inside `_app` with
 * `preact-render-to-string`, marks each outermost island with
 * `<!--frsh:island:NAME:PROPS:KEY-->…<!--/frsh:island-->` comments, and,
 * when there are islands, ends the body with the one inline module script
 * that boots them, as Fresh 2 does: it imports the client build and passes
 * it the islands' serialized props. The script carries the response's CSP
 * nonce. A page without islands ships no JavaScript.
 *
 * @module
 */

import {
  type ComponentChildren,
  createContext,
  Fragment,
  type FunctionComponent,
  h,
  isValidElement,
  options,
  type VNode,
} from "npm:preact@^10.29.8";
import { useContext } from "npm:preact@^10.29.8/hooks";
import { renderToString } from "npm:preact-render-to-string@^6.8.2";
import type { IslandInfo } from "./islands.ts";
import { PropsSerializer } from "./serialize.ts";
import type { PageComponent, PageProps } from "./types.ts";

/** Options for {@linkcode renderPage}. */
export interface RenderPageOptions {
  /** The `_app` wrapper; without one, a minimal HTML document wraps the page. */
  // deno-lint-ignore no-explicit-any
  readonly app: PageComponent<PageProps<any, any>> | undefined;
  /** The page component, or JSX to render in its place. */
  // deno-lint-ignore no-explicit-any
  readonly page: PageComponent<PageProps<any, any>> | VNode;
  /** The props every component gets (`Component` is added per level). */
  // deno-lint-ignore no-explicit-any
  readonly props: Omit<PageProps<any, any>, "Component">;
  /** The app's islands, keyed by component. */
  readonly islands: ReadonlyMap<unknown, IslandInfo>;
  /** Where the boot script imports the client build from (base path included). */
  readonly clientEntry: string;
  /** The build id, for `asset()` in the browser. */
  readonly buildId: string;
  /** The response's CSP nonce, put on the boot script. */
  readonly nonce: string;
}

/** The render in progress: the islands it knows and the props it collected. */
interface RenderState {
  readonly islands: ReadonlyMap<unknown, IslandInfo>;
  readonly serializer: PropsSerializer;
  count: number;
}

let current: RenderState | undefined;

/** True inside an island's subtree: nested islands render as plain components. */
const InIsland = createContext(false);

/** Functions that are islands in some app: their vnodes go through `IslandBoundary`. */
const knownIslands = new WeakSet<object>();

interface BoundaryProps {
  readonly island: FunctionComponent;
  readonly props: Record<string, unknown>;
  readonly vkey: unknown;
}

/** Renders an island, marked and with its props collected when it is outermost. */
function IslandBoundary({ island, props, vkey }: BoundaryProps): VNode<unknown> {
  const nested = useContext(InIsland);
  const state = current;
  const info = state?.islands.get(island);
  const inner = rawElement(island, props, vkey);
  if (nested || state === undefined || info === undefined) return inner;
  const index = state.serializer.add(props, info.name);
  state.count++;
  const key = vkey === undefined || vkey === null ? "" : String(vkey).replaceAll(":", "_");
  return h(
    InIsland.Provider,
    { value: true },
    h(Fragment, { UNSTABLE_comment: `frsh:island:${info.name}:${index}:${key}` } as never),
    inner,
    h(Fragment, { UNSTABLE_comment: "/frsh:island" } as never),
  ) as VNode<unknown>;
}

/** A vnode for `type` that the island hook leaves alone. */
function rawElement(
  type: FunctionComponent,
  props: Record<string, unknown>,
  key: unknown,
): VNode<unknown> {
  const vnode = h(type, null) as { type: unknown; props: unknown; key: unknown };
  vnode.type = type;
  vnode.props = props;
  vnode.key = key;
  return vnode as VNode<unknown>;
}

const previousVNodeHook = options.vnode;
options.vnode = (vnode) => {
  const type = vnode.type;
  if (typeof type === "function" && knownIslands.has(type)) {
    const props: BoundaryProps = {
      island: type as FunctionComponent,
      props: vnode.props as Record<string, unknown>,
      vkey: vnode.key,
    };
    (vnode as { type: unknown }).type = IslandBoundary;
    (vnode as { props: unknown }).props = props;
  }
  previousVNodeHook?.(vnode);
};

/**
 * Marks components as islands for {@linkcode renderPage}. Call once per app
 * with its islands; marking is global, naming is per render.
 *
 * @param islands The app's islands.
 */
export function registerIslands(islands: Iterable<IslandInfo>): void {
  for (const { component } of islands) knownIslands.add(component);
}

/**
 * Renders a page to an HTML document.
 *
 * @param options The components, their props, the islands and the build.
 * @returns The HTML, starting with `<!DOCTYPE html>`.
 * @throws {TypeError} When an island's props cannot be serialized.
 */
export async function renderPage(options: RenderPageOptions): Promise<string> {
  const { props } = options;
  let vnode: ComponentChildren = isValidElement(options.page)
    ? options.page
    : await (options.page as PageComponent<PageProps>)({ ...props, Component: Empty });
  if (options.app !== undefined) {
    const inner = vnode;
    const Component: FunctionComponent = () => h(Fragment, null, inner);
    vnode = await options.app({ ...props, Component });
  }
  const state: RenderState = {
    islands: options.islands,
    serializer: new PropsSerializer(),
    count: 0,
  };
  const previous = current;
  current = state;
  let body: string;
  try {
    body = renderToString(h(Fragment, null, vnode));
  } finally {
    current = previous;
  }
  let html = options.app === undefined ? defaultDocument(body) : body;
  if (!/^\s*<!doctype/i.test(html)) html = "<!DOCTYPE html>" + html;
  if (state.count === 0) return html;
  const serialized = JSON.stringify(JSON.stringify(state.serializer.toJSON()));
  const script = `<script type="module" nonce="${
    escapeAttribute(options.nonce)
  }">import { boot } from ${escapeScript(JSON.stringify(options.clientEntry))};boot(${
    escapeScript(serialized)
  }, ${JSON.stringify(options.buildId)});</script>`;
  const end = html.lastIndexOf("</body>");
  return end === -1 ? html + script : html.slice(0, end) + script + html.slice(end);
}

function Empty(): null {
  return null;
}

function defaultDocument(body: string): string {
  return `<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head><body>${body}</body></html>`;
}

/** JavaScript safe inside `<script>`: no `<` at all, so no `</script` or `<!--`. */
function escapeScript(code: string): string {
  return code.replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}
