// A Hono app with the dashboard beside it: Hono's routes are instrumented,
// the dashboard answers /debug. Any framework that speaks Request and
// Response mounts it the same way.
import { Hono } from "hono";
import { DiagnosticsRegistry, instrumentServer, SlabAllocator } from "@slabscope/slabscope";
import { createDashboard } from "@slabscope/slabscope/dashboard";

const registry = new DiagnosticsRegistry();
const sessions = registry.addSlab(
  new SlabAllocator({ name: "sessions", slotSize: 256, capacity: 4096 }),
);
const dashboard = createDashboard(registry);

const hono = new Hono();
hono.get("/", (c) => c.text("Hello from Hono"));
hono.post("/sessions", (c) => {
  const session = sessions.alloc();
  return session === null ? c.text("full", 503) : c.json({ session });
});
const app = instrumentServer(registry, (request, info) => hono.fetch(request, info));

Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? 8080), onListen: app.onListen },
  (request, info) =>
    new URL(request.url).pathname.startsWith("/debug")
      ? dashboard(request, info)
      : app(request, info),
);
