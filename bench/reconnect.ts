// Copyright 2026 the slabscope authors. MIT license.
// What a reconnect costs with the flight recorder: a real client leaves,
// stays away 1 s, 10 s or 60 s, and comes back with Last-Event-ID; the bytes
// of its catch-up are counted on the socket and set against a keyframe and
// against replaying every delta it missed. Real Deno.serve, real fetch.
// Prints a Markdown table.
//
//   deno run -A bench/reconnect.ts
import { DiagnosticsRegistry } from "../mod.ts";
import { createDiagnosticsHandler } from "../dashboard.ts";
import { addHalfFullSlab, beforeEachSnapshot, slotFlipper } from "./_half_full_slab.ts";

/** A 262,144-slot slab half full; each tick flips `perTick` random slots. */
function workload(perTick: number) {
  const registry = new DiagnosticsRegistry();
  const { slab, held } = addHalfFullSlab(registry);
  beforeEachSnapshot(registry, slotFlipper(slab, held, perTick));
  return registry;
}

/** Reads an event stream until `done(text)`; the bytes and text read. */
async function read(url: string, headers: HeadersInit, done: (text: string) => boolean) {
  const response = await fetch(url, { headers });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  while (!done(text)) {
    const { value, done: end } = await reader.read();
    if (end) break;
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return { bytes, text };
}

// Whole lines only: a read can end inside an event (large ones go out in
// pieces), and a cut id line would name a smaller seq than it does.
const ids = (text: string) =>
  [...text.matchAll(/^id:[0-9a-z]+-(\d+)\n/gm)].map((m) => Number(m[1]));
/** The id of the first delta in `text` whose id line has arrived whole. */
const firstDeltaId = (text: string) =>
  /^event:diagnostics-delta\n(?:data:.*\n)*id:([0-9a-z]+-\d+)\n/m.exec(text)?.[1];

console.log(
  `| churn per tick | away | ticks missed | catch-up bytes | replaying every delta | a keyframe | sent as |`,
);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: | --- |`);
for (const [label, perTick] of [["1 % (2,621 slots)", 2621], ["20 slots", 20]] as const) {
  const handler = createDiagnosticsHandler(workload(perTick), { heapQuietInterval: 600_000 });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const url = `http://127.0.0.1:${server.addr.port}/debug/diagnostics/memory`;
  const recorder = handler.stream.recorder!;
  try {
    for (const away of [1, 10, 60]) {
      // Visit: the keyframe and one delta, then leave.
      const visit = await read(url, {}, (text) => firstDeltaId(text) !== undefined);
      const id = firstDeltaId(visit.text)!;
      const from = Number(id.split("-")[1]);
      await new Promise((resolve) => setTimeout(resolve, away * 1000));
      const target = recorder.last!.seq;
      const missed = recorder.deltasAfter(from)!.filter((e) => e.seq <= target);
      const replaying = missed.reduce((n, e) => n + e.bytes.byteLength, 0);
      const back = await read(
        url,
        { "last-event-id": id },
        (text) => ids(text).some((seq) => seq >= target),
      );
      // The catch-up: the events after `:resumed` up to the first at `target` or past it.
      const blocks = back.text.slice(back.text.indexOf(":resumed\n\n") + 10).split("\n\n");
      let catchUp = 0;
      let events = 0;
      let keyframe = false;
      for (const block of blocks) {
        catchUp += new TextEncoder().encode(`${block}\n\n`).byteLength;
        if (!block.startsWith("event:")) continue;
        events++;
        keyframe ||= block.startsWith("event:diagnostics\n");
        if ((ids(block)[0] ?? -1) >= target) break;
      }
      console.log(
        `| ${label} | ${away} s | ${target - from} | **${(catchUp / 1024).toFixed(1)} KiB** | ${
          (replaying / 1024).toFixed(1)
        } KiB | ${(recorder.lastKeyframeBytes / 1024).toFixed(1)} KiB | ${
          keyframe
            ? "a keyframe (!)"
            : events === 1 && target - from > 1
            ? "one delta of the net change"
            : `${events} recorded deltas`
        } |`,
      );
    }
  } finally {
    await handler.close();
    await server.shutdown();
  }
}
