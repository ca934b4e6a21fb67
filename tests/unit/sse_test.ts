// Copyright 2026 the slabscope authors. MIT license.
// SSE framing: @std/http ServerSentEventStream semantics, checked byte for
// byte and by parsing the output back with eventsource-parser, on the cases
// of the WPT eventsource format tests.
import assert from "node:assert/strict";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { formatServerSentEvent, ServerSentEventStream } from "../../core/stream/sse.ts";

function parse(text: string) {
  const events: EventSourceMessage[] = [];
  const comments: string[] = [];
  let retry: number | undefined;
  const parser = createParser({
    onEvent: (event) => events.push(event),
    onComment: (comment) => comments.push(comment),
    onRetry: (value) => (retry = value),
  });
  parser.feed(text);
  return { events, comments, retry };
}

Deno.test("fields come in std's order, with no space after the colon", () => {
  assert.equal(
    formatServerSentEvent({ retry: 500, id: 3, data: "d", event: "e", comment: "c" }),
    ":c\nevent:e\ndata:d\nid:3\nretry:500\n\n",
  );
  assert.equal(formatServerSentEvent({ id: 0 }), "id:0\n\n");
  assert.equal(formatServerSentEvent({ data: "" }), "data:\n\n");
  assert.equal(formatServerSentEvent({ comment: "" }), ":\n\n");
});

Deno.test("multi-line data and comments split on CRLF, LF and a bare CR (WPT format-newlines)", () => {
  const text = formatServerSentEvent({ data: "a\r\nb\nc\rd", comment: "x\ry" });
  assert.equal(text, ":x\n:y\ndata:a\ndata:b\ndata:c\ndata:d\n\n");
  const { events, comments } = parse(text);
  assert.equal(events[0]!.data, "a\nb\nc\nd");
  assert.deepEqual(comments, ["x", "y"]);
});

Deno.test("a CR or LF in event or id is a SyntaxError, so no name can forge an event", () => {
  for (const bad of ["a\nb", "a\rb", "a\r\nb", "x\n\ndata: forged"]) {
    assert.throws(() => formatServerSentEvent({ event: bad, data: "1" }), SyntaxError);
    assert.throws(() => formatServerSentEvent({ id: bad, data: "1" }), SyntaxError);
  }
  // In data, the same text is just more lines of the same event.
  const { events } = parse(formatServerSentEvent({ event: "x", data: "x\n\ndata: forged" }));
  assert.equal(events.length, 1);
  assert.equal(events[0]!.data, "x\n\ndata: forged");
});

Deno.test("retry must be a non-negative integer: `retry: 5s` would be silently ignored", () => {
  for (const bad of [-1, 1.5, NaN, Infinity]) {
    assert.throws(() => formatServerSentEvent({ retry: bad }), RangeError);
  }
  assert.equal(parse(formatServerSentEvent({ retry: 1234 })).retry, 1234);
});

Deno.test("unicode, a BOM inside data, leading spaces and colons survive (WPT format-utf-8, -leading-space)", () => {
  const data = "héllo ✓ 🚀 \uFEFFinside  :colon";
  const { events } = parse(formatServerSentEvent({ data: ` ${data}`, event: "ü", id: "ïd" }));
  // One leading space is eaten by every parser, as the spec says: we never add one.
  assert.equal(events[0]!.data, data);
  assert.equal(events[0]!.event, "ü");
  assert.equal(events[0]!.id, "ïd");
  const bytes = new TextEncoder().encode(formatServerSentEvent({ data: "✓" }));
  assert.deepEqual(
    [...bytes.slice(0, 5)],
    [0x64, 0x61, 0x74, 0x61, 0x3a],
    "no BOM is ever written",
  );
});

Deno.test("a JSON payload stays one data line: JSON escapes every line break", () => {
  const payload = JSON.stringify({ name: "evil\n\nevent: forged\r\ndata: x" });
  const text = formatServerSentEvent({ event: "diagnostics", data: payload, id: "b-1" });
  assert.equal(text.split("\n").length, 5);
  assert.deepEqual(
    JSON.parse(parse(text).events[0]!.data).name,
    "evil\n\nevent: forged\r\ndata: x",
  );
});

Deno.test("ServerSentEventStream encodes a stream of messages", async () => {
  const body = ReadableStream.from([{ event: "a", data: "1" }, { comment: "hb" }, { id: "z" }])
    .pipeThrough(new ServerSentEventStream());
  assert.equal(await new Response(body).text(), "event:a\ndata:1\n\n:hb\n\nid:z\n\n");
});
