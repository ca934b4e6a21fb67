// Copyright 2026 the slabscope authors. MIT license.
// `slabscope top` without a terminal: the event stream reader (on the cases
// of the WPT eventsource format tests, and its bound), the state keeper, the
// table model and its sort keys, the renderer's widths, capacity levels and
// sanitizing, keys, URLs and arguments.
import assert from "node:assert/strict";
import { Arena, DiagnosticsRegistry, type MemorySnapshot, SlabAllocator } from "../../mod.ts";
import { encodeDelta, encodeKeyframe } from "../../wire.ts";
import { CRITICAL_RATIO, WARNING_RATIO } from "../../core/capacity_level.ts";
import { parseTopArgs, USAGE } from "../../cli/top/args.ts";
import {
  AuthError,
  backoffDelay,
  type ConnectionStatus,
  describeError,
  MAX_DELAY,
  streamHeaders,
} from "../../cli/top/connection.ts";
import {
  displayWidth,
  formatAge,
  formatSize,
  formatUse,
  padStart,
  sanitize,
  truncate,
} from "../../cli/top/format.ts";
import { parseKeys } from "../../cli/top/keys.ts";
import {
  describeConnection,
  fitTables,
  renderFrame,
  renderPlain,
  renderScreen,
  type TopView,
} from "../../cli/top/render.ts";
import {
  readServerSentEvents,
  ServerSentEventParser,
  type ServerSentItem,
} from "../../cli/top/sse.ts";
import { StreamKeeper } from "../../cli/top/state.ts";
import { arenaRows, nextSort, slabRows, type Sort, totals } from "../../cli/top/table.ts";
import { RedrawThrottle } from "../../cli/top/throttle.ts";
import { streamUrl } from "../../cli/top/url.ts";
import { addTopSlabs } from "../fixtures/top_slabs.ts";

// ---------------------------------------------------------------------------
// The event stream reader

type Event = { event: string; data: string; id: string };

function events(items: ServerSentItem[]): Event[] {
  return items.filter((item) => item.kind === "event").map(({ event, data, id }) => ({
    event,
    data,
    id,
  }));
}

/** Parses a whole stream in one chunk, then ends it. */
function parseAll(text: string): ServerSentItem[] {
  const parser = new ServerSentEventParser();
  const items = parser.feed(text);
  parser.end();
  return items;
}

/** Parses a stream cut at every given position. */
function parseChunks(chunks: string[]): ServerSentItem[] {
  const parser = new ServerSentEventParser();
  const items = chunks.flatMap((chunk) => parser.feed(chunk));
  parser.end();
  return items;
}

const message = (data: string, id = "", event = "message"): Event => ({ event, data, id });

Deno.test("sse: data fields, with and without a colon (WPT format-field-data)", () => {
  assert.deepEqual(events(parseAll("data:\n\ndata\ndata\n\ndata:test\n\n")), [
    message(""),
    message("\n"),
    message("test"),
  ]);
});

Deno.test("sse: CRLF, LF and a bare CR all end lines (WPT format-newlines)", () => {
  assert.deepEqual(events(parseAll("data:test\r\ndata\ndata:test\r\n\r")), [
    message("test\n\ntest"),
  ]);
  assert.deepEqual(events(parseAll("data:a\rdata:b\r\rdata:c\r\n\r\n")), [
    message("a\nb"),
    message("c"),
  ]);
});

Deno.test("sse: one leading BOM is dropped, a second one is part of the field name (WPT format-bom, format-bom-2)", () => {
  assert.deepEqual(events(parseAll("\uFEFFdata:1\n\n\uFEFFdata:2\n\ndata:3\n\n")), [
    message("1"),
    message("3"),
  ]);
  assert.deepEqual(events(parseAll("\uFEFF\uFEFFdata:1\n\ndata:2\n\ndata:3\n\n")), [
    message("2"),
    message("3"),
  ]);
});

Deno.test("sse: comments are reported and never dispatch (WPT format-comments)", () => {
  const long = "x".repeat(2049);
  const items = parseAll(`data:1\n:${long}\ndata:2\n:\n\n:only a comment\n\n`);
  assert.deepEqual(events(items), [message("1\n2")]);
  assert.deepEqual(
    items.filter((item) => item.kind === "comment").map((item) =>
      item.kind === "comment" && item.text
    ),
    [long, "", "only a comment"],
  );
});

Deno.test("sse: event types; an empty one means message (WPT format-field-event, format-field-event-empty)", () => {
  assert.deepEqual(events(parseAll("event:test\ndata:x\n\ndata:y\n\nevent:\ndata:z\n\n")), [
    message("x", "", "test"),
    message("y"),
    message("z"),
  ]);
  // The type does not leak into the next event, even without data.
  assert.deepEqual(events(parseAll("event:a\n\ndata:b\n\n")), [message("b")]);
});

Deno.test("sse: ids persist, reset on an empty id, and an id with NUL is ignored (WPT format-field-id, -id-2, -id-null)", () => {
  assert.deepEqual(
    events(parseAll("id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid:x\0y\ndata: d\n\n")),
    [message("a", "1"), message("b", "1"), message("c", ""), message("d", "")],
  );
  // An id on an event without data still sets the last event id.
  const parser = new ServerSentEventParser();
  assert.deepEqual(parser.feed("id:42\n\n"), []);
  assert.equal(parser.lastEventId, "42");
});

