// Copyright 2026 the slabscope authors. MIT license.
// Request records on the wire (docs/wire-format.md, "requests"): keyframe +
// deltas reproduce every state, deltas carry only what moved (one new second
// of history, the classes that changed), an idle record costs nothing, and
// the decoder refuses records whose figures disagree, naming the field.
import assert from "node:assert/strict";
import fc from "fast-check";
import { RequestMetricsSet } from "../../core/diagnostics/request_set.ts";
import type { RequestKind } from "../../core/diagnostics/request_metrics.ts";
import { bucketOf } from "../../core/wire/durations.ts";
import { applyDelta, decodeKeyframe, encodeDelta, encodeKeyframe } from "../../wire.ts";
import { DiagnosticsRegistry, type MemorySnapshot } from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const T0 = 1_800_000_000_000;
const BASE = new DiagnosticsRegistry().snapshot({ sampleHeap: true });

/** A snapshot of `set` at `now`, with nothing else in it. */
function at(set: RequestMetricsSet, now: number, seq: number): MemorySnapshot {
  return { ...BASE, seq, ts: now, requests: set.snapshot(now) };
}

function roundTrip(snapshot: MemorySnapshot): MemorySnapshot {
  return decodeKeyframe(encodeKeyframe(snapshot));
}

type Step =
  | { op: "request"; kind: RequestKind; name: number; status: number; us: number; abort: boolean }
  | { op: "start"; kind: RequestKind; name: number }
  | { op: "hold"; kind: RequestKind; name: number }
  | { op: "release"; pick: number }
  | { op: "drop"; pick: number }
  | { op: "wait"; ms: number }
  | { op: "snapshot" };

const kind = fc.constantFrom("server" as const, "client" as const);
const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant("request" as const),
      kind,
      name: fc.nat(4),
      status: fc.constantFrom(100, 200, 201, 302, 404, 500, 599),
      us: fc.integer({ min: 0, max: 3_000_000 }),
      abort: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("start" as const), kind, name: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("hold" as const), kind, name: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("release" as const), pick: fc.nat() }) },
  // Let go of every hold of one record: it goes, and may come back new.
  { weight: 1, arbitrary: fc.record({ op: fc.constant("drop" as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("wait" as const),
      ms: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 1200 }) },
        { weight: 1, arbitrary: fc.integer({ min: 55_000, max: 65_000 }) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 200_000 }) },
      ),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("snapshot" as const) }) },
);

Deno.test("property: keyframe + deltas reproduce every request snapshot exactly", () => {
  const seen = new Map<string, number>();
  const bump = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
  fc.assert(
    fc.property(
      fc.array(stepArbitrary, { minLength: 20, maxLength: 150, size: "max" }),
      (steps) => {
        const set = new RequestMetricsSet({ maxRecords: 3 });
        const held = [set.acquire("server", "name-0"), set.acquire("client", "name-0")];
        let now = T0 + 321;
        let seq = 1;
        let server = at(set, now, seq);
        let client = roundTrip(server);
        assert.deepEqual(client, server);
        for (const step of steps) {
          switch (step.op) {
            case "request":
            case "start": {
              // Each request holds its record once more; "release" lets go of one hold.
              const metrics = set.acquire(step.kind, `name-${step.name}`);
              held.push(metrics);
              metrics.start();
              if (step.op === "request") {
                if (step.abort) metrics.abort(step.us % 100, step.us % 1000);
                else metrics.complete(step.status, step.us, step.us % 7, step.us % 300, now);
              }
              break;
            }
            case "hold":
              held.push(set.acquire(step.kind, `name-${step.name}`));
              break;
            case "release":
              if (held.length > 0) set.release(held.splice(step.pick % held.length, 1)[0]!);
              break;
            case "drop": {
              if (held.length === 0) break;
              const gone = held[step.pick % held.length]!;
              for (const m of held.filter((m) => m === gone)) set.release(m);
              held.splice(0, held.length, ...held.filter((m) => m !== gone));
              break;
            }
            case "wait":
              now += step.ms;
              break;
            case "snapshot": {
              const next = at(set, now, ++seq);
              const delta = encodeDelta(server, next);
              if (delta === null) {
                assert.deepEqual(
                  { ...client, ts: 0, seq: 0 },
                  { ...roundTrip(next), ts: 0, seq: 0 },
                );
                seq--;
                continue;
              }
              const d = JSON.parse(delta);
              for (const list of ["server", "client"]) {
                const had = new Set(
                  (server.requests?.[list as "server"] ?? []).map((r) => r.name),
                );
                for (const patch of d.requests?.[list] ?? []) {
                  bump(patch.full ? (had.has(patch.name) ? "replaced" : "full") : "patch");
                  if (patch.history_tail) bump("history_tail");
                  if (patch.second !== undefined && !patch.history_tail) bump("second only");
                }
                if (d.requests?.[`removed_${list}`]) bump("removed");
              }
              client = applyDelta(client, delta);
              assert.deepEqual(client, roundTrip(next));
              server = next;
            }
          }
        }
      },
    ),
    { numRuns: 400 },
  );
  for (const what of ["full", "replaced", "patch", "history_tail", "second only", "removed"]) {
    assert.ok((seen.get(what) ?? 0) >= 20, `${what}: ${seen.get(what) ?? 0}`);
  }
});

