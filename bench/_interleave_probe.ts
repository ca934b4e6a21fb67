import { onCpu, wrk } from "./_wrk.ts";
const slots = Number(Deno.args[0] ?? 10);
const seconds = Number(Deno.args[1] ?? 3);
const modes = (Deno.args[2] ?? "plain,instrumented").split(",");
const part = Deno.env.get("PART") ?? "both";
function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const u = Number(f[11]), s = Number(f[12]);
  return (part === "user" ? u : part === "sys" ? s : u + s) / 100;
}
async function start(mode: string, port: number) {
  const [c, a] = onCpu(0, Deno.execPath(), ["run", "-A", new URL("./servers/hello.ts", import.meta.url).pathname, String(port), mode]);
  const s = new Deno.Command(c, { args: a, stdout: "null", stderr: "inherit" }).spawn();
  for (let i = 0; i < 100; i++) { try { (await fetch(`http://127.0.0.1:${port}/`)).body?.cancel(); break; } catch { await new Promise((r) => setTimeout(r, 50)); } }
  return s;
}
const servers = await Promise.all(modes.map((m, i) => start(m, 9900 + i)));
for (let i = 0; i < modes.length; i++) await wrk(9900 + i, seconds);
const ratios: number[] = [];
for (let k = 0; k < slots; k++) {
  const order = k % 2 === 0 ? [0, 1] : [1, 0];
  const per: number[] = [0, 0];
  for (const i of order) {
    const before = cpuSeconds(servers[i]!.pid);
    const r = await wrk(9900 + i, seconds);
    per[i] = (cpuSeconds(servers[i]!.pid) - before) * 1e6 / r.requests;
  }
  ratios.push(per[0]! / per[1]!);
  console.log(per.map((x) => x.toFixed(2)).join(" "), (per[0]! / per[1]!).toFixed(3));
}
ratios.sort((a, b) => a - b);
console.log("median", ratios[Math.floor(ratios.length / 2)]!.toFixed(3));
for (const s of servers) s.kill("SIGTERM");
