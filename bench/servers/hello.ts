// Copyright 2026 the slabscope authors. MIT license.
// A hello-world Deno.serve for bench/serve_overhead.ts: plain, instrumented
// (slots, states, owner and request metrics), instrumented with `isStream:
// false` (no response header read), or instrumented without metrics. With
// `+headers` the response carries two headers of its own (Deno prepares it
// natively instead of taking its fastest way out); with `+routed` the
// handler reads the method and the path first, as any router does.
//   deno run -A bench/servers/hello.ts <port> plain|instrumented|no-headers|no-metrics[+headers|+routed]
// SLABSCOPE_MOD: another checkout's mod.ts to instrument with (`serve_overhead.ts --against`).
import type * as Slabscope from "../../mod.ts";

const { DiagnosticsRegistry, instrumentServer }: typeof Slabscope = await import(
  Deno.env.get("SLABSCOPE_MOD") ?? "../../mod.ts"
);

const port = Number(Deno.args[0]);
const [mode, variant] = Deno.args[1]!.split("+");
const HEADERS = { "cache-control": "no-store", "x-served-by": "hello" };
/** As a router does: the method and the path read, and a 404 for any other. */
function routed(request: Request): Response {
  const { pathname } = new URL(request.url);
  return request.method === "GET" && pathname === "/"
    ? new Response("Hello, world!")
    : new Response("Not found", { status: 404 });
}
const hello = variant === "headers"
  ? () => new Response("Hello, world!", { headers: HEADERS })
  : variant === "routed"
  ? routed
  : () => new Response("Hello, world!");
if (mode === "instrumented" || mode === "no-headers" || mode === "no-metrics") {
  const app = instrumentServer(new DiagnosticsRegistry(), hello, {
    metrics: mode !== "no-metrics",
    ...(mode === "no-headers" ? { isStream: false } : {}),
    onListen() {},
  });
  Deno.serve({ hostname: "127.0.0.1", port, onListen: app.onListen }, app);
} else {
  Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, hello);
}
