// Copyright 2026 the slabscope authors. MIT license.
// Clients that never read, for the stream and fault tests: a workload that
// fills their sockets fast, a record of the stream's counters at every
// tick, the per-client check of when each was dropped, and a reader that
// can never fall behind.
import assert from "node:assert/strict";
import { createParser } from "eventsource-parser";
import { DiagnosticsRegistry, OwnerRegistry, SlabAllocator } from "../../mod.ts";
import type { DiagnosticsStream } from "../../dashboard.ts";

/** The stream's counters as a tick started: what the ticks before it did. */
export interface TickRecord {
  at: number;
  skipped: number;
  dropped: number;
}

/**
 * A registry whose every tick renames 2,000 owners (names of 250
 * characters), so that every delta carries a 500 kB owner_map: a stalled
 * socket fills its kernel buffers (several MB on loopback, which the server
 * cannot see) within seconds, and the stream's own queue next. Every tick
 * starts with one snapshot, which records the stream's counters first.
 *
 * @param stats The stream's counters (the stream exists only later).
 */
export function renamingOwners(stats: () => DiagnosticsStream["stats"]) {
  const registry = new DiagnosticsRegistry({ owners: new OwnerRegistry({ capacity: 4000 }) });
  registry.addSlab(new SlabAllocator({ name: "small", slotSize: 1, capacity: 64 }));
  const ticks: TickRecord[] = [];
  let generation = 0;
  const owners: number[] = [];
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => {
    const { skipped_ticks, slow_dropped } = stats();
    ticks.push({ at: performance.now(), skipped: skipped_ticks, dropped: slow_dropped });
    for (const index of owners.splice(0)) registry.owners.unregister(index);
    const tag = String(generation++).padStart(8, "0");
    for (let i = 0; i < 2000; i++) {
      owners.push(registry.owners.register(`${tag}-${i}-`.padEnd(250, "x"), "client"));
    }
    return snapshot(options);
  };
  return { registry, ticks };
}

/**
 * Checks that no client was dropped before it had skipped for `timeout` ms
 * (the caller checks how many were dropped: a client that reads can skip a
 * tick on a loaded machine, and is not dropped for it). Tick k's counts are the
 * difference between the records of ticks k and k + 1; every tick here
 * publishes a delta, so it visits every client.
 *
 * The counters are totals, so which client skipped is not known, and a
 * client that never reads can still stop skipping for a while: the kernel
 * takes more of its bytes as its socket buffers grow. What holds whatever
 * the clients are is this: a client dropped at tick j skipped at every tick
 * of the `timeout` before it, so every tick i in that span counts at least
 * as many skipping clients as are dropped at ticks j ≥ i within `timeout`
 * of it. A rule that dropped clients early breaks it.
 *
 * @returns When the first client first skipped, and the longest span from
 * a tick at which clients skipped to the drop of as many of them (ms).
 */
export function assertDroppedOnTime(
  ticks: readonly TickRecord[],
  timeout: number,
): { firstSkip: number; longest: number } {
  const skipped: number[] = [];
  const dropped: number[] = [];
  for (let k = 0; k + 1 < ticks.length; k++) {
    skipped.push(ticks[k + 1]!.skipped - ticks[k]!.skipped);
    dropped.push(ticks[k + 1]!.dropped - ticks[k]!.dropped);
  }
  let longest = 0;
  for (let i = 0; i < skipped.length; i++) {
    // 1 ms: the record reads the clock a few microseconds after the stream does.
    let due = 0;
    for (let j = i; j < dropped.length && ticks[j]!.at - ticks[i]!.at <= timeout - 1; j++) {
      due += dropped[j]!;
    }
    assert.ok(
      skipped[i]! >= due,
      `tick ${i}: ${
        skipped[i]
      } clients skipped, but ${due} were dropped within ${timeout} ms after it`,
    );
  }
  // The longest skip before a drop, as far as the counts tell: from the first
  // tick at which at least as many clients skipped as have been dropped.
  let gone = 0;
  for (let j = 0; j < dropped.length; j++) {
    if (dropped[j] === 0) continue;
    gone += dropped[j]!;
    let since = j;
    while (since > 0 && skipped[since - 1]! > 0) since--;
    longest = Math.max(longest, ticks[j]!.at - ticks[since]!.at);
  }
  assert.ok(gone > 0, "no client was dropped");
  const first = skipped.findIndex((count) => count > 0);
  return { firstSkip: first >= 0 ? ticks[first]!.at : NaN, longest };
}

/**
 * A client that reads the stream itself, in this process: it always has a
 * read pending when a tick runs. On a loaded machine it can still fall
 * behind for a tick: an event over 16 KiB reaches it in pieces, a turn of
 * the event loop apart, and the next tick may come first. What it must
 * see is the stream's promise to a slow client: a missed state is made up
 * by a keyframe, never skipped silently, and it is never dropped.
 *
 * @returns The events it got (in order), and a way to stop.
 */
export function readInProcess(stream: DiagnosticsStream, url: string) {
  const events: { seq: number; keyframe: boolean }[] = [];
  const parser = createParser({
    onEvent: (event) => {
      if (event.id === undefined) return;
      events.push({ seq: Number(event.id.split("-")[1]), keyframe: event.event === "diagnostics" });
    },
  });
  const reader = stream.connect(new Request(url)).body!.getReader();
  let ended = false;
  const reading = (async () => {
    const decoder = new TextDecoder();
    while (true) {
      const { value, done } = await reader.read();
      if (done) return void (ended = true);
      parser.feed(decoder.decode(value, { stream: true }));
    }
  })();
  return {
    events,
    /**
     * Asserts it got at least `least` events, still connected: each the
     * next state, or a keyframe after states it missed.
     */
    assertKeptUp(least: number): void {
      assert.ok(!ended, "the reading client was dropped");
      assert.ok(events.length >= least, `${events.length} events`);
      assert.ok(events[0]!.keyframe, "a keyframe first");
      events.forEach(({ seq, keyframe }, i) => {
        if (i === 0) return;
        const previous = events[i - 1]!.seq;
        assert.ok(
          seq === previous + 1 || (keyframe && seq > previous),
          `event ${i}: state ${seq} after ${previous}${keyframe ? "" : " without a keyframe"}`,
        );
      });
    },
    async stop(): Promise<void> {
      await reader.cancel();
      await reading;
    },
  };
}