Deno.test("sse: retry counts only when it is all ASCII digits (WPT format-field-retry, -retry-bogus, -retry-empty)", () => {
  const retries = (text: string) =>
    parseAll(text).flatMap((item) => item.kind === "retry" ? [item.retry] : []);
  assert.deepEqual(retries("retry:03000\ndata:x\n\n"), [3000]);
  assert.deepEqual(retries("retry: 1000\n"), [1000]); // one leading space is dropped
  assert.deepEqual(retries("retry:1000x\nretry:\nretry:-1\nretry:1.5\nretry\nretry:  7\n"), []);
});

Deno.test("sse: unknown fields are ignored and only one space after the colon is dropped (WPT format-field-unknown, format-leading-space)", () => {
  assert.deepEqual(events(parseAll("data:1\nfoo:bar\ndat:x\nDATA:y\ndata:2\n\n")), [
    message("1\n2"),
  ]);
  assert.deepEqual(events(parseAll("data:\ttest\n\ndata:  two\n\ndata: \n\n")), [
    message("\ttest"),
    message(" two"),
    message(""),
  ]);
});

Deno.test("sse: NUL and non-ASCII in data are kept (WPT format-null-character, format-utf-8)", () => {
  assert.deepEqual(events(parseAll("data:a\0b\n\ndata:ok…\u2028ç\n\n")), [
    message("a\0b"),
    message("ok…\u2028ç"),
  ]);
});

Deno.test("sse: an event not ended by a blank line is discarded at the end of the stream", () => {
  assert.deepEqual(events(parseAll("data:complete\n\ndata:incomplete\n")), [message("complete")]);
  assert.deepEqual(events(parseAll("data:incomplete")), []);
});

Deno.test("sse: every split point of a stream gives the same items, CR/LF split included", () => {
  const stream = '\uFEFFretry:1500\r\n:hi\r\nevent:diagnostics\r\ndata:{"a":\r\ndata:1}\r\n' +
    "id:b-1\r\n\r\ndata:x\ry\n\revent:ping\ndata:2\n\n";
  const whole = parseAll(stream);
  assert.deepEqual(events(whole), [
    message('{"a":\n1}', "b-1", "diagnostics"),
    message("x", "b-1"),
    message("2", "b-1", "ping"),
  ]);
  for (let i = 0; i <= stream.length; i++) {
    assert.deepEqual(parseChunks([stream.slice(0, i), stream.slice(i)]), whole, `split at ${i}`);
  }
  assert.deepEqual(parseChunks([...stream]), whole, "one character at a time");
  // A CR ending a chunk followed by an LF is one line end, not two.
  assert.deepEqual(events(parseChunks(["data:a\r", "\ndata:b\r", "\n\r", "\n"])), [
    message("a\nb"),
  ]);
});

Deno.test("sse: an event beyond maxEventLength is refused with a RangeError", () => {
  const parser = new ServerSentEventParser({ maxEventLength: 100 });
  assert.throws(() => parser.feed(`data:${"x".repeat(200)}`), RangeError);
  const parser2 = new ServerSentEventParser({ maxEventLength: 100 });
  assert.throws(() => {
    for (let i = 0; i < 20; i++) parser2.feed("data:0123456789\n");
  }, RangeError);
  assert.throws(() => new ServerSentEventParser({ maxEventLength: 0 }), RangeError);
});

Deno.test("sse: the bound holds for every line that is held (data, comment, id, event, retry), cut anywhere; the parser starts over after it", () => {
  for (const field of ["data:", ":", "id:", "event:", "retry:"]) {
    const parser = new ServerSentEventParser({ maxEventLength: 1000 });
    assert.throws(
      () => {
        parser.feed(field);
        for (let i = 0; i < 200; i++) parser.feed(field === "retry:" ? "0123456789" : "abcdefghij");
      },
      RangeError,
      field,
    );
    // Nothing of the refused event is kept: the next stream parses as new.
    assert.deepEqual(events(parser.feed("data:after\n\n")), [message("after")], field);
  }
  // One line longer than the bound in a single chunk, and many short data lines.
  assert.throws(
    () => new ServerSentEventParser({ maxEventLength: 1000 }).feed(`data:${"x".repeat(2000)}\n`),
    /Cannot parse event stream: an event exceeds 1000 characters/,
  );
  const lines = new ServerSentEventParser({ maxEventLength: 1000 });
  assert.throws(() => {
    for (let i = 0; i < 200; i++) lines.feed("data:0123456789\n");
  }, RangeError);
  // Within the bound, a long event in small pieces is whole.
  const long = new ServerSentEventParser({ maxEventLength: 1000 });
  const data = "y".repeat(900);
  const pieces = [...`data:${data}\n\n`];
  assert.deepEqual(events(pieces.flatMap((piece) => long.feed(piece))), [message(data)]);
});

Deno.test("sse: a line that can never be a field is skipped, not held, however long", () => {
  for (const start of ["x", "dat", "dataX", "ev"]) {
    const parser = new ServerSentEventParser({ maxEventLength: 100 });
    parser.feed(start);
    // 100,000 characters against a bound of 100: skipped as they come.
    for (let i = 0; i < 10_000; i++) parser.feed(start === "ev" ? "Xabcdefghi" : "0123456789");
    assert.deepEqual(events(parser.feed("\ndata:after\n\n")), [message("after")], start);
  }
});

