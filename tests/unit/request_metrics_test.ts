// Copyright 2026 the slabscope authors. MIT license.
// RequestMetrics and RequestMetricsSet: counters, status classes, the
// duration histogram and the last minute, against a model computed the
// plain way (every request kept, counted again for each question).
import assert from "node:assert/strict";
import fc from "fast-check";
import { RequestMetrics } from "../../core/diagnostics/request_metrics.ts";
import { OTHER_RECORD, RequestMetricsSet } from "../../core/diagnostics/request_set.ts";
import {
  bucketOf,
  DURATION_BOUNDS_US,
  DURATION_BUCKETS,
  OTEL_DURATION_BOUNDS_S,
  quantileUs,
} from "../../core/wire/durations.ts";
import { HISTORY_SECONDS } from "../../core/wire/types.ts";

const T0 = 1_800_000_000_000; // ms, a whole second

Deno.test("durations: log-linear bounds with every OpenTelemetry bound among them", () => {
  assert.equal(DURATION_BOUNDS_US[0], 10);
  assert.equal(DURATION_BOUNDS_US.at(-1), 100_000_000);
  assert.equal(DURATION_BUCKETS, DURATION_BOUNDS_US.length + 1);
  for (let i = 1; i < DURATION_BOUNDS_US.length; i++) {
    const ratio = DURATION_BOUNDS_US[i]! / DURATION_BOUNDS_US[i - 1]!;
    assert.ok(ratio > 1 && ratio <= 4 / 3 + 1e-12, `bound ${i}: ratio ${ratio}`);
  }
  for (const seconds of OTEL_DURATION_BOUNDS_S) {
    assert.ok(DURATION_BOUNDS_US.includes(seconds * 1e6), `${seconds} s is a bound`);
  }
  // le semantics: a duration equal to a bound falls in that bound's bucket.
  for (const [i, bound] of DURATION_BOUNDS_US.entries()) {
    assert.equal(bucketOf(Math.floor(bound)), i);
    assert.equal(bucketOf(Math.floor(bound) + 1), i + 1);
  }
});

Deno.test("quantiles: interpolated inside the bucket, like histogram_quantile", () => {
  const counts = new Float64Array(DURATION_BUCKETS);
  counts[bucketOf(40)] = 90; // (30, 40]
  counts[bucketOf(4000)] = 10; // (3000, 4000]
  assert.equal(quantileUs(counts, 100, 0.5), 36); // 30 + 10 × 50/90
  assert.equal(quantileUs(counts, 100, 0.95), 3500);
  assert.equal(quantileUs(counts, 100, 0.99), 3900);
  const overflow = new Float64Array(DURATION_BUCKETS);
  overflow[DURATION_BUCKETS - 1] = 1;
  assert.equal(quantileUs(overflow, 1, 0.5), 100_000_000);
});

Deno.test("a recorder: counts, classes, bytes, in flight", () => {
  const metrics = new RequestMetrics("server", "api");
  for (let i = 0; i < 5; i++) metrics.start();
  metrics.complete(200, 120.4, 10, 100, T0);
  metrics.complete(204, 99.6, 0, 0, T0 + 10);
  metrics.complete(503, 5_000_000, 0, 7, T0 + 20);
  metrics.complete(42, 1, 0, 0, T0 + 30); // not a status: counted as 5xx
  metrics.abort(3, 4);
  assert.equal(metrics.inFlight, 0);
  const record = metrics.snapshot(T0 + 500);
  assert.equal(record.started, 5);
  assert.equal(record.completed, 4);
  assert.equal(record.aborted, 1);
  assert.equal(record.in_flight, 0);
  assert.equal(record.request_bytes, 13);
  assert.equal(record.response_bytes, 111);
  assert.deepEqual(record.classes["2xx"], {
    count: 2,
    sum_us: 220,
    buckets: { [bucketOf(120)]: 1, [bucketOf(100)]: 1 },
  });
  assert.equal(record.classes["5xx"]?.count, 2);
  assert.equal(record.classes["4xx"], undefined);
  // Within the first second nothing is complete yet: no history.
  assert.equal(record.second, T0 / 1000 - 1);
  assert.deepEqual(record.history, new Array(HISTORY_SECONDS).fill(0));
  const later = metrics.snapshot(T0 + 1000);
  assert.equal(later.second, T0 / 1000);
  assert.equal(later.history.at(-1), 4);
  assert.equal(later.p99_us, quantileUs(histogramOf([120, 100, 5_000_000, 1]), 4, 0.99));
});

