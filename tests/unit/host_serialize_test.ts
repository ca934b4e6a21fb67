// Copyright 2026 the slabscope authors. MIT license.
import assert from "node:assert/strict";
import fc from "fast-check";
import { computed, type ReadonlySignal, type Signal, signal } from "@preact/signals";
import { h } from "preact";
import { revive } from "../../host/client/revive.ts";
import { PropsSerializer, serialize, type WireProps } from "../../host/serialize.ts";

/** Serializes, goes through JSON text like the page does, and revives. */
function roundTrip(values: unknown[]): unknown[] {
  return revive(JSON.parse(JSON.stringify(serialize(values))) as WireProps);
}

Deno.test("serialize() round-trips primitives, undefined and special numbers", () => {
  const values = ["", "héllo </script>", 0, 42.5, -7, true, false, null, undefined];
  assert.deepEqual(roundTrip(values), values);
  const [nan, inf, ninf, nzero] = roundTrip([NaN, Infinity, -Infinity, -0]);
  assert.ok(Number.isNaN(nan));
  assert.equal(inf, Infinity);
  assert.equal(ninf, -Infinity);
  assert.ok(Object.is(nzero, -0));
});

Deno.test("serialize() round-trips arrays and plain objects", () => {
  const value = {
    list: [1, "two", [3, [4]], undefined, null],
    nested: { a: { b: { c: "deep" } }, empty: {}, none: [] },
    ["__proto__"]: "own key, not a prototype",
  };
  Object.defineProperty(value, "__proto__", {
    value: { polluted: true },
    enumerable: true,
  });
  const [back] = roundTrip([value]) as [Record<string, unknown>];
  assert.deepEqual(back.list, value.list);
  assert.deepEqual(back.nested, value.nested);
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(back, "__proto__")?.value, { polluted: true });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const nullProto = Object.assign(Object.create(null), { x: 1 });
  assert.deepEqual(roundTrip([nullProto]), [{ x: 1 }]);
});

Deno.test("serialize() carries Uint8Array as base64, views included, as Fresh does", () => {
  const backing = new Uint8Array([9, 9, 1, 2, 255, 9]);
  const back = roundTrip([backing.subarray(2, 5), new Uint8Array(0)]) as Uint8Array[];
  assert.equal(back[0]!.constructor, Uint8Array);
  assert.deepEqual([...back[0]!], [1, 2, 255]);
  assert.deepEqual(back[1], new Uint8Array(0));
  assert.deepEqual(serialize([new Uint8Array([1, 2, 3])]).slots, [["Uint8Array", "AQID"]]);
});

Deno.test("serialize() refuses the typed arrays Fresh's serializer does not carry", () => {
  for (
    const value of [new Uint16Array(2), new Uint32Array(1), new Int32Array(1), new Float64Array(1)]
  ) {
    assert.throws(
      () => serialize([{ owners: value }]),
      (error: Error) =>
        error instanceof TypeError && error.message.includes('"value[0].owners"') &&
        error.message.includes(value.constructor.name),
    );
  }
});

Deno.test("serialize() keeps signals by identity, across values and within one", () => {
  const count = signal(5);
  const other = signal("x");
  const serializer = new PropsSerializer();
  assert.equal(serializer.add({ count, again: count, list: [count] }, "A"), 0);
  assert.equal(serializer.add({ count, other }, "B"), 1);
  const [a, b] = revive(JSON.parse(JSON.stringify(serializer.toJSON()))) as [
    { count: Signal<number>; again: Signal<number>; list: Signal<number>[] },
    { count: Signal<number>; other: Signal<string> },
  ];
  assert.equal(a.count, a.again);
  assert.equal(a.count, a.list[0]);
  assert.equal(a.count, b.count);
  assert.notEqual(b.count as unknown, b.other);
  assert.equal(a.count.value, 5);
  b.count.value = 6;
  assert.equal(a.again.value, 6);
  assert.equal(b.other.value, "x");
});

