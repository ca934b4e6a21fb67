// Copyright 2026 the slabscope authors. MIT license.
import { snapshotResponse } from "../../core/stream/handler.ts";
import { define } from "../../utils.ts";

/** `GET …/diagnostics/snapshot`: the same payload as a keyframe's data. */
export const handler = define.handlers({
  GET: (ctx) => snapshotResponse(ctx.state.stream),
});
