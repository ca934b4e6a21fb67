// Copyright 2026 the slabscope authors. MIT license.
/**
 * Server rendering: {@linkcode renderPage} composes `_app` → layouts →
 * page, renders it with `preact-render-to-string`, marks islands with
 * `<!--frsh:island:NAME:PROPS:KEY-->…<!--/frsh:island-->` comments, and adds
 * the page's serialized island props and its one module script. A page
 * without islands ships no JavaScript; no page ships inline JavaScript.
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
import { withAssetScope } from "./_scope.ts";
import type { IslandInfo } from "./islands.ts";
import { PropsSerializer } from "./serialize.ts";
import type { PageComponent, PageProps } from "./types.ts";

/** The id of the `<script type="application/json">` holding the page's state. */
export const STATE_ELEMENT_ID = "__FRSH_STATE";

/** A client build: its id and the path of its entry under `static/_frsh/`. */
export interface ClientBuild {
  /** The build id (a content hash). */
  readonly buildId: string;
  /** The entry module, relative to `static/_frsh/`, e.g. `js/<id>/client.js`. */
  readonly entry: string;
}

/** What the page's state script holds; read by the client's `boot()`. */
export interface PageState {
  /** The app's base path. */
  readonly basePath: string;
  /** The build id. */
  readonly buildId: string;
  /** The islands' serialized props. */
  readonly props: ReturnType<PropsSerializer["toJSON"]>;
}

/** Options for {@linkcode renderPage}. */
export interface RenderPageOptions {
  /** The `_app` wrapper; without one, a minimal HTML document wraps the page. */
  // deno-lint-ignore no-explicit-any
  readonly app?: PageComponent<PageProps<any, any>> | undefined;
  /** Layouts, outermost first. */
  // deno-lint-ignore no-explicit-any
  readonly layouts: readonly PageComponent<PageProps<any, any>>[];
  /** The page component, or JSX to render in its place. */
  // deno-lint-ignore no-explicit-any
  readonly page: PageComponent<PageProps<any, any>> | VNode;
  /** The props every component gets (`Component` is added per level). */
  // deno-lint-ignore no-explicit-any
  readonly props: Omit<PageProps<any, any>, "Component">;
  /** The app's islands, keyed by component. */
  readonly islands: ReadonlyMap<unknown, IslandInfo>;
  /** The app's base path. */
  readonly basePath: string;
  /** The client build; required only when the page has islands. */
  readonly build: ClientBuild | undefined;
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
  const key = vkey === undefined || vkey === null ? "" : String(vkey);
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
 * @throws {Error} When the page has islands but there is no client build.
 * @throws {TypeError} When an island's props cannot be serialized.
 */
export async function renderPage(options: RenderPageOptions): Promise<string> {
  const scope = { basePath: options.basePath, buildId: options.build?.buildId };
  const { props } = options;
  let vnode: ComponentChildren = isValidElement(options.page)
    ? options.page
    : await instantiate(options.page as PageComponent<PageProps>, {
      ...props,
      Component: Empty,
    }, scope);
  const wrappers = options.app === undefined ? options.layouts : [options.app, ...options.layouts];
  for (let i = wrappers.length - 1; i >= 0; i--) {
    const inner = vnode;
    const Component: FunctionComponent = () => h(Fragment, null, inner);
    vnode = await instantiate(wrappers[i]!, { ...props, Component }, scope);
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
    body = withAssetScope(scope, () => renderToString(h(Fragment, null, vnode)));
  } finally {
    current = previous;
  }
  let html = options.app === undefined ? defaultDocument(body) : body;
  if (!/^\s*<!doctype/i.test(html)) html = "<!DOCTYPE html>" + html;
  if (state.count === 0) return html;
  if (options.build === undefined) {
    throw new Error(
      "Cannot render islands: the app has no client build (static/_frsh/build.json); run `deno run -A host/build.ts <projectDir>`",
    );
  }
  const pageState: PageState = {
    basePath: options.basePath,
    buildId: options.build.buildId,
    props: state.serializer.toJSON(),
  };
  const scripts = `<script id="${STATE_ELEMENT_ID}" type="application/json">${
    escapeJson(JSON.stringify(pageState))
  }</script><script type="module" src="${
    escapeAttribute(`${options.basePath}/_frsh/${options.build.entry}`)
  }"></script>`;
  const end = html.lastIndexOf("</body>");
  return end === -1 ? html + scripts : html.slice(0, end) + scripts + html.slice(end);
}

function Empty(): null {
  return null;
}

/** A vnode for a page-level component; async ones are awaited here, outside the render. */
async function instantiate(
  // deno-lint-ignore no-explicit-any
  component: PageComponent<PageProps<any, any>>,
  props: PageProps,
  scope: { basePath: string; buildId: string | undefined },
): Promise<ComponentChildren> {
  if (typeof component !== "function") {
    throw new TypeError(`Cannot render page: expected a component, received ${typeof component}`);
  }
  if (component.constructor.name !== "AsyncFunction") {
    return h(component as FunctionComponent<PageProps>, props);
  }
  return await withAssetScope(scope, () => component(props));
}

function defaultDocument(body: string): string {
  return `<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head><body>${body}</body></html>`;
}

/** JSON safe inside `<script>`: no `<` at all, so no `</script` or `<!--`. */
function escapeJson(json: string): string {
  return json.replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}
