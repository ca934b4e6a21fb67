// Copyright 2026 the slabscope authors. MIT license.
// wrk (Debian's package) against a local server, for bench/serve_overhead.ts
// and bench/serve_costs.ts: pinned to a CPU with taskset where it exists, so
// that the server and its load do not fight over a core (the variance
// between runs drops from about 20 % to a few percent).

/** Whether `taskset` runs here. */
export const pinned: boolean = await new Deno.Command("taskset", { args: ["-c", "0", "true"] })
  .output().then((r) => r.success, () => false);

/** `command args…` on CPU `cpu` when pinning works, as is otherwise. */
export function onCpu(cpu: number, command: string, args: string[]): [string, string[]] {
  return pinned ? ["taskset", ["-c", String(cpu), command, ...args]] : [command, args];
}

/** What one wrk run measured. */
export interface WrkRun {
  /** Requests per second. */
  rate: number;
  /** Requests completed. */
  requests: number;
}

/** `wrk -t1 -c64` on CPU 1 for `seconds` against `http://127.0.0.1:<port>/`. */
export async function wrk(port: number, seconds: number): Promise<WrkRun> {
  const [command, args] = onCpu(1, "wrk", [
    "-t1",
    "-c64",
    `-d${seconds}s`,
    `http://127.0.0.1:${port}/`,
  ]);
  const { stdout } = await new Deno.Command(command, { args, stdout: "piped" }).output();
  const text = new TextDecoder().decode(stdout);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const requests = /(\d+) requests in/.exec(text);
  if (rate === null || requests === null) throw new Error(`wrk printed no rate:\n${text}`);
  return { rate: Number(rate[1]), requests: Number(requests[1]) };
}
