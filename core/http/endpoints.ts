// Copyright 2026 the slabscope authors. MIT license.
/**
 * The diagnostics endpoints, one function per path, as one table that
 * `createDiagnosticsHandler()` and `createDashboard()` both route with:
 *
 * | path | answer |
 * | --- | --- |
 * | `{prefix}/diagnostics/memory` | the event stream (capped, rate-limited) |
 * | `{prefix}/diagnostics/snapshot` | JSON: the same payload as a keyframe's data |
 * | `{prefix}/diagnostics/slot?slab=NAME&index=N` | JSON: one slot's state, owner and age |
 * | `{prefix}/diagnostics/recording?from=…&to=…` | the flight recorder's events, as a recording file |
 * | `{prefix}/metrics` | Prometheus text exposition |
 * | `{prefix}/login` | one-time login links (with a token) |
 * | `{prefix}/fleet/instances` | the fleet's live instances (with a fleet) |
 * | `{prefix}/fleet/keyframe?id=ID` | one instance's keyframe, through KV (with a fleet) |
 *
 * @module
 */

import type { DiagnosticsRegistry } from "../diagnostics/registry.ts";
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from "../export/prometheus.ts";
import type { FleetKv } from "../fleet/kv.ts";
import { listInstances, requestKeyframe } from "../fleet/reader.ts";
import type { DiagnosticsStream } from "../stream/diagnostics_stream.ts";
import type { AccessGuard } from "./access.ts";
import { recorderSource, recordingResponse } from "./recording_response.ts";
import { BASE_HEADERS, jsonResponse } from "./responses.ts";
import type { Endpoint } from "./router.ts";

/** How long a fleet instance gets to answer a keyframe request. */
const FLEET_ANSWER_TIMEOUT_MS = 5_000;
/** The slot endpoint's `index`: a plain decimal integer, nothing else. */
const INDEX_REGEXP = /^(0|[1-9][0-9]{0,9})$/;

/** Headers of the event stream (also the answer to a `HEAD`). */
export const EVENT_STREAM_HEADERS: Readonly<Record<string, string>> = {
  ...BASE_HEADERS,
  "content-type": "text/event-stream; charset=utf-8",
  // no-store: diagnostics are never cached anywhere; no-transform: proxies
  // and compressors must not buffer or compress the stream.
  "cache-control": "no-cache, no-store, no-transform",
};

/** What the endpoints serve. */
export interface EndpointParts {
  /** The pools. */
  readonly registry: DiagnosticsRegistry;
  /** The stream over them. */
  readonly stream: DiagnosticsStream;
  /** The guard (stream caps, login links). */
  readonly guard: AccessGuard;
  /** The prefix, without a trailing slash: `"/debug"`. */
  readonly prefix: string;
  /** The fleet's database and this process's id in it, when there is a fleet. */
  readonly fleet?: { readonly kv: FleetKv; readonly self: string | undefined } | undefined;
}

/**
 * The endpoint table of one registry.
 *
 * @param parts The registry, stream, guard, prefix and fleet.
 * @returns Endpoints by path, and the paths that skip the token check.
 */
export function diagnosticsEndpoints(
  parts: EndpointParts,
): { endpoints: Map<string, Endpoint>; anonymous: Set<string> } {
  const { registry, stream, guard, prefix, fleet } = parts;
  const endpoints = new Map<string, Endpoint>([
    [`${prefix}/diagnostics/memory`, ({ request, info, head }) => {
      if (head) return new Response(null, { headers: EVENT_STREAM_HEADERS });
      const address = info?.remoteAddr;
      const admitted = guard.admitStream(
        address !== undefined && "hostname" in address ? address.hostname : undefined,
      );
      if (admitted instanceof Response) return admitted;
      return stream.connect(request, info, admitted.release);
    }],
    [`${prefix}/diagnostics/snapshot`, () => snapshotResponse(stream)],
    [`${prefix}/diagnostics/slot`, ({ url }) => slotResponse(registry, url)],
    [
      `${prefix}/diagnostics/recording`,
      ({ url, head }) => recordingResponse(recorderSource(stream), url, prefix, head),
    ],
    [`${prefix}/metrics`, metricsEndpoint(registry, stream)],
    [`${prefix}/login`, ({ request }) => guard.login(request, prefix)],
  ]);
  if (fleet !== undefined) {
    endpoints.set(`${prefix}/fleet/instances`, async () => {
      const instances = await listInstances(fleet.kv);
      return jsonResponse({ self: fleet.self ?? null, now: Date.now(), instances });
    });
    endpoints.set(`${prefix}/fleet/keyframe`, ({ url }) => fleetKeyframe(fleet.kv, url));
  }
  return { endpoints, anonymous: new Set([`${prefix}/login`]) };
}

/**
 * `GET …/metrics`: the Prometheus text exposition of a registry, with the
 * stream's flight recorder when there is a stream.
 *
 * @param registry The pools.
 * @param stream The stream over them, if any.
 * @returns The endpoint.
 */
export function metricsEndpoint(
  registry: DiagnosticsRegistry,
  stream?: DiagnosticsStream,
): Endpoint {
  return () =>
    new Response(formatPrometheus({ ...registry.snapshot(), stream: stream?.stats }), {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
    });
}

/** `GET …/diagnostics/snapshot`: the stream's current state as keyframe JSON. */
function snapshotResponse(stream: DiagnosticsStream): Response {
  try {
    return new Response(stream.snapshot(), {
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
    });
  } catch (error) {
    return jsonResponse({ error: (error as Error).message }, 500);
  }
}

/** `GET …/diagnostics/slot?slab=NAME&index=N`: one slot's state, owner and age (ms). */
function slotResponse(registry: DiagnosticsRegistry, url: URL): Response {
  const slab = url.searchParams.get("slab");
  const index = url.searchParams.get("index");
  if (slab === null || index === null || !INDEX_REGEXP.test(index)) {
    return jsonResponse({
      error: `Expected ?slab=NAME&index=N with N a decimal slot index, received index ${
        JSON.stringify(index)
      }`,
    }, 400);
  }
  try {
    const details = registry.slotDetails(slab, Number(index));
    if (details === undefined) {
      return jsonResponse({ error: `No slab named ${JSON.stringify(slab)}` }, 404);
    }
    return jsonResponse({ ...details, age: Math.max(0, Date.now() - details.since) });
  } catch (error) {
    return jsonResponse({ error: (error as Error).message }, 400);
  }
}

/** `GET …/fleet/keyframe?id=ID`: one instance's keyframe, asked for through KV. */
async function fleetKeyframe(kv: FleetKv, url: URL): Promise<Response> {
  const id = url.searchParams.get("id");
  if (id === null || id.length === 0 || id.length > 64) {
    return jsonResponse({
      error: `Expected ?id= with an instance id (1 to 64 characters), received ${
        JSON.stringify(id)
      }`,
    }, 400);
  }
  const keyframe = await requestKeyframe(kv, id, { timeout: FLEET_ANSWER_TIMEOUT_MS })
    .catch((error: Error) => error);
  if (keyframe instanceof Error) return jsonResponse({ error: keyframe.message }, 502);
  if (keyframe === undefined) {
    return jsonResponse({
      error: `Instance ${
        JSON.stringify(id)
      } is not in the fleet, or did not answer within ${FLEET_ANSWER_TIMEOUT_MS} ms`,
    }, 504);
  }
  return new Response(keyframe, {
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}
