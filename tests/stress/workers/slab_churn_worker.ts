// Copyright 2026 the slabscope authors. MIT license.
// One participant of the multi-worker stress test: random alloc/free on an
// attached slab, handles passed to other workers through shared mailboxes,
// a cookie written into every slot on alloc and checked before free, and a
// shared "held" array that proves no slot is ever handed out twice.
import { SlabAllocator } from "../../../mod.ts";

export interface ChurnJob {
  /** The slab's memory (WebAssembly core) or its buffer (JavaScript core). */
  slab: SharedArrayBuffer | WebAssembly.Memory;
  /** This Worker's cache size. */
  cache: number;
  /** Int32 per slot: 1 while some worker holds it. */
  held: SharedArrayBuffer;
  /** Int32 cells: a handle waiting for another worker, or -1. */
  mailboxes: SharedArrayBuffer;
  id: number;
  ops: number;
  seed: number;
}

export interface ChurnResult {
  id: number;
  allocs: number;
  frees: number;
  passed: number;
  received: number;
  nulls: number;
  errors: string[];
}

function cookie(handle: number): number {
  return Math.imul(handle ^ 0x5bd1e995, 0x9e3779b1) | 0;
}

/** This file runs as a Worker; this is the part of its global scope it uses. */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<ChurnJob>) => void) | null;
  postMessage(message: ChurnResult): void;
};

scope.onmessage = (event: MessageEvent<ChurnJob>) => {
  const job = event.data;
  const slab = SlabAllocator.attach(job.slab, { cache: job.cache });
  const held = new Int32Array(job.held);
  const mailboxes = new Int32Array(job.mailboxes);
  const result: ChurnResult = {
    id: job.id,
    allocs: 0,
    frees: 0,
    passed: 0,
    received: 0,
    nulls: 0,
    errors: [],
  };
  let random = job.seed >>> 0 || 1;
  const next = () => (random = (Math.imul(random, 1664525) + 1013904223) >>> 0);
  const mine: number[] = [];

  const take = (handle: number) => {
    const index = slab.indexOf(handle);
    if (Atomics.compareExchange(held, index, 0, 1) !== 0) {
      result.errors.push(`slot ${index} handed out while another worker held it`);
    }
    const bytes = new DataView(slab.bytes(handle).buffer, slab.bytes(handle).byteOffset, 8);
    bytes.setInt32(0, cookie(handle));
    bytes.setInt32(4, job.id);
  };
  const release = (handle: number) => {
    const view = slab.bytes(handle);
    const bytes = new DataView(view.buffer, view.byteOffset, 8);
    if (bytes.getInt32(0) !== cookie(handle)) {
      result.errors.push(`cookie of handle ${handle} overwritten (by worker ${bytes.getInt32(4)})`);
    }
    const index = slab.indexOf(handle);
    // Cleared before free(): once freed, another worker may take the slot.
    if (Atomics.compareExchange(held, index, 1, 0) !== 1) {
      result.errors.push(`slot ${index} freed but not marked held`);
    }
    slab.free(handle);
    result.frees++;
  };

  try {
    for (let op = 0; op < job.ops; op++) {
      const r = next() % 100;
      if (r < 45 || mine.length === 0) {
        const handle = slab.alloc();
        if (handle === null) {
          result.nulls++;
        } else {
          take(handle);
          result.allocs++;
          mine.push(handle);
        }
      } else if (r < 80) {
        const k = next() % mine.length;
        const handle = mine[k]!;
        mine[k] = mine[mine.length - 1]!;
        mine.pop();
        release(handle);
      } else if (r < 90) {
        // Pass a handle to whichever worker picks this mailbox next.
        const cell = next() % mailboxes.length;
        const k = next() % mine.length;
        if (Atomics.compareExchange(mailboxes, cell, -1, mine[k]!) === -1) {
          mine[k] = mine[mine.length - 1]!;
          mine.pop();
          result.passed++;
        }
      } else {
        const cell = next() % mailboxes.length;
        const handle = Atomics.exchange(mailboxes, cell, -1);
        if (handle !== -1) {
          result.received++;
          release(handle);
        }
      }
      if (mine.length > 64) release(mine.pop()!);
    }
    while (mine.length > 0) release(mine.pop()!);
  } catch (error) {
    result.errors.push(`threw: ${(error as Error).stack ?? error}`);
  }
  slab.close();
  scope.postMessage(result);
};
