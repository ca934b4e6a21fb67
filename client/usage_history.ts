// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * {@linkcode UsageHistory}: every pool's use over a recording, one sample
 * per state: slots (or bytes) in use, the high-water mark, overflows, and
 * the heap's main figures. Read from the events' scalars alone (a delta
 * carries every changed scalar), without rebuilding any slot array; live
 * states are appended as they come.
 *
 * @module
 */

import type { RecordingEvent } from "../core/stream/recording_format.ts";
import type { MemorySnapshot } from "../core/wire/types.ts";

/**
 * A history as islands share it through a signal: a new object whenever it
 * grew, so that the signal tells readers (the history itself grows in place).
 */
export interface HistoryView {
  /** The history. */
  readonly history: UsageHistory;
  /** Bumped with every change. */
  readonly version: number;
}

/** One pool's figures over time (slabs in slots, arenas in bytes). */
export interface PoolSeries {
  /** The pool's name. */
  readonly name: string;
  /** `"slab"` or `"arena"`. */
  readonly kind: "slab" | "arena";
  /** When each sample was taken, ms since the Unix epoch (ascending). */
  readonly times: number[];
  /** In use. */
  readonly used: number[];
  /** High-water mark. */
  readonly hwm: number[];
  /** Overflows so far (a counter: it rises when an allocation found the pool full). */
  readonly overflow: number[];
  /** Capacity (slots, or bytes). */
  readonly capacity: number[];
}

/** The heap's figures over time. */
export interface HeapSeries {
  /** When each sample was taken. */
  readonly times: number[];
  /** V8 heap in use. */
  readonly heap_used: number[];
  /** V8 heap reserved. */
  readonly heap_total: number[];
  /** Memory outside the V8 heap. */
  readonly external: number[];
  /** Resident set size. */
  readonly rss: number[];
}

type Figures = { used: number; hwm: number; overflow: number; capacity: number };
const HEAP_KEYS = ["heap_used", "heap_total", "external", "rss"] as const;

/**
 * The history of every pool and of the heap, in the order pools appear.
 *
 * @example
 * ```ts
 * import { UsageHistory } from "./usage_history.ts";
 * import assert from "node:assert/strict";
 *
 * const history = new UsageHistory();
 * const slab = { name: "s", total: 8, used: 1, hwm: 1, overflow: 0 };
 * const keyframe = { slabs: [slab], arenas: [], heap: { heap_used: 1, heap_total: 2, external: 0, rss: 9 } };
 * history.addEvents([
 *   { event: "diagnostics", seq: 1, base: 1, ts: 0, line: 2, data: keyframe },
 *   { event: "diagnostics-delta", seq: 2, base: 1, ts: 100, line: 3, data: { slabs: [{ name: "s", used: 3, hwm: 3 }] } },
 * ]);
 * assert.deepEqual(history.pools[0].used, [1, 3]);
 * assert.deepEqual(history.pools[0].times, [0, 100]);
 * ```
 */
export class UsageHistory {
  #pools = new Map<string, PoolSeries>();
  #heap: HeapSeries = { times: [], heap_used: [], heap_total: [], external: [], rss: [] };
  /** The figures of the state last added, by pool key. */
  #current = new Map<string, Figures>();
  #heapNow: Record<(typeof HEAP_KEYS)[number], number> | undefined;
  #lastTs = -Infinity;
  #lastSeq = -1;

