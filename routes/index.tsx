// Copyright 2026 the slabscope authors. MIT license.
import { signal } from "@preact/signals";
import { page } from "fresh";
import { decodeKeyframe } from "../core/wire/keyframe.ts";
import type { MemorySnapshot } from "../core/wire/types.ts";
import type { ConnectionState } from "../client/live_stream.ts";
import ArenaGauges from "../islands/ArenaGauges.tsx";
import CapacityBanner from "../islands/CapacityBanner.tsx";
import HeapPanel from "../islands/HeapPanel.tsx";
import LiveConnection from "../islands/LiveConnection.tsx";
import OwnerBreakdown from "../islands/OwnerBreakdown.tsx";
import SlabGrids from "../islands/SlabGrids.tsx";
import StreamFooter from "../islands/StreamFooter.tsx";
import { define } from "../utils.ts";

interface Data {
  snapshot: MemorySnapshot | null;
  basePath: string;
  host: string;
}

export const handler = define.handlers({
  GET(ctx) {
    let snapshot: MemorySnapshot | null = null;
    try {
      // The current state, exactly what the stream's keyframe will carry,
      // so the page is complete before the stream connects.
      snapshot = decodeKeyframe(ctx.state.stream.snapshot());
    } catch {
      // Collecting failed: the page still loads and the stream reports why.
    }
    return page<Data>({ snapshot, basePath: ctx.state.basePath, host: ctx.url.host });
  },
});

export default define.page<typeof handler>(function Dashboard({ data }) {
  // Signals shared by every island: one connection writes, all read.
  const snapshot = signal<MemorySnapshot | null>(data.snapshot);
  const connection = signal<ConnectionState>("connecting");
  const serverError = signal<string | null>(null);
  const api = `${data.basePath}/diagnostics`;
  return (
    <>
      <header class="top">
        <h1>slabscope</h1>
        <span class="where">memory pools of {data.host}</span>
        <LiveConnection
          streamUrl={`${api}/memory`}
          snapshot={snapshot}
          connection={connection}
          serverError={serverError}
        />
      </header>
      <CapacityBanner snapshot={snapshot} />
      <main class="layout">
        <SlabGrids snapshot={snapshot} slotUrl={`${api}/slot`} />
        <div class="side">
          <ArenaGauges snapshot={snapshot} />
          <OwnerBreakdown snapshot={snapshot} />
          <HeapPanel snapshot={snapshot} />
        </div>
      </main>
      <StreamFooter snapshot={snapshot} />
    </>
  );
});
