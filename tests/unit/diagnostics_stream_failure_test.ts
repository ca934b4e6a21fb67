// Copyright 2026 the slabscope authors. MIT license.
// The diagnostics stream when a state cannot be collected or encoded: real
// streams read by eventsource-parser, no server needed.
import assert from "node:assert/strict";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { applyDelta, decodeKeyframe } from "../../wire.ts";
import { DiagnosticsRegistry, type MemorySnapshot, SlabAllocator } from "../../mod.ts";
import { DiagnosticsStream, type DiagnosticsStreamOptions } from "../../dashboard.ts";

/**
 * A registry whose snapshots fail on demand: `poisoned` puts a BigInt in the
 * owner map (collecting succeeds, JSON encoding throws), `failing` makes
 * collecting throw.
 */
function faultyRegistry() {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(new SlabAllocator({ name: "s", slotSize: 8, capacity: 64 }));
  const real = registry.snapshot.bind(registry);
  const faults = { poisoned: false, failing: false };
  registry.snapshot = (options) => {
    if (faults.failing) throw new Error("pool walked away");
    const state = real(options);
    if (faults.poisoned) state.owner_map = [...state.owner_map, 1n as unknown as string];
    return state;
  };
  return { registry, slab, faults };
}

/** One client of `stream`, reading when told to. */
function client(stream: DiagnosticsStream) {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const reader = stream.connect(new Request("http://localhost/")).body!
    .pipeThrough(new TextDecoderStream()).getReader();
  return {
    events,
    /** Reads until `predicate` holds. */
    async until(predicate: () => boolean): Promise<void> {
      while (!predicate()) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended after ${events.length} events`);
        parser.feed(value);
      }
    },
    /** The state the events build, keyframe plus deltas. */
    state(): MemorySnapshot | undefined {
      let state: MemorySnapshot | undefined;
      for (const event of events) {
        if (event.event === "diagnostics") state = decodeKeyframe(event.data);
        else if (event.event === "diagnostics-delta") state = applyDelta(state!, event.data);
      }
      return state;
    },
    /** Every error event's id names a state event this client received. */
    assertErrorIdsHeld(): void {
      const held = new Set(
        events.filter((e) => e.event?.startsWith("diagnostics")).map((e) => e.id),
      );
      for (const error of events.filter((e) => e.event === "error")) {
        assert.ok(
          error.id === undefined || held.has(error.id),
          `an error event has id ${error.id}, a state this client never received`,
        );
      }
    },
    cancel: () => reader.cancel(),
  };
}

const errors = (events: EventSourceMessage[]) => events.filter((e) => e.event === "error");

Deno.test("a state whose delta cannot be encoded: error events, the ticker lives, the client converges", async () => {
  const { registry, slab, faults } = faultyRegistry();
  const options: DiagnosticsStreamOptions = { interval: 20, bootId: "delta" };
  const stream = new DiagnosticsStream(registry, options);
  const c = client(stream);
  await c.until(() => c.events.some((e) => e.event === "diagnostics"));
  faults.poisoned = true;
  slab.alloc();
  await c.until(() => errors(c.events).length >= 3);
  for (const error of errors(c.events)) {
    assert.match(JSON.parse(error.data).message, /^Cannot encode a delta: .*BigInt/);
  }
  faults.poisoned = false;
  slab.alloc();
  const seen = c.events.length;
  await c.until(() => c.events.slice(seen).some((e) => e.event?.startsWith("diagnostics")));
  // The client holds exactly what the stream holds: no state went missing.
  assert.deepEqual(c.state(), decodeKeyframe(stream.snapshot()));
  c.assertErrorIdsHeld();
  await c.cancel();
  await stream.close();
});

Deno.test("a first state whose keyframe cannot be encoded: an error event, then the keyframe once it can", async () => {
  const { registry, slab, faults } = faultyRegistry();
  faults.poisoned = true;
  const stream = new DiagnosticsStream(registry, { interval: 20, bootId: "first" });
  assert.throws(() => stream.snapshot(), /^Error: Cannot encode a keyframe: .*BigInt/);
  const c = client(stream);
  await c.until(() => errors(c.events).length >= 3);
  assert.match(JSON.parse(errors(c.events)[0]!.data).message, /^Cannot encode a keyframe/);
  assert.equal(stream.clientCount, 1);
  faults.poisoned = false;
  slab.alloc();
  await c.until(() => c.events.some((e) => e.event === "diagnostics"));
  assert.deepEqual(c.state(), decodeKeyframe(stream.snapshot()));
  c.assertErrorIdsHeld();
  await c.cancel();
  await stream.close();
});

Deno.test("an error event has no id: a client that skipped ticks keeps the id of the state it holds", async () => {
  const { registry, slab, faults } = faultyRegistry();
  // One delta fills this client's queue, so it skips the ticks after it.
  const stream = new DiagnosticsStream(registry, { interval: 20, maxQueuedBytes: 64 });
  const c = client(stream);
  await c.until(() => c.events.some((e) => e.event === "diagnostics"));
  // Not reading: the state moves on without this client.
  const held: number[] = [];
  const churn = setInterval(() => {
    const handle = slab.alloc();
    if (handle !== null) held.push(handle);
    if (held.length > 32) slab.free(held.shift()!);
  }, 5);
  try {
    const skipped = stream.stats.skipped_ticks;
    while (stream.stats.skipped_ticks < skipped + 3) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    clearInterval(churn);
  }
  // Collecting fails from now on; the client drains and gets an error event.
  faults.failing = true;
  await c.until(() => errors(c.events).length > 0);
  assert.match(JSON.parse(errors(c.events)[0]!.data).message, /pool walked away/);
  assert.equal(errors(c.events)[0]!.id, undefined);
  c.assertErrorIdsHeld();
  faults.failing = false;
  await c.until(() => c.events.at(-1)!.event === "diagnostics");
  assert.deepEqual(c.state(), decodeKeyframe(stream.snapshot()));
  await c.cancel();
  await stream.close();
});