Deno.test("a recorder: an unchanged record is the same object, and idles into a fixed one", () => {
  const metrics = new RequestMetrics("client", "https://example.com");
  const never = metrics.snapshot(T0 - 5000);
  assert.equal(metrics.snapshot(T0), never, "no request yet: nothing moves");
  assert.equal(never.second, 0);
  metrics.start();
  metrics.complete(200, 1000, 0, 0, T0);
  const a = metrics.snapshot(T0 + 1500);
  assert.equal(metrics.snapshot(T0 + 1600), a, "same second, no request");
  const b = metrics.snapshot(T0 + 2000);
  assert.notEqual(b, a);
  assert.equal(b.history.at(-2), 1);
  // 60 s after the request the history is empty and the record stops moving.
  const quiet = metrics.snapshot(T0 + 61_000);
  assert.deepEqual(quiet.history, new Array(HISTORY_SECONDS).fill(0));
  assert.equal(quiet.second, T0 / 1000 + 60);
  assert.equal([quiet.p50_us, quiet.p95_us, quiet.p99_us].join(), "0,0,0");
  assert.equal(metrics.snapshot(T0 + 3_600_000), quiet);
});

Deno.test("a recorder: a late clock never adds to a second the window already holds", () => {
  const metrics = new RequestMetrics("server", "api");
  metrics.start();
  metrics.snapshot(T0 + 2000); // the window now ends with second T0/1000 + 1
  metrics.complete(200, 50, 0, 0, T0 + 1990); // a coarse clock 10 ms behind
  const record = metrics.snapshot(T0 + 3000);
  assert.equal(record.history.at(-1), 1, "counted in the current second");
  assert.equal(record.history.at(-2), 0);
});

Deno.test("a recorder: a ring row reused 61 s later starts empty", () => {
  const metrics = new RequestMetrics("server", "api");
  for (let i = 0; i < 10; i++) {
    metrics.start();
    metrics.complete(200, 100, 0, 0, T0);
  }
  metrics.snapshot(T0 + 61_000); // second T0 leaves the window; its row is the current one
  metrics.start();
  metrics.complete(200, 5000, 0, 0, T0 + 61_000);
  const record = metrics.snapshot(T0 + 62_000);
  assert.deepEqual(record.history.slice(-2), [0, 1]);
  assert.ok(record.p50_us > 4000 && record.p50_us <= 5000, `p50 ${record.p50_us}`);
});

/** A bucket-count array of durations. */
function histogramOf(durations: number[]): Float64Array {
  const counts = new Float64Array(DURATION_BUCKETS);
  for (const us of durations) counts[bucketOf(us)]!++;
  return counts;
}

type Step =
  | { op: "request"; status: number; us: number; abort: boolean }
  | { op: "wait"; ms: number }
  | { op: "look" };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant("request" as const),
      status: fc.constantFrom(101, 200, 201, 304, 404, 429, 500, 503),
      us: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 200_000_000 })),
      abort: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("wait" as const),
      // Ticks, steps around the 61 s ring (rows reused), and long silences.
      ms: fc.oneof(
        fc.integer({ min: 0, max: 1500 }),
        fc.integer({ min: 55_000, max: 65_000 }),
        fc.integer({ min: 0, max: 130_000 }),
      ),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("look" as const) }) },
);

