// Copyright 2026 the slabscope authors. MIT license.
// Each lint rule triggered by a real allocator in a real registry, on the
// registry's injectable clock, and silent on a healthy workload; the
// engine's raise / change / clear; the options' checks.
import assert from "node:assert/strict";
import {
  Arena,
  DiagnosticsRegistry,
  type DiagnosticsRegistryOptions,
  HandleState,
  instrumentServer,
  SlabAllocator,
} from "../../mod.ts";
import type { Lint } from "../../core/wire/types.ts";

/** A registry dated by a clock the test moves. */
function clocked(options: DiagnosticsRegistryOptions = {}) {
  const clock = { now: Date.now() };
  const registry = new DiagnosticsRegistry({ ...options, clock: () => clock.now });
  const lints = (): Lint[] => registry.snapshot({ sampleHeap: false }).lints!;
  const step = (ms: number): Lint[] => {
    clock.now += ms;
    return lints();
  };
  return { registry, clock, lints, step };
}

function only(lints: Lint[], rule: string): Lint {
  const found = lints.filter((lint) => lint.rule === rule);
  assert.equal(found.length, 1, `expected one ${rule} lint, got ${JSON.stringify(lints)}`);
  return found[0]!;
}

function handleSlab(registry: DiagnosticsRegistry, name = "conns", capacity = 64) {
  return registry.addSlab(new SlabAllocator({ name, slotSize: 1, capacity, kind: "handle" }));
}

/** Waits until the wall clock has moved `ms` past `from` (slot times are wall-clock times). */
async function wallClockPast(from: number, ms: number): Promise<void> {
  while (Date.now() < from + ms) {
    await new Promise((resolve) => setTimeout(resolve, from + ms - Date.now()));
  }
}

Deno.test("stuck: a slot in Connecting or Closing past the threshold, cleared when it moves on", () => {
  const { registry, lints, step } = clocked();
  const owner = registry.owners.register(":8080", "server");
  const conns = handleSlab(registry);
  const connecting = conns.alloc(owner, HandleState.Connecting)!;
  const closing = conns.alloc(owner, HandleState.Active)!;
  conns.setState(closing, HandleState.Closing);
  conns.alloc(owner, HandleState.Active);
  assert.deepEqual(lints(), []);
  assert.deepEqual(step(29_000), []); // not yet 30 s
  const lint = only(step(2_000), "stuck");
  assert.equal(lint.pool, "conns");
  assert.equal(lint.count, 2);
  assert.deepEqual(lint.slots, [connecting & 63, closing & 63].sort((a, b) => a - b));
  assert.equal(lint.detail, "1 slot in Connecting, 1 in Closing for over 30 s");
  const since = lint.since;
  conns.setState(connecting, HandleState.Active);
  const after = only(step(1_000), "stuck");
  assert.equal(after.count, 1, "changed, not raised again");
  assert.equal(after.since, since);
  conns.free(closing);
  assert.deepEqual(step(1_000), []);
});

Deno.test("stuck: a shorter threshold from the options", () => {
  const { registry, lints, step } = clocked({ lints: { stuck: { after: 2_000 } } });
  handleSlab(registry).alloc(undefined, HandleState.Connecting);
  assert.deepEqual(lints(), []);
  assert.equal(only(step(2_500), "stuck").detail, "1 slot in Connecting for over 2 s");
});

Deno.test("idle: a handle Idle past the threshold", () => {
  const { registry, lints, step } = clocked();
  const conns = handleSlab(registry);
  const idle = conns.alloc(undefined, HandleState.Active)!;
  conns.setState(idle, HandleState.Idle);
  conns.alloc(undefined, HandleState.Active);
  assert.deepEqual(lints(), []);
  assert.deepEqual(step(240_000), []);
  const lint = only(step(61_000), "idle");
  assert.deepEqual(lint.slots, [idle & 63]);
  assert.equal(lint.detail, "1 handle Idle for over 5 min");
  conns.setState(idle, HandleState.Active);
  assert.deepEqual(step(1_000), []);
});

