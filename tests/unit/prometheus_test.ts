// Copyright 2026 the slabscope authors. MIT license.
// The Prometheus exposition, read back with a real parser
// (parse-prometheus-text-format, a port of the Python client's parser).
import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import {
  Arena,
  ArenaPool,
  DiagnosticsRegistry,
  HandleState,
  type MemorySnapshot,
  SlabAllocator,
} from "../../mod.ts";
import {
  createMetricsHandler,
  formatPrometheus,
  PROMETHEUS_CONTENT_TYPE,
} from "../../core/export/prometheus.ts";

interface ParsedSample {
  value?: string;
  labels?: Record<string, string>;
}
interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: ParsedSample[];
}

function parse(text: string): ParsedFamily[] {
  return parsePrometheusTextFormat(text) as ParsedFamily[];
}

/** The one sample of `name` whose labels are exactly `labels`, as a number. */
function sample(families: ParsedFamily[], name: string, labels: Record<string, string> = {}) {
  const family = families.find((f) => f.name === name);
  assert.ok(family, `family ${name} is missing`);
  const found = family.metrics.filter((m) => isDeepStrictEqual(m.labels ?? {}, labels));
  assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return Number(found[0]!.value);
}

function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepStrictEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

const HOSTILE_SLAB = 'tcp "buffers" \\ back\nslash';
const HOSTILE_ARENA = 'scratch\\"\n';
const HOSTILE_OWNER = 'https://up"stream\\x\ny';

/** A registry with every kind of pool, hostile names, and known counts. */
function fixture() {
  const registry = new DiagnosticsRegistry();
  const server = registry.owners.register(":8080", "server");
  const upstream = registry.owners.register(HOSTILE_OWNER, "client");

  const handles = registry.addSlab(
    new SlabAllocator({ name: "handles", slotSize: 1, capacity: 16, kind: "handle" }),
  );
  handles.alloc(server, HandleState.Active);
  handles.alloc(server, HandleState.Active);
  handles.alloc(server, HandleState.Idle);
  handles.alloc(server, HandleState.Closing);
  handles.alloc(upstream); // Connecting
  handles.alloc(); // Connecting, no owner

  const buffers = registry.addSlab(
    new SlabAllocator({ name: HOSTILE_SLAB, slotSize: 4096, capacity: 4 }),
  );
  const taken = [buffers.alloc()!, buffers.alloc()!, buffers.alloc()!, buffers.alloc()!];
  assert.equal(buffers.alloc(), null); // overflow 1
  buffers.free(taken[0]!);
  buffers.free(taken[1]!);
  assert.throws(() => buffers.free(taken[0]!)); // invalid free 1

  const scratch = registry.addArena(new Arena({ name: HOSTILE_ARENA, capacity: 1024 }));
  scratch.alloc(100);
  scratch.alloc(2000); // served from the heap
  scratch.reset();
  scratch.alloc(40);

  const pool = registry.addArenaPool(
    new ArenaPool({ name: "stream_arenas", arenaCapacity: 256, count: 4 }),
  );
  pool.acquire()!.alloc(10);
  return registry;
}

