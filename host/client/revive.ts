// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode revive}: turns the {@linkcode WireProps} that `serialize.ts`
 * made back into values, in the browser. Every slot revives once, so a
 * signal (or object) referenced twice comes back as one shared instance.
 *
 * @module
 */

import { computed, signal } from "npm:@preact/signals@^2.11.4";
import {
  NAN,
  NEGATIVE_INFINITY,
  NEGATIVE_ZERO,
  POSITIVE_INFINITY,
  UINT8_ARRAY_TAG,
  UNDEFINED,
  type WireProps,
} from "../_wire.ts";

const SENTINELS: ReadonlyMap<number, unknown> = new Map<number, unknown>([
  [UNDEFINED, undefined],
  [NAN, NaN],
  [POSITIVE_INFINITY, Infinity],
  [NEGATIVE_INFINITY, -Infinity],
  [NEGATIVE_ZERO, -0],
]);

const PENDING = Symbol("pending");

/**
 * Revives serialized values.
 *
 * @param wire What `serialize()` or `PropsSerializer.toJSON()` returned,
 * after a JSON round trip.
 * @returns The values, in the order they were added.
 * @throws {TypeError} When `wire` is not serialized props, or refers in a cycle.
 * @throws {RangeError} When a reference points outside the slots.
 *
 * @example Revive
 * ```ts
 * import { revive } from "./revive.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(revive({ slots: ["hi", [0, -1]], roots: [1] }), [["hi", undefined]]);
 * ```
 */
export function revive(wire: WireProps): unknown[] {
  if (
    wire === null || typeof wire !== "object" || !Array.isArray(wire.slots) ||
    !Array.isArray(wire.roots)
  ) {
    throw new TypeError("Cannot revive props: expected an object with `slots` and `roots` arrays");
  }
  const { slots } = wire;
  const values: unknown[] = new Array(slots.length).fill(PENDING);
  const active = new Set<number>();

  function ref(index: unknown): unknown {
    if (typeof index !== "number" || !Number.isInteger(index)) {
      throw new TypeError(
        `Cannot revive props: reference ${JSON.stringify(index)} is not an integer`,
      );
    }
    if (index < 0) {
      if (!SENTINELS.has(index)) {
        throw new RangeError(`Cannot revive props: unknown sentinel ${index}`);
      }
      return SENTINELS.get(index);
    }
    if (index >= slots.length) {
      throw new RangeError(
        `Cannot revive props: reference ${index} is outside the ${slots.length} slots`,
      );
    }
    if (values[index] !== PENDING) return values[index];
    if (active.has(index)) throw new TypeError(`Cannot revive props: slot ${index} is in a cycle`);
    active.add(index);
    const value = decode(slots[index], index);
    active.delete(index);
    values[index] = value;
    return value;
  }

  function decode(slot: unknown, index: number): unknown {
    if (slot === null || typeof slot !== "object") return slot;
    if (!Array.isArray(slot)) {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(slot)) {
        Object.defineProperty(out, key, {
          value: ref(value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    if (typeof slot[0] !== "string") return slot.map(ref);
    const [tag, payload] = slot;
    if (tag === "Signal") return signal(ref(payload));
    if (tag === "Computed") {
      const value = ref(payload);
      return computed(() => value);
    }
    if (tag === UINT8_ARRAY_TAG && typeof payload === "string") {
      try {
        return Uint8Array.fromBase64(payload, { lastChunkHandling: "strict" });
      } catch {
        throw new SyntaxError(`Cannot revive props: slot ${index} is not canonical base64`);
      }
    }
    throw new TypeError(`Cannot revive props: slot ${index} has unknown tag "${tag}"`);
  }

  return wire.roots.map(ref);
}
