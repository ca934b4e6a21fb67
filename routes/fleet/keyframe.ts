// Copyright 2026 the slabscope authors. MIT license.
import { requestKeyframe } from "../../core/fleet/reader.ts";
import { jsonResponse } from "../../core/stream/handler.ts";
import { BASE_HEADERS } from "../../core/stream/access.ts";
import { define } from "../../utils.ts";

/** How long an instance gets to answer. */
const ANSWER_TIMEOUT_MS = 5_000;

/**
 * `GET …/fleet/keyframe?id=ID`: asks one instance of the fleet for its
 * current state (through KV) and answers its keyframe: the same JSON as the
 * stream's `diagnostics` event. 504 when it does not answer in time.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const fleet = ctx.state.fleet;
    if (fleet === undefined) {
      return jsonResponse({ error: "No fleet: this dashboard has no KV database" }, 404);
    }
    const id = ctx.url.searchParams.get("id");
    if (id === null || id.length === 0 || id.length > 64) {
      return jsonResponse({
        error: `Expected ?id= with an instance id (1 to 64 characters), received ${
          JSON.stringify(id)
        }`,
      }, 400);
    }
    const keyframe = await requestKeyframe(fleet.kv, id, { timeout: ANSWER_TIMEOUT_MS })
      .catch((error: Error) => error);
    if (keyframe instanceof Error) {
      return jsonResponse({ error: keyframe.message }, 502);
    }
    if (keyframe === undefined) {
      return jsonResponse({
        error: `Instance ${
          JSON.stringify(id)
        } is not in the fleet, or did not answer within ${ANSWER_TIMEOUT_MS} ms`,
      }, 504);
    }
    return new Response(keyframe, {
      headers: {
        ...BASE_HEADERS,
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  },
});
