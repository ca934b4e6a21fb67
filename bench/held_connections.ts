// Copyright 2026 the slabscope authors. MIT license.
// What connections that never finish their request headers cost a
// dashboard server (serveDashboard on Deno.serve, in a child process), and
// how long Deno keeps them: Deno.serve has no header timeout. Prints a
// Markdown table.
//
//   deno run -A bench/held_connections.ts [connections, default 400] [seconds, default 35]
//
// 35 s is past hyper's 30 s header_read_timeout default, which Deno's HTTP/1
// server does not arm (it sets no timer). Linux only (reads /proc).
const FIXTURE = new URL("../tests/fixtures/quiet_dashboard.ts", import.meta.url).pathname;
const count = Number(Deno.args[0] ?? 400);
const seconds = Number(Deno.args[1] ?? 35);

const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-net", FIXTURE],
  stdin: "piped",
  stdout: "piped",
}).spawn();
const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
let printed = "";
while (!printed.includes("\n")) printed += (await lines.read()).value ?? "";
const { port } = JSON.parse(printed);

function usage(): { rss: number; fds: number } {
  const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  return { rss, fds: [...Deno.readDirSync(`/proc/${child.pid}/fd`)].length };
}

/** Whether the server has closed `conn`: a read that ends (or fails) within 200 ms. */
async function closed(conn: Deno.Conn): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<"open">((
    resolve,
  ) => (timer = setTimeout(() => resolve("open"), 200)));
  const read = conn.read(new Uint8Array(64)).then(() => "closed" as const, () => "closed" as const);
  const result = await Promise.race([read, pending]);
  clearTimeout(timer);
  return result === "closed";
}

// Warm the server up, so that its first-request allocations are not counted.
for (let i = 0; i < 20; i++) await (await fetch(`http://127.0.0.1:${port}/debug/`)).text();
await new Promise((resolve) => setTimeout(resolve, 500));
const before = usage();
const half: Deno.Conn[] = [];
const silent: Deno.Conn[] = [];
for (let i = 0; i < count; i++) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(`GET /debug/ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-A: `),
  );
  half.push(conn);
}
// The server accepts them in its own time: wait until it holds them all.
while (usage().fds < before.fds + count) await new Promise((resolve) => setTimeout(resolve, 50));
await new Promise((resolve) => setTimeout(resolve, 500));
const afterHalf = usage();
for (let i = 0; i < count; i++) silent.push(await Deno.connect({ hostname: "127.0.0.1", port }));
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const stillHalf = (await Promise.all(half.map(closed))).filter((c) => !c).length;
const stillSilent = (await Promise.all(silent.map(closed))).filter((c) => !c).length;
const perHalf = (afterHalf.rss - before.rss) / count;
console.log("| connections | still open after | server memory each | server descriptors each |");
console.log("| --- | ---: | ---: | ---: |");
console.log(
  `| ${count} with half-sent headers | ${stillHalf} of ${count} after ${seconds} s | ${
    (perHalf / 1024).toFixed(1)
  } KiB | ${((afterHalf.fds - before.fds) / count).toFixed(2)} |`,
);
console.log(`| ${count} that send nothing | ${stillSilent} of ${count} after ${seconds} s | | |`);
for (const conn of [...half, ...silent]) conn.close();
await child.stdin.close();
await child.status;