Deno.test("sse: readServerSentEvents decodes UTF-8 split across chunks", async () => {
  const bytes = new TextEncoder().encode("data:été ✓\n\n:c\n\n");
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
      controller.close();
    },
  });
  const items: ServerSentItem[] = [];
  for await (const item of readServerSentEvents(body)) items.push(item);
  assert.deepEqual(items, [
    { kind: "event", event: "message", data: "été ✓", id: "" },
    { kind: "comment", text: "c" },
  ]);
});

// ---------------------------------------------------------------------------
// The state keeper

function registryWithSlabs() {
  const registry = new DiagnosticsRegistry();
  const { alpha, beta, gamma } = addTopSlabs(registry);
  const arena = registry.addArena(new Arena({ name: "scratch", capacity: 65536 }));
  arena.alloc(1000);
  arena.alloc(100_000); // served from the heap: overflow
  const small = registry.addArena(new Arena({ name: "small", capacity: 1024 }));
  small.alloc(1000);
  return { registry, alpha, beta, gamma };
}

const ev = (event: string, data: string, id = ""): ServerSentItem => ({
  kind: "event",
  event,
  data,
  id,
});

Deno.test("keeper: keyframe, deltas, pings; a gap, a bad delta or a foreign boot asks for a keyframe", () => {
  const { registry, alpha } = registryWithSlabs();
  const s1 = { ...registry.snapshot(), seq: 1 };
  alpha.alloc();
  const s2 = { ...registry.snapshot(), seq: 2 };
  alpha.alloc();
  const s3 = { ...registry.snapshot(), seq: 3 };

  let now = 1000;
  const keeper = new StreamKeeper(() => now);
  assert.equal(keeper.handle(ev("diagnostics-delta", encodeDelta(s1, s2)!, "b1-2")), "resync");
  assert.equal(keeper.handle(ev("diagnostics", encodeKeyframe(s1), "b1-1")), "state");
  assert.equal(keeper.bootId, "b1");
  assert.equal(keeper.lastEventId, "b1-1");
  assert.equal(keeper.updatedAt, 1000);
  now = 1100;
  assert.equal(keeper.handle(ev("diagnostics-delta", encodeDelta(s1, s2)!, "b1-2")), "state");
  assert.equal(keeper.snapshot!.slabs[0]!.used, 11);
  assert.equal(keeper.updatedAt, 1100);
  assert.equal(keeper.handle(ev("ping", "2")), "ok");
  assert.equal(keeper.handle({ kind: "comment", text: "x" }), "ok");
  assert.equal(keeper.handle(ev("something-new", "{}")), "ok");

  // A server error event is reported and the stream goes on.
  assert.equal(keeper.handle(ev("error", JSON.stringify({ message: "collect failed" }))), "error");
  assert.equal(keeper.serverError, "collect failed");

  // A ping with another seq: an event was missed.
  assert.equal(keeper.handle(ev("ping", "5")), "resync");
  assert.equal(keeper.lastEventId, undefined, "no resumption after a resync");
  assert.match(keeper.resyncReason!, /missed an event/);
  // Deltas are refused until a keyframe; the old state stays on display.
  assert.equal(keeper.handle(ev("diagnostics-delta", encodeDelta(s2, s3)!, "b1-3")), "resync");
  assert.equal(keeper.snapshot!.seq, 2);

  assert.equal(keeper.handle(ev("diagnostics", encodeKeyframe(s2), "b1-2")), "state");
  assert.equal(keeper.serverError, undefined);
  // A gap: the delta's base is not the state's seq.
  const gap = encodeDelta({ ...s2, seq: 7 }, { ...s3, seq: 8 })!;
  assert.equal(keeper.handle(ev("diagnostics-delta", gap, "b1-8")), "resync");
  assert.match(keeper.resyncReason!, /applies to state 7/);

  assert.equal(keeper.handle(ev("diagnostics", encodeKeyframe(s2), "b1-2")), "state");
  assert.equal(keeper.handle(ev("diagnostics-delta", '{"v":1,"seq":3', "b1-3")), "resync");
  assert.equal(keeper.handle(ev("diagnostics", encodeKeyframe(s2), "b1-2")), "state");
  assert.equal(keeper.handle(ev("diagnostics-delta", encodeDelta(s2, s3)!, "b2-3")), "resync");
  assert.match(keeper.resyncReason!, /boot b2/);

  // A malformed keyframe, and a keyframe whose id does not match its seq.
  assert.equal(keeper.handle(ev("diagnostics", '{"v":1}', "b1-9")), "resync");
  assert.equal(keeper.handle(ev("diagnostics", encodeKeyframe(s3), "b1-9")), "resync");
  // A new boot's keyframe just replaces the state.
  assert.equal(keeper.handle(ev("diagnostics", encodeKeyframe(s3), "b3-3")), "state");
  assert.equal(keeper.bootId, "b3");
  assert.equal(keeper.keyframes, 5);
});

// ---------------------------------------------------------------------------
// The table model and its sort keys

function names(rows: { name: string }[]): string[] {
  return rows.map((row) => row.name);
}

