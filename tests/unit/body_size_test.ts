// Copyright 2026 the slabscope authors. MIT license.
// Body lengths for the request metrics: a string's UTF-8 length, short and
// long, against what TextEncoder writes.
import assert from "node:assert/strict";
import fc from "fast-check";
import { knownBodySize, utf8Length } from "../../core/instrument/body_size.ts";

const encoder = new TextEncoder();

Deno.test("utf8Length equals TextEncoder's length, short and long, lone surrogates included", () => {
  const cases = [
    "",
    "Hello, world!",
    "é",
    "€",
    "😀",
    "\ud800", // a lone surrogate: U+FFFD, 3 bytes
    "x\udc00y",
    "a".repeat(33),
    // A surrogate pair across the 16 KiB pieces a long string is measured in.
    "a".repeat(16 * 1024 - 1) + "😀" + "b".repeat(10),
    // A three-byte character, and a lone surrogate (U+FFFD), that do not fit the first piece.
    "a".repeat(16 * 1024 - 1) + "€" + "b",
    "a".repeat(16 * 1024 - 1) + "\ud800" + "b",
    "a".repeat(16 * 1024 - 2) + "é" + "€".repeat(6000),
    "é".repeat(40_000),
  ];
  for (const text of cases) {
    assert.equal(utf8Length(text), encoder.encode(text).length, JSON.stringify(text.slice(0, 20)));
  }
  // Short strings are counted in a loop, longer ones through the encoder: both ways.
  for (const [minLength, maxLength] of [[0, 32], [33, 400]]) {
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength, maxLength }), (text) => {
        assert.equal(utf8Length(text), encoder.encode(text).length);
      }),
    );
  }
});

Deno.test("knownBodySize: strings, bytes, blobs and forms; streams are not known", () => {
  assert.equal(knownBodySize(undefined), 0);
  assert.equal(knownBodySize("€"), 3);
  assert.equal(knownBodySize(new Uint8Array(7)), 7);
  assert.equal(knownBodySize(new Blob(["abcd"])), 4);
  assert.equal(knownBodySize(new URLSearchParams({ q: "é" })), "q=%C3%A9".length);
  assert.equal(knownBodySize(new ReadableStream()), undefined);
});
