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
import { listInstances, readInstance, requestKeyframe } from "../fleet/reader.ts";
import { trustFingerprint } from "../fleet/trust.ts";
import type { DiagnosticsStream } from "../stream/diagnostics_stream.ts";
import type { AccessGuard } from "./access.ts";
import { peerAddress } from "./client_network.ts";
import { recorderSource, recordingResponse } from "./recording_response.ts";
import { BASE_HEADERS, jsonResponse } from "./responses.ts";
import type { Endpoint } from "./router.ts";
import { lintReport } from "../diagnostics/lints/lint_report.ts";

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
  /** The fleet, when there is one. */
  readonly fleet?: FleetParts | undefined;
}

/** The fleet as the endpoints see it. */
export interface FleetParts {
  /** The database the fleet shares. */
  readonly kv: FleetKv;
  /** This process's id in it, when it publishes itself. */
  readonly self: string | undefined;
  /** The token of this instance, and so of its trust domain. */
  readonly token: string | undefined;
}

/**
 * The endpoint table of one registry.
 *
 * @param parts The registry, stream, guard, prefix and fleet.
 * @returns Endpoints by path, the paths that skip the token check, and
 * the paths another site may link to.
 */
export function diagnosticsEndpoints(
  parts: EndpointParts,
): { endpoints: Map<string, Endpoint>; anonymous: Set<string>; navigable: Set<string> } {
  const { registry, stream, guard, prefix, fleet } = parts;
  const endpoints = new Map<string, Endpoint>([
    [`${prefix}/diagnostics/memory`, ({ request, info, head }) => {
      if (head) return new Response(null, { headers: EVENT_STREAM_HEADERS });
      const admitted = guard.admitStream(peerAddress(info));
      if (admitted instanceof Response) return admitted;
      return stream.connect(request, info, admitted.release);
    }],
    [`${prefix}/diagnostics/snapshot`, () => snapshotResponse(stream)],
    [`${prefix}/diagnostics/slot`, ({ url }) => slotResponse(registry, url)],
    [`${prefix}/diagnostics/lints`, () => lintsResponse(registry, stream)],
    [
      `${prefix}/diagnostics/recording`,
      ({ url, head }) => recordingResponse(recorderSource(stream), url, prefix, head),
    ],
    [`${prefix}/metrics`, metricsEndpoint(registry)],
    [`${prefix}/login`, ({ request, info }) => guard.login(request, info)],
  ]);
  if (fleet !== undefined) {
    const trust = trustFingerprint(fleet.token);
    endpoints.set(`${prefix}/fleet/instances`, async () => {
      const ours = await trust;
      // Only this trust domain's instances, and without the fingerprint.
      const instances = (await listInstances(fleet.kv))
        .filter((instance) => instance.trust === ours)
        .map(({ trust: _, ...instance }) => instance);
      return jsonResponse({ self: fleet.self ?? null, now: Date.now(), instances });
    });
    endpoints.set(
      `${prefix}/fleet/keyframe`,
      async ({ url }) => fleetKeyframe(fleet, await trust, url),
    );
  }
  const login = `${prefix}/login`;
  return { endpoints, anonymous: new Set([login]), navigable: new Set([login]) };
}

/**
 * `GET …/metrics`: the Prometheus text exposition of a registry, with the
 * stream's flight recorder when there is a stream.
 *
 * @param registry The pools.
 * @returns The endpoint.
 */
export function metricsEndpoint(registry: DiagnosticsRegistry): Endpoint {
  return () =>
    new Response(formatPrometheus(registry.snapshot()), {
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
/**
 * The active lints, explained (`lint_report.ts`): as of the stream's last
 * tick while it ticks (at most `interval` old), else evaluated now.
 */
function lintsResponse(registry: DiagnosticsRegistry, stream: DiagnosticsStream): Response {
  try {
    const lints = registry.lints;
    const ts = stream.ticking && lints !== undefined && lints.evaluatedAt > 0
      ? lints.evaluatedAt
      : registry.snapshot({ sampleHeap: false }).ts;
    return jsonResponse(lintReport(registry.lints, ts));
  } catch (error) {
    return jsonResponse({ error: (error as Error).message }, 500);
  }
}

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

/**
 * `GET …/fleet/keyframe?id=ID`: one instance's keyframe, asked for through
 * KV; 403 for an instance of another trust domain.
 */
async function fleetKeyframe(
  fleet: FleetParts,
  ours: string | null,
  url: URL,
): Promise<Response> {
  const id = url.searchParams.get("id");
  if (id === null || id.length === 0 || id.length > 64) {
    return jsonResponse({
      error: `Expected ?id= with an instance id (1 to 64 characters), received ${
        JSON.stringify(id)
      }`,
    }, 400);
  }
  const listed = await readInstance(fleet.kv, id).catch(() => undefined);
  if (listed !== undefined && listed.trust !== ours) {
    return jsonResponse({
      error: `Instance ${
        JSON.stringify(id)
      } is not protected by this dashboard's token: a fleet is one trust domain`,
    }, 403);
  }
  const keyframe = await requestKeyframe(fleet.kv, id, {
    timeout: FLEET_ANSWER_TIMEOUT_MS,
    token: fleet.token,
  }).catch((error: Error) => error);
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
