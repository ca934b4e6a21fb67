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

/**
 * The one typed array the format carries, as Fresh's serializer does:
 * `["Uint8Array", base64]`. Other typed arrays are refused, so that props
 * never depend on what only this host would carry.
 */
export const UINT8_ARRAY_TAG = "Uint8Array";
