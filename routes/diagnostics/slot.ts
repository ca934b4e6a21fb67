// Copyright 2026 the slabscope authors. MIT license.
import { slotResponse } from "../../core/stream/handler.ts";
import { define } from "../../utils.ts";

/** `GET …/diagnostics/slot?slab=NAME&index=N`: one slot's details. */
export const handler = define.handlers({
  GET: (ctx) => slotResponse(ctx.state.registry, ctx.url),
});
