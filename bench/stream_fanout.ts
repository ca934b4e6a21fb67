// Copyright 2026 the slabscope authors. MIT license.
// Fan-out: what each connected client costs the server, at 1, 100, 500 and
// 1,000 SSE clients (budgets: tick 100 : 1 ≤ 1.5×, 1,000 : 1 ≤ 2×; RSS per
// client ≤ 64 KiB). Prints Markdown tables.
//
//   deno run -A bench/stream_fanout.ts [rounds, default 3] [seconds per phase, default 5]
//     [client counts, default 100,500,1000]
//
// Every measurement is a fresh server process (bench/stream_fanout_server.ts)
// and two client processes (bench/stream_clients.ts) on loopback. Phase 1:
// one client; phase 2: N clients. Both phases run in the same server
// process, so "N : 1" is measured side by side, and the memory a client
// costs is (phase 2 − phase 1) / (N − 1), after a full GC.
//
// The server runs on CPU 0 and the clients on CPU 1 (taskset). The floor rows run the same traffic (a keyframe-sized event on connect,
// a delta-sized event every 100 ms to everyone, one shared buffer) through
// a bare ReadableStream per client: what Deno.serve itself costs.

const rounds = Number(Deno.args[0] ?? 3);
const seconds = Number(Deno.args[1] ?? 5);
const COUNTS = (Deno.args[2] ?? "100,500,1000").split(",").map(Number);
const MOST = Math.max(...COUNTS);
const here = (file: string) => new URL(file, import.meta.url).pathname;

interface Memory {
  rss: number;
  anon: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  malloc: number;
}
interface Phase {
  clients: number;
  sent: { events: number; bytes: number; skipped: number; dropped: number };
  ticks: { collect: number; encode: number; send: number; cpu: number }[];
  cpuPerSecond: number;
  memory: Memory;
}

