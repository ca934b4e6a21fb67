// Copyright 2026 the slabscope authors. MIT license.
// Lints on the wire: a keyframe carries the active set, a delta what was
// raised, changed or cleared; applying deltas gives the next keyframe's
// set; the strict decoder names the field at fault.
import assert from "node:assert/strict";
import { applyDelta, decodeKeyframe, encodeDelta, encodeKeyframe } from "../../wire.ts";
import {
  Arena,
  DiagnosticsRegistry,
  HandleState,
  type MemorySnapshot,
  SlabAllocator,
} from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** A registry on a clock the test moves, with a handle slab and an arena. */
function world() {
  const clock = { now: Date.now() };
  const registry = new DiagnosticsRegistry({ clock: () => clock.now, openHandles: 0, topSites: 0 });
  const conns = registry.addSlab(
    new SlabAllocator({ name: "conns", slotSize: 1, capacity: 16, kind: "handle" }),
  );
  registry.addArena(new Arena({ name: "scratch", capacity: 64 }));
  let seq = 0;
  const take = (ms = 0): MemorySnapshot => {
    clock.now += ms;
    return { ...registry.snapshot({ sampleHeap: false }), seq: ++seq };
  };
  return { registry, conns, take };
}

Deno.test("lints: deltas raise, change and clear them; applying gives the keyframe's set", () => {
  const { conns, take } = world();
  const a = conns.alloc(undefined, HandleState.Connecting)!;
  const s1 = take();
  assert.deepEqual(JSON.parse(encodeKeyframe(s1)).lints, []);
  let state = decodeKeyframe(encodeKeyframe(s1));

  const s2 = take(31_000); // a is stuck: raised
  const d2 = JSON.parse(encodeDelta(s1, s2)!);
  assert.equal(d2.lints.raised.length, 1);
  assert.equal(d2.lints.raised[0].rule, "stuck");
  state = applyDelta(state, d2);
  assert.deepEqual(state.lints, decodeKeyframe(encodeKeyframe(s2)).lints);

  const s3 = take(100); // nothing new
  assert.equal(encodeDelta(s2, s3), null);

  // Slot times are the allocator's (wall clock), 31 s behind this clock:
  // b is stuck as soon as the rule next reads the slots.
  const b = conns.alloc(undefined, HandleState.Connecting)!;
  const s4 = take(1_000); // b too: changed
  const d4 = JSON.parse(encodeDelta(s2, s4)!);
  assert.deepEqual(Object.keys(d4.lints), ["changed"]);
  assert.equal(d4.lints.changed[0].count, 2);
  state = applyDelta(state, d4);
  assert.deepEqual(state.lints, decodeKeyframe(encodeKeyframe(s4)).lints);

  conns.free(a);
  conns.free(b);
  const s5 = take(1_000); // cleared
  const d5 = JSON.parse(encodeDelta(s4, s5)!);
  assert.deepEqual(d5.lints, { cleared: [["stuck", "conns"]] });
  state = applyDelta(state, d5);
  assert.deepEqual(state.lints, []);
});

Deno.test("lints: a state without them reads as before; one with them decodes to the same set", () => {
  const { conns, take } = world();
  conns.alloc(undefined, HandleState.Closing);
  const snapshot = take(40_000);
  take(0);
  const keyframe = JSON.parse(encodeKeyframe(snapshot));
  assert.equal(keyframe.lints.length, 1);
  assert.deepEqual(decodeKeyframe(JSON.stringify(keyframe)).lints, snapshot.lints);
  delete keyframe.lints;
  delete keyframe.stream?.lint_us;
  assert.equal(decodeKeyframe(JSON.stringify(keyframe)).lints, undefined);
});

