// Copyright 2026 the slabscope authors. MIT license.
/**
 * {@linkcode openRecording} and {@linkcode createReplayDashboard}: a
 * recording file in the same dashboard, read-only, with the timeline. The
 * file is read and every event checked before anything is served, so a
 * file that is cut short, has a gap, a wrong version or bad JSON is refused
 * with the line at fault, never shown in part.
 *
 * @module
 */

import { AccessGuard, type AccessOptions } from "../core/http/access.ts";
import { fileSource, recordingResponse } from "../core/http/recording_response.ts";
import { jsonResponse, textResponse } from "../core/http/responses.ts";
import { createRouter, type Endpoint, type Router } from "../core/http/router.ts";
import { formatPrometheus, PROMETHEUS_CONTENT_TYPE } from "../core/export/prometheus.ts";
import {
  readRecording,
  type Recording,
  RECORDING_CONTENT_TYPE,
} from "../core/stream/recording_file.ts";
import { verifyRecording } from "../core/stream/recording_states.ts";
import { encodeKeyframe } from "../core/wire/keyframe.ts";
import type { MemorySnapshot } from "../core/wire/types.ts";
import { createHostApp } from "../host/app.ts";
import { assets } from "./assets.gen.ts";
import type { State } from "./define.ts";
import { pageContentSecurityPolicy } from "./page_policy.ts";
import { snapshot as appSnapshot } from "./routes.gen.ts";

/** A recording read and checked, ready to replay. */
export interface OpenedRecording extends Recording {
  /** Its name (the file's), shown on the page. */
  readonly name: string;
  /** Its last state. */
  readonly last: MemorySnapshot;
  /** The file's bytes, when it was read from bytes: served as they are for the whole recording. */
  readonly file?: Uint8Array<ArrayBuffer>;
}

/**
 * Reads a recording and checks every event: the format line by line, then
 * every keyframe and delta through the strict decoder.
 *
 * @param source The file's bytes, or a stream of them.
 * @param name Its name, for the page and for error messages.
 * @returns The recording, with its last state.
 * @throws {RecordingError} Naming the first line that is wrong and what was expected.
 *
 * @example
 * ```ts
 * import { openRecording } from "./replay_dashboard.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   openRecording(new TextEncoder().encode("{}"), "bad.jsonl.gz"),
 *   /Cannot read recording "bad\.jsonl\.gz": line 1: expected a gzip file/,
 * );
 * ```
 */
export async function openRecording(
  source: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>>,
  name: string,
): Promise<OpenedRecording> {
  const recording = await readRecording(source, name);
  const last = verifyRecording(recording.events, name);
  return { ...recording, name, last, ...(source instanceof Uint8Array ? { file: source } : {}) };
}

/** Options for {@linkcode createReplayDashboard}. */
export interface ReplayDashboardOptions extends AccessOptions {
  /**
   * Where the dashboard lives, without a trailing slash.
   *
   * @default {"/debug"}
   */
  prefix?: string;
}

/**
 * The dashboard of a recording: the page at `{prefix}/` opens at the
 * recording's last moment, paused, with the timeline over the whole file;
 * `{prefix}/diagnostics/recording` serves it (or a stretch of it),
 * `{prefix}/diagnostics/snapshot` its last state, `{prefix}/metrics` that
 * state in Prometheus text. There is no live stream. The same guard as the
 * live dashboard stands in front (loopback host names, read-only).
 *
 * @param recording A recording from {@linkcode openRecording}.
 * @param options The prefix and the access options.
 * @returns The handler (`/` redirects to the page).
 *
 * @example
 * ```ts
 * import { DiagnosticsRegistry, SlabAllocator } from "@slabscope/slabscope";
 * import { DiagnosticsStream } from "@slabscope/slabscope/dashboard";
 * import { recordingResponse, recorderSource } from "../core/http/recording_response.ts";
 * import { createReplayDashboard, openRecording } from "./replay_dashboard.ts";
 * import assert from "node:assert/strict";
 *
 * const registry = new DiagnosticsRegistry();
 * registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 8 })).alloc();
 * const stream = new DiagnosticsStream(registry);
 * stream.snapshot(); // the first state, recorded
 * const file = recordingResponse(recorderSource(stream), new URL("http://localhost/"), "");
 * await stream.close();
 *
 * const replay = createReplayDashboard(await openRecording(file.body!, "s.jsonl.gz"));
 * const page = await replay(new Request("http://localhost/debug/"));
 * assert.match(await page.text(), /a recording: s\.jsonl\.gz/);
 * ```
 */
export function createReplayDashboard(
  recording: OpenedRecording,
  options: ReplayDashboardOptions = {},
): Router {
  const prefix = options.prefix ?? "/debug";
  const guard = new AccessGuard(options);
  const lastText = encodeKeyframe(recording.last);
  const state: State = {
    stream: { snapshot: () => lastText },
    replay: recording.name,
    recording: true,
    basePath: prefix,
    fleet: false,
  };
  const page = createHostApp<State>({
    snapshot: appSnapshot,
    assets,
    basePath: prefix,
    state: () => ({ ...state }),
    contentSecurityPolicy: pageContentSecurityPolicy,
  });
  const source = fileSource(recording.header.boot, recording.events);
  const file = recording.file;
  const endpoints = new Map<string, Endpoint>([
    [`${prefix}/diagnostics/recording`, ({ url, head }) =>
      // The whole recording is the file itself: no need to write it again.
      file !== undefined && !url.searchParams.has("from") && !url.searchParams.has("to")
        ? new Response(head ? null : file, {
          headers: {
            "content-type": RECORDING_CONTENT_TYPE,
            "content-disposition": `attachment; filename="${recording.name.replaceAll('"', "")}"`,
            "cache-control": "no-store",
          },
        })
        : recordingResponse(source, url, prefix, head)],
    [`${prefix}/diagnostics/snapshot`, () =>
      new Response(lastText, {
        headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
      })],
    [
      `${prefix}/diagnostics/memory`,
      () => jsonResponse({ error: "A recording being replayed has no live stream" }, 404),
    ],
    [`${prefix}/metrics`, () =>
      new Response(formatPrometheus(recording.last), {
        headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
      })],
  ]);
  return createRouter({
    guard,
    endpoints,
    fallback: {
      prefix,
      endpoint: async ({ request, info }) => {
        const response = await page(request, info as Deno.ServeHandlerInfo | undefined);
        if ((response.headers.get("content-type") ?? "").startsWith("text/html")) {
          response.headers.set("cache-control", "no-store");
        }
        return response;
      },
    },
    otherwise: ({ url }) =>
      url.pathname === "/"
        ? new Response(null, { status: 302, headers: { location: `${prefix}/` } })
        : textResponse("Not found\n", 404),
  });
}
