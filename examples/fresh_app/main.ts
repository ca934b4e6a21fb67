// Serves the example Fresh app. With real Fresh this is `new App().fsRoutes()`;
// here the stand-in host does the same from the manifest.
//   deno run -A examples/fresh_app/main.ts
import { createHostApp } from "../../host/app.ts";
import manifest from "./manifest.gen.ts";

const app = createHostApp({ manifest, basePath: "" });
export const server: Deno.HttpServer = Deno.serve(
  { hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? 8080) },
  app,
);
