// Copyright 2026 the slabscope authors. MIT license.
// Requests per second of a hello-world Deno.serve, instrumented (with request
// metrics) vs not, driven by wrk (Debian's package) from outside the server
// process. A third server, instrumented without request metrics, tells what
// the metrics cost on their own. The servers run in turn, several rounds, and
// medians are compared, as is the median of the per-round ratios.
//
//   deno run -A bench/serve_overhead.ts [rounds, default 5] [seconds, default 5]
const rounds = Number(Deno.args[0] ?? 5);
const seconds = Number(Deno.args[1] ?? 5);

// The server gets CPU 0 and wrk CPU 1, so they do not fight over a core:
// the variance between runs drops from about 20 % to a few percent.
const pinned = await new Deno.Command("taskset", { args: ["-c", "0", "true"] }).output()
  .then((r) => r.success, () => false);
const onCpu = (cpu: number, command: string, args: string[]): [string, string[]] =>
  pinned ? ["taskset", ["-c", String(cpu), command, ...args]] : [command, args];

async function wrk(port: number): Promise<number> {
  const [command, args] = onCpu(1, "wrk", [
    "-t1",
    "-c64",
    `-d${seconds}s`,
    `http://127.0.0.1:${port}/`,
  ]);
  const { stdout } = await new Deno.Command(command, { args, stdout: "piped" }).output();
  const text = new TextDecoder().decode(stdout);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (match === null) throw new Error(`wrk printed no rate:\n${text}`);
  return Number(match[1]);
}

async function measure(mode: string, port: number): Promise<number> {
  const server = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./servers/hello.ts", import.meta.url).pathname,
      String(port),
      mode,
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  for (let i = 0; i < 100; i++) {
    try {
      (await fetch(`http://127.0.0.1:${port}/`)).body?.cancel();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await wrk(port); // warm-up: JIT, connection setup
  const rate = await wrk(port);
  server.kill("SIGTERM");
  await server.status;
  return rate;
}

try {
  await new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" }).output();
} catch {
  console.error("wrk is not installed: apt-get install -y wrk");
  Deno.exit(1);
}

const MODES = ["plain", "instrumented", "no-metrics"] as const;
const rates: Record<(typeof MODES)[number], number[]> = {
  plain: [],
  instrumented: [],
  "no-metrics": [],
};
for (let round = 0; round < rounds; round++) {
  // The order rotates every round, so that no server always runs first.
  for (let i = 0; i < MODES.length; i++) {
    const mode = MODES[(round + i) % MODES.length]!;
    rates[mode].push(await measure(mode, 9700 + round * MODES.length + i));
  }
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ratios = (mode: (typeof MODES)[number]) =>
  rates[mode].map((rate, round) => rate / rates.plain[round]!);
const row = (label: string, mode: (typeof MODES)[number]) =>
  console.log(
    `| ${label} | ${median(rates[mode]).toFixed(0)} | ${
      mode === "plain" ? "1" : median(ratios(mode)).toFixed(3)
    } | ${rates[mode].map((r) => r.toFixed(0)).join(", ")} |`,
  );
console.log(`(server on CPU 0, wrk on CPU 1: ${pinned ? "yes" : "no, taskset missing"})\n`);
console.log(
  `| server | requests/s (median of ${rounds}) | per-round ratio to plain (median) | runs |`,
);
console.log(`| --- | ---: | ---: | --- |`);
row("plain Deno.serve", "plain");
row("instrumented, with request metrics", "instrumented");
row("instrumented, without request metrics", "no-metrics");
console.log(
  `| ratio of medians, with metrics | **${
    (median(rates.instrumented) / median(rates.plain)).toFixed(3)
  }×** | | target ≥ 0.95× |`,
);
