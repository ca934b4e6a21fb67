// The app's own page: it uses a pool the dashboard shows.
import { createDefine } from "fresh";
import { sessions } from "../registry.ts";

export const handler = createDefine().handlers(() => {
  const session = sessions.alloc();
  return new Response(session === null ? "full" : `session ${session}`);
});
