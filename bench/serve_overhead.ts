// Copyright 2026 the slabscope authors. MIT license.
// Requests per second of a hello-world Deno.serve, instrumented (with request
// metrics) vs not, driven by wrk (Debian's package) from outside the server
// process. A third server, instrumented without request metrics, tells what
// the metrics cost on their own. The servers run in turn, several rounds, and
// medians are compared, as is the median of the per-round ratios.
//
// Besides requests per second, it reads the server's CPU time (user + system,
// all threads, from /proc) over each measured run: its ratio is what the
// throughput ratio is when the server is CPU-bound.
//
// Then the two servers run at once, both on CPU 0, each driven by its own
// wrk on CPU 1, over the same seconds, so that whatever else runs on the
// machine slows both alike. The ratio to read is that of their CPU per
// request: their rates come nearer each other than their costs, as the two
// wrk processes sharing CPU 1 limit both servers at once (BENCHMARKS.md,
// "fourth session": 12 rounds of rates gave 0.986× and 0.980× for two
// commits whose CPU per request differs by 1.038×).
//
//   deno run -A bench/serve_overhead.ts [rounds, default 5] [seconds, default 5] [--against=DIR | --steps | --interleaved]
//
// With `--against=DIR` (another checkout, e.g. `git worktree add DIR <commit>`)
// it runs only pairs at once of that checkout's instrumented server and this
// one's, and prints the other's CPU per request ÷ this one's: what a change
// saved. Both run this checkout's bench/servers/hello.ts, each importing
// its own tree's mod.ts (`SLABSCOPE_MOD`).
//
// With `--steps` it runs only pairs at once of bench/servers/steps.ts: each
// step of request tracking (Deno building the request, reading its method,
// a handle slot, two clock reads) against the step before it.
//
// With `--interleaved` it runs only plain and instrumented side by side in
// turns: both started on CPU 0, then `rounds` pairs of runs of `seconds`
// each, one server loaded at a time (which goes first swapped every pair).
// Unlike the pairs at once, neither server shares the core with the other
// while measured, so a server that touches more memory is not also charged
// for the other's evictions of its cache; the turns are short enough that
// the machine's slower swings hit both alike.
import { onCpu, pinned, wrk as run } from "./_wrk.ts";

const positional = Deno.args.filter((arg) => !arg.startsWith("--"));
const against = Deno.args.find((arg) => arg.startsWith("--against="))?.slice(10);
const steps = Deno.args.includes("--steps");
const interleaved = Deno.args.includes("--interleaved");
const rounds = Number(positional[0] ?? 5);
const seconds = Number(positional[1] ?? 5);
const wrk = (port: number) => run(port, seconds);

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds of a process so far, or NaN where /proc is missing. */
function cpuSeconds(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces) start at its ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

interface Run {
  rate: number;
  /** Server CPU microseconds per request. */
  cpuUs: number;
}

/**
 * Starts the hello server in `mode` on CPU 0, and waits until it answers.
 * `tree`: the checkout whose mod.ts it instruments with, by default this
 * one. A mode `steps:<step>` starts bench/servers/steps.ts instead.
 */