Deno.test("serialize() carries a signal's value, objects included, and computed ones read-only", () => {
  const state = signal({ bytes: new Uint8Array([7]), n: undefined as number | undefined });
  const double = computed(() => 21 * 2);
  const [back] = roundTrip([{ state, double }]) as [
    { state: Signal<{ bytes: Uint8Array; n?: number }>; double: ReadonlySignal<number> },
  ];
  assert.deepEqual(back.state.value, { bytes: new Uint8Array([7]), n: undefined });
  assert.equal(back.double.value, 42);
  assert.throws(() => {
    (back.double as Signal<number>).value = 1;
  });
});

Deno.test("serialize() keeps shared objects shared", () => {
  const shared = { n: 1 };
  const [a, b] = roundTrip([{ shared }, { shared, twice: [shared, shared] }]) as [
    { shared: object },
    { shared: object; twice: object[] },
  ];
  assert.equal(a.shared, b.shared);
  assert.equal(b.twice[0], b.twice[1]);
});

Deno.test("serialize() rejects cycles with a TypeError naming the path", () => {
  const cyclic: Record<string, unknown> = { a: { b: [] as unknown[] } };
  ((cyclic.a as Record<string, unknown>).b as unknown[]).push(cyclic);
  assert.throws(() => serialize([cyclic]), {
    name: "TypeError",
    message: 'Cannot serialize "value[0].a.b[0]": the value contains a cycle',
  });
  const loop = signal<unknown>(null);
  loop.value = { loop };
  assert.throws(() => new PropsSerializer().add({ loop }, "Island"), /"Island\.loop\.value\.loop"/);
});

Deno.test("serialize() rejects functions, class instances, symbols, bigints and JSX", () => {
  const serializer = new PropsSerializer();
  assert.throws(() => serializer.add({ onClick() {} }, "Counter"), {
    name: "TypeError",
    message: 'Cannot serialize "Counter.onClick": functions cannot be serialized',
  });
  assert.throws(
    () => serializer.add({ when: new Date(0) }, "Clock"),
    /"Clock\.when": an instance of Date cannot be serialized/,
  );
  class Thing {}
  assert.throws(() => serializer.add({ list: [new Thing()] }), /"value\.list\[0\]".*Thing/);
  assert.throws(() => serializer.add({ s: Symbol("x") }), /a symbol cannot be serialized/);
  assert.throws(() => serializer.add({ n: 1n }), /a bigint cannot be serialized/);
  assert.throws(() => serializer.add({ map: new Map() }), /instance of Map/);
  assert.throws(() => serializer.add({ children: h("b", null) }, "Box"), /"Box\.children": JSX/);
  assert.throws(() => serializer.add({ f32: new Float32Array(1) }), /a Float32Array cannot/);
  assert.throws(() => serialize("x" as unknown as unknown[]), TypeError);
});

Deno.test("revive() refuses malformed input", () => {
  assert.throws(() => revive(null as unknown as WireProps), TypeError);
  assert.throws(() => revive({ slots: [], roots: [0] }), RangeError);
  assert.throws(() => revive({ slots: [], roots: [-9] }), /unknown sentinel -9/);
  assert.throws(() => revive({ slots: [[0]], roots: [0] }), /slot 0 is in a cycle/);
  assert.throws(() => revive({ slots: [["Date", "x"]], roots: [0] }), /unknown tag "Date"/);
  assert.throws(() => revive({ slots: [["Uint32Array", "AQI="]], roots: [0] }), /unknown tag/);
  assert.throws(() => revive({ slots: [["Uint8Array", "!!"]], roots: [0] }), SyntaxError);
  assert.throws(() => revive({ slots: [["Uint8Array", "AwB="]], roots: [0] }), /canonical/);
  assert.throws(() => revive({ slots: [{ a: "0" }], roots: [0] }), /not an integer/);
});

Deno.test("serialize() round-trips any JSON-like value (property)", () => {
  const value = fc.letrec((tie) => ({
    any: fc.oneof(
      { depthSize: "small" },
      fc.string(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.array(tie("any"), { maxLength: 4 }),
      fc.dictionary(fc.string(), tie("any"), { maxKeys: 4, noNullPrototype: true }),
    ),
  })).any;
  fc.assert(
    fc.property(fc.array(value, { maxLength: 4 }), (values) => {
      assert.deepEqual(roundTrip(values), values);
    }),
    { numRuns: 300 },
  );
});