Deno.test("formatPrometheus() gives every family HELP and TYPE, and _total to counters only", () => {
  const text = formatPrometheus(fixture().snapshot());
  const families = parse(text);
  assert.ok(families.length >= 30, `only ${families.length} families`);
  const names = new Set<string>();
  for (const family of families) {
    assert.ok(!names.has(family.name), `${family.name} appears in two places`);
    names.add(family.name);
    assert.ok(family.help.length > 0, `${family.name} has no HELP`);
    assert.ok(
      family.type === "COUNTER" || family.type === "GAUGE",
      `${family.name} is ${family.type}`,
    );
    assert.equal(
      family.name.endsWith("_total"),
      family.type === "COUNTER",
      `${family.name} is a ${family.type}`,
    );
    assert.match(family.name, /^(slabscope_[a-z_]+|process_start_time_seconds)$/);
    assert.ok(family.metrics.length > 0, `${family.name} has no samples`);
  }
  // The parser assigns samples to the family above them: check the text too.
  const lines = text.split("\n");
  assert.equal(lines.pop(), "", "the text ends with a newline");
  let family = "";
  const typed = new Set<string>();
  for (const line of lines) {
    const help = line.match(/^# HELP (\S+) /);
    const type = line.match(/^# TYPE (\S+) (counter|gauge)$/);
    if (help) family = help[1]!;
    else if (type) {
      assert.equal(type[1], family, "TYPE follows its HELP");
      typed.add(family);
    } else {
      assert.ok(line.startsWith(`${family}{`) || line.startsWith(`${family} `), line);
      assert.ok(typed.has(family), `${line} has no TYPE`);
    }
  }
});

Deno.test("formatPrometheus() reports the known counts of every pool", () => {
  const snapshot = fixture().snapshot();
  const families = parse(formatPrometheus(snapshot));
  const v = (name: string, labels?: Record<string, string>) =>
    sample(families, `slabscope_${name}`, labels);

  // The handle slab.
  const handles = { pool: "handles" };
  assert.equal(v("slab_info", { ...handles, kind: "handle" }), 1);
  assert.equal(v("slab_slots", handles), 16);
  assert.equal(v("slab_slots_used", handles), 6);
  assert.equal(v("slab_slots_hwm", handles), 6);
  assert.equal(v("slab_slot_size_bytes", handles), 1);
  assert.equal(v("slab_allocs_total", handles), 6);
  const states = { free: 10, connecting: 2, active: 2, idle: 1, closing: 1 };
  for (const [state, n] of Object.entries(states)) {
    assert.equal(v("slab_slots_by_state", { ...handles, state }), n, state);
  }
  const byState = families.find((f) => f.name === "slabscope_slab_slots_by_state")!;
  assert.equal(byState.metrics.filter((m) => m.labels?.pool === "handles").length, 5);
  const server = { ":8080": { connecting: 0, active: 2, idle: 1, closing: 1 } };
  for (const [state, n] of Object.entries(server[":8080"])) {
    assert.equal(v("slab_owner_slots", { ...handles, owner: ":8080", state }), n);
  }
  assert.equal(
    v("slab_owner_slots", { ...handles, owner: HOSTILE_OWNER, state: "connecting" }),
    1,
  );

  // The plain slab with a hostile name.
  const buffers = { pool: HOSTILE_SLAB };
  assert.equal(v("slab_info", { ...buffers, kind: "plain" }), 1);
  assert.equal(v("slab_slots", buffers), 4);
  assert.equal(v("slab_slots_used", buffers), 2);
  assert.equal(v("slab_slots_hwm", buffers), 4);
  assert.equal(v("slab_slot_size_bytes", buffers), 4096);
  assert.equal(v("slab_allocs_total", buffers), 4);
  assert.equal(v("slab_frees_total", buffers), 2);
  assert.equal(v("slab_overflow_total", buffers), 1);
  assert.equal(v("slab_invalid_frees_total", buffers), 1);
  assert.equal(v("slab_cas_retries_total", buffers), 0);
  assert.equal(v("slab_slots_by_state", { ...buffers, state: "used" }), 2);
  assert.equal(v("slab_slots_by_state", { ...buffers, state: "free" }), 2);

  // The arena with a hostile name, and the arena pool (a slab and an arena).
  const scratch = { pool: HOSTILE_ARENA };
  assert.equal(v("arena_bytes", scratch), 1024);
  assert.equal(v("arena_used_bytes", scratch), 40);
  assert.equal(v("arena_hwm_bytes", scratch), 100);
  assert.equal(v("arena_allocations_total", scratch), 3);
  assert.equal(v("arena_resets_total", scratch), 1);
  assert.equal(v("arena_overflow_total", scratch), 1);
  assert.equal(v("arena_overflow_bytes_total", scratch), 2000);
  const pool = { pool: "stream_arenas" };
  assert.equal(v("arena_bytes", pool), 1024);
  assert.equal(v("arena_used_bytes", pool), 10);
  assert.equal(v("slab_slots", pool), 4);
  assert.equal(v("slab_slots_used", pool), 1);
  assert.equal(v("slab_slot_size_bytes", pool), 256);

  // The heap, from the same snapshot.
  const { heap } = snapshot;
  assert.equal(v("heap_used_bytes"), heap.heap_used);
  assert.equal(v("heap_total_bytes"), heap.heap_total);
  assert.equal(v("heap_limit_bytes"), heap.heap_limit);
  assert.equal(v("heap_external_bytes"), heap.external);
  assert.equal(v("process_resident_memory_bytes"), heap.rss);
  assert.ok(heap.spaces.length > 0);
  for (const space of heap.spaces) {
    assert.equal(v("heap_space_used_bytes", { space: space.name }), space.used);
    assert.equal(v("heap_space_size_bytes", { space: space.name }), space.size);
  }
});

Deno.test("formatPrometheus() escapes hostile names and never labels a slot", () => {
  const text = formatPrometheus(fixture().snapshot());
  // Escaped per the format: no raw newline inside a sample line.
  assert.ok(text.includes('pool="tcp \\"buffers\\" \\\\ back\\nslash"'));
  assert.ok(text.includes('owner="https://up\\"stream\\\\x\\ny"'));
  for (const line of text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) {
    assert.match(line, /^(slabscope_[a-z_]+(\{.*\})? \d+|process_start_time_seconds [\d.]+)$/);
  }
  const families = parse(text);
  const pools = new Set<string>();
  const labelNames = new Set<string>();
  for (const family of families) {
    for (const metric of family.metrics) {
      for (const [name, value] of Object.entries(metric.labels ?? {})) {
        labelNames.add(name);
        if (name === "pool") pools.add(value);
      }
    }
  }
  assert.deepEqual(
    [...pools].sort(),
    [HOSTILE_ARENA, HOSTILE_SLAB, "handles", "stream_arenas"].sort(),
  );
  assert.deepEqual(
    [...labelNames].sort(),
    ["kind", "owner", "pool", "space", "state", "version"],
  );
});

/** A handle slab with `owners` owners, owner `i` holding `i + 1` Active slots. */
function manyOwners(owners: number, name = (i: number) => `client-${String(i).padStart(3, "0")}`) {
  const registry = new DiagnosticsRegistry();
  const slab = registry.addSlab(
    new SlabAllocator({ name: "conns", slotSize: 1, capacity: 4096, kind: "handle" }),
  );
  for (let i = 0; i < owners; i++) {
    const owner = registry.owners.register(name(i), "client");
    for (let n = 0; n <= i; n++) slab.alloc(owner, HandleState.Active);
  }
  return registry;
}

function ownerTotals(text: string): Map<string, number> {
  const family = parse(text).find((f) => f.name === "slabscope_slab_owner_slots");
  const totals = new Map<string, number>();
  for (const metric of family?.metrics ?? []) {
    const owner = metric.labels!.owner!;
    totals.set(owner, (totals.get(owner) ?? 0) + Number(metric.value));
  }
  return totals;
}

Deno.test('formatPrometheus() caps owners per pool and folds the rest into owner="other"', () => {
  const registry = manyOwners(60);
  const held = (60 * 61) / 2;

  // Default cap: 50 owner values, "other" included; the 49 biggest keep their names.
  const totals = ownerTotals(formatPrometheus(registry.snapshot(), { heap: false }));
  assert.equal(totals.size, 50);
  for (let i = 11; i < 60; i++) {
    assert.equal(totals.get(`client-${String(i).padStart(3, "0")}`), i + 1, `client ${i}`);
  }
  assert.equal(totals.get("other"), (11 * 12) / 2); // owners 0…10 hold 1…11 slots
  assert.equal([...totals.values()].reduce((a, b) => a + b), held);

  const three = ownerTotals(formatPrometheus(registry.snapshot(), { maxOwnersPerPool: 3 }));
  assert.deepEqual([...three.keys()], ["client-058", "client-059", "other"]);
  assert.equal(three.get("other"), held - 59 - 60);

  const one = ownerTotals(formatPrometheus(registry.snapshot(), { maxOwnersPerPool: 1 }));
  assert.deepEqual([...one], [["other", held]]);

  const none = formatPrometheus(registry.snapshot(), { maxOwnersPerPool: 0 });
  assert.ok(!none.includes("slabscope_slab_owner_slots"));

  // Under the cap nothing is folded.
  const few = ownerTotals(formatPrometheus(manyOwners(5).snapshot()));
  assert.equal(few.size, 5);
  assert.ok(!few.has("other"));
});

Deno.test('formatPrometheus() keeps owner label values unique when an owner is named "other"', () => {
  // Owner 9 (the biggest) is really called "other"; two owners share the name "twin".
  const registry = manyOwners(10, (i) => i === 9 ? "other" : i >= 7 ? "twin" : `c${i}`);
  const totals = ownerTotals(formatPrometheus(registry.snapshot(), { maxOwnersPerPool: 2 }));
  // "twin" holds 8 + 9 = 17, "other" 10 + everything folded (1 + … + 7 = 28).
  assert.deepEqual([...totals].sort(), [["other", 38], ["twin", 17]]);
  // With room for both, the real "other" is kept and takes the folded owners.
  const three = ownerTotals(formatPrometheus(registry.snapshot(), { maxOwnersPerPool: 3 }));
  assert.deepEqual([...three].sort(), [["c6", 7], ["other", 31], ["twin", 17]]);
  const all = ownerTotals(formatPrometheus(registry.snapshot()));
  assert.equal(all.get("twin"), 17);
  assert.equal(all.get("other"), 10);
  assert.equal(all.size, 9);
});

Deno.test("formatPrometheus() reads decoded snapshots: unregistered owners, big numbers", () => {
  const snapshot: MemorySnapshot = {
    v: 1,
    seq: 7,
    ts: 0,
    slabs: [{
      name: "s",
      kind: "plain",
      slot_size: 8,
      total: 2 ** 24,
      used: 4, // the counter can run ahead of the per-slot states
      hwm: 4,
      overflow: 0,
      allocs: 2 ** 53,
      frees: 2 ** 53 - 3,
      invalid_frees: 0,
      cas_retries: 0,
      summary: {
        U: 3,
        N: 0,
        A: 0,
        I: 0,
        C: 0,
        by_owner: { "0": { U: 1, N: 0, A: 0, I: 0, C: 0 }, "5": { U: 2, N: 0, A: 0, I: 0, C: 0 } },
      },
    }],
    arenas: [],
    owner_map: [null, "a"],
    owner_kinds: [null, "server"],
    heap: fixture().snapshot().heap,
  };
  const families = parse(formatPrometheus(snapshot, { heap: false }));
  assert.equal(sample(families, "slabscope_slab_allocs_total", { pool: "s" }), 2 ** 53);
  assert.equal(sample(families, "slabscope_slab_slots_used", { pool: "s" }), 4);
  assert.equal(
    sample(families, "slabscope_slab_slots_by_state", { pool: "s", state: "free" }),
    2 ** 24 - 3,
  );
  assert.equal(
    sample(families, "slabscope_slab_owner_slots", {
      pool: "s",
      owner: "unregistered",
      state: "used",
    }),
    3,
  );
  assert.ok(
    !families.some((f) => f.name.startsWith("slabscope_arena_")),
    "no arenas, no arena families",
  );
  assert.ok(!families.some((f) => f.name.includes("heap")));
});

Deno.test("formatPrometheus() takes a namespace, and checks its options and input", () => {
  const snapshot = fixture().snapshot();
  const families = parse(formatPrometheus(snapshot, { namespace: "my_app" }));
  assert.deepEqual(
    families.filter((f) => !f.name.startsWith("my_app_")).map((f) => f.name),
    ["process_start_time_seconds"],
    "every family but the one every client library names alike",
  );
  assert.equal(sample(families, "my_app_slab_slots", { pool: "handles" }), 16);
  assert.ok(families.some((f) => f.name === "my_app_process_resident_memory_bytes"));

  assert.throws(() => formatPrometheus(snapshot, { namespace: "my-app" }), TypeError);
  assert.throws(() => formatPrometheus(snapshot, { namespace: "1app" }), TypeError);
  assert.throws(() => formatPrometheus(snapshot, { namespace: "" }), TypeError);
  assert.throws(() => formatPrometheus(snapshot, { namespace: "a:b" }), TypeError);
  assert.throws(() => formatPrometheus(snapshot, { maxOwnersPerPool: -1 }), RangeError);
  assert.throws(() => formatPrometheus(snapshot, { maxOwnersPerPool: 1.5 }), RangeError);
  assert.throws(() => formatPrometheus(snapshot, { maxOwnersPerPool: 65_536 }), RangeError);
  assert.throws(
    () => formatPrometheus(snapshot, { maxOwnersPerPool: "3" as unknown as number }),
    TypeError,
  );
  assert.throws(() => formatPrometheus(snapshot, { heap: 1 as unknown as boolean }), TypeError);
  assert.throws(() => formatPrometheus(null as unknown as MemorySnapshot), TypeError);
  assert.throws(() => formatPrometheus({} as MemorySnapshot), TypeError);
  assert.throws(
    () => formatPrometheus(snapshot, { maxOwnersPerPool: -1 }),
    /^RangeError: Cannot format metrics: maxOwnersPerPool must be an integer from 0 to 65535, received -1$/,
  );

  const noHeap = parse(formatPrometheus(snapshot, { heap: false }));
  assert.ok(!noHeap.some((f) => f.name.includes("heap") || f.name.includes("resident")));
});

Deno.test("createMetricsHandler() answers GET and HEAD, and 405 to other methods", async () => {
  const registry = fixture();
  let snapshots = 0;
  const snapshot = registry.snapshot.bind(registry);
  registry.snapshot = (options) => (snapshots++, snapshot(options));
  const metrics = createMetricsHandler(registry, { maxOwnersPerPool: 1 });

  const get = metrics(new Request("http://localhost/metrics"));
  assert.equal(get.status, 200);
  assert.equal(get.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  assert.equal(get.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
  assert.equal(get.headers.get("cache-control"), "no-store");
  const families = parse(await get.text());
  assert.equal(sample(families, "slabscope_slab_slots", { pool: "handles" }), 16);
  assert.equal(
    sample(families, "slabscope_slab_owner_slots", {
      pool: "handles",
      owner: "other",
      state: "active",
    }),
    2,
    "the handler's options apply",
  );
  assert.equal(snapshots, 1);

  const head = metrics(new Request("http://localhost/metrics", { method: "HEAD" }));
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
  assert.equal(head.headers.get("cache-control"), "no-store");
  assert.equal(head.body, null);
  assert.equal(snapshots, 1, "HEAD takes no snapshot");

  for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const response = metrics(new Request("http://localhost/metrics", { method }));
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get("allow"), "GET, HEAD");
    await response.body?.cancel();
  }
  assert.equal(snapshots, 1);

  assert.throws(() => createMetricsHandler(registry, { namespace: "x y" }), TypeError);
  assert.throws(() => createMetricsHandler(registry, { maxOwnersPerPool: -2 }), RangeError);
  assert.throws(() => createMetricsHandler({} as DiagnosticsRegistry), TypeError);
});

Deno.test("createMetricsHandler() serves scrapes through Deno.serve", async () => {
  const registry = fixture();
  const metrics = createMetricsHandler(registry);
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, metrics);
  const url = `http://127.0.0.1:${server.addr.port}/metrics`;

  const get = await fetch(url);
  assert.equal(get.status, 200);
  assert.equal(get.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
  const families = parse(await get.text());
  assert.equal(sample(families, "slabscope_slab_slots_used", { pool: HOSTILE_SLAB }), 2);

  const head = await fetch(url, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
  assert.equal(await head.text(), "");

  const post = await fetch(url, { method: "POST", body: "x" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  await post.body?.cancel();
});
