// Copyright 2026 the slabscope authors. MIT license.
// The collect cost of a tick where nothing changed (budget: ≤ 50 µs for a
// 1,048,576-slot slab), next to a full scan of the same slab's slot words
// (what every tick cost before change epochs) and a tick with 1 % churn.
//
//   deno bench -A bench/collect_bench.ts
import { DiagnosticsRegistry, HandleState, SlabAllocator } from "../mod.ts";

const SLOTS = 1_048_576;

function halfFull(kind: "plain" | "handle", owners: boolean) {
  const registry = new DiagnosticsRegistry();
  const owner = registry.owners.register("bench", "worker");
  const slab = registry.addSlab(
    new SlabAllocator({
      name: `${kind}${owners ? "+owners" : ""}`,
      slotSize: 8,
      capacity: SLOTS,
      kind,
    }),
  );
  const handles: number[] = [];
  for (let i = 0; i < SLOTS; i++) {
    handles.push(slab.alloc(owners && i % 3 === 0 ? owner : undefined)!);
  }
  for (let i = handles.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [handles[i], handles[j]] = [handles[j]!, handles[i]!];
  }
  for (const h of handles.splice(0, SLOTS / 2)) slab.free(h);
  if (kind === "handle") {
    for (let i = 0; i < handles.length; i += 2) slab.setState(handles[i]!, HandleState.Active);
  }
  registry.snapshot({ sampleHeap: false }); // the first, full collection
  return { registry, slab, handles };
}

for (
  const [kind, owners] of [["plain", false], ["plain", true], ["handle", true]] as const
) {
  const { registry, slab, handles } = halfFull(kind, owners);
  const group = `collect ${kind}${owners ? " with owners" : ""}, 1,048,576 slots`;
  Deno.bench({
    name: `${group}: unchanged tick`,
    group,
    baseline: true,
    fn() {
      const [s] = registry.snapshot({ sampleHeap: false }).slabs;
      if (s!.used !== handles.length) throw new Error("wrong count");
    },
  });
  Deno.bench({
    name: `${group}: full scan of the slot words`,
    group,
    fn() {
      if (kind === "plain") slab.readBitmap();
      else slab.readStates();
      if (owners) slab.readOwners();
    },
  });
  let cursor = 0;
  Deno.bench({
    name: `${group}: tick after 1 % churn`,
    group,
    fn(b) {
      for (let i = 0; i < SLOTS / 100; i++) {
        const k = (cursor = (cursor + 7919) % handles.length);
        slab.free(handles[k]!);
        handles[k] = slab.alloc()!;
      }
      b.start();
      registry.snapshot({ sampleHeap: false });
      b.end();
    },
  });
}
