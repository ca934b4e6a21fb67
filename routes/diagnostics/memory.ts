// Copyright 2026 the slabscope authors. MIT license.
import { streamResponse } from "../../core/stream/handler.ts";
import { define } from "../../utils.ts";

/** `GET …/diagnostics/memory`: the persistent event stream (capped per address). */
export const handler = define.handlers({
  GET: (ctx) => streamResponse(ctx.state.stream, ctx.state.guard, ctx.req, ctx.info),
});
