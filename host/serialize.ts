// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Island props serialization: {@linkcode PropsSerializer} turns the props of
 * every island on a page into one JSON-compatible {@linkcode WireProps}
 * value, which `client/revive.ts` turns back into values in the browser.
 *
 * Carried: strings, finite and special numbers (`NaN`, `±Infinity`, `-0`),
 * booleans, `null`, `undefined`, arrays, plain objects, `Uint8Array` (as
 * base64) and `@preact/signals` signals: what Fresh 2's serializer carries
 * the same way, so that the islands move to Fresh unchanged. Objects, arrays and signals are kept by
 * identity: the same signal passed to two islands revives as one shared
 * signal, which is how islands share live state.
 *
 * Rejected with a `TypeError` naming the path: cycles, functions, symbols,
 * bigints, JSX, other typed arrays and instances of other classes.
 *
 * @module
 */

import { Signal } from "npm:@preact/signals@^2.11.4";
import {
  NAN,
  NEGATIVE_INFINITY,
  NEGATIVE_ZERO,
  POSITIVE_INFINITY,
  UINT8_ARRAY_TAG,
  UNDEFINED,
  type WireProps,
} from "./_wire.ts";

export type { WireProps } from "./_wire.ts";

const SIGNAL_BRAND = Symbol.for("preact-signals");

/**
 * Serializes values that share one identity table.
 *
 * @example Two islands sharing a signal
 * ```ts
 * import { signal } from "npm:@preact/signals@^2.11.4";
 * import { PropsSerializer } from "./serialize.ts";
 * import { revive } from "./client/revive.ts";
 * import assert from "node:assert/strict";
 *
 * const count = signal(1);
 * const serializer = new PropsSerializer();
 * serializer.add({ count }, "Counter");
 * serializer.add({ count, bytes: new Uint8Array([1, 2]) }, "Display");
 * const [a, b] = revive(JSON.parse(JSON.stringify(serializer.toJSON()))) as {
 *   count: typeof count;
 *   bytes?: Uint8Array;
 * }[];
 * assert.equal(a!.count, b!.count); // one signal
 * assert.equal(a!.count.value, 1);
 * assert.deepEqual(b!.bytes, new Uint8Array([1, 2]));
 * ```
 */
export class PropsSerializer {
  #slots: unknown[] = [];
  #roots: number[] = [];
  /** Slot of each object, array or signal already serialized. */
  #seen = new Map<object, number>();
  /** Objects being serialized right now: meeting one again is a cycle. */
  #active = new Set<object>();

  /**
   * Serializes a value.
   *
   * @param value The value, e.g. one island's props.
   * @param label The name of the value in error messages, e.g. the island's name.
   * @returns The value's position in {@linkcode WireProps.roots}.
   * @throws {TypeError} For a cycle or a value the format does not carry;
   * the message names the path, e.g. `Counter.onClick`.
   */
  add(value: unknown, label = "value"): number {
    const ref = this.#encode(value, label);
    return this.#roots.push(ref) - 1;
  }

  /**
   * The serialized values so far.
   *
   * @returns A JSON-compatible value for `JSON.stringify`.
   */
  toJSON(): WireProps {
    return { slots: this.#slots, roots: this.#roots };
  }

  #push(slot: unknown): number {
    return this.#slots.push(slot) - 1;
  }

  #encode(value: unknown, path: string): number {
    switch (typeof value) {
      case "undefined":
        return UNDEFINED;
      case "string":
      case "boolean":
        return this.#push(value);
      case "number":
        if (Number.isNaN(value)) return NAN;
        if (value === Infinity) return POSITIVE_INFINITY;
        if (value === -Infinity) return NEGATIVE_INFINITY;
        if (Object.is(value, -0)) return NEGATIVE_ZERO;
        return this.#push(value);
      case "object":
        if (value === null) return this.#push(null);
        return this.#encodeObject(value, path);
      case "function":
        throw new TypeError(`Cannot serialize "${path}": functions cannot be serialized`);
      default:
        throw new TypeError(`Cannot serialize "${path}": a ${typeof value} cannot be serialized`);
    }
  }

  #encodeObject(value: object, path: string): number {
    const known = this.#seen.get(value);
    if (known !== undefined) return known;
    if (this.#active.has(value)) {
      throw new TypeError(`Cannot serialize "${path}": the value contains a cycle`);
    }
    this.#active.add(value);
    try {
      const slot = this.#push(undefined);
      this.#slots[slot] = this.#encodeBody(value, path);
      this.#seen.set(value, slot);
      return slot;
    } finally {
      this.#active.delete(value);
    }
  }

  #encodeBody(value: object, path: string): unknown {
    if (Array.isArray(value)) {
      const refs: number[] = [];
      for (let i = 0; i < value.length; i++) refs.push(this.#encode(value[i], `${path}[${i}]`));
      return refs;
    }
    if (value instanceof Signal || (value as { brand?: unknown }).brand === SIGNAL_BRAND) {
      const signal = value as Signal<unknown>;
      const tag = Object.getPrototypeOf(signal) === Signal.prototype ? "Signal" : "Computed";
      return [tag, this.#encode(signal.peek(), `${path}.value`)];
    }
    if (Object.getPrototypeOf(value) === Uint8Array.prototype) {
      return [UINT8_ARRAY_TAG, (value as Uint8Array).toBase64()];
    }
    if (ArrayBuffer.isView(value)) {
      throw new TypeError(
        `Cannot serialize "${path}": a ${value.constructor.name} cannot be serialized (of the typed arrays only Uint8Array is carried)`,
      );
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = typeof proto?.constructor === "function" ? proto.constructor.name : "unknown";
      throw new TypeError(
        `Cannot serialize "${path}": an instance of ${
          name || "an anonymous class"
        } cannot be serialized`,
      );
    }
    if (isVNode(value)) {
      throw new TypeError(`Cannot serialize "${path}": JSX cannot be passed to an island`);
    }
    const refs: Record<string, number> = {};
    for (const key of Object.keys(value)) {
      const ref = this.#encode((value as Record<string, unknown>)[key], `${path}.${key}`);
      Object.defineProperty(refs, key, { value: ref, enumerable: true, writable: true });
    }
    return refs;
  }
}

function isVNode(value: object): boolean {
  return Object.hasOwn(value, "constructor") &&
    (value as { constructor?: unknown }).constructor === undefined && "type" in value &&
    "props" in value;
}

/**
 * Serializes a list of values with one identity table (see
 * {@linkcode PropsSerializer}).
 *
 * @param values The values, e.g. the props of each island on a page.
 * @returns A JSON-compatible value.
 * @throws {TypeError} For a cycle or a value the format does not carry.
 *
 * @example Round trip
 * ```ts
 * import { serialize } from "./serialize.ts";
 * import { revive } from "./client/revive.ts";
 * import assert from "node:assert/strict";
 *
 * const wire = serialize([{ n: -0, list: [1, undefined] }]);
 * assert.deepEqual(revive(JSON.parse(JSON.stringify(wire))), [{ n: -0, list: [1, undefined] }]);
 * ```
 */
export function serialize(values: readonly unknown[]): WireProps {
  if (!Array.isArray(values)) {
    throw new TypeError(`Cannot serialize: expected an array of values, received ${typeof values}`);
  }
  const serializer = new PropsSerializer();
  values.forEach((value, i) => serializer.add(value, `value[${i}]`));
  return serializer.toJSON();
}
