// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
// The island-props wire format, shared by serialize.ts and client/revive.ts.
//
// `{ slots, roots }`: `slots` is a flat array of encoded values; a reference
// is a slot index (>= 0) or a negative sentinel. A slot holds a string, a
// boolean, null, a finite number, an array of references (an array), an
// object of references (a plain object), or a tagged tuple whose first item
// is a string tag: `["Signal", ref]`, `["Uint8Array", base64]`, …
// Objects, arrays and signals have one slot each however often they occur,
// so identity survives: one signal passed twice revives as one signal.

/** The serialized props of one page. */
export interface WireProps {
  /** Encoded values. */
  slots: unknown[];
  /** One reference per serialized value, in order. */
  roots: number[];
}

export const UNDEFINED = -1;
export const NAN = -2;
export const POSITIVE_INFINITY = -3;
export const NEGATIVE_INFINITY = -4;
export const NEGATIVE_ZERO = -5;

/** Typed arrays the format carries, by tag, with their element size. */
export const TYPED_ARRAYS = {
  Uint8Array: { ctor: Uint8Array, size: 1 },
  Uint16Array: { ctor: Uint16Array, size: 2 },
  Uint32Array: { ctor: Uint32Array, size: 4 },
  Int32Array: { ctor: Int32Array, size: 4 },
  Float64Array: { ctor: Float64Array, size: 8 },
} as const;

/** A typed-array tag. */
export type TypedArrayTag = keyof typeof TYPED_ARRAYS;

/** Whether this platform stores numbers little-endian (all current ones do). */
export const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The little-endian bytes of a typed array's elements (a copy). */
export function toLittleEndian(view: ArrayBufferView, size: number): Uint8Array {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  if (!LITTLE_ENDIAN && size > 1) swapBytes(bytes, size);
  return bytes;
}

/** Reverses each `size`-byte group in place. */
export function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}