Deno.test("table: slab rows carry slabtop's columns", () => {
  const { registry } = registryWithSlabs();
  const rows = slabRows(registry.snapshot(), { key: "name", reverse: false });
  assert.deepEqual(rows[1], {
    name: "beta",
    objs: 10,
    active: 10,
    use: 1,
    slotSize: 4096,
    hwm: 10,
    overflow: 2,
  });
  const t = totals(registry.snapshot());
  assert.equal(t.slabs, 3);
  assert.equal(t.arenas, 2);
  assert.equal(t.activeSlots, 520);
  assert.equal(t.totalSlots, 1110);
  assert.equal(t.activeBytes, 10 * 64 + 10 * 4096 + 500 * 16);
  assert.equal(t.slabOverflow, 2);
  assert.equal(t.arenaOverflow, 1);
});

Deno.test("table: every sort key orders slabs and arenas; numbers largest first, names A to Z; ties by name", () => {
  const { registry } = registryWithSlabs();
  registry.addSlab(new SlabAllocator({ name: "aardvark", slotSize: 64, capacity: 100 }));
  const snapshot = registry.snapshot();
  const by = (key: Sort["key"], reverse = false) => names(slabRows(snapshot, { key, reverse }));
  assert.deepEqual(by("objs"), ["gamma", "aardvark", "alpha", "beta"]);
  assert.deepEqual(by("active"), ["gamma", "alpha", "beta", "aardvark"]);
  assert.deepEqual(by("use"), ["beta", "gamma", "alpha", "aardvark"]);
  assert.deepEqual(by("size"), ["beta", "aardvark", "alpha", "gamma"]);
  assert.deepEqual(by("hwm"), ["gamma", "alpha", "beta", "aardvark"]);
  assert.deepEqual(by("overflow"), ["beta", "aardvark", "alpha", "gamma"]);
  assert.deepEqual(by("name"), ["aardvark", "alpha", "beta", "gamma"]);
  assert.deepEqual(by("name", true), ["gamma", "beta", "alpha", "aardvark"]);
  assert.deepEqual(by("use", true), ["aardvark", "alpha", "gamma", "beta"]);
  // Ties (aardvark and alpha have 100 slots) stay A to Z in either direction.
  assert.deepEqual(by("objs", true), ["beta", "aardvark", "alpha", "gamma"]);

  const arenas = (key: Sort["key"], reverse = false) =>
    names(arenaRows(snapshot, { key, reverse }));
  assert.deepEqual(arenas("objs"), ["scratch", "small"]);
  assert.deepEqual(arenas("use"), ["small", "scratch"]);
  assert.deepEqual(arenas("overflow"), ["scratch", "small"]);
  assert.deepEqual(arenas("name", true), ["small", "scratch"]);
});

Deno.test("table: a sort letter picks its column, the same letter again reverses, other keys change nothing", () => {
  let sort: Sort = { key: "objs", reverse: false };
  sort = nextSort(sort, "u");
  assert.deepEqual(sort, { key: "use", reverse: false });
  sort = nextSort(sort, "u");
  assert.deepEqual(sort, { key: "use", reverse: true });
  sort = nextSort(sort, "u");
  assert.deepEqual(sort, { key: "use", reverse: false });
  sort = nextSort(sort, "n");
  assert.deepEqual(sort, { key: "name", reverse: false });
  const same = nextSort(sort, "x");
  assert.equal(same, sort);
  for (
    const [letter, key] of Object.entries({
      o: "objs",
      a: "active",
      s: "size",
      h: "hwm",
      v: "overflow",
    })
  ) {
    assert.equal(nextSort(sort, letter).key, key);
  }
});

// ---------------------------------------------------------------------------
// Formatting and the renderer's width handling

Deno.test("format: sizes, percentages and ages in few characters", () => {
  assert.deepEqual(
    [0, 64, 1023, 1024, 1536, 4096, 131072, 1048575, 5 * 2 ** 30].map(formatSize),
    ["0B", "64B", "1023B", "1K", "1.5K", "4K", "128K", "1M", "5G"],
  );
  assert.deepEqual([0, 0.001, 0.0999, 0.5, 1].map(formatUse), ["0%", "<1%", "9%", "50%", "100%"]);
  assert.deepEqual([-5, 240, 12_400, 185_000, 7_500_000].map(formatAge), [
    "0.0s",
    "0.2s",
    "12s",
    "3m05s",
    "2h05m",
  ]);
});

Deno.test("format: names are made safe to print and truncated by display width", () => {
  assert.equal(sanitize("evil\x1b[2J\x07\u202ename\x9b"), "evil?[2J??name?");
  assert.equal(displayWidth("缓冲区"), 6);
  assert.equal(displayWidth("e\u0301"), 1);
  assert.equal(truncate("abcdef", 4), "abc…");
  assert.equal(truncate("abcd", 4), "abcd");
  assert.equal(truncate("缓冲区池", 5), "缓冲…");
  assert.equal(truncate("abc", 0), "");
});

