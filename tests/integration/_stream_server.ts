// Copyright 2026 the slabscope authors. MIT license.
// A real Deno.serve on a free loopback port answering the diagnostics
// endpoints, for the stream and fault tests.
import type { DiagnosticsRegistry } from "../../mod.ts";
import { createDiagnosticsHandler, type DiagnosticsHandlerOptions } from "../../dashboard.ts";

/** Serves `registry`'s endpoints; `await using` shuts it down. */
export function serveStream(
  registry: DiagnosticsRegistry,
  options: DiagnosticsHandlerOptions = {},
) {
  // These tests are about the stream, not its caps (tests/integration/security_test.ts):
  // every client here comes from 127.0.0.1, many of them at once.
  const handler = createDiagnosticsHandler(registry, {
    maxStreams: 10_000,
    maxStreamsPerAddress: 10_000,
    connectsPerSecond: 100_000,
    ...options,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    handler,
    base,
    port: server.addr.port,
    stream: `${base}/debug/diagnostics/memory`,
    snapshot: `${base}/debug/diagnostics/snapshot`,
    async [Symbol.asyncDispose]() {
      await handler.close();
      await server.shutdown();
    },
  };
}
