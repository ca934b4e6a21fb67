// Mounting the dashboard in a Fresh 2 app: one route module answers /debug,
// /debug/ and everything under it. Valid Fresh 2 code (`fresh` is the
// framework; in this repo the import map points it at the stand-in host).
import { createDefine, type RouteConfig } from "fresh";
import { createDashboard } from "@slabscope/slabscope/dashboard";
import { registry } from "../../registry.ts";

const dashboard = createDashboard(registry);

// `[...path]` alone would miss `/debug/` (URLPattern's `:path*` wants no slash there).
export const config: RouteConfig = { routeOverride: "/debug{/*}?" };

export const handler = createDefine().handlers((ctx) => dashboard(ctx.req, ctx.info));