async function startServer(
  mode: string,
  port: number,
  tree?: string,
): Promise<Deno.ChildProcess> {
  const [script, step] = mode.startsWith("steps:") ? ["steps", mode.slice(6)] : ["hello", mode];
  const [command, args] = onCpu(0, Deno.execPath(), [
    "run",
    "-A",
    new URL(`./servers/${script}.ts`, import.meta.url).pathname,
    String(port),
    step,
  ]);
  const env = tree === undefined ? undefined : { SLABSCOPE_MOD: `${tree}/mod.ts` };
  // taskset execs the command: the child's pid is the server's.
  const server = new Deno.Command(command, { args, env, stdout: "null", stderr: "inherit" })
    .spawn();
  for (let i = 0; i < 100; i++) {
    try {
      (await fetch(`http://127.0.0.1:${port}/`)).body?.cancel();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return server;
}

async function measure(mode: string, port: number): Promise<Run> {
  const server = await startServer(mode, port);
  await wrk(port); // warm-up: JIT, connection setup
  const before = cpuSeconds(server.pid);
  const { rate, requests } = await wrk(port);
  const cpuUs = ((cpuSeconds(server.pid) - before) * 1e6) / requests;
  server.kill("SIGTERM");
  await server.status;
  return { rate, cpuUs };
}

try {
  await new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" }).output();
} catch {
  console.error("wrk is not installed: apt-get install -y wrk");
  Deno.exit(1);
}

/** What one round of two servers at once gives: `mode` ÷ plain. */
interface PairRatio {
  /** Requests per second. */
  rate: number;
  /** Server CPU per request, plain's ÷ `mode`'s (the inverse cost ratio). */
  cpu: number;
}

/** Plain and `mode` at once, over the same seconds; "plain" from `plainTree` if given. */
async function pair(
  mode: string,
  port: number,
  instrumentedFirst: boolean,
  plain = "plain",
  plainTree?: string,
): Promise<PairRatio> {
  const modes = instrumentedFirst ? [mode, plain] : [plain, mode];
  const trees = instrumentedFirst ? [undefined, plainTree] : [plainTree, undefined];
  const servers = await Promise.all(
    modes.map((mode, i) => startServer(mode, port + i, trees[i])),
  );
  await Promise.all(modes.map((_, i) => wrk(port + i))); // warm-up
  const before = servers.map((server) => cpuSeconds(server.pid));
  const runs = await Promise.all(modes.map((_, i) => wrk(port + i)));
  const cpuPerRequest = servers.map((server, i) =>
    (cpuSeconds(server.pid) - before[i]!) / runs[i]!.requests
  );
  for (const server of servers) server.kill("SIGTERM");
  await Promise.all(servers.map((server) => server.status));
  const [m, p] = instrumentedFirst ? [0, 1] : [1, 0];
  return { rate: runs[m]!.rate / runs[p]!.rate, cpu: cpuPerRequest[p]! / cpuPerRequest[m]! };
}

/** `rounds` pairs of `mode` and `plain` at once, which starts first swapped every round. */
async function pairs(mode: string, plain = "plain", plainTree?: string): Promise<PairRatio[]> {
  const all: PairRatio[] = [];
  for (let round = 0; round < rounds; round++) {
    all.push(await pair(mode, 9800 + round * 2, round % 2 === 1, plain, plainTree));
  }
  return all;
}

/** The middle value (of an even count, the upper one). */
function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

if (against !== undefined) {
  const cpus = (await pairs("instrumented", "instrumented", against)).map((p) => p.cpu);
  console.log(
    `| at once, on one core: CPU per request of ${against} ÷ this checkout, both instrumented (median of ${rounds}) | **${
      median(cpus).toFixed(3)
    }×** | runs: ${cpus.map((r) => r.toFixed(3)).join(", ")} |`,
  );
  Deno.exit(0);
}

if (interleaved) {
  const modes = ["plain", "instrumented"];
  const servers = await Promise.all(modes.map((mode, i) => startServer(mode, 9790 + i)));
  await Promise.all(modes.map((_, i) => wrk(9790 + i))); // warm-up
  const cpus: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const perRequest = [0, 0];
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const before = cpuSeconds(servers[i]!.pid);
      const { requests } = await wrk(9790 + i);
      perRequest[i] = (cpuSeconds(servers[i]!.pid) - before) / requests;
    }
    cpus.push(perRequest[0]! / perRequest[1]!);
  }
  for (const server of servers) server.kill("SIGTERM");
  await Promise.all(servers.map((server) => server.status));
  console.log(
    `| in turns, one server loaded at a time: plain ÷ instrumented CPU per request (median of ${rounds}) | **${
      median(cpus).toFixed(3)
    }×** | runs: ${cpus.map((r) => r.toFixed(3)).join(", ")} | target ≥ 0.95× |`,
  );
  Deno.exit(0);
}

