// Copyright 2026 the slabscope authors. MIT license.
// instrumentServer() where Deno's response fields cannot be found (another
// runtime, or a Deno whose fields changed): every request still takes and
// frees its slot and is counted with its status; a body's bytes count only
// when it declares its length. A real Deno.serve and real fetches, in a
// process of their own (tests/fixtures/hidden_fields_server.ts).
import assert from "node:assert/strict";

interface Outcome {
  bodies: string[];
  used: number;
  started: number;
  completed: number;
  inFlight: number;
  aborted: number;
  responseBytes: number;
  classes: Record<string, number>;
}

async function run(): Promise<Outcome> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../fixtures/hidden_fields_server.ts", import.meta.url).pathname],
  }).output();
  const errors = new TextDecoder().decode(stderr);
  assert.equal(code, 0, errors);
  return JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
}

Deno.test("instrumentServer(): without Deno's response fields every request is still served, tracked and counted", async () => {
  const outcome = await run();
  assert.deepEqual(outcome.bodies, ["200 5", "200 7", "204 0", "200 8", "404 4"]);
  assert.equal(outcome.used, 0, "every slot freed");
  assert.deepEqual(
    [outcome.started, outcome.completed, outcome.inFlight, outcome.aborted],
    [5, 5, 0, 0],
  );
  assert.deepEqual(outcome.classes, { "2xx": 4, "4xx": 1 });
  // Only the declared content-length is known without Deno's fields.
  assert.equal(outcome.responseBytes, 8);
});