Deno.test("format: widths and cuts follow grapheme clusters: emoji sequences, flags, presentation selectors", () => {
  const family = "\u{1f468}\u200d\u{1f469}\u200d\u{1f467}";
  const flag = "\u{1f1eb}\u{1f1f7}";
  assert.deepEqual([family, flag, "\u2764\ufe0f", "\u{1f680}", "e\u0301"].map(displayWidth), [
    2,
    2,
    2,
    2,
    1,
  ]);
  // Never a cluster cut in two: the rest of a family or half of a flag would print as something else.
  assert.equal(truncate(`a${family}${family}`, 4), `a${family}…`);
  assert.equal(truncate(`${flag}${flag}`, 3), `${flag}…`);
  assert.equal(truncate("e\u0301e\u0301e\u0301", 2), "e\u0301…");
  assert.equal(padStart(family, 4), `  ${family}`);
});

function view(
  snapshot: MemorySnapshot | undefined,
  sort: Sort = { key: "objs", reverse: false },
): TopView {
  return {
    host: "127.0.0.1:8000",
    snapshot,
    bootId: snapshot ? "k3j2h1x9a0" : undefined,
    status: { state: "live", attempt: 0, lastActivity: 0 },
    updatedAt: 0,
    now: 1500,
    sort,
  };
}

Deno.test("render: every size gives exactly `rows` lines, none wider than `columns`", () => {
  const { registry } = registryWithSlabs();
  registry.addSlab(
    new SlabAllocator({
      name: `a_very_long_slab_name_${"x".repeat(40)}`,
      slotSize: 8,
      capacity: 8,
    }),
  );
  registry.addSlab(
    new SlabAllocator({ name: "缓冲区缓冲区缓冲区缓冲区缓冲区", slotSize: 8, capacity: 9 }),
  );
  registry.addSlab(new SlabAllocator({ name: "esc\x1b[2Jape", slotSize: 8, capacity: 7 }));
  for (let i = 0; i < 30; i++) {
    registry.addSlab(new SlabAllocator({ name: `pool_${i}`, slotSize: 32, capacity: 1 + i }));
  }
  const snapshot = registry.snapshot();
  for (const columns of [1, 2, 10, 20, 39, 40, 57, 80, 81, 132, 300]) {
    for (const rows of [1, 2, 3, 5, 8, 10, 24, 40, 60]) {
      for (const v of [view(snapshot), view(undefined)]) {
        const lines = renderScreen(v, { columns, rows });
        assert.equal(lines.length, rows, `${columns}x${rows}`);
        for (const line of lines) {
          assert.ok(displayWidth(line.text) <= columns, `${columns}x${rows}: ${line.text}`);
          assert.ok(
            [...line.text].every((c) => c >= " " && c !== "\x7f"),
            "no control characters",
          );
        }
        // The help line is always the last line.
        assert.match(lines.at(-1)!.text, rows > 0 && columns >= 6 ? /^ Sort/ : /^/);
        const frame = renderFrame(lines, columns);
        assert.ok(frame.startsWith("\x1b[H"));
        assert.equal(frame.split("\r\n").length, rows, "never more line breaks than rows");
      }
    }
  }
});

Deno.test("render: an 80x24 screen shows the header, both tables and the keys", () => {
  const { registry } = registryWithSlabs();
  const lines = renderScreen(view(registry.snapshot(), { key: "use", reverse: false }), {
    columns: 80,
    rows: 24,
  }).map((line) => line.text);
  assert.match(lines[0]!, /Instance\s+: 127\.0\.0\.1:8000 \(boot k3j2h1x9a0\) · live/);
  assert.match(lines.join("\n"), /Active \/ Total Slots \(% used\) : 520 \/ 1110 \(46\.8%\)/);
  assert.match(lines.join("\n"), /Total overflow\s+: 3 \(slabs 2, arenas 1\)/);
  assert.match(lines.join("\n"), /Last update\s+: 1\.5s ago/);
  const head = lines.findIndex((line) =>
    /OBJS ACTIVE\s+USE SLOT SIZE\s+HWM OVERFLOW NAME/.test(line)
  );
  assert.ok(head > 0);
  assert.deepEqual(
    lines.slice(head + 1, head + 4).map((line) => line.split(/\s+/).filter(Boolean)),
    [
      ["10", "10", "100%", "4K", "10", "2", "beta"],
      ["1000", "500", "50%", "16B", "500", "0", "gamma"],
      ["100", "10", "10%", "64B", "10", "0", "alpha"],
    ],
  );
  assert.match(lines.join("\n"), /USED CAPACITY\s+USE\s+HWM OVERFLOW NAME/);
  assert.match(lines.at(-1)!, /^ Sort: USE desc │ q quit │ o objs/);
  // At 40 columns a long name is cut with an ellipsis, never wrapped.
  registry.addSlab(new SlabAllocator({ name: "x".repeat(60), slotSize: 8, capacity: 8 }));
  const narrow = renderScreen(view(registry.snapshot()), { columns: 40, rows: 24 });
  assert.ok(narrow.some((line) => line.text.endsWith("x…") && displayWidth(line.text) === 40));
  // There, HWM, OVERFLOW and SLOT SIZE make room for NAME, but the sorted column stays.
  const narrowHead = narrow.find((line) => line.style === "inverse")!.text;
  assert.match(narrowHead, /^\s+OBJS ACTIVE\s+USE NAME\s*$/);
  const byHwm = renderScreen(view(registry.snapshot(), { key: "hwm", reverse: false }), {
    columns: 40,
    rows: 24,
  }).find((line) => line.style === "inverse")!.text;
  assert.match(byHwm, /\bHWM\b/);
  assert.doesNotMatch(byHwm, /OVERFLOW/);
});

