import { DiagnosticsRegistry, instrumentServer } from "@slabscope/slabscope";
import { createDashboard } from "@slabscope/slabscope/dashboard";

const registry = new DiagnosticsRegistry();
const dashboard = createDashboard(registry); // the dashboard, at /debug/
const app = instrumentServer(registry, () => new Response("Hello from my app")); // your handler
const route = (req: Request, info: Deno.ServeHandlerInfo) =>
  new URL(req.url).pathname.startsWith("/debug") ? dashboard(req, info) : app(req, info);
Deno.serve({ hostname: "127.0.0.1", port: 8080, onListen: app.onListen }, route);
