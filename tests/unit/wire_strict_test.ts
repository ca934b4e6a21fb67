// Copyright 2026 the slabscope authors. MIT license.
// The decoder accepts exactly what docs/wire-format.md allows, and names the
// field it refuses.
import assert from "node:assert/strict";
import { decodeBase64 } from "../../core/wire/base64.ts";
import { decodeOwnerRuns, decodeStateRuns } from "../../core/wire/rle.ts";
import { applyDelta, decodeKeyframe, encodeDelta, encodeKeyframe } from "../../wire.ts";
import {
  ArenaPool,
  DiagnosticsRegistry,
  HandleState,
  type MemorySnapshot,
  SlabAllocator,
} from "../../mod.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/**
 * A keyframe state with a plain slab (p, 64 slots: large enough that a
 * change list is shorter than its bitmap), a handle slab with an owner (h)
 * and an arena pool.
 */
function world() {
  const registry = new DiagnosticsRegistry();
  const owner = registry.owners.register(":8080", "server");
  const plain = registry.addSlab(new SlabAllocator({ name: "p", slotSize: 8, capacity: 64 }));
  const handles = registry.addSlab(
    new SlabAllocator({ name: "h", slotSize: 1, capacity: 10, kind: "handle" }),
  );
  registry.addArenaPool(new ArenaPool({ name: "pool", arenaCapacity: 64, count: 2 }));
  plain.alloc();
  plain.alloc();
  handles.setState(handles.alloc(owner)!, HandleState.Active);
  const state: MemorySnapshot = decodeKeyframe(
    encodeKeyframe({ ...registry.snapshot({ sampleHeap: false }), seq: 1 }),
  );
  return { registry, owner, plain, handles, state };
}

