// Copyright 2026 the slabscope authors. MIT license.
import { listInstances } from "../../core/fleet/reader.ts";
import { jsonResponse } from "../../core/stream/handler.ts";
import { define } from "../../utils.ts";

/**
 * `GET …/fleet/instances`: the live instances of the fleet (name, host,
 * uptime, fullest pool), and which of them is this process.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const fleet = ctx.state.fleet;
    if (fleet === undefined) {
      return jsonResponse({ error: "No fleet: this dashboard has no KV database" }, 404);
    }
    const instances = await listInstances(fleet.kv);
    return jsonResponse({ self: fleet.self ?? null, now: Date.now(), instances });
  },
});