Deno.test("lints: the strict decoder names the field at fault", () => {
  const { conns, take } = world();
  const h = conns.alloc(undefined, HandleState.Connecting)!;
  const good = JSON.parse(encodeKeyframe(take(31_000)));
  assert.equal(good.lints[0].slots[0], h & 15);
  const cases: [(k: Json) => void, RegExp][] = [
    [(k) => (k.lints = {}), /^Cannot decode keyframe\.lints: expected an array/],
    [(k) => (k.lints[0].rule = "leak"), /keyframe\.lints\[0\]\.rule: expected one of stuck, idle/],
    [
      (k) => (k.lints[0].pool = "nope"),
      /keyframe\.lints\[0\]\.pool: there is no slab named "nope"/,
    ],
    [(k) => (k.lints[0].pool = ""), /keyframe\.lints\[0\]\.pool: expected a pool name/],
    [(k) => (k.lints[0].since = -1), /keyframe\.lints\[0\]\.since/],
    [(k) => (k.lints[0].count = 0), /keyframe\.lints\[0\]\.count: expected at least 1/],
    [(k) => (k.lints[0].slots = [99]), /keyframe\.lints\[0\]\.slots: slot 99 is past the end/],
    [(k) => (k.lints[0].slots = []), /keyframe\.lints\[0\]\.slots: expected at least one slot/],
    [(k) => (k.lints[0].slots = [1, 2]), /keyframe\.lints\[0\]\.slots: 2 slots, but a lint lists/],
    [(k) => (k.lints[0].detail = ""), /keyframe\.lints\[0\]\.detail: expected 1 to 200/],
    [(k) => (k.lints[0].extra = 1), /keyframe\.lints\[0\]\.extra: not a field of a lint/],
    [
      (k) => k.lints.push({ ...k.lints[0] }),
      /keyframe\.lints\[1\]: stuck of "conns" is listed twice/,
    ],
    [
      (k) => k.lints.unshift({ ...k.lints[0], rule: "invalid_frees", slots: undefined }),
      /keyframe\.lints\[1\]: lints are not in order/,
    ],
    [
      (k) => (k.lints[0] = { ...k.lints[0], rule: "arena_fallbacks", slots: undefined }),
      /keyframe\.lints\[0\]\.pool: there is no arena named "conns"/,
    ],
    [(k) => (k.stream = { ...k.stream, lint_us: -1 }), /keyframe\.stream\.lint_us/],
  ];
  for (const [mutate, message] of cases) {
    const keyframe = structuredClone(good);
    keyframe.stream ??= {
      clients: 0,
      events_sent: 0,
      bytes_sent: 0,
      skipped_ticks: 0,
      slow_dropped: 0,
      collect_us: 0,
      encode_us: 0,
      send_us: 0,
      recorded_ms: 0,
      recorded_bytes: 0,
    };
    assert.doesNotThrow(() => decodeKeyframe(JSON.stringify(keyframe)));
    mutate(keyframe);
    assert.throws(() => decodeKeyframe(JSON.stringify(keyframe)), (error: Error) => {
      assert.ok(error instanceof SyntaxError, String(error));
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("lints: a delta's patch is checked against the state", () => {
  const { conns, take } = world();
  const s1 = take();
  conns.alloc(undefined, HandleState.Connecting);
  const s2 = take(31_000);
  const state = decodeKeyframe(encodeKeyframe(s1));
  const delta = JSON.parse(encodeDelta(s1, s2)!);
  const rejects = (mutate: (d: Json) => void, message: RegExp) => {
    const d = structuredClone(delta);
    mutate(d);
    assert.throws(() => applyDelta(state, JSON.stringify(d)), (error: Error) => {
      assert.ok(error instanceof SyntaxError, String(error));
      assert.match(error.message, message);
      return true;
    });
  };
  assert.doesNotThrow(() => applyDelta(state, JSON.stringify(delta)));
  rejects(
    (d) => (d.lints.cleared = [["stuck", "conns"]]),
    /delta\.lints\.cleared\[0\]: clears a lint the state does not have/,
  );
  rejects(
    (d) => (d.lints.changed = d.lints.raised),
    /delta\.lints\.changed\[0\]: changes a lint the state does not have/,
  );
  rejects(
    (d) => d.lints.raised.push(d.lints.raised[0]),
    /delta\.lints\.raised\[1\]: names a lint another entry/,
  );
  rejects((d) => (d.lints.other = []), /delta\.lints\.other: not a field of a lints patch/);
  rejects(
    (d) => (d.lints.cleared = [["stuck"]]),
    /delta\.lints\.cleared\[0\]: expected \[rule, pool\]/,
  );
  // A lint whose slab a delta removes must go in the same delta.
  const later = applyDelta(state, JSON.stringify(delta));
  const removal = { v: 1, seq: 3, base: 2, ts: s2.ts, removed_slabs: ["conns"] };
  assert.throws(
    () => applyDelta(later, JSON.stringify(removal)),
    /delta\.lints\[0\]\.pool: there is no slab named "conns"/,
  );
});
