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
 * Checks, client by client, that every client that skipped ticks was
 * dropped at the first tick at least `timeout` ms after its first skipped
 * tick. Tick k's counts are the difference between the records of ticks k
 * and k + 1. A client that never reads skips until it is dropped, so
 * clients are dropped in the order they started skipping; a client that
 * keeps reading must never skip (see {@linkcode readInProcess}).
 *
 * @returns When the first client first skipped, and the longest skip before a drop (ms).
 */
export function assertDroppedOnTime(
  ticks: readonly TickRecord[],
  timeout: number,
): { firstSkip: number; longest: number } {
  const starts: number[] = [];
  let skipping = 0;
  let longest = 0;
  for (let k = 0; k + 1 < ticks.length; k++) {
    const skipped = ticks[k + 1]!.skipped - ticks[k]!.skipped;
    const dropped = ticks[k + 1]!.dropped - ticks[k]!.dropped;
    const started = skipped - skipping;
    assert.ok(started >= 0, `tick ${k}: ${skipping} were skipping, ${skipped} skipped`);
    for (let i = 0; i < started; i++) starts.push(ticks[k]!.at);
    for (let i = 0; i < dropped; i++) {
      const since = starts.shift()!;
      const skippedFor = ticks[k]!.at - since;
      // 1 ms: the record reads the clock a few microseconds after the stream does.
      assert.ok(skippedFor >= timeout - 1, `dropped after skipping ${skippedFor.toFixed(1)} ms`);
      assert.ok(
        ticks[k - 1]!.at - since < timeout + 1,
        `kept a tick longer than needed (skipping ${(ticks[k - 1]!.at - since).toFixed(1)} ms)`,
      );
      longest = Math.max(longest, skippedFor);
    }
    skipping = skipped - dropped;
  }
  assert.equal(starts.length, 0, "every client that skipped was dropped");
  const first = ticks.findIndex((tick) => tick.skipped > 0) - 1;
  return { firstSkip: first >= 0 ? ticks[first]!.at : NaN, longest };
}

/**
 * A client that reads the stream itself, in this process: it always has a
 * read pending when a tick runs, so it can never fall behind whatever the
 * machine's load, and what it receives is exactly what the stream sent it.
 *
 * @returns The seqs of the events it got (in order), and a way to stop.
 */
export function readInProcess(stream: DiagnosticsStream, url: string) {
  const seqs: number[] = [];
  const parser = createParser({
    onEvent: (event) => {
      if (event.id !== undefined) seqs.push(Number(event.id.split("-")[1]));
    },
  });
  const reader = stream.connect(new Request(url)).body!.getReader();
  const reading = (async () => {
    const decoder = new TextDecoder();
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  })();
  return {
    seqs,
    /** Asserts it got at least `least` events, one per tick: consecutive seqs. */
    assertEveryTick(least: number): void {
      assert.ok(seqs.length >= least, `${seqs.length} events`);
      seqs.forEach((seq, i) => i === 0 || assert.equal(seq, seqs[i - 1]! + 1, `event ${i}`));
    },
    async stop(): Promise<void> {
      await reader.cancel();
      await reading;
    },
  };
}
