// Copyright 2026 the slabscope authors. MIT license.
// The diagnostics stream's tick decisions, as tables.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type ClientDecision,
  type ClientPosition,
  type ConnectDecision,
  decideForClient,
  decideOnConnect,
  hasRoom,
  heartbeatDue,
  nextDueAt,
  pingDue,
  type TickOutcome,
} from "../../core/stream/client_decision.ts";
import {
  decidePublish,
  heapSampleDue,
  isPoolChange,
  type PublishClock,
  type PublishDecision,
} from "../../core/stream/publish_decision.ts";
import {
  STREAM_DEFAULTS,
  type StreamSettings,
  streamSettings,
} from "../../core/stream/stream_settings.ts";
import type { EventPosition } from "../../core/stream/last_event_id.ts";
import type { JsonObject } from "../../core/wire/validate.ts";

const settings: StreamSettings = STREAM_DEFAULTS; // keyframe 30 s, slow 4.5 s, ping 1 s, heartbeat 15 s
const NOW = 100_000;

/** A client up to date at seq 7 that got its keyframe a second ago. */
const upToDate: ClientPosition = {
  seq: 7,
  dirty: false,
  lastKeyframeAt: NOW - 1_000,
  lastSentAt: NOW - 100,
  lastEventAt: NOW - 100,
  skippingSince: undefined,
};
/** A tick that published a pool change from 7 to 8. */
const poolDelta: TickOutcome = { now: NOW, seq: 8, delta: { base: 7, seq: 8, poolChange: true } };
/** A tick that published a heap-only change from 7 to 8. */
const heapDelta: TickOutcome = { now: NOW, seq: 8, delta: { base: 7, seq: 8, poolChange: false } };
/** A tick that published nothing: the state stays 7. */
const noDelta: TickOutcome = { now: NOW, seq: 7, delta: undefined };

Deno.test("decideForClient: skip, drop, keyframe, delta or quiet", () => {
  const keyframeDue = { dirty: true, lastKeyframeAt: NOW - settings.keyframeInterval };
  const keyframeAlmostDue = { dirty: true, lastKeyframeAt: NOW - settings.keyframeInterval + 1 };
  const table: [string, Partial<ClientPosition>, number | null, TickOutcome, ClientDecision][] = [
    // Queue full: latest wins, whatever was published.
    ["full queue, first tick", {}, 0, poolDelta, "skip"],
    ["over-full queue", {}, -4096, poolDelta, "skip"],
    ["errored stream (desiredSize null)", {}, null, noDelta, "skip"],
    ["skipping just under the timeout", { skippingSince: NOW - 4_499 }, 0, poolDelta, "skip"],
    ["skipping for exactly the timeout", { skippingSince: NOW - 4_500 }, 0, noDelta, "drop"],
    ["skipping for long", { skippingSince: NOW - 60_000 }, -1, heapDelta, "drop"],
    // Room, and a delta from the state it holds.
    ["holds the base: the delta", {}, 1, poolDelta, "delta"],
    ["holds the base, heap-only delta", {}, 1, heapDelta, "delta"],
    ["holds the base, dirty, keyframe not due yet", keyframeAlmostDue, 1, poolDelta, "delta"],
    ["holds the base, dirty, keyframe due: keyframe", keyframeDue, 1, poolDelta, "keyframe"],
    ["holds the base, keyframe due, heap-only: delta", keyframeDue, 1, heapDelta, "delta"],
    ["holds the base, clean, keyframe long ago", { lastKeyframeAt: 0 }, 1, poolDelta, "delta"],
    [
      "drained after skipping, holds the base",
      { skippingSince: NOW - 4_000 },
      1,
      poolDelta,
      "delta",
    ],
    // Room, but not at the delta's base.
    ["new client (seq -1), a delta", { seq: -1 }, 1, poolDelta, "keyframe"],
    ["behind the delta's base", { seq: 5 }, 1, poolDelta, "keyframe"],
    [
      "drained after skipping, behind",
      { seq: 5, skippingSince: NOW - 4_000 },
      1,
      noDelta,
      "keyframe",
    ],
    // Room, nothing published.
    ["up to date, nothing new", {}, 1, noDelta, "quiet"],
    ["new client, nothing new", { seq: -1 }, 1, noDelta, "keyframe"],
    ["behind, nothing new", { seq: 6 }, 1, noDelta, "keyframe"],
    ["ahead (another state), nothing new", { seq: 9 }, 1, noDelta, "keyframe"],
    ["up to date, dirty, keyframe due", keyframeDue, 1, noDelta, "keyframe"],
    ["up to date, dirty, keyframe not due", keyframeAlmostDue, 1, noDelta, "quiet"],
    ["up to date, clean, keyframe long ago", { lastKeyframeAt: 0 }, 1, noDelta, "quiet"],
  ];
  for (const [what, client, room, tick, expected] of table) {
    assert.equal(decideForClient({ ...upToDate, ...client }, room, tick, settings), expected, what);
  }
});

