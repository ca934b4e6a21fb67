// Copyright 2026 the slabscope authors. MIT license.
// The route of a served request, as its handle's site label.
import assert from "node:assert/strict";
import { defaultRoute, ROUTE_LIMIT, RouteLabels } from "../../core/instrument/request_route.ts";

Deno.test("defaultRoute: identifier-like segments become :id, everything else stays", () => {
  const cases: [string, string][] = [
    ["/", "/"],
    ["/users", "/users"],
    ["/users/42", "/users/:id"],
    ["/users/42/posts/7", "/users/:id/posts/:id"],
    ["/items/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "/items/:id"],
    ["/blobs/0123456789abcdef0123", "/blobs/:id"],
    ["/v2/users", "/v2/users"], // a version is not an id
    ["/files/report-2026.pdf", "/files/report-2026.pdf"],
    ["/hex/abc123", "/hex/abc123"], // short hex: could be a word
  ];
  for (const [path, route] of cases) assert.equal(defaultRoute(path), route, path);
});

Deno.test("RouteLabels: method and route, the query dropped, long routes cut, or the route option's", () => {
  const labels = new RouteLabels();
  const labelOf = (routes: RouteLabels, request: Request) =>
    routes.labelOf(request, request.method);
  assert.equal(labelOf(labels, new Request("http://x/users/42?tab=1#top")), "GET /users/:id");
  assert.equal(labelOf(labels, new Request("http://x", { method: "POST" })), "POST /");
  assert.equal(labelOf(labels, new Request("http://x/?q=1")), "GET /");
  const long = labelOf(labels, new Request(`http://x/${"a".repeat(200)}`));
  assert.equal(long.length, "GET ".length + ROUTE_LIMIT);
  assert.ok(long.endsWith("…"));
  const routed = new RouteLabels((request) =>
    new URL(request.url).pathname.startsWith("/u/") ? "/u/:name" : ""
  );
  assert.equal(labelOf(routed, new Request("http://x/u/ada")), "GET /u/:name");
  assert.equal(labelOf(routed, new Request("http://x/other")), "GET /", "an empty route is /");
});