  /** Every pool seen, slabs then arenas, in the order they first appeared. */
  get pools(): PoolSeries[] {
    return [...this.#pools.values()];
  }

  /** The heap's figures. */
  get heap(): HeapSeries {
    return this.#heap;
  }

  /** The time of the last sample. */
  get lastTs(): number {
    return this.#lastTs;
  }

  /** One pool's series (`"slab:name"` or `"arena:name"`). */
  pool(kind: "slab" | "arena", name: string): PoolSeries | undefined {
    return this.#pools.get(`${kind}:${name}`);
  }

  /**
   * Adds a recording's events, in order, one sample per state.
   *
   * @param events Events that follow the last one added (a keyframe first).
   */
  addEvents(events: readonly RecordingEvent[]): void {
    for (const event of events) {
      if (event.seq <= this.#lastSeq && event.event === "diagnostics-delta") continue;
      const d = event.data as WireState;
      if (event.event === "diagnostics") {
        this.#current.clear();
        for (const slab of d.slabs ?? []) this.#setSlab(slab);
        for (const arena of d.arenas ?? []) this.#setArena(arena);
        if (d.heap !== undefined) this.#setHeap(d.heap);
      } else {
        for (const name of d.removed_slabs ?? []) this.#current.delete(`slab:${name}`);
        for (const name of d.removed_arenas ?? []) this.#current.delete(`arena:${name}`);
        for (const slab of d.slabs ?? []) this.#setSlab(slab);
        for (const arena of d.arenas ?? []) this.#setArena(arena);
        if (d.heap !== undefined) this.#setHeap(d.heap);
      }
      this.#sample(event.seq, event.ts);
    }
  }

  /**
   * Adds a live state (after the events added), one sample.
   *
   * @param state The state.
   */
  addState(state: MemorySnapshot): void {
    if (state.seq <= this.#lastSeq && state.ts <= this.#lastTs) return;
    this.#current.clear();
    for (const slab of state.slabs) this.#setSlab(slab);
    for (const arena of state.arenas) this.#setArena(arena);
    this.#setHeap(state.heap);
    this.#sample(state.seq, state.ts);
  }

  #setSlab(slab: WirePool): void {
    const key = `slab:${slab.name}`;
    const old = this.#current.get(key);
    this.#current.set(key, {
      used: slab.used ?? old?.used ?? 0,
      hwm: slab.hwm ?? old?.hwm ?? 0,
      overflow: slab.overflow ?? old?.overflow ?? 0,
      capacity: slab.total ?? old?.capacity ?? 0,
    });
  }

  #setArena(arena: WirePool): void {
    const key = `arena:${arena.name}`;
    const old = this.#current.get(key);
    this.#current.set(key, {
      used: arena.used ?? old?.used ?? 0,
      hwm: arena.hwm ?? old?.hwm ?? 0,
      overflow: arena.overflow ?? old?.overflow ?? 0,
      capacity: arena.capacity ?? old?.capacity ?? 0,
    });
  }

  #setHeap(heap: Partial<Record<(typeof HEAP_KEYS)[number], number>>): void {
    const now = this.#heapNow;
    this.#heapNow = {
      heap_used: heap.heap_used ?? now?.heap_used ?? 0,
      heap_total: heap.heap_total ?? now?.heap_total ?? 0,
      external: heap.external ?? now?.external ?? 0,
      rss: heap.rss ?? now?.rss ?? 0,
    };
  }

  #sample(seq: number, ts: number): void {
    // A keyframe repeating the state before it adds no sample.
    if (seq === this.#lastSeq) return;
    this.#lastSeq = seq;
    this.#lastTs = ts;
    for (const [key, figures] of this.#current) {
      let series = this.#pools.get(key);
      if (series === undefined) {
        const [kind, ...name] = key.split(":");
        series = {
          name: name.join(":"),
          kind: kind as "slab" | "arena",
          times: [],
          used: [],
          hwm: [],
          overflow: [],
          capacity: [],
        };
        this.#pools.set(key, series);
      }
      series.times.push(ts);
      series.used.push(figures.used);
      series.hwm.push(figures.hwm);
      series.overflow.push(figures.overflow);
      series.capacity.push(figures.capacity);
    }
    if (this.#heapNow !== undefined) {
      this.#heap.times.push(ts);
      for (const key of HEAP_KEYS) this.#heap[key].push(this.#heapNow[key]);
    }
  }
}

/** The scalars of a pool as keyframes and deltas carry them. */
interface WirePool {
  name: string;
  used?: number;
  hwm?: number;
  overflow?: number;
  total?: number;
  capacity?: number;
}

/** The parts of a keyframe or delta the history reads. */
interface WireState {
  slabs?: WirePool[];
  arenas?: WirePool[];
  removed_slabs?: string[];
  removed_arenas?: string[];
  heap?: Partial<Record<(typeof HEAP_KEYS)[number], number>>;
}
