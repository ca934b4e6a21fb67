// Copyright 2026 the slabscope authors. MIT license.
import { define } from "../utils.ts";

/**
 * `GET …/login`: with `?code=`, a one-time login link sets the session
 * cookie; with `Authorization: Bearer <token>`, answers a fresh link.
 */
export const handler = define.handlers({
  GET: (ctx) => ctx.state.guard.login(ctx.req, ctx.state.basePath),
});