Deno.test("decideForClient: the timeouts come from the settings", () => {
  const quick = { ...settings, slowClientTimeout: 10, keyframeInterval: 50 };
  assert.equal(
    decideForClient({ ...upToDate, skippingSince: NOW - 10 }, 0, noDelta, quick),
    "drop",
  );
  assert.equal(decideForClient({ ...upToDate, skippingSince: NOW - 9 }, 0, noDelta, quick), "skip");
  const dirty = { ...upToDate, dirty: true, lastKeyframeAt: NOW - 50 };
  assert.equal(decideForClient(dirty, 1, poolDelta, quick), "keyframe");
  assert.equal(decideForClient(dirty, 1, poolDelta, settings), "delta");
});

Deno.test("hasRoom, heartbeatDue and pingDue at their edges", () => {
  const rooms: [number | null, boolean][] = [
    [null, false],
    [-1, false],
    [0, false],
    [0.5, true],
    [1, true],
    [262_144, true],
  ];
  for (const [size, expected] of rooms) assert.equal(hasRoom(size), expected, String(size));
  const heartbeats: [number, boolean][] = [
    [0, false],
    [14_999, false],
    [15_000, true],
    [60_000, true],
  ];
  for (const [quiet, expected] of heartbeats) {
    assert.equal(heartbeatDue({ lastSentAt: NOW - quiet }, NOW, settings), expected, `${quiet} ms`);
  }
  const pings: [number, boolean][] = [[0, false], [999, false], [1_000, true], [15_000, true]];
  for (const [quiet, expected] of pings) {
    assert.equal(pingDue({ lastEventAt: NOW - quiet }, NOW, settings), expected, `${quiet} ms`);
  }
});

Deno.test("nextDueAt: the first of its ping, heartbeat and (when dirty) keyframe; at every tick when skipping or behind", () => {
  const at = { lastEventAt: NOW - 300, lastSentAt: NOW - 14_900, lastKeyframeAt: NOW - 29_950 };
  const table: [string, Partial<ClientPosition>, number | undefined, number][] = [
    ["clean: its ping", { lastEventAt: NOW - 300 }, 7, NOW + 700],
    ["clean: its heartbeat first", at, 7, NOW + 100],
    ["dirty: its keyframe first", { ...at, dirty: true }, 7, NOW + 50],
    ["dirty, keyframe later than the ping", { dirty: true }, 7, NOW + 900],
    ["skipping", { skippingSince: NOW - 10 }, 7, -Infinity],
    ["behind", {}, 8, -Infinity],
    ["new (seq -1)", { seq: -1 }, 7, -Infinity],
    ["nothing collected yet", {}, undefined, -Infinity],
  ];
  for (const [what, client, seq, expected] of table) {
    assert.equal(nextDueAt({ ...upToDate, ...client }, seq, settings), expected, what);
  }
});

Deno.test("nextDueAt: before it, a tick that publishes nothing has nothing to send the client", () => {
  // Whole milliseconds, so that `now < a + b` and `now - a >= b` agree exactly.
  const time = fc.integer({ min: 0, max: 200_000 });
  const client = fc.record({
    seq: fc.constantFrom(-1, 6, 7, 8),
    dirty: fc.boolean(),
    lastKeyframeAt: time,
    lastSentAt: time,
    lastEventAt: time,
    skippingSince: fc.option(time, { nil: undefined }),
  });
  const quick = fc.record({
    keyframeInterval: fc.integer({ min: 1, max: 60_000 }),
    pingInterval: fc.integer({ min: 1, max: 5_000 }),
    heartbeatInterval: fc.integer({ min: 1, max: 30_000 }),
    slowClientTimeout: fc.integer({ min: 1, max: 10_000 }),
  });
  fc.assert(
    fc.property(client, quick, time, fc.integer({ min: -2, max: 2 }), (c, s, now, room) => {
      const due = nextDueAt(c, 7, s);
      if (now >= due) return;
      const decision = decideForClient(c, room, { now, seq: 7, delta: undefined }, s);
      // A full queue is noticed at the next due time (see the function's doc).
      assert.equal(decision, room > 0 ? "quiet" : "skip");
      assert.equal(heartbeatDue(c, now, s), false);
      assert.equal(pingDue(c, now, s), false);
    }),
    { numRuns: 5_000 },
  );
});