Deno.test("a delta carries the changed counters, the changed class and the new second only", () => {
  const set = new RequestMetricsSet();
  const api = set.acquire("server", "api");
  for (let i = 0; i < 3; i++) {
    api.start();
    api.complete(200, 40, 0, 5, T0 + 100);
  }
  api.start();
  api.complete(404, 900, 0, 0, T0 + 200);
  const before = at(set, T0 + 1000, 1);
  api.start();
  api.complete(200, 40, 0, 5, T0 + 1500);
  const after = at(set, T0 + 2000, 2);
  const delta = JSON.parse(encodeDelta(before, after)!);
  const { p50_us, p95_us, p99_us } = after.requests!.server[0]!;
  assert.deepEqual(delta.requests, {
    server: [{
      name: "api",
      started: 5,
      completed: 5,
      response_bytes: 20,
      p50_us,
      p95_us,
      p99_us,
      classes: { "2xx": { count: 4, sum_us: 160, buckets: { [bucketOf(40)]: 4 } } },
      second: T0 / 1000 + 1,
      history_tail: [1],
    }],
  });
  assert.deepEqual(applyDelta(roundTrip(before), JSON.stringify(delta)), roundTrip(after));
  // The next second without requests: only the second moves (and the window's percentiles).
  const quiet = JSON.parse(encodeDelta(after, { ...at(set, T0 + 3000, 3) })!);
  assert.deepEqual(Object.keys(quiet.requests.server[0]).sort(), ["name", "second"]);
});

Deno.test("a record with no request for 60 s costs nothing: no delta at all", () => {
  const set = new RequestMetricsSet();
  const api = set.acquire("client", "https://api.example.com");
  api.start();
  api.complete(200, 1000, 10, 20, T0);
  let prev = at(set, T0 + 500, 1);
  const sizes: number[] = [];
  for (let t = 1; t <= 120; t++) {
    const next = at(set, T0 + 500 + t * 1000, prev.seq + 1);
    const delta = encodeDelta(prev, next);
    sizes.push(delta?.length ?? 0);
    if (delta !== null) prev = next;
  }
  // One small delta per second while the window empties, then silence.
  assert.ok(sizes.slice(0, 61).every((n) => n > 0 && n < 200), sizes.slice(0, 61).join());
  assert.deepEqual(sizes.slice(61), new Array(59).fill(0));
});

/** A good keyframe with one server record, as JSON to break. */
function goodKeyframe(): Json {
  const set = new RequestMetricsSet();
  const api = set.acquire("server", "api");
  for (const [status, us] of [[200, 40], [200, 1200], [503, 70_000]]) {
    api.start();
    api.complete(status, us, 3, 4, T0);
  }
  api.start();
  set.acquire("client", "b");
  set.acquire("client", "c");
  const text = encodeKeyframe(at(set, T0 + 1000, 1));
  decodeKeyframe(text);
  return JSON.parse(text);
}