Deno.test("render: tables that do not fit end with a 'more' line; arenas keep a share", () => {
  assert.deepEqual(fitTables(20, 5, 2), { slabs: 5, arenas: 2 });
  assert.deepEqual(fitTables(10, 50, 20), { slabs: 6, arenas: 2 });
  assert.deepEqual(fitTables(10, 2, 20), { slabs: 2, arenas: 6 });
  assert.deepEqual(fitTables(2, 50, 20), { slabs: 2, arenas: 0 });
  assert.deepEqual(fitTables(-3, 5, 1), { slabs: 0, arenas: 0 });
  const registry = new DiagnosticsRegistry();
  for (let i = 0; i < 40; i++) {
    registry.addSlab(
      new SlabAllocator({ name: `s${String(i).padStart(2, "0")}`, slotSize: 8, capacity: 100 + i }),
    );
  }
  const lines = renderScreen(view(registry.snapshot()), { columns: 80, rows: 20 });
  assert.ok(lines.some((line) => /… \d+ more slabs/.test(line.text)));
  const shown = lines.filter((line) => /^\s+\d+/.test(line.text)).length;
  const more = Number(/… (\d+) more/.exec(lines.map((l) => l.text).join("\n"))![1]);
  assert.equal(shown + more, 40);
});

Deno.test("render: a pool's row takes its capacity level from core's thresholds, colored unless colors are off", () => {
  const registry = new DiagnosticsRegistry();
  // 1000 slots each: just below and at each threshold, and full.
  const used: Record<string, number> = {
    below_warning: WARNING_RATIO * 1000 - 1,
    at_warning: WARNING_RATIO * 1000,
    below_critical: CRITICAL_RATIO * 1000 - 1,
    at_critical: CRITICAL_RATIO * 1000,
    full: 1000,
  };
  for (const [name, n] of Object.entries(used)) {
    const slab = registry.addSlab(new SlabAllocator({ name, slotSize: 8, capacity: 1000 }));
    for (let i = 0; i < n; i++) slab.alloc();
  }
  const arena = registry.addArena(new Arena({ name: "hot_arena", capacity: 1000 }));
  arena.alloc(CRITICAL_RATIO * 1000);
  const lines = renderScreen(view(registry.snapshot()), { columns: 100, rows: 30 });
  const styleOf = (name: string) => lines.find((line) => line.text.endsWith(` ${name}`))?.style;
  assert.deepEqual(Object.keys(used).map(styleOf), [
    undefined,
    "warning",
    "warning",
    "critical",
    "critical",
  ]);
  assert.equal(styleOf("hot_arena"), "critical");

  // Overflows, as the dashboard rates them: a slab's refusal is critical at
  // any fill, an arena's fallback to the heap a warning.
  const refusing = registry.addSlab(
    new SlabAllocator({ name: "refusing", slotSize: 8, capacity: 100 }),
  );
  const held = [...Array(100)].map(() => refusing.alloc()!);
  assert.equal(refusing.alloc(), null); // refused: an overflow
  for (const h of held.slice(2)) refusing.free(h); // 2 % used
  const spilling = registry.addArena(new Arena({ name: "spilling", capacity: 1000 }));
  spilling.alloc(2000); // beyond the arena: served from the heap
  const rated = renderScreen(view(registry.snapshot()), { columns: 100, rows: 30 });
  const rate = (name: string) => rated.find((line) => line.text.endsWith(` ${name}`))?.style;
  assert.equal(rate("refusing"), "critical");
  assert.equal(rate("spilling"), "warning");

  const frame = renderFrame([{ text: "ok" }, { text: "warm", style: "warning" }, {
    text: "hot",
    style: "critical",
  }], 10);
  assert.equal(
    frame,
    "\x1b[Hok\x1b[K\r\n\x1b[33mwarm\x1b[m\x1b[K\r\n\x1b[1;31mhot\x1b[m\x1b[K\x1b[J",
  );
  assert.equal(
    renderFrame([{ text: "warm", style: "warning" }, { text: "head", style: "inverse" }], 4, {
      color: false,
    }),
    "\x1b[Hwarm\r\n\x1b[7mhead\x1b[m",
    "no color, but the titles stay inverse",
  );
  assert.match(USAGE, /yellow from 80% of its capacity and red\nfrom 95%/);
});

Deno.test("render: the frame erases short lines only, and styles table titles", () => {
  const frame = renderFrame([{ text: "abc" }, { text: "head", style: "inverse" }, {
    text: "12345",
  }], 5);
  assert.equal(frame, "\x1b[Habc\x1b[K\r\n\x1b[7mhead \x1b[m\r\n12345");
  assert.equal(renderFrame([{ text: "toolong" }], 4), "\x1b[Htoo…");
  assert.equal(renderFrame([{ text: "ab" }], 4), "\x1b[Hab\x1b[K\x1b[J");
});