Deno.test("decideOnConnect: only the exact current id of this boot resumes", () => {
  const table: [string, EventPosition | undefined, number | undefined, ConnectDecision][] = [
    ["no Last-Event-ID", undefined, 7, "keyframe"],
    ["the current id", { boot: "b1", seq: 7 }, 7, "resume"],
    ["behind", { boot: "b1", seq: 6 }, 7, "keyframe"],
    ["ahead", { boot: "b1", seq: 8 }, 7, "keyframe"],
    ["another boot, same seq", { boot: "b2", seq: 7 }, 7, "keyframe"],
    ["seq 0 of this boot", { boot: "b1", seq: 0 }, 7, "keyframe"],
    ["nothing collected yet, no id", undefined, undefined, "error"],
    ["nothing collected yet, an id", { boot: "b1", seq: 7 }, undefined, "error"],
  ];
  for (const [what, position, seq, expected] of table) {
    assert.equal(decideOnConnect(position, "b1", seq), expected, what);
  }
});

Deno.test("isPoolChange: every key a delta can carry", () => {
  const header = { v: 1, seq: 2, base: 1, ts: 0 };
  const quiet = ["heap", "stream"];
  const pools = [
    "slabs",
    "removed_slabs",
    "slab_order",
    "arenas",
    "removed_arenas",
    "arena_order",
    "owner_map",
    "owner_kinds",
  ];
  assert.equal(isPoolChange(header), false);
  for (const key of quiet) assert.equal(isPoolChange({ ...header, [key]: {} }), false, key);
  assert.equal(isPoolChange({ ...header, heap: {}, stream: {} }), false);
  for (const key of pools) {
    assert.equal(isPoolChange({ ...header, [key]: [] }), true, key);
    assert.equal(isPoolChange({ ...header, heap: {}, stream: {}, [key]: [] }), true, key);
  }
});

Deno.test("decidePublish: pools at once, the heap at most every heapQuietInterval, its spaces every keyframeInterval", () => {
  const header = { v: 1, seq: 9, base: 8, ts: 0 };
  const pools: JsonObject = { ...header, slabs: [{ name: "s", used: 1 }] };
  const heap: JsonObject = { ...header, heap: { used_heap_size: 1 }, stream: { events_sent: 3 } };
  const clock = (heapAgo: number, spacesAgo: number): PublishClock => ({
    now: NOW,
    lastHeapPublish: NOW - heapAgo,
    lastSpacesPublish: NOW - spacesAgo,
  });
  const table: [string, JsonObject | null, PublishClock, PublishDecision][] = [
    ["no change", null, clock(60_000, 60_000), "nothing"],
    ["pools, heap just published", pools, clock(0, 0), "delta"],
    ["pools, heap long ago", pools, clock(60_000, 60_000), "delta"],
    ["heap, 4,999 ms after the last heap delta", heap, clock(4_999, 60_000), "nothing"],
    ["heap, 5,000 ms after", heap, clock(5_000, 5_000), "heap"],
    ["heap, spaces 29,999 ms old", heap, clock(10_000, 29_999), "heap"],
    ["heap, spaces 30,000 ms old", heap, clock(10_000, 30_000), "heap-and-spaces"],
    ["heap, nothing published yet", heap, clock(Infinity, Infinity), "heap-and-spaces"],
  ];
  for (const [what, delta, at, expected] of table) {
    assert.equal(decidePublish(delta, at, settings), expected, what);
  }
});

Deno.test("heapSampleDue: every heapInterval, and at once the first time", () => {
  const table: [number, boolean][] = [
    [-Infinity, true],
    [NOW - 999, false],
    [NOW - 1_000, true],
    [NOW, false],
  ];
  for (const [last, expected] of table) {
    assert.equal(heapSampleDue(NOW, last, settings), expected, String(last));
  }
});

Deno.test("streamSettings: the defaults, and a RangeError naming a bad option", () => {
  assert.deepEqual(streamSettings(), STREAM_DEFAULTS);
  assert.deepEqual(streamSettings({}), {
    interval: 100,
    heartbeatInterval: 15_000,
    pingInterval: 1_000,
    keyframeInterval: 30_000,
    heapInterval: 1_000,
    heapQuietInterval: 5_000,
    maxQueuedBytes: 262_144,
    slowClientTimeout: 4_500,
    retry: 1_000,
  });
  assert.equal(Object.isFrozen(STREAM_DEFAULTS), true);
  for (const name of Object.keys(STREAM_DEFAULTS) as (keyof StreamSettings)[]) {
    assert.equal(streamSettings({ [name]: 0.5 })[name], 0.5, name);
    for (const bad of [0, -1, NaN, Infinity, "100" as unknown as number]) {
      assert.throws(() => streamSettings({ [name]: bad }), {
        name: "RangeError",
        message: `Cannot create diagnostics stream: ${name} must be a positive number, received ${
          String(bad)
        }`,
      });
    }
  }
});