function rejects(mutate: (k: Json) => void, message: RegExp): void {
  const keyframe = goodKeyframe();
  mutate(keyframe);
  assert.throws(() => decodeKeyframe(JSON.stringify(keyframe)), (error: Error) => {
    assert.ok(error instanceof SyntaxError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("the decoder refuses request records whose figures disagree, naming the field", () => {
  const server = (k: Json) => k.requests.server[0];
  rejects(
    (k) => (server(k).completed = 4),
    /requests\.server\[0\]\.completed: 4, but the status classes hold 3/,
  );
  rejects((k) => (server(k).in_flight = 0), /in_flight: 0, but started - completed - aborted is 1/);
  rejects(
    (k) => (server(k).classes["2xx"].count = 3),
    /classes\.2xx\.buckets: the buckets hold 2 requests, count is 3/,
  );
  rejects(
    (k) => (server(k).classes["2xx"].sum_us = 5),
    /classes\.2xx\.sum_us: 5 µs cannot be the sum/,
  );
  rejects(
    (k) => (server(k).classes["2xx"].buckets["70"] = 0),
    /buckets\.70: a bucket is listed only when/,
  );
  rejects(
    (k) => (server(k).classes["2xx"].buckets["072"] = 1),
    /buckets\.072: not a bucket index/,
  );
  rejects((k) => (server(k).classes["2xx"].buckets["72"] = 1), /buckets\.72: not a bucket index/);
  rejects(
    (k) => (server(k).classes["6xx"] = server(k).classes["5xx"]),
    /classes\.6xx: not a status class/,
  );
  rejects(
    (k) => (server(k).history = server(k).history.slice(1)),
    /history: expected 60 seconds, received 59/,
  );
  rejects((k) => (server(k).history[0] = 9), /history: 12 requests, more than the 3 completed/);
  rejects((k) => (server(k).second = T0 / 1000 + 1), /second: \d+ is not a complete second at ts/);
  rejects(
    (k) => (server(k).p50_us = server(k).p99_us + 1),
    /p95_us: percentiles must not decrease/,
  );
  rejects(
    (k) => (server(k).latency = 1),
    /requests\.server\[0\]\.latency: not a field of a request record/,
  );
  rejects((k) => (server(k).name = ""), /name: expected 1 to 256 characters, received 0/);
  rejects(
    (k) => k.requests.client.reverse(),
    /requests\.client: records are sorted by name with each name once/,
  );
  rejects(
    (k) => (k.requests.client[1].name = "b"),
    /records are sorted by name with each name once/,
  );
  rejects((k) => (k.requests.extra = []), /requests\.extra: not a field of the requests/);
});

Deno.test("a request patch: the history moves only forward, its tail canonical and in range", () => {
  const set = new RequestMetricsSet();
  const api = set.acquire("server", "api");
  api.start();
  api.complete(200, 40, 0, 0, T0);
  const state = roundTrip(at(set, T0 + 1000, 1));
  const second = T0 / 1000;
  const delta = (patch: Json) =>
    JSON.stringify({
      v: 1,
      seq: 2,
      base: 1,
      ts: T0 + 9000,
      requests: { server: [{ name: "api", ...patch }] },
    });
  const good = applyDelta(state, delta({ second: second + 3 }));
  assert.deepEqual(good.requests!.server[0]!.history.slice(-4), [1, 0, 0, 0]);
  const refused: [Json, RegExp][] = [
    [{ second }, /second: \d+ does not come after \d+/],
    [{ history_tail: [1] }, /history_tail: the history moves on only with a new second/],
    [{ second: second + 2, history_tail: [0, 1] }, /history_tail: starts with its first non-zero/],
    [{ second: second + 2, history_tail: [] }, /history_tail: starts with its first non-zero/],
    [{ second: second + 2, history_tail: [1, 1, 1] }, /3 seconds, but only 2 came after/],
    [{ second: second + 2, history_tail: [1] }, /history: 2 requests, more than the 1 completed/],
    [{ started: 3 }, /in_flight: 0, but started - completed - aborted is 2/],
    [
      { classes: { "2xx": { count: 0, sum_us: 0, buckets: {} } } },
      /2xx\.count: a status class is listed only once/,
    ],
    [{ full: false }, /\.full: expected true or no field/],
    // A class patch lists only the buckets that grew, and the class grows.
    [
      {
        started: 2,
        completed: 2,
        classes: { "2xx": { count: 2, sum_us: 80, buckets: { [bucketOf(40)]: 1 } } },
      },
      /buckets\.\d+: 1: a patch lists only the buckets that grew \(it had 1\)/,
    ],
    [
      { classes: { "2xx": { count: 1, sum_us: 40, buckets: {} } } },
      /classes\.2xx\.count: 1: a patched class has more requests than its 1/,
    ],
    [
      {
        started: 2,
        completed: 2,
        classes: { "2xx": { count: 2, sum_us: 80, buckets: { [bucketOf(40)]: 3 } } },
      },
      /classes\.2xx\.buckets: the buckets hold 3 requests, count is 2/,
    ],
  ];
  for (const [patch, message] of refused) {
    assert.throws(() => applyDelta(state, delta(patch)), message, JSON.stringify(patch));
  }
  assert.throws(
    () =>
      applyDelta(
        state,
        JSON.stringify({
          v: 1,
          seq: 2,
          base: 1,
          ts: T0 + 9000,
          requests: { removed_client: ["x"] },
        }),
      ),
    /requests\.removed_client\[0\]: there is no record named "x"/,
  );
  assert.throws(
    () =>
      applyDelta(
        state,
        JSON.stringify({
          v: 1,
          seq: 2,
          base: 1,
          ts: T0 + 9000,
          requests: { client: [{ name: "x" }] },
        }),
      ),
    /requests\.client\[0\]: patches "x", which the state does not have/,
  );
});