Deno.test("property: every snapshot agrees with the requests as they happened", () => {
  fc.assert(
    fc.property(fc.array(stepArbitrary, { maxLength: 200, size: "max" }), (steps) => {
      const metrics = new RequestMetrics("server", "model");
      const done: { second: number; us: number; status: number }[] = [];
      let aborted = 0;
      let now = T0 + 123;
      for (const step of [...steps, { op: "look" } as const]) {
        if (step.op === "wait") now += step.ms;
        else if (step.op === "request") {
          metrics.start();
          if (step.abort) {
            metrics.abort(0, 0);
            aborted++;
          } else {
            metrics.complete(step.status, step.us, 0, 0, now);
            done.push({ second: Math.floor(now / 1000), us: step.us, status: step.status });
          }
        } else {
          const record = metrics.snapshot(now);
          assert.equal(record.completed, done.length);
          assert.equal(record.aborted, aborted);
          for (const [k, name] of ["1xx", "2xx", "3xx", "4xx", "5xx"].entries()) {
            const mine = done.filter((r) => Math.floor(r.status / 100) - 1 === k);
            const entry = record.classes[name as "2xx"];
            assert.equal(entry?.count ?? 0, mine.length, name);
            if (entry === undefined) continue;
            assert.equal(entry.sum_us, mine.reduce((sum, r) => sum + r.us, 0));
            const counts = histogramOf(mine.map((r) => r.us));
            for (let b = 0; b < DURATION_BUCKETS; b++) {
              assert.equal(entry.buckets[b] ?? 0, counts[b], `${name} bucket ${b}`);
            }
          }
          // The history: the 60 seconds ending with `second`, which is the
          // last complete second until 60 s after the last request.
          const current = Math.floor(now / 1000);
          const last = done.length === 0 ? 0 : done.at(-1)!.second;
          const second = last === 0 ? 0 : Math.min(current - 1, last + 60);
          assert.equal(record.second, second);
          const expected = Array.from({ length: HISTORY_SECONDS }, (_, i) => {
            const s = second - HISTORY_SECONDS + 1 + i;
            return second === 0 ? 0 : done.filter((r) => r.second === s).length;
          });
          assert.deepEqual(record.history, expected);
          const window = done.filter((r) => r.second >= current - 60 && r.second < current);
          const counts = histogramOf(window.map((r) => r.us));
          assert.equal(record.p50_us, quantileUs(counts, window.length, 0.5));
          assert.equal(record.p95_us, quantileUs(counts, window.length, 0.95));
          assert.equal(record.p99_us, quantileUs(counts, window.length, 0.99));
        }
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("a set: shared by name, removed with its last holder, capped with an other record", () => {
  const set = new RequestMetricsSet({ maxRecords: 2 });
  const a = set.acquire("client", "b.example");
  const b = set.acquire("client", "a.example");
  assert.equal(set.acquire("client", "a.example"), b);
  const c = set.acquire("client", "c.example");
  assert.equal(c.name, OTHER_RECORD, "past maxRecords names");
  assert.equal(set.acquire("client", "d.example"), c);
  assert.equal(set.acquire("server", "c.example").name, "c.example", "a cap per kind");
  assert.deepEqual(
    set.snapshot(T0).client.map((r) => r.name),
    ["a.example", "b.example", "other"],
    "sorted by name",
  );
  set.release(b);
  assert.equal(set.snapshot(T0).client.length, 3, "still held once");
  set.release(b);
  set.release(a);
  assert.deepEqual(set.snapshot(T0).client.map((r) => r.name), ["other"]);
  assert.throws(() => new RequestMetricsSet({ maxRecords: 0 }), RangeError);
});

Deno.test("a set: completion listeners see every completed request, and stop", () => {
  const set = new RequestMetricsSet();
  const seen: string[] = [];
  const stop = set.onComplete((m, status, us) => seen.push(`${m.kind} ${m.name} ${status} ${us}`));
  const api = set.acquire("server", "api");
  api.start();
  api.complete(200, 41.6, 0, 0, T0);
  api.start();
  api.abort(0, 0);
  const other = set.onComplete(() => seen.push("second listener"));
  api.start();
  api.complete(404, 7, 0, 0, T0);
  stop();
  other();
  api.start();
  api.complete(200, 1, 0, 0, T0);
  assert.deepEqual(seen, ["server api 200 42", "server api 404 7", "second listener"]);
});
