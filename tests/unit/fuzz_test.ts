// Copyright 2026 the slabscope authors. MIT license.
// Fuzzing with fast-check: random handle sequences against the allocator,
// random bytes and garbled payloads against the wire decoder. Whatever comes
// in: no crash, no corruption, a clear error.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  applyDelta,
  decodeKeyframe,
  DeltaBaseError,
  encodeDelta,
  encodeKeyframe,
} from "../../wire.ts";
import { DiagnosticsRegistry, HandleError, HandleState, SlabAllocator } from "../../mod.ts";

type Op =
  | { kind: "alloc"; owner: number | null }
  | { kind: "free"; pick: number }
  | { kind: "freeAgain"; pick: number }
  | { kind: "freeNumber"; value: unknown }
  | { kind: "setState"; pick: number; state: number }
  | { kind: "bytes"; value: unknown }
  | { kind: "slotInfo"; value: unknown };

const anyValue = fc.oneof(
  fc.integer({ min: -10, max: 2 ** 31 + 10 }),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 53, "3", null, undefined, {}, [], 1n),
);

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("alloc" as const),
    owner: fc.option(fc.integer({ min: 0, max: 70_000 })),
  }),
  fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("freeAgain" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("freeNumber" as const), value: anyValue }),
  fc.record({
    kind: fc.constant("setState" as const),
    pick: fc.nat(),
    state: fc.integer({ min: -1, max: 7 }),
  }),
  fc.record({ kind: fc.constant("bytes" as const), value: anyValue }),
  fc.record({ kind: fc.constant("slotInfo" as const), value: anyValue }),
);

Deno.test("fuzz: random handle sequences never corrupt a slab; every bad call is a clear error", () => {
  fc.assert(
    fc.property(
      fc.array(op, { maxLength: 300 }),
      fc.constantFrom("plain" as const, "handle" as const),
      (ops, kind) => {
        const slab = new SlabAllocator({ name: "fuzz", slotSize: 4, capacity: 16, kind });
        const live: number[] = [];
        const dead: number[] = [];
        let invalidFrees = 0;
        for (const o of ops) {
          const before = slab.stats().used;
          try {
            switch (o.kind) {
              case "alloc": {
                const owner = o.owner ?? undefined;
                const ok = owner === undefined || owner <= 65_534;
                let handle: number | null;
                try {
                  handle = slab.alloc(owner);
                } catch (error) {
                  assert.ok(!ok && error instanceof RangeError);
                  break;
                }
                assert.ok(ok);
                if (handle === null) assert.equal(live.length, 16);
                else live.push(handle);
                break;
              }
              case "free":
                if (live.length === 0) break;
                {
                  const [handle] = live.splice(o.pick % live.length, 1);
                  slab.free(handle!);
                  dead.push(handle!);
                }
                break;
              case "freeAgain":
                if (dead.length === 0) break;
                invalidFrees++;
                assert.throws(() => slab.free(dead[o.pick % dead.length]!), HandleError);
                break;
              case "freeNumber": {
                const value = o.value as number;
                if (live.includes(value)) break;
                invalidFrees++;
                assert.throws(
                  () => slab.free(value),
                  (e: unknown) => e instanceof RangeError || e instanceof TypeError,
                );
                break;
              }
              case "setState": {
                if (live.length === 0) break;
                const handle = live[o.pick % live.length]!;
                const allowed = kind === "handle"
                  ? o.state >= 2 && o.state <= 5
                  : o.state === HandleState.Used;
                if (allowed) slab.setState(handle, o.state as HandleState);
                else assert.throws(() => slab.setState(handle, o.state as HandleState), RangeError);
                break;
              }
              case "bytes": {
                const value = o.value as number;
                if (live.includes(value)) assert.equal(slab.bytes(value).length, 4);
                else {assert.throws(
                    () => slab.bytes(value),
                    (e: unknown) => e instanceof RangeError || e instanceof TypeError,
                  );}
                break;
              }
              case "slotInfo": {
                const value = o.value as number;
                if (Number.isInteger(value) && value >= 0 && value < 16) slab.slotInfo(value);
                else assert.throws(() => slab.slotInfo(value), RangeError);
                break;
              }
            }
          } catch (error) {
            throw new Error(
              `${JSON.stringify(o, (_, v) => typeof v === "bigint" ? `${v}n` : v)}: ${error}`,
            );
          }
          if (o.kind !== "alloc" && o.kind !== "free") {
            assert.equal(
              slab.stats().used,
              before,
              "a bad call changes nothing",
            );
          }
        }
        const stats = slab.stats();
        assert.equal(stats.used, live.length);
        assert.equal(stats.invalidFrees, invalidFrees);
        assert.deepEqual(slab.verify(), { ok: true, errors: [] });
        for (const handle of live) slab.free(handle);
        assert.equal(slab.stats().used, 0);
      },
    ),
    { numRuns: 400 },
  );
});

