// Copyright 2026 the slabscope authors. MIT license.
/**
 * The line `Deno.serve` prints when it is given no `onListen`, for
 * `instrumentServer()`'s own `onListen`, which takes its place. Internal to
 * the instrumentation.
 *
 * @module
 */

/**
 * Prints `Listening on http://127.0.0.1:8080/` (or a socket's path) on
 * stderr, formatted as `Deno.serve` formats it: IPv6 hosts in brackets, a
 * wildcard host with its `localhost` address beside it (on Windows,
 * `localhost` instead).
 *
 * @param address The address the server listens on.
 *
 * @example Usage
 * ```ts
 * import { announce } from "./announce.ts";
 *
 * announce({ transport: "tcp", hostname: "127.0.0.1", port: 8080 }); // Listening on http://127.0.0.1:8080/
 * ```
 */
export function announce(address: Deno.Addr): void {
  console.error(`Listening on ${describeAddress(address)}`);
}

/**
 * Where a server listens, as `Deno.serve` says it.
 *
 * @param address The address the server listens on.
 * @returns A URL, a socket path, or `vsock:<cid>:<port>`.
 *
 * @example Usage
 * ```ts
 * import { describeAddress } from "./announce.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(describeAddress({ transport: "tcp", hostname: "::1", port: 80 }), "http://[::1]:80/");
 * ```
 */
export function describeAddress(address: Deno.Addr): string {
  if ("path" in address) return address.path;
  if (!("hostname" in address)) return `vsock:${address.cid}:${address.port}`;
  const { hostname, port } = address;
  const wildcard = hostname === "0.0.0.0" || hostname === "::";
  if (wildcard && Deno.build.os === "windows") return `http://localhost:${port}/`;
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return `http://${host}:${port}/${wildcard ? ` (http://localhost:${port}/)` : ""}`;
}
