// Copyright 2026 the slabscope authors. MIT license.
// For instrument_fallback_test.ts: an instrumented server in a process where
// slabscope cannot find Deno's response fields (as in another runtime, or a
// Deno whose fields changed). Serves a few responses to its own fetches,
// then prints the request record and the slots still used as one JSON line.
import { DiagnosticsRegistry, instrumentServer } from "../../mod.ts";

// The probe finds the fields by their descriptions: hide them. Deno's own
// code keeps the original function (its primordials), so it still sends
// every response its fastest way.
const HIDDEN = new Set([
  "serve fast body",
  "serve native response",
  "response",
  "serve fast consumed",
]);
const symbolsOf = Object.getOwnPropertySymbols;
Object.getOwnPropertySymbols = (object: object) =>
  symbolsOf(object).filter((symbol) => !HIDDEN.has(symbol.description ?? ""));

const registry = new DiagnosticsRegistry();
const app = instrumentServer(registry, (request) => {
  switch (new URL(request.url).pathname) {
    case "/bytes":
      return new Response(new Uint8Array(7));
    case "/empty":
      return new Response(null, { status: 204 });
    case "/sized":
      return new Response("12345678", { headers: { "content-length": "8" } });
    case "/missing":
      return new Response("nope", { status: 404 });
    default:
      return new Response("hello");
  }
}, { name: "fallback", onListen() {} });
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: app.onListen }, app);
const bodies: string[] = [];
for (const path of ["/", "/bytes", "/empty", "/sized", "/missing"]) {
  const response = await fetch(`http://127.0.0.1:${server.addr.port}${path}`);
  bodies.push(`${response.status} ${(await response.arrayBuffer()).byteLength}`);
}
// Each request ends when Deno settles `completed`, a turn or so after its
// response was sent.
while (app.handles.stats().used > 0) await new Promise((resolve) => setTimeout(resolve, 5));
const record = registry.snapshot().requests!.server.find((r) => r.name === "fallback")!;
console.log(JSON.stringify({
  bodies,
  used: app.handles.stats().used,
  started: record.started,
  completed: record.completed,
  inFlight: record.in_flight,
  aborted: record.aborted,
  responseBytes: record.response_bytes,
  classes: Object.fromEntries(
    Object.entries(record.classes).map(([name, klass]) => [name, klass!.count]),
  ),
}));
await server.shutdown();
app.close();
