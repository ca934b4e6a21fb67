// Copyright 2026 the slabscope authors. MIT license.
import { define } from "../../utils.ts";

/** `GET …/diagnostics/memory`: the persistent event stream. */
export const handler = define.handlers({
  GET: (ctx) => ctx.state.stream.connect(ctx.req, ctx.info),
});