/** Reads lines from a child's stdout. */
class Lines {
  #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  constructor(stream: ReadableStream<Uint8Array<ArrayBuffer>>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }
  async next(what: string): Promise<string> {
    for (;;) {
      const newline = this.#buffer.indexOf("\n");
      if (newline >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error(`the process exited while waiting for ${what}`);
      this.#buffer += value;
    }
  }
}

// The server gets CPU 0 and its clients CPU 1, so that a tick is not
// preempted by the clients reading what it sent (as bench/serve_overhead.ts).
const pinned = await new Deno.Command("taskset", { args: ["-c", "0", "true"] }).output()
  .then((r) => r.success, () => false);

function spawn(cpu: number, file: string, args: string[], flags: string[] = []) {
  const deno = [Deno.execPath(), "run", "-A", ...flags, here(file), ...args];
  const [command, ...rest] = pinned ? ["taskset", "-c", String(cpu), ...deno] : deno;
  const child = new Deno.Command(command!, { args: rest, stdin: "piped", stdout: "piped" }).spawn();
  return { child, lines: new Lines(child.stdout), stdin: child.stdin.getWriter() };
}

async function openClients(url: string, count: number) {
  const clients = spawn(1, "./stream_clients.ts", [url, String(count)]);
  const line = await clients.lines.next(`${count} clients`);
  if (line !== "ready") throw new Error(`unexpected client output: ${line}`);
  return clients;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * V8's young generation grows with the allocation rate (by about 14 MiB
 * at 1,000 clients here), and that growth shows in RSS per client although
 * no client holds it; this flag caps a semi-space at 1 MiB, for the rows
 * that tell the two apart.
 */
const SMALL_YOUNG_GENERATION = "--max-semi-space-size=1";

/** One server process: phase 1 with one client, phase 2 with `count`. */
async function run(
  mode: string,
  load: string,
  count: number,
  v8Flags = "",
): Promise<[Phase, Phase]> {
  const flags = [`--v8-flags=--expose-gc${v8Flags === "" ? "" : `,${v8Flags}`}`];
  const server = spawn(0, "./stream_fanout_server.ts", [mode, load], flags);
  const url = (await server.lines.next("the server's url")).replace(/^url /, "");
  const measure = async () => {
    await server.stdin.write(new TextEncoder().encode(`measure ${seconds}\n`));
    return JSON.parse(await server.lines.next("a measurement")) as Phase;
  };
  const first = await openClients(url, 1);
  await sleep(1000);
  const one = await measure();
  const rest = await openClients(url, count - 1);
  await sleep(2000);
  const many = await measure();
  for (const process of [rest, first, server]) {
    await process.stdin.close().catch(() => {});
  }
  await Promise.all([rest.child.status, first.child.status, server.child.status]);
  if (many.clients !== count) throw new Error(`${many.clients} clients connected, not ${count}`);
  return [one, many];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const tickOf = (t: Phase["ticks"][number]) => t.collect + t.encode + t.send;
const perClient = (one: Phase, many: Phase, key: keyof Memory) =>
  (many.memory[key] - one.memory[key]) / (many.clients - one.clients) / 1024;

interface Row {
  ticks1: number[];
  ticksN: number[];
  send1: number[];
  sendN: number[];
  ratio: number[];
  /** The same ratio of each tick's CPU time, which a preempted tick does not inflate. */
  cpuRatio: number[];
  cpu1: number[];
  cpuN: number[];
  memory: Record<keyof Memory, number[]>;
}
const emptyRow = (): Row => ({
  ticks1: [],
  ticksN: [],
  send1: [],
  sendN: [],
  ratio: [],
  cpuRatio: [],
  cpu1: [],
  cpuN: [],
  memory: { rss: [], anon: [], heapTotal: [], heapUsed: [], external: [], malloc: [] },
});

const rows = new Map<string, Row>();
for (let round = 0; round < rounds; round++) {
  for (
    const [mode, load, count, v8Flags] of [
      ...COUNTS.map((count) => ["stream", "churn", count, ""] as const),
      ["stream", "idle", MOST, ""] as const,
      ["stream", "churn", MOST, SMALL_YOUNG_GENERATION] as const,
      ["floor", "churn", MOST, ""] as const,
      ["floor", "churn", MOST, SMALL_YOUNG_GENERATION] as const,
      ["floor", "tiny", MOST, ""] as const,
    ]
  ) {
    const [one, many] = await run(mode, load, count, v8Flags);
    const key = `${mode} ${load} ${count}${v8Flags === "" ? "" : " small"}`;
    const row = rows.get(key) ?? emptyRow();
    rows.set(key, row);
    const t1 = median(one.ticks.map(tickOf));
    const tN = median(many.ticks.map(tickOf));
    row.ticks1.push(t1);
    row.ticksN.push(tN);
    row.send1.push(median(one.ticks.map((t) => t.send)));
    row.sendN.push(median(many.ticks.map((t) => t.send)));
    row.ratio.push(tN / t1);
    const c1 = median(one.ticks.map((t) => t.cpu));
    const cN = median(many.ticks.map((t) => t.cpu));
    row.cpuRatio.push(cN / c1);
    row.cpu1.push(one.cpuPerSecond);
    row.cpuN.push(many.cpuPerSecond);
    for (const k of Object.keys(row.memory) as (keyof Memory)[]) {
      row.memory[k].push(perClient(one, many, k));
    }
    const parts = (phase: Phase) =>
      (["collect", "encode", "send"] as const).map((k) => median(phase.ticks.map((t) => t[k])))
        .join(" + ");
    console.error(
      `round ${round + 1}: ${key}: tick ${t1} (${parts(one)}) → ${tN} (${parts(many)}) µs (${
        (tN / t1).toFixed(2)
      }×), tick CPU ${c1} → ${cN} µs (${(cN / c1).toFixed(2)}×), ` +
        `RSS ${perClient(one, many, "rss").toFixed(1)} KiB/client, ` +
        `CPU ${one.cpuPerSecond.toFixed(0)} → ${many.cpuPerSecond.toFixed(0)} ms/s, ` +
        `sent ${JSON.stringify(many.sent)}`,
    );
  }
}

const f = (values: number[], digits = 0) => median(values).toFixed(digits);
const range = (values: number[], digits = 1) =>
  `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
const budget = (count: number) => count === 100 ? "≤ 1.5×" : count === 1000 ? "≤ 2×" : "";

console.log(
  `| clients | tick, 1 client (µs) | tick, N clients (µs) | N : 1 (median of ${rounds}) | runs | tick CPU time N : 1 (runs) | budget | send part, N clients (µs) | CPU, 1 → N clients (ms/s) |`,
);
console.log(`| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |`);
for (const count of COUNTS) {
  const row = rows.get(`stream churn ${count}`)!;
  console.log(
    `| ${count} | ${f(row.ticks1)} | ${f(row.ticksN)} | **${f(row.ratio, 2)}×** | ${
      row.ratio.map((r) => r.toFixed(2)).join(", ")
    } | ${f(row.cpuRatio, 2)}× (${row.cpuRatio.map((r) => r.toFixed(2)).join(", ")}) | ${
      budget(count)
    } | ${f(row.sendN)} | ${f(row.cpu1)} → ${f(row.cpuN)} |`,
  );
}
const idle = rows.get(`stream idle ${MOST}`)!;
console.log(
  `| ${MOST}, nothing changing | ${f(idle.ticks1)} | ${f(idle.ticksN)} | ${f(idle.ratio, 2)}× | | ${
    f(idle.cpuRatio, 2)
  }× | | ${f(idle.sendN)} | ${f(idle.cpu1, 1)} → ${f(idle.cpuN, 1)} |`,
);
console.log();
console.log(
  `| memory per client (KiB, median of ${rounds}) | RSS | anonymous RSS | C heap in use (Rust) | V8 heap total | V8 heap used | external |`,
);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: | ---: |`);
for (
  const [label, key] of [
    ...COUNTS.map((count) => [`slabscope stream, ${count} clients`, `stream churn ${count}`]),
    [`slabscope stream, ${MOST} clients, nothing changing`, `stream idle ${MOST}`],
    [
      `slabscope stream, ${MOST} clients, young generation ≤ 1 MiB (${SMALL_YOUNG_GENERATION})`,
      `stream churn ${MOST} small`,
    ],
    [`Deno.serve + bare ReadableStream, same traffic, ${MOST} clients`, `floor churn ${MOST}`],
    [
      `Deno.serve + bare ReadableStream, same traffic, ${MOST} clients, young generation ≤ 1 MiB`,
      `floor churn ${MOST} small`,
    ],
    [
      `Deno.serve + bare ReadableStream, one empty event then nothing, ${MOST} clients`,
      `floor tiny ${MOST}`,
    ],
  ]
) {
  const m = rows.get(key!)!.memory;
  console.log(
    `| ${label} | **${f(m.rss, 1)}** (${range(m.rss)}) | ${f(m.anon, 1)} | ${f(m.malloc, 1)} | ${
      f(m.heapTotal, 1)
    } | ${f(m.heapUsed, 1)} | ${f(m.external, 1)} |`,
  );
}
