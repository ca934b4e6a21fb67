// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import { decodeBase64, encodeBase64 } from "../../core/wire/base64.ts";
import { decodeSlotList, encodeSlotList } from "../../core/wire/rice.ts";
import {
  decodeOwnerRuns,
  decodeStateRuns,
  encodeOwnerRuns,
  encodeStateRuns,
} from "../../core/wire/rle.ts";
import { applyDelta, decodeKeyframe, encodeKeyframe } from "../../wire.ts";
import { DiagnosticsRegistry, SlabAllocator } from "../../mod.ts";

Deno.test("base64 matches btoa and rejects non-canonical text", () => {
  for (const length of [0, 1, 2, 3, 4, 5, 31, 32, 33]) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 255);
    const text = encodeBase64(bytes);
    assert.equal(text, btoa(String.fromCharCode(...bytes)));
    assert.deepEqual(decodeBase64(text), bytes);
  }
  for (const bad of ["A", "AB", "A===", "AB=C", "ab cd", "AQ==AQ==", "√√√√"]) {
    assert.throws(() => decodeBase64(bad), SyntaxError, bad);
  }
});

Deno.test("Rice-coded slot lists: exact bits for known lists, and round trips", () => {
  assert.deepEqual(encodeSlotList([]), { k: 0, at: "" });
  // Gaps 0, 0, 0 with k = 0: three zero-bits.
  assert.deepEqual(encodeSlotList([0, 1, 2]), { k: 0, at: "AA==" });
  // Gaps 5 and 94 with k = 5: 0|00101 then 110|11110 → 00010111 01111000.
  assert.deepEqual(encodeSlotList([5, 100]), { k: 5, at: "F3g=" });
  const big = [0, 7, 8, 1000, 65_535, 1_048_575, 4_194_303];
  const { k, at } = encodeSlotList(big);
  assert.deepEqual([...decodeSlotList(at, k, big.length, 4_194_304)], big);
  // 1 % random churn of 262,144 slots costs under 9 bits per slot.
  const churn = [
    ...new Set(Array.from({ length: 2621 }, () => Math.floor(Math.random() * 262_144))),
  ]
    .sort((a, b) => a - b);
  const encoded = encodeSlotList(churn);
  assert.ok(
    encoded.at.length * 6 / churn.length < 9.2,
    `${encoded.at.length * 6 / churn.length} bits`,
  );
  assert.deepEqual([...decodeSlotList(encoded.at, encoded.k, churn.length, 262_144)], churn);
});

Deno.test("Rice-coded slot lists: malformed lists are a SyntaxError", () => {
  assert.throws(() => decodeSlotList("AA==", 0, 9, 10), /ends after 8 of 9/);
  assert.throws(() => decodeSlotList("AAA=", 0, 2, 10), /bits left after 2/);
  assert.throws(() => decodeSlotList("gAA=", 0, 1, 10), /14 bits left/); // a whole spare byte
  assert.throws(() => decodeSlotList("AQ==", 0, 1, 10), /bits left/); // padding bits set
  assert.throws(() => decodeSlotList("//8=", 0, 1, 10), /not below the slot count 10/);
  assert.throws(() => decodeSlotList("AA==", 31, 1, 10), /k must be an integer from 0 to 30/);
  assert.throws(() => decodeSlotList("A", 0, 1, 10), /base64/);
  assert.throws(() => decodeSlotList("", 0, 1, 10), /ends after 0 of 1/);
});

Deno.test("state runs: exact text, every count written", () => {
  const states = Uint8Array.from([3, 3, 4, 0, 3, 5, 0, 0]);
  assert.equal(encodeStateRuns(states), "A2I1F1A1C1F2");
  assert.deepEqual(decodeStateRuns("A2I1F1A1C1F2", 8), states);
  for (
    const [bad, message] of [
      ["A2I1", /cover 3 of 8/],
      ["A9", /covers 9 slots/],
      ["X8", /not a handle state/],
      ["A0F8", /covers 0 slots/],
      ["A123456789", /too long/],
      ["A2IFACF2", /expected a count at 3/],
    ] as const
  ) {
    assert.throws(() => decodeStateRuns(bad, 8), message);
  }
});

