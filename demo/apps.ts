// Copyright 2026 the slabscope authors. MIT license.
/**
 * The demo's two instrumented app servers: an API (fast JSON, slow
 * endpoints, uploads into `tcp_buffers`, scratch arenas) and a streaming
 * service (event streams with quiet spells, so their slots go Idle).
 *
 * @module
 */

import type { DiagnosticsRegistry } from "../mod.ts";
import { instrumentServer } from "../mod.ts";

/** A running demo app. */
export interface DemoApp {
  /** Its origin, `http://127.0.0.1:<port>`. */
  url: string;
  /** Stops it: ends its open streams, then shuts the server down. */
  stop(): Promise<void>;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** The API: `/items` (fast), `/slow?ms=` (slow), `/upload` (POST body). */
export function startApi(registry: DiagnosticsRegistry, hostname: string): DemoApp {
  const stopping = new AbortController();
  const app = instrumentServer(registry, async (request, _info, scope) => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/items": {
        // Parsing scratch from the request's arena: freed with the request.
        const scratch = scope.arena?.alloc(256 + Math.floor(Math.random() * 4096));
        scratch?.fill(7);
        return Response.json({ items: Array.from({ length: 20 }, (_, i) => ({ id: i })) });
      }
      case "/slow": {
        const ms = Math.min(5000, Number(url.searchParams.get("ms") ?? 500));
        await sleep(ms, stopping.signal);
        return Response.json({ waited: ms });
      }
      case "/upload": {
        const bytes = scope.body?.length ?? (await request.arrayBuffer()).byteLength;
        return Response.json({ received: bytes });
      }
      default:
        return new Response("not found\n", { status: 404 });
    }
  }, { name: "api", onListen() {} }); // the demo prints its own address
  const server = Deno.serve({ hostname, port: 0, onListen: app.onListen }, app);
  return {
    url: `http://${hostname}:${server.addr.port}`,
    async stop() {
      stopping.abort();
      await server.shutdown();
      app.close();
    },
  };
}

/**
 * The streaming service: `/events?seconds=&every=` streams an event every
 * `every` ms for `seconds` (with a long quiet spell in the middle, so the
 * slot goes Idle), `/ping` answers at once.
 */
export function startStreams(registry: DiagnosticsRegistry, hostname: string): DemoApp {
  /** Open streams, each with the function that ends it. */
  const open = new Set<() => void>();
  const app = instrumentServer(registry, (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/ping") return new Response("pong");
    if (url.pathname !== "/events") return new Response("not found\n", { status: 404 });
    const seconds = Math.min(60, Number(url.searchParams.get("seconds") ?? 10));
    const every = Math.max(50, Number(url.searchParams.get("every") ?? 500));
    const encoder = new TextEncoder();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let end = () => {};
    const started = Date.now();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        end = () => {
          clearTimeout(timer);
          open.delete(end);
          try {
            controller.close();
          } catch {
            // already closed or cancelled
          }
        };
        open.add(end);
        const tick = () => {
          const elapsed = (Date.now() - started) / 1000;
          if (elapsed >= seconds) return end();
          controller.enqueue(encoder.encode(`data: ${elapsed.toFixed(1)}\n\n`));
          // A quiet spell in the middle third of the stream: the slot idles.
          const quiet = elapsed > seconds / 3 && elapsed < (2 * seconds) / 3;
          timer = setTimeout(tick, quiet ? Math.max(every, 2500) : every);
        };
        tick();
      },
      cancel() {
        clearTimeout(timer);
        open.delete(end);
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  }, { name: "streams", idleAfter: 1000, onListen() {} });
  const server = Deno.serve({ hostname, port: 0, onListen: app.onListen }, app);
  return {
    url: `http://${hostname}:${server.addr.port}`,
    async stop() {
      for (const end of [...open]) end();
      await server.shutdown();
      app.close();
    },
  };
}
