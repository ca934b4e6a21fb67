// Copyright 2026 the slabscope authors. MIT license.
/**
 * `deno task start`: a live console view of two Workers churning one shared
 * 262,144-slot slab, plus a handle slab following fake connections.
 *
 * @module
 */
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "./mod.ts";
import type { ChurnWorkerInit } from "./demo/churn_worker.ts";

const registry = new DiagnosticsRegistry();
const shared = registry.addSlab(
  new SlabAllocator({ name: "shared_objects", slotSize: 32, capacity: 262_144 }),
);
const handles = registry.addSlab(
  new SlabAllocator({ name: "handles", slotSize: 1, capacity: 2056, kind: "handle" }),
);
const control = new SharedArrayBuffer(4);
const workers = [0, 1].map((id) => {
  const owner = registry.owners.register(`worker-${id}`, "worker");
  const worker = new Worker(new URL("./demo/churn_worker.ts", import.meta.url), { type: "module" });
  const init: ChurnWorkerInit = {
    slab: shared.buffer,
    control,
    id,
    owner,
    share: 0.4,
    churn: 0.01,
  };
  worker.postMessage(init);
  return worker;
});

// Fake connections walking through the handle states.
const server = registry.owners.register(":8000", "server");
const live: { handle: number; age: number }[] = [];
const lifecycle = setInterval(() => {
  for (let i = 0; i < 5; i++) {
    const handle = handles.alloc(server);
    if (handle !== null) live.push({ handle, age: 0 });
  }
  for (const conn of live) {
    conn.age++;
    if (conn.age === 2) handles.setState(conn.handle, HandleState.Active);
    if (conn.age === 8) handles.setState(conn.handle, HandleState.Idle);
    if (conn.age === 30) handles.setState(conn.handle, HandleState.Closing);
  }
  while (live.length > 0 && live[0]!.age > 32) handles.free(live.shift()!.handle);
}, 100);

function render(): void {
  const snapshot = registry.snapshot();
  const lines = [
    "slabscope: live allocator demo (Ctrl-C to stop)",
    "",
    "  OBJS      USED     USE %   HWM       OVERFLOW  NAME",
  ];
  for (const slab of snapshot.slabs) {
    lines.push(
      `  ${String(slab.total).padEnd(9)} ${String(slab.used).padEnd(9)} ${
        (100 * slab.used / slab.total).toFixed(1).padStart(5)
      }   ${String(slab.hwm).padEnd(9)} ${String(slab.overflow).padEnd(9)} ${slab.name}`,
    );
  }
  const h = snapshot.slabs[1]!.summary;
  lines.push("", `  handles: N ${h.N}  A ${h.A}  I ${h.I}  C ${h.C}`);
  lines.push(
    `  heap: ${(snapshot.heap.heap_used / 2 ** 20).toFixed(1)} MiB used, rss ${
      (snapshot.heap.rss / 2 ** 20).toFixed(1)
    } MiB`,
  );
  console.log(`\x1b[H\x1b[2J${lines.join("\n")}`);
}
const view = setInterval(render, 1000);
render();

function stop(): void {
  clearInterval(view);
  clearInterval(lifecycle);
  Atomics.store(new Int32Array(control), 0, 1);
  setTimeout(() => {
    for (const worker of workers) worker.terminate();
    Deno.exit(0);
  }, 200);
}
Deno.addSignalListener("SIGINT", stop);
if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