/** Decoding `mutate(copy of the good keyframe)` throws a SyntaxError matching `message`. */
function rejectsKeyframe(mutate: (k: Json) => void, message: RegExp): void {
  const keyframe = JSON.parse(encodeKeyframe(world().state));
  assert.doesNotThrow(() => decodeKeyframe(JSON.stringify(keyframe)));
  mutate(keyframe);
  assert.throws(() => decodeKeyframe(JSON.stringify(keyframe)), (error: Error) => {
    assert.ok(error instanceof SyntaxError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("base64 must be canonical: padding bits zero, no whitespace", () => {
  assert.deepEqual([...decodeBase64("AwA=")], [3, 0]);
  assert.deepEqual([...decodeBase64("AQ==")], [1]);
  for (const bad of ["AwB=", "AR==", "AQ== ", " AQ=", "A\nQ=", "    ", "AQ=\t"]) {
    assert.throws(() => decodeBase64(bad), SyntaxError, JSON.stringify(bad));
  }
  assert.throws(() => decodeBase64("AwB="), /padding bits/);
});

Deno.test("a bitmap or slot list in non-canonical base64 is refused, naming the field", () => {
  // "AwAAAAAAAAA=" and "AwAAAAAAAAB=" both read as bytes 03 00 00 00 00 00
  // 00 00; only the first is canonical.
  rejectsKeyframe((k) => {
    assert.equal(k.slabs[0].bitmap, "AwAAAAAAAAA=");
    k.slabs[0].bitmap = "AwAAAAAAAAB=";
  }, /keyframe\.slabs\[0\]\.bitmap: .*padding bits/);
  const { state } = world();
  // Slot 2 is the first free one: k = 0, gap 2 → bits 110 → byte C0 → "wA==";
  // "wB==" reads the same byte with a padding bit set.
  assert.equal(state.slabs[0]!.summary.U, 2);
  const patch = (at: string) => ({
    v: 1,
    seq: 2,
    base: 1,
    ts: 2,
    slabs: [{
      name: "p",
      summary: { ...state.slabs[0]!.summary, U: 3 },
      changes: { n: 1, k: 0, at },
    }],
  });
  assert.equal(applyDelta(state, patch("wA==")).slabs[0]!.bitmap![0], 7);
  assert.throws(
    () => applyDelta(state, patch("wB==")),
    /delta\.slabs\[0\]\.changes\.at: .*padding bits/,
  );
});

Deno.test("state runs: handle states only, counts always written, no leading zeros, maximal runs", () => {
  assert.deepEqual([...decodeStateRuns("A2I1F1A1C1F2", 8)], [3, 3, 4, 0, 3, 5, 0, 0]);
  for (
    const [bad, message] of [
      ["U2F6", /"U" at 0 is not a handle state/],
      ["A2IFACF2", /expected a count at 3, after "I"/],
      ["F08", /the count 08 at 1 has a leading zero/],
      ["A01F7", /count 01 at 1 has a leading zero/],
      ["A1A1F6", /the run at 2 continues the run before it/],
      ["A0F8", /covers 0 slots/],
    ] as const
  ) {
    assert.throws(() => decodeStateRuns(bad, 8), message, bad);
  }
  rejectsKeyframe((k) => {
    k.slabs[1].states = "U1F9";
    k.slabs[1].summary = { U: 1, N: 0, A: 0, I: 0, C: 0, by_owner: {} };
  }, /keyframe\.slabs\[1\]\.states: .*"U" at 0 is not a handle state/);
});

Deno.test("owner runs: no leading zeros, a run of 1 without a count, maximal runs", () => {
  assert.deepEqual([...decodeOwnerRuns("0*3,-*2,7,65534", 7)], [0, 0, 0, 65535, 65535, 7, 65534]);
  for (
    const [bad, message] of [
      ["0*03,-*4", /not a run/],
      ["00*3,-*4", /not a run/],
      ["0*1,-*6", /a run of 1, which is written without a count/],
      ["0*3,0,-*3", /continues the run before it/],
      ["-*3,-*4", /continues the run before it/],
    ] as const
  ) {
    assert.throws(() => decodeOwnerRuns(bad, 7), message, bad);
  }
});

Deno.test("a summary must count exactly what the slots hold", () => {
  rejectsKeyframe(
    (k) => (k.slabs[0].summary.U = 3),
    /keyframe\.slabs\[0\]\.summary: U is 3, the slots hold 2/,
  );
  rejectsKeyframe(
    (k) => (k.slabs[1].summary.A = 0),
    /keyframe\.slabs\[1\]\.summary: A is 0, the slots hold 1/,
  );
  rejectsKeyframe(
    (k) => (k.slabs[1].summary.by_owner = {}),
    /keyframe\.slabs\[1\]\.summary: by_owner\.0\.A is 0, the slots hold 1/,
  );
  rejectsKeyframe(
    (k) => (k.slabs[1].summary.by_owner["3"] = { U: 0, N: 0, A: 0, I: 0, C: 0 }),
    /keyframe\.slabs\[1\]\.summary: by_owner\.3 holds no slot/,
  );

  // In a delta: a summary that disagrees with the slots it patches, or one
  // left out although the counts changed.
  const { registry, plain, handles, state } = world();
  plain.alloc();
  handles.setState(handles.alloc()!, HandleState.Idle);
  const delta = JSON.parse(
    encodeDelta(state, { ...registry.snapshot({ sampleHeap: false }), seq: 2 })!,
  );
  assert.doesNotThrow(() => applyDelta(state, delta));
  for (
    const [mutate, message] of [
      [
        (d: Json) => (d.slabs[0].summary.U = 2),
        /delta\.slabs\[0\]\.summary: U is 2, the slots hold 3/,
      ],
      [
        (d: Json) => delete d.slabs[0].summary,
        /delta\.slabs\[0\]\.summary: U is 2, the slots hold 3/,
      ],
      [
        (d: Json) => (d.slabs[1].summary.I = 0),
        /delta\.slabs\[1\]\.summary: I is 0, the slots hold 1/,
      ],
    ] as const
  ) {
    const copy = structuredClone(delta);
    mutate(copy);
    assert.throws(() => applyDelta(state, copy), message);
  }
});

Deno.test("a patch without `full` cannot change total, kind or slot_size, nor carry unknown fields", () => {
  const { registry, plain, state } = world();
  plain.alloc();
  const delta = JSON.parse(
    encodeDelta(state, { ...registry.snapshot({ sampleHeap: false }), seq: 2 })!,
  );
  for (const [field, value] of [["total", 10], ["kind", "plain"], ["slot_size", 8]] as const) {
    const copy = structuredClone(delta);
    copy.slabs[0][field] = value;
    assert.throws(
      () => applyDelta(state, copy),
      new RegExp(`delta\\.slabs\\[0\\]\\.${field}: .*only in a full patch`),
    );
  }
  for (
    const [mutate, message] of [
      [
        (d: Json) => (d.slabs[0].color = "red"),
        /delta\.slabs\[0\]\.color: not a field of a slab patch/,
      ],
      [(d: Json) => (d.slabs[0].changes.x = 1), /delta\.slabs\[0\]\.changes\.x: not a field/],
      [
        (d: Json) => (d.arenas = [{ name: "pool", size: 1 }]),
        /delta\.arenas\[0\]\.size: not a field/,
      ],
      [(d: Json) => (d.extra = true), /delta\.extra: not a field of a delta/],
      [
        (d: Json) => (d.stream = { clients: 1 }),
        /delta\.stream\.events_sent: expected a non-negative integer, received nothing/,
      ],
    ] as const
  ) {
    const copy = structuredClone(delta);
    mutate(copy);
    assert.throws(() => applyDelta(state, copy), message);
  }
});

Deno.test("unknown fields anywhere in a keyframe are refused, and so are impossible sizes", () => {
  rejectsKeyframe((k) => (k.extra = 1), /keyframe\.extra: not a field of a keyframe/);
  rejectsKeyframe(
    (k) => (k.slabs[0].color = "red"),
    /keyframe\.slabs\[0\]\.color: not a field of a slab/,
  );
  rejectsKeyframe(
    (k) => (k.arenas[0].pool.extra = 1),
    /keyframe\.arenas\[0\]\.pool\.extra: not a field/,
  );
  rejectsKeyframe((k) => (k.heap.extra = 1), /keyframe\.heap\.extra: not a field/);
  rejectsKeyframe(
    (k) => (k.slabs[0].summary.X = 1),
    /keyframe\.slabs\[0\]\.summary\.X: not a field/,
  );
  rejectsKeyframe(
    (k) => (k.slabs[1].total = 2 ** 40),
    /keyframe\.slabs\[1\]\.total: expected 1 to 4194304 slots, received 1099511627776/,
  );
  rejectsKeyframe(
    (k) => (k.owner_kinds = []),
    /keyframe\.owner_kinds: owner_map has 1 entries and owner_kinds 0/,
  );
});

Deno.test("ts is an integer number of milliseconds, and no count is -0", () => {
  rejectsKeyframe(
    (k) => (k.ts = 1.5),
    /keyframe\.ts: expected a non-negative integer, received 1\.5/,
  );
  const text = encodeKeyframe(world().state);
  assert.match(text, /"used":2,/);
  assert.throws(
    () => decodeKeyframe(text.replace('"used":2,', '"used":-0,')),
    /keyframe\.slabs\[0\]\.used: expected a non-negative integer, received -0/,
  );
  const { state } = world();
  assert.throws(
    () => applyDelta(state, { v: 1, seq: 2, base: 1, ts: 0.25 }),
    /delta\.ts: expected a non-negative integer, received 0\.25/,
  );
});

Deno.test("whole arrays in a patch come as the spec's pairs, never mixed with changes", () => {
  const { registry, plain, handles, owner, state } = world();
  plain.alloc(owner); // p starts recording owners: bitmap and owners whole
  handles.setState(handles.alloc(owner)!, HandleState.Idle);
  const delta = JSON.parse(
    encodeDelta(state, { ...registry.snapshot({ sampleHeap: false }), seq: 2 })!,
  );
  assert.equal(typeof delta.slabs[0].bitmap, "string");
  assert.equal(typeof delta.slabs[0].owners, "string");
  assert.doesNotThrow(() => applyDelta(state, delta));
  const wholeHandle = structuredClone(delta);
  wholeHandle.slabs[1] = {
    name: "h",
    used: 2,
    allocs: 2,
    summary: delta.slabs[1].summary,
    states: "A1I1F8",
    owners: "0*2,-*8",
  };
  assert.doesNotThrow(() => applyDelta(state, wholeHandle));
  for (
    const [mutate, message] of [
      [
        (d: Json) => delete d.slabs[0].bitmap,
        /delta\.slabs\[0\]\.owners: sent whole only together with the whole bitmap/,
      ],
      // A bitmap alone is a whole bitmap without owners: then the summary's
      // owner counts have no slots behind them.
      [
        (d: Json) => delete d.slabs[0].owners,
        /delta\.slabs\[0\]\.summary: by_owner\.0\.U is 1, the slots hold 0/,
      ],
      [
        (d: Json) => (d.slabs[0].changes = { n: 1, k: 0, at: "AA==" }),
        /delta\.slabs\[0\]\.changes: a patch carries whole arrays or changes, not both/,
      ],
    ] as const
  ) {
    const copy = structuredClone(delta);
    mutate(copy);
    assert.throws(() => applyDelta(state, copy), message);
  }
  for (
    const [mutate, message] of [
      [
        (d: Json) => delete d.slabs[1].owners,
        /delta\.slabs\[1\]\.states: sent whole only together with the whole owners/,
      ],
      [
        (d: Json) => delete d.slabs[1].states,
        /delta\.slabs\[1\]\.owners: sent whole only together with the whole states/,
      ],
      [
        (d: Json) => (d.slabs[1].bitmap = "AQA="),
        /delta\.slabs\[1\]\.bitmap: a handle slab carries states/,
      ],
    ] as const
  ) {
    const copy = structuredClone(wholeHandle);
    mutate(copy);
    assert.throws(() => applyDelta(state, copy), message);
  }
});
