// Copyright 2026 the slabscope authors. MIT license.
// The stream never reads request.signal: Deno.serve warns about that on
// every successful response ("request.signal aborts on successful
// responses"), and a client that goes away is noticed without it.
import assert from "node:assert/strict";

Deno.test("a stream mounted without handler info: no Deno warning, and a client that goes away is cleaned up", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      new URL("../fixtures/stream_without_info.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  assert.doesNotMatch(stderr, /request\.signal/);
  assert.doesNotMatch(stderr, /warn/i);
  const seen = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.deepEqual(seen, { afterDisconnect: 0, ended: true, ticking: false });
});