Deno.test("age_outlier: one slot far older than the pool's 99th percentile", async () => {
  const registry = new DiagnosticsRegistry({
    lints: { ageOutlier: { minAge: 300, minSamples: 100 } },
  });
  const owner = registry.owners.register("worker", "worker");
  const slab = registry.addSlab(new SlabAllocator({ name: "objects", slotSize: 8, capacity: 512 }));
  const old = slab.alloc(owner)!;
  const t0 = Date.now();
  await wallClockPast(t0, 800);
  for (let i = 0; i < 150; i++) slab.alloc(owner);
  const lint = only(registry.snapshot().lints!, "age_outlier");
  assert.deepEqual(lint.slots, [old & 511]);
  assert.match(
    lint.detail,
    /^1 slot held over \d+ ms \(the pool's 99th percentile age is \d+ ms; the oldest \d+ ms\)$/,
  );
});

Deno.test("age_outlier: silent below its sample size, and on a pool of one age", async () => {
  const registry = new DiagnosticsRegistry({ lints: { ageOutlier: { minAge: 300 } } });
  const owner = registry.owners.register("worker", "worker");
  const few = registry.addSlab(new SlabAllocator({ name: "few", slotSize: 8, capacity: 512 }));
  const even = registry.addSlab(new SlabAllocator({ name: "even", slotSize: 8, capacity: 512 }));
  few.alloc(owner);
  for (let i = 0; i < 300; i++) even.alloc(owner);
  const t0 = Date.now();
  await wallClockPast(t0, 800);
  for (let i = 0; i < 50; i++) few.alloc(owner); // 51 held: under minSamples
  assert.deepEqual(registry.snapshot().lints, []);
});

Deno.test("age_outlier: silent on a pool whose holders come and go at random", () => {
  // Ages drawn from an exponential distribution, as random frees give,
  // with the default thresholds: the tail never reaches 4 × the 99th percentile.
  const { registry, clock, lints } = clocked();
  const owner = registry.owners.register("worker", "worker");
  const slab = registry.addSlab(
    new SlabAllocator({ name: "objects", slotSize: 8, capacity: 8192 }),
  );
  const held: number[] = [];
  for (let i = 0; i < 4000; i++) held.push(slab.alloc(owner)!);
  // A clock that moves on in seconds while a tenth of the slots turn over
  // each second: ages become exponential with a mean of about 10 s.
  let seen = 0;
  for (let second = 0; second < 600; second++) {
    for (let k = 0; k < 400; k++) {
      const at = Math.floor(Math.random() * held.length);
      slab.free(held[at]!);
      held[at] = slab.alloc(owner)!;
    }
    clock.now += 1000;
    seen += lints().length;
  }
  assert.equal(seen, 0);
});

Deno.test("orphan: slots of an unregistered owner, after the grace period", () => {
  const { registry, lints, step } = clocked();
  const gone = registry.owners.register("https://gone.example", "client");
  const kept = registry.owners.register("https://kept.example", "client");
  const conns = handleSlab(registry);
  const a = conns.alloc(gone, HandleState.Active)!;
  const b = conns.alloc(gone, HandleState.Active)!;
  conns.alloc(kept, HandleState.Active);
  registry.owners.unregister(gone);
  assert.deepEqual(lints(), []);
  assert.deepEqual(step(5_000), [], "within the grace period");
  const lint = only(step(6_000), "orphan");
  assert.deepEqual(lint.slots, [a & 63, b & 63]);
  assert.equal(lint.detail, `2 slots of an unregistered owner (index ${gone}) held for over 10 s`);
  conns.free(a);
  conns.free(b);
  assert.deepEqual(step(1_000), []);
});

Deno.test("orphan: an owner unregistered after its slots were freed raises nothing", () => {
  const { registry, lints, step } = clocked();
  const owner = registry.owners.register(":9000", "server");
  const conns = handleSlab(registry);
  const h = conns.alloc(owner, HandleState.Active)!;
  lints();
  conns.free(h);
  registry.owners.unregister(owner);
  assert.deepEqual(step(60_000), []);
});

Deno.test("time_to_full: steady growth gives the time left at that rate", () => {
  const { registry, lints, step } = clocked();
  const slab = registry.addSlab(new SlabAllocator({ name: "queue", slotSize: 8, capacity: 1000 }));
  lints();
  let lint: Lint | undefined;
  for (let second = 1; second <= 60 && lint === undefined; second++) {
    for (let k = 0; k < 5; k++) slab.alloc();
    lint = step(1_000).find((l) => l.rule === "time_to_full");
  }
  assert.ok(lint !== undefined, "raised within the window");
  // About 250 used at +5/s: 750 left, 2.5 min.
  assert.match(
    lint.detail,
    /^full in about [23] min at this rate \(\+5 slots\/s over the last \d+ s\)$/,
  );
  assert.equal(lint.count, 1);
  assert.equal(lint.slots, undefined);
});

Deno.test("time_to_full: silent on a flat, a noisy and a slowly growing pool", () => {
  const { registry, lints, step } = clocked();
  const flat = registry.addSlab(new SlabAllocator({ name: "flat", slotSize: 8, capacity: 1000 }));
  const noisy = registry.addSlab(new SlabAllocator({ name: "noisy", slotSize: 8, capacity: 1000 }));
  const slow = registry.addSlab(
    new SlabAllocator({ name: "slow", slotSize: 8, capacity: 100_000 }),
  );
  for (let i = 0; i < 500; i++) flat.alloc();
  const held: number[] = [];
  lints();
  for (let second = 0; second < 300; second++) {
    // Noisy: bursts up and down around 300 slots.
    const target = 300 + Math.round(200 * Math.sin(second / 3) + 50 * (Math.random() - 0.5));
    while (held.length < target) held.push(noisy.alloc()!);
    while (held.length > target) noisy.free(held.pop()!);
    slow.alloc(); // +1/s: 28 h to full, beyond the horizon
    assert.deepEqual(step(1_000), []);
  }
});

Deno.test("thrash: a slot cycled faster than the rate, over the window", () => {
  const { registry, lints, step } = clocked();
  const slab = registry.addSlab(new SlabAllocator({ name: "scratch", slotSize: 8, capacity: 64 }));
  slab.alloc(); // something held, so that the cycling slot is not slot 0 by accident
  lints();
  let lint: Lint | undefined;
  let cycled = -1;
  for (let tick = 0; tick < 80 && lint === undefined; tick++) {
    for (let k = 0; k < 500; k++) {
      const h = slab.alloc()!;
      cycled = h & 63;
      slab.free(h);
    }
    lint = step(100).find((l) => l.rule === "thrash"); // 5,000 cycles a second
  }
  assert.ok(lint !== undefined, "raised once a window was measured");
  assert.ok(lint.slots!.includes(cycled));
  assert.match(
    lint.detail,
    /freed and allocated again over 1000 times a second \(the fastest \d+\/s/,
  );
  // It stops: the next window clears it.
  for (let tick = 0; tick < 60 && lint !== undefined; tick++) {
    lint = step(100).find((l) => l.rule === "thrash");
  }
  assert.equal(lint, undefined);
});

Deno.test("thrash: silent on a slot reused at a request rate, and on churn across many slots", () => {
  const { registry, lints, step } = clocked();
  const one = registry.addSlab(new SlabAllocator({ name: "one", slotSize: 8, capacity: 64 }));
  const many = registry.addSlab(new SlabAllocator({ name: "many", slotSize: 8, capacity: 4096 }));
  const held: number[] = [];
  for (let i = 0; i < 2000; i++) held.push(many.alloc()!);
  lints();
  for (let tick = 0; tick < 200; tick++) {
    for (let k = 0; k < 50; k++) one.free(one.alloc()!); // 500 a second
    for (let k = 0; k < 200; k++) {
      const at = Math.floor(Math.random() * held.length);
      many.free(held[at]!);
      held[at] = many.alloc()!;
    }
    assert.deepEqual(step(100), []);
  }
});

Deno.test("thrash: a slab of request handles is not judged: it takes a handle per request", () => {
  const { registry, lints, step } = clocked();
  const requests = handleSlab(registry, "handles");
  const connections = handleSlab(registry, "conns");
  const app = instrumentServer(registry, () => new Response("ok"), { handles: requests });
  lints();
  let raised: Lint[] = [];
  for (let tick = 0; tick < 80 && raised.length === 0; tick++) {
    for (let k = 0; k < 500; k++) {
      requests.free(requests.alloc(0, HandleState.Active)!); // as requests come and go
      connections.free(connections.alloc(0, HandleState.Active)!);
    }
    raised = step(100).filter((l) => l.rule === "thrash"); // 5,000 cycles a second each
  }
  assert.deepEqual(raised.map((l) => l.pool), ["conns"]);
  app.close();
});

Deno.test("arena_fallbacks: a steady share of allocations going to the heap", () => {
  const { registry, lints, step } = clocked();
  const arena = registry.addArena(new Arena({ name: "scratch", capacity: 1024 }));
  lints();
  let lint: Lint | undefined;
  for (let second = 0; second < 20 && lint === undefined; second++) {
    arena.alloc(100);
    arena.alloc(2000); // does not fit: the heap
    arena.reset();
    lint = step(1_000).find((l) => l.rule === "arena_fallbacks");
  }
  assert.ok(lint !== undefined);
  assert.equal(lint.pool, "scratch");
  assert.match(lint.detail, /^5 of 10 allocations \(50 %\) went to the heap in the last 60 s$/);
});

Deno.test("arena_fallbacks: silent on a fallback now and then", () => {
  const { registry, lints, step } = clocked();
  const arena = registry.addArena(new Arena({ name: "scratch", capacity: 1 << 16 }));
  lints();
  for (let second = 0; second < 300; second++) {
    for (let k = 0; k < 20; k++) arena.alloc(1000);
    if (second % 10 === 0) arena.alloc(1 << 17); // 1 in 200 allocations
    arena.reset();
    assert.deepEqual(step(1_000), []);
  }
});

Deno.test("invalid_frees: a double free raises it, a quiet window clears it", () => {
  const { registry, lints, step } = clocked();
  const slab = registry.addSlab(new SlabAllocator({ name: "objects", slotSize: 8, capacity: 16 }));
  lints();
  const h = slab.alloc()!;
  slab.free(h);
  assert.throws(() => slab.free(h));
  const lint = only(step(100), "invalid_frees");
  assert.equal(lint.detail, "1 invalid or double free in the last 60 s (1 in all)");
  assert.equal(only(step(30_000), "invalid_frees").since, lint.since);
  assert.deepEqual(step(31_000), []);
});

Deno.test("invalid_frees: refused before the registry first looked is not rising", () => {
  const { registry, lints, step } = clocked();
  const slab = registry.addSlab(new SlabAllocator({ name: "objects", slotSize: 8, capacity: 16 }));
  const h = slab.alloc()!;
  slab.free(h);
  assert.throws(() => slab.free(h));
  assert.deepEqual(lints(), []);
  assert.deepEqual(step(1_000), []);
});

Deno.test("lints: the same array while nothing changes; a removed pool's lints go", () => {
  const { registry, lints, step } = clocked();
  handleSlab(registry).alloc(undefined, HandleState.Connecting);
  lints();
  const first = step(31_000);
  assert.equal(first.length, 1);
  assert.equal(step(100), first);
  assert.equal(step(1_000), first);
  registry.remove("conns");
  assert.deepEqual(step(100), []);
});

Deno.test("lints: false turns them off, a rule's false turns it off", () => {
  const off = new DiagnosticsRegistry({ lints: false });
  assert.equal(off.lints, undefined);
  assert.equal(off.snapshot().lints, undefined);
  const { registry, lints, step } = clocked({ lints: { stuck: false } });
  handleSlab(registry).alloc(undefined, HandleState.Connecting);
  lints();
  assert.deepEqual(step(60_000), []);
  assert.equal(registry.lints?.settings.stuck, undefined);
  assert.equal(registry.lints?.settings.idle?.after, 300_000);
});

Deno.test("lints: bad thresholds are refused, naming the option", () => {
  assert.throws(
    () => new DiagnosticsRegistry({ lints: { stuck: { after: -1 } } }),
    new RangeError(
      "Cannot create diagnostics registry: lints.stuck.after must be a positive number, received -1",
    ),
  );
  assert.throws(
    () => new DiagnosticsRegistry({ lints: { ageOutlier: { quantile: 1 } } }),
    new RangeError(
      "Cannot create diagnostics registry: lints.ageOutlier.quantile must be a number in (0, 1), received 1",
    ),
  );
  assert.throws(
    // @ts-expect-error: not an object
    () => new DiagnosticsRegistry({ lints: { idle: 5 } }),
    TypeError,
  );
  assert.throws(
    () => new DiagnosticsRegistry({ lints: { arenaFallbacks: { minCount: 1.5 } } }),
    RangeError,
  );
});

Deno.test("lints: judged by time, not by how often snapshots are taken (a scrape between ticks)", () => {
  for (const every of [20, 100, 500]) {
    const { registry, lints, step } = clocked();
    const slab = registry.addSlab(
      new SlabAllocator({ name: "scratch", slotSize: 8, capacity: 64 }),
    );
    const queue = registry.addSlab(
      new SlabAllocator({ name: "queue", slotSize: 8, capacity: 1000 }),
    );
    lints();
    const raised = new Set<string>();
    // 3,000 cycles of one slot a second, and +5 queue slots a second, for 70 s.
    for (let ms = 0; ms < 70_000; ms += every) {
      for (let k = 0; k < 3 * every; k++) slab.free(slab.alloc()!);
      if (ms % 1000 === 0) { for (let k = 0; k < 5; k++) queue.alloc(); }
      for (const lint of step(every)) raised.add(`${lint.rule} ${lint.pool}`);
    }
    assert.deepEqual(
      [...raised].sort(),
      ["thrash scratch", "time_to_full queue"],
      `every ${every} ms`,
    );
  }
});