Deno.test("render: the connection as the header says it", () => {
  const status = (s: Partial<ConnectionStatus>): ConnectionStatus => ({
    state: "live",
    attempt: 0,
    ...s,
  });
  assert.equal(describeConnection(status({ state: "connecting" }), 0), "connecting…");
  assert.equal(describeConnection(status({}), 0), "live");
  assert.equal(
    describeConnection(status({ state: "stale", lastActivity: 1000 }), 5100),
    "stale (no event for 4.1s)",
  );
  assert.equal(
    describeConnection(
      status({ state: "reconnecting", attempt: 3, retryAt: 4000, error: "Connection refused" }),
      2000,
    ),
    "reconnecting in 2.0s (attempt 3): Connection refused",
  );
  assert.equal(
    describeConnection(
      status({ state: "reconnecting", attempt: 1, retryAt: 0, error: "x\x1b" }),
      10,
    ),
    "reconnecting now (attempt 1): x?",
  );
});

Deno.test("render: every line a screen, a frame or the plain table holds is made safe to print, whatever it quotes", () => {
  const hostile = "\x1b]52;c;SGVsbG8=\x07\x1b[2J\u009b31m\u202e";
  const shown = "?]52;c;SGVsbG8=??[2J?31m?";
  const lines = renderScreen({
    ...view(undefined),
    host: `h${hostile}:1`,
    serverError: hostile,
    status: { state: "reconnecting", attempt: 1, retryAt: 0, error: hostile },
  }, { columns: 300, rows: 5 });
  assert.equal(
    lines[0]!.text,
    ` Instance                      : h${shown}:1 · reconnecting now (attempt 1): ${shown} · server error: ${shown}`,
  );
  // A frame built by anyone: only its own sequences remain.
  assert.equal(
    renderFrame([{ text: `a${hostile}` }, { text: hostile, style: "inverse" }], 40),
    `\x1b[Ha${shown}\x1b[K\r\n\x1b[7m${shown}${" ".repeat(40 - shown.length)}\x1b[m`,
  );
  const { registry } = registryWithSlabs();
  const plain = renderPlain({ ...registry.snapshot(), seq: 1 }, `h${hostile}`, undefined, {
    key: "objs",
    reverse: false,
  });
  assert.match(plain, new RegExp(`^ Instance\\s+: h${RegExp.escape(shown)} \\(seq 1\\)\n`));
});