Deno.test("owner runs: exact text and strict decoding", () => {
  const owners = Uint16Array.from([0, 0, 0, 65535, 65535, 7, 65534]);
  assert.equal(encodeOwnerRuns(owners), "0*3,-*2,7,65534");
  assert.deepEqual(decodeOwnerRuns("0*3,-*2,7,65534", 7), owners);
  for (const bad of ["0*3", "0*3,-*2,7,65535", "0*0,-*7", "a", "00,-*6", "0*3,,-*4", "-*8"]) {
    assert.throws(() => decodeOwnerRuns(bad, 7), SyntaxError, bad);
  }
});

Deno.test("keyframe decoding names the broken field", () => {
  const registry = new DiagnosticsRegistry();
  registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 10 })).alloc();
  const good = JSON.parse(encodeKeyframe(registry.snapshot()));
  const cases: [(k: Record<string, unknown>) => void, RegExp][] = [
    [(k) => (k.v = 2), /keyframe\.v: expected wire version 1/],
    [(k) => delete k.heap, /keyframe\.heap: expected an object/],
    [
      (k) => ((k.slabs as { bitmap: string }[])[0]!.bitmap = "AQ=="),
      /slabs\[0\]\.bitmap: 1 bytes, expected 2/,
    ],
    [(k) => ((k.slabs as { bitmap: string }[])[0]!.bitmap = "AQQ="), /padding bits/],
    [
      (k) => ((k.slabs as { used: number }[])[0]!.used = -1),
      /slabs\[0\]\.used: expected a non-negative integer/,
    ],
    [(k) => ((k.slabs as { kind: string }[])[0]!.kind = "weird"), /slabs\[0\]\.kind/],
    [(k) => (k.slabs = [...(k.slabs as unknown[]), ...(k.slabs as unknown[])]), /appears twice/],
    [
      (
        k,
      ) => ((k.slabs as { summary: unknown }[])[0]!.summary = {
        U: 1,
        N: 0,
        A: 0,
        I: 0,
        C: 0,
        by_owner: { x: {} },
      }),
      /not an owner index/,
    ],
  ];
  for (const [breakIt, message] of cases) {
    const copy = structuredClone(good);
    breakIt(copy);
    assert.throws(() => decodeKeyframe(JSON.stringify(copy)), message);
  }
  assert.throws(() => decodeKeyframe("{"), /keyframe: not JSON/);
  assert.throws(() => decodeKeyframe(42 as unknown as string), /expected JSON text/);
});

Deno.test("delta application refuses malformed deltas and leaves the state alone", () => {
  const registry = new DiagnosticsRegistry();
  registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 10 }));
  const state = decodeKeyframe(encodeKeyframe({ ...registry.snapshot(), seq: 4 }));
  const frozen = structuredClone(state);
  const base = { v: 1, seq: 5, base: 4, ts: 1 };
  for (
    const [delta, message] of [
      [{ ...base, slabs: [{ name: "nope", used: 1 }] }, /does not have/],
      [
        { ...base, slabs: [{ name: "s", changes: { n: 1, k: 4, at: "UA==" } }] },
        /index 10 is not below/,
      ],
      [
        { ...base, slabs: [{ name: "s", changes: { n: 11, k: 0, at: "" } }] },
        /11 changes for 10 slots/,
      ],
      [
        { ...base, slabs: [{ name: "s", changes: { n: 1, k: 0, at: "AA==", states: "U" } }] },
        /changes\.states: not a field of the changes of a plain slab without owners/,
      ],
      [{ ...base, removed_slabs: ["zzz"] }, /no entry named "zzz"/],
      [{ ...base, slab_order: ["s", "s"] }, /exactly the entries/],
      [{ ...base, slabs: [{ name: "s", full: false }] }, /expected true or no field/],
      [{ ...base, heap: { nope: 1 } }, /delta\.heap\.nope: not a field of the heap/],
    ] as const
  ) {
    assert.throws(() => applyDelta(state, delta), message);
  }
  assert.deepEqual(state, frozen);
});
