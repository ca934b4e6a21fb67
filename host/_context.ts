// Copyright 2026 the slabscope authors. MIT license.
// The `ctx` handlers and middlewares receive.

import type { PageResponseInit } from "./page.ts";
import type { Context, HostConfig } from "./types.ts";

/** How a context renders; supplied by the app per request. */
export type RenderFn = (
  dataOrVNode: unknown,
  init: PageResponseInit | undefined,
) => Promise<Response>;

/** What the app knows when a request comes in. */
export interface ContextInit<State> {
  readonly req: Request;
  readonly url: URL;
  readonly params: Record<string, string>;
  readonly state: State;
  readonly info: Deno.ServeHandlerInfo | undefined;
  readonly route: string | null;
  readonly config: HostConfig;
  readonly render: RenderFn;
}

/** The host's {@linkcode Context}. */
export class HostContext<State> implements Context<State> {
  readonly req: Request;
  readonly url: URL;
  readonly params: Record<string, string>;
  state: State;
  readonly info: Deno.ServeHandlerInfo | undefined;
  readonly route: string | null;
  readonly config: HostConfig;
  error: unknown = undefined;
  #next: () => Promise<Response> = () =>
    Promise.reject(new TypeError("Cannot call ctx.next(): there is no next middleware"));
  #render: RenderFn;

  constructor(init: ContextInit<State>) {
    this.req = init.req;
    this.url = init.url;
    this.params = init.params;
    this.state = init.state;
    this.info = init.info;
    this.route = init.route;
    this.config = init.config;
    this.#render = init.render;
  }

  next(): Promise<Response> {
    return this.#next();
  }

  render(dataOrVNode?: unknown, init?: PageResponseInit): Promise<Response> {
    return this.#render(dataOrVNode, init);
  }

  redirect(location: string, status = 302): Response {
    if (![301, 302, 303, 307, 308].includes(status)) {
      throw new RangeError(
        `Cannot redirect: status must be 301, 302, 303, 307 or 308, received ${status}`,
      );
    }
    return new Response(null, { status, headers: { location } });
  }

  /**
   * Runs `middlewares` in order around `last`: each one's `ctx.next()` runs
   * the rest.
   */
  async run(
    middlewares: readonly ((ctx: HostContext<State>) => Response | Promise<Response>)[],
    last: () => Promise<Response>,
  ): Promise<Response> {
    const step = async (i: number): Promise<Response> => {
      if (i === middlewares.length) return await last();
      const previous = this.#next;
      this.#next = () => step(i + 1);
      try {
        const response = await middlewares[i]!(this);
        if (!(response instanceof Response)) {
          throw new TypeError(
            `Cannot handle ${this.req.method} ${this.url.pathname}: middleware ${i} returned ${
              describe(response)
            }, expected a Response`,
          );
        }
        return response;
      } finally {
        this.#next = previous;
      }
    };
    return await step(0);
  }
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an instance of ${value.constructor?.name ?? "Object"}`;
  return typeof value;
}