function sample() {
  const registry = new DiagnosticsRegistry();
  const owner = registry.owners.register("svc", "server");
  const plain = registry.addSlab(new SlabAllocator({ name: "p", slotSize: 8, capacity: 37 }));
  const handles = registry.addSlab(
    new SlabAllocator({ name: "h", slotSize: 1, capacity: 20, kind: "handle" }),
  );
  for (let i = 0; i < 9; i++) plain.alloc();
  handles.setState(handles.alloc(owner)!, HandleState.Idle);
  const before = { ...registry.snapshot({ sampleHeap: false }), seq: 1 };
  plain.alloc();
  handles.setState(handles.alloc(owner)!, HandleState.Active);
  const after = { ...registry.snapshot({ sampleHeap: false }), seq: 2 };
  return { before, keyframe: encodeKeyframe(before), delta: encodeDelta(before, after)! };
}

/** Only the decoder's own errors are acceptable. */
function clearError(error: unknown): boolean {
  return error instanceof SyntaxError || error instanceof DeltaBaseError;
}

Deno.test("fuzz: random text never crashes the keyframe decoder; it throws a SyntaxError naming the field", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.json(), fc.uint8Array().map((b) => new TextDecoder().decode(b))),
      (text) => {
        try {
          decodeKeyframe(text);
        } catch (error) {
          assert.ok(clearError(error), `${error}`);
          assert.match((error as Error).message, /^Cannot decode /);
        }
      },
    ),
    { numRuns: 2000 },
  );
});

/** Garbles a JSON document: truncation, deleted keys, swapped values, random characters. */
const garble = (text: string) =>
  fc.oneof(
    fc.nat(text.length).map((n) => text.slice(0, n)),
    fc.tuple(fc.nat(text.length - 1), fc.string({ minLength: 1, maxLength: 1 })).map(([i, c]) =>
      text.slice(0, i) + c + text.slice(i + 1)
    ),
    fc.tuple(fc.nat(text.length), fc.string()).map(([i, s]) =>
      text.slice(0, i) + s + text.slice(i)
    ),
    fc.tuple(fc.nat(1000), fc.jsonValue()).map(([pick, value]) => {
      // Replace one value somewhere in the tree.
      const doc = JSON.parse(text);
      const paths: (string | number)[][] = [];
      const walk = (node: unknown, path: (string | number)[]) => {
        paths.push(path);
        if (node !== null && typeof node === "object") {
          for (const [k, v] of Object.entries(node)) {
            walk(v, [...path, Array.isArray(node) ? Number(k) : k]);
          }
        }
      };
      walk(doc, []);
      const path = paths[pick % paths.length]!;
      if (path.length === 0) {
        return JSON.stringify(value);
      }
      let parent = doc;
      for (const key of path.slice(0, -1)) parent = parent[key];
      parent[path.at(-1)!] = value;
      return JSON.stringify(doc);
    }),
  );

Deno.test("fuzz: garbled keyframes and deltas give clear errors and never touch the state", () => {
  const { before, keyframe, delta } = sample();
  const frozen = structuredClone(before);
  fc.assert(
    fc.property(garble(keyframe), (text) => {
      let decoded;
      try {
        decoded = decodeKeyframe(text);
      } catch (error) {
        assert.ok(clearError(error), `${error}`);
        return;
      }
      // Accepted means canonical: the decoded state encodes back to the
      // very same document (whitespace and key order aside).
      assert.deepEqual(JSON.parse(encodeKeyframe(decoded)), JSON.parse(text));
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(garble(delta), (text) => {
      let next;
      try {
        next = applyDelta(before, text);
      } catch (error) {
        assert.ok(clearError(error), `${error}`);
        return;
      } finally {
        assert.deepEqual(before, frozen, "the state is never modified");
      }
      // Accepted means the state it gives is one a keyframe can carry.
      assert.deepEqual(decodeKeyframe(encodeKeyframe(next)), next);
    }),
    { numRuns: 3000 },
  );
});
