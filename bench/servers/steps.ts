// Copyright 2026 the slabscope authors. MIT license.
// A hello-world Deno.serve that takes one step of request tracking, for
// `bench/serve_overhead.ts --steps`: what each step costs a request on its
// own, against a handler that takes the request and does nothing with it.
//   deno run -A bench/servers/steps.ts <port> args|method|slot|clock|slot+clock
//
// - args: `(request, info) => …`, so that Deno builds the request (a handler
//   of no arguments skips that);
// - method: reads `request.method` (every tracked request does);
// - slot: and takes a handle slot (owner, `Active`) for the request's life;
// - clock: and reads `performance.now()` twice (a duration);
// - slot+clock: both.
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../../mod.ts";

const port = Number(Deno.args[0]);
const mode = Deno.args[1] ?? "args";
const registry = new DiagnosticsRegistry();
const handles = registry.addSlab(
  new SlabAllocator({ name: "handles", slotSize: 1, capacity: 2056, kind: "handle" }),
);
const owner = registry.owners.register("steps", "server");
const slot = mode.includes("slot");
const clock = mode.includes("clock");
const method = mode !== "args";

function handler(request: Request, _info: Deno.ServeHandlerInfo): Response {
  // Getters and clock reads are calls into Deno: none is optimized away.
  if (method) void request.method;
  const handle = slot ? handles.alloc(owner, HandleState.Active) : null;
  const start = clock ? performance.now() : 0;
  const response = new Response("Hello, world!");
  if (clock) void (performance.now() - start);
  if (handle !== null) handles.free(handle);
  return response;
}

Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, handler);