if (steps) {
  for (
    const [step, before] of [
      ["steps:args", "plain"],
      ["steps:method", "steps:args"],
      ["steps:slot", "steps:method"],
      ["steps:clock", "steps:method"],
      ["steps:slot+clock", "steps:method"],
      ["instrumented", "steps:method"],
    ] as const
  ) {
    const cpus = (await pairs(step, before)).map((p) => p.cpu);
    console.log(
      `| at once, on one core: CPU per request of ${step} ÷ ${before} (median of ${rounds}) | **${
        (1 / median(cpus)).toFixed(3)
      }×** | runs: ${cpus.map((r) => (1 / r).toFixed(3)).join(", ")} |`,
    );
  }
  Deno.exit(0);
}

const MODES = ["plain", "instrumented", "no-metrics"] as const;
type Mode = (typeof MODES)[number];
const runs: Record<Mode, Run[]> = { plain: [], instrumented: [], "no-metrics": [] };
for (let round = 0; round < rounds; round++) {
  // The order rotates every round, so that no server always runs first.
  for (let i = 0; i < MODES.length; i++) {
    const mode = MODES[(round + i) % MODES.length]!;
    runs[mode].push(await measure(mode, 9700 + round * MODES.length + i));
  }
}
const rates = (mode: Mode) => runs[mode].map((run) => run.rate);
const cpu = (mode: Mode) => runs[mode].map((run) => run.cpuUs);
const ratio = (mode: Mode) =>
  median(runs[mode].map((run, round) => run.rate / runs.plain[round]!.rate));
const row = (label: string, mode: Mode) =>
  console.log(
    `| ${label} | ${median(rates(mode)).toFixed(0)} | ${
      mode === "plain" ? "1" : ratio(mode).toFixed(3)
    } | ${median(cpu(mode)).toFixed(2)} µs | ${rates(mode).map((r) => r.toFixed(0)).join(", ")} |`,
  );
console.log(`(server on CPU 0, wrk on CPU 1: ${pinned ? "yes" : "no, taskset missing"})\n`);
console.log(
  `| server | requests/s (median of ${rounds}) | per-round ratio to plain (median) | server CPU per request (median) | runs |`,
);
console.log(`| --- | ---: | ---: | ---: | --- |`);
row("plain Deno.serve", "plain");
row("instrumented, with request metrics", "instrumented");
row("instrumented, without request metrics", "no-metrics");
const plainCpu = median(cpu("plain"));
console.log(
  `| ratio of medians, with metrics | **${
    (median(rates("instrumented")) / median(rates("plain"))).toFixed(3)
  }×** | | plain ÷ instrumented CPU: ${
    (plainCpu / median(cpu("instrumented"))).toFixed(3)
  }× | target ≥ 0.95× |`,
);
console.log(
  `| request metrics alone | | | +${
    (median(cpu("instrumented")) - median(cpu("no-metrics"))).toFixed(2)
  } µs CPU per request | |`,
);

for (
  const [label, mode, plain] of [
    ["instrumented", "instrumented", "plain"],
    ["instrumented with `isStream: false`", "no-headers", "plain"],
    // A response with headers of its own goes Deno's native way, not its fastest.
    ["a response with two headers, instrumented", "instrumented+headers", "plain+headers"],
    // What instrumenting reads of the request (its method and URL), a router reads anyway.
    [
      "a handler that routes on method and path, instrumented",
      "instrumented+routed",
      "plain+routed",
    ],
  ] as const
) {
  const ratios = await pairs(mode, plain);
  const rates = ratios.map((p) => p.rate);
  const cpus = ratios.map((p) => p.cpu);
  console.log(
    `| at once, on one core: ${label} ÷ plain (median of ${rounds}) | **${
      median(rates).toFixed(3)
    }×** | plain ÷ instrumented CPU per request: **${median(cpus).toFixed(3)}×** | runs: ${
      rates.map((r) => r.toFixed(3)).join(", ")
    }; CPU: ${cpus.map((r) => r.toFixed(3)).join(", ")} | target ≥ 0.95× |`,
  );
}
