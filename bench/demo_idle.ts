// Copyright 2026 the slabscope authors. MIT license.
// What the demo costs when nothing moves: CPU of `deno task start` with
// SLABSCOPE_DEMO_LOAD=paused, over 20 s with no dashboard open and over 20 s
// with one open (headless Chromium on /debug/, which streams and polls the
// fleet); and, for scale, the live workload with one dashboard open.
// Prints a Markdown table.
//
//   deno run -A bench/demo_idle.ts [seconds, default 20] [checkout, default this one]
//
// CPU is utime + stime from /proc of the task runner and every process
// under it (the demo and its Workers are one process, threads included).
import { launchChromium } from "../tests/browser/_chromium.ts";

const seconds = Number(Deno.args[0] ?? 20);
const checkout = Deno.args[1] ?? new URL("../", import.meta.url).pathname;
const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** CPU seconds used so far by `pid` and every process under it. */
function cpuSeconds(pid: number): number {
  let ticks = 0;
  const visit = (id: number) => {
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${id}/stat`);
    } catch {
      return; // gone
    }
    // Fields after the command name (which may hold spaces) start at ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    for (const task of Deno.readDirSync(`/proc/${id}/task`)) {
      const children = Deno.readTextFileSync(`/proc/${id}/task/${task.name}/children`).trim();
      for (const child of children ? children.split(" ") : []) visit(Number(child));
    }
  };
  visit(pid);
  return ticks / TICKS_PER_SECOND;
}

async function demo(load: "paused" | "on") {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "start"],
    cwd: checkout,
    env: { PORT: String(port), SLABSCOPE_DEMO_LOAD: load, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("Ctrl-C to stop")) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`the demo exited: ${out}`);
    out += value;
  }
  (async () => {
    while (!(await lines.read()).done) { /* drain */ }
  })();
  return {
    url: `http://127.0.0.1:${port}/debug/`,
    cpu: () => cpuSeconds(child.pid),
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/** Percent of one core over `seconds`, after `settle` ms. */
async function measure(cpu: () => number, settle: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, settle));
  const before = cpu();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return (cpu() - before) / ((performance.now() - started) / 1000) * 100;
}

const browser = await launchChromium();
const rows: [string, number][] = [];
try {
  const paused = await demo("paused");
  try {
    rows.push(["paused, no dashboard open", await measure(paused.cpu, 3000)]);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(paused.url);
    await page.waitForFunction(() =>
      performance.getEntriesByName("slabscope:first-slots").length > 0
    );
    rows.push(["paused, one dashboard open", await measure(paused.cpu, 3000)]);
    await page.close();
  } finally {
    await paused.stop();
  }
  const live = await demo("on");
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(live.url);
    await page.waitForFunction(() =>
      performance.getEntriesByName("slabscope:first-slots").length > 0
    );
    rows.push(["live workload, one dashboard open", await measure(live.cpu, 3000)]);
    await page.close();
  } finally {
    await live.stop();
  }
} finally {
  await browser.close();
}

console.log(`| \`deno task start\` (${checkout}) | CPU over ${seconds} s, % of one core |`);
console.log(`| --- | ---: |`);
for (const [label, percent] of rows) console.log(`| ${label} | ${percent.toFixed(2)} % |`);