Deno.test("render: --once is a plain table with no control sequences", () => {
  const { registry } = registryWithSlabs();
  registry.addSlab(new SlabAllocator({ name: "esc\x1b[31m", slotSize: 8, capacity: 8 }));
  const text = renderPlain({ ...registry.snapshot(), seq: 12 }, "h:1", "boot1", {
    key: "objs",
    reverse: false,
  });
  assert.ok(!text.includes("\x1b"), "no escape sequences");
  assert.match(text, /^ Instance\s+: h:1 \(boot boot1, seq 12\)\n/);
  assert.match(
    text,
    /\n {2}OBJS ACTIVE {2}USE SLOT SIZE {4}HWM OVERFLOW NAME\n {2}1000 {4}500 {2}50% {7}16B {4}500 {8}0 gamma\n/,
  );
  assert.match(text, /\n {4}10 {5}10 100% {8}4K {5}10 {8}2 beta\n/);
  assert.match(text, /esc\?\[31m/);
  assert.match(text, /\n {2}USED CAPACITY {2}USE {4}HWM OVERFLOW NAME\n/);
  assert.ok(text.endsWith("\n"));
  assert.ok(text.split("\n").every((line) => line === line.trimEnd()));
});

// ---------------------------------------------------------------------------
// Keys, URLs, arguments, backoff, throttle

Deno.test("keys: letters, Ctrl-C, and escape sequences skipped whole", () => {
  const keys = (text: string) => parseKeys(new TextEncoder().encode(text));
  assert.deepEqual(keys("uU q"), ["u", "u", " ", "q"]);
  assert.deepEqual(keys("\x03"), ["ctrl-c"]);
  assert.deepEqual(keys("\x1b[A\x1b[1;5D\x1bOPa\x1bq"), ["a"]);
  assert.deepEqual(keys("\x1b"), ["escape"]);
  assert.deepEqual(keys("\r"), ["enter"]);
});

Deno.test("url: a base, the dashboard or the stream all lead to the stream", () => {
  const href = (input: string) => streamUrl(input).href;
  const stream = "http://127.0.0.1:8000/debug/diagnostics/memory";
  for (
    const input of [
      "http://127.0.0.1:8000",
      "http://127.0.0.1:8000/",
      "127.0.0.1:8000",
      "http://127.0.0.1:8000/debug",
      "http://127.0.0.1:8000/debug/",
      "http://127.0.0.1:8000/debug/#grid",
      "http://127.0.0.1:8000/debug/diagnostics",
      "http://127.0.0.1:8000/debug/diagnostics/snapshot",
      "http://127.0.0.1:8000/debug/diagnostics/memory",
      "http://127.0.0.1:8000/debug/diagnostics/memory/",
      " http://127.0.0.1:8000/debug/ ",
    ]
  ) {
    assert.equal(href(input), stream, input);
  }
  assert.equal(
    href("https://example.com/admin/debug/"),
    "https://example.com/admin/debug/diagnostics/memory",
  );
  assert.equal(href("http://h/debug/?k=v"), "http://h/debug/diagnostics/memory?k=v");
  assert.throws(() => streamUrl("ftp://h/"), TypeError);
  assert.throws(() => streamUrl("http://"), TypeError);
});

Deno.test("args: options, defaults and errors in std's voice", () => {
  const defaults = parseTopArgs([]);
  assert.deepEqual(defaults, {
    url: "http://127.0.0.1:8000",
    once: false,
    interval: 250,
    sort: "objs",
    help: false,
  });
  const options = parseTopArgs(["--token", "t0k", "-o", "--interval=100", "-s", "u", "h:1"]);
  assert.deepEqual(options, {
    url: "h:1",
    once: true,
    interval: 100,
    sort: "use",
    help: false,
    token: "t0k",
  });
  assert.equal(parseTopArgs(["--token=a=b"]).token, "a=b");
  // Short options grouped or with their value attached, and `--` before the URL.
  const grouped = parseTopArgs(["-os", "h", "-d50", "--", "-host-"]);
  assert.deepEqual([grouped.once, grouped.sort, grouped.interval, grouped.url], [
    true,
    "hwm",
    50,
    "-host-",
  ]);
  assert.throws(() => parseTopArgs(["--once=yes"]), /--once takes no value/);
  assert.throws(() => parseTopArgs(["-x"]), /unknown option "-x"/);
  assert.equal(parseTopArgs(["-h"]).help, true);
  assert.throws(() => parseTopArgs(["--interval", "0"]), RangeError);
  assert.throws(() => parseTopArgs(["--interval", "abc"]), RangeError);
  assert.throws(() => parseTopArgs(["--sort", "z"]), RangeError);
  assert.throws(() => parseTopArgs(["--nope"]), TypeError);
  assert.throws(() => parseTopArgs(["--token"]), TypeError);
  assert.throws(() => parseTopArgs(["a", "b"]), TypeError);
  // An error never shows a token's value.
  assert.throws(
    () => parseTopArgs(["--tokn=s3cret"]),
    (error: Error) => !error.message.includes("s3cret"),
  );
});

Deno.test("connection: backoff doubles with jitter and never exceeds 30 s; headers; errors", () => {
  assert.equal(backoffDelay(1, 1000, 0.5), 1000);
  assert.equal(backoffDelay(2, 1000, 0.5), 2000);
  assert.equal(backoffDelay(3, 1000, 0), 2000);
  assert.equal(backoffDelay(3, 1000, 0.999999), 6000);
  for (let attempt = 1; attempt < 80; attempt++) {
    for (const random of [0, 0.25, 0.5, 0.999999]) {
      const delay = backoffDelay(attempt, 1000, random);
      assert.ok(delay >= 500 && delay <= MAX_DELAY, `${attempt}: ${delay}`);
    }
  }
  assert.equal(backoffDelay(40, 1000, 0.999999), MAX_DELAY);
  assert.equal(backoffDelay(40, 1000, 0), MAX_DELAY / 2);
  assert.throws(() => backoffDelay(0, 1000, 0.5), RangeError);

  const headers = streamHeaders("t0k", "abc-3");
  assert.equal(headers.get("authorization"), "Bearer t0k");
  assert.equal(headers.get("last-event-id"), "abc-3");
  assert.equal(headers.get("accept"), "text/event-stream");
  assert.equal(streamHeaders().get("authorization"), null);
  assert.equal(streamHeaders("").get("authorization"), null);

  const url = new URL("http://h/debug/diagnostics/memory");
  assert.match(
    new AuthError(401, url, false).message,
    /requires a token \(401 Unauthorized\).*--token/,
  );
  assert.match(new AuthError(403, url, true).message, /refused the token \(403 Forbidden\)/);
  const refused = new TypeError("fetch failed", {
    cause: new Error(
      "error sending request for url (http://h/): client error (Connect): tcp connect error: Connection refused (os error 111)",
    ),
  });
  assert.equal(describeError(refused), "Connection refused");
});

Deno.test("throttle: at most one redraw per interval, the last request never lost", async () => {
  let draws = 0;
  const throttle = new RedrawThrottle(100, () => draws++);
  try {
    const started = performance.now();
    while (performance.now() - started < 450) {
      throttle.request();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // 450 ms at 100 ms: the first draw at once, then one per interval.
    assert.ok(draws >= 4 && draws <= 6, `${draws} draws`);
    const before = draws;
    throttle.request();
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(draws, before + 1, "a request inside the interval is drawn at its end");
  } finally {
    throttle.stop();
  }
  assert.throws(() => new RedrawThrottle(-1, () => {}), RangeError);
});

Deno.test("render and args: --record shows the file and its events under the instance; it refuses --once", () => {
  const { registry } = registryWithSlabs();
  const lines = renderScreen({
    ...view(registry.snapshot()),
    recording: "/tmp/a.jsonl.gz · 42 events",
  }, {
    columns: 80,
    rows: 24,
  }).map((line) => line.text);
  assert.match(lines[1]!, /^ Recording\s+: \/tmp\/a\.jsonl\.gz · 42 events$/);
  assert.equal(parseTopArgs(["--record", "a.jsonl.gz"]).record, "a.jsonl.gz");
  assert.throws(() => parseTopArgs(["--record", "a.jsonl.gz", "--once"]), {
    name: "TypeError",
    message: "Cannot parse arguments: --record records a stream, --once reads one keyframe",
  });
  assert.throws(() => parseTopArgs(["--record="]), /--record needs a file name/);
  assert.match(USAGE, /--record <file>/);
});
