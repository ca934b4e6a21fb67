// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import { signal } from "npm:@preact/signals@^2.11.4";
import { page } from "../app/fresh.ts";
import { decodeKeyframe } from "../core/wire/keyframe.ts";
import type { MemorySnapshot } from "../core/wire/types.ts";
import type { ConnectionState } from "../client/live_stream.ts";
import { shownRequests } from "../client/request_order.ts";
import ArenaGauges from "../islands/ArenaGauges.tsx";
import CapacityBanner from "../islands/CapacityBanner.tsx";
import FleetPanel from "../islands/FleetPanel.tsx";
import HeapPanel from "../islands/HeapPanel.tsx";
import LiveConnection from "../islands/LiveConnection.tsx";
import OwnerBreakdown from "../islands/OwnerBreakdown.tsx";
import RequestsPanel from "../islands/RequestsPanel.tsx";
import SlabGrids from "../islands/SlabGrids.tsx";
import StreamFooter from "../islands/StreamFooter.tsx";
import { define } from "../app/define.ts";

interface Data {
  snapshot: MemorySnapshot | null;
  basePath: string;
  host: string;
  fleet: boolean;
}

export const handler = define.handlers({
  GET(ctx) {
    let snapshot: MemorySnapshot | null = null;
    try {
      // What the first paint needs: every figure of the current state, but
      // no per-slot data (a million slots would weigh megabytes); the
      // stream's keyframe brings the slots a moment later.
      snapshot = withoutSlots(decodeKeyframe(ctx.state.stream.snapshot()));
    } catch {
      // Collecting failed: the page still loads and the stream reports why.
    }
    return page<Data>({
      snapshot,
      basePath: ctx.state.basePath,
      host: ctx.url.host,
      fleet: ctx.state.fleet,
    });
  },
});

export default define.page<typeof handler>(function Dashboard({ data }) {
  // Signals shared by every island: one connection writes, all read.
  const snapshot = signal<MemorySnapshot | null>(data.snapshot);
  const connection = signal<ConnectionState>("connecting");
  const serverError = signal<string | null>(null);
  // The fleet instance shown: null is this process, over the live stream.
  const instance = signal<string | null>(null);
  const api = `${data.basePath}/diagnostics`;
  return (
    <>
      <header class="top">
        <h1>slabscope</h1>
        <span class="where">memory pools of {data.host}</span>
        <LiveConnection
          streamUrl={`${api}/memory`}
          fleetUrl={`${data.basePath}/fleet/keyframe`}
          instance={instance}
          snapshot={snapshot}
          connection={connection}
          serverError={serverError}
        />
      </header>
      <CapacityBanner snapshot={snapshot} />
      <main class="layout">
        <SlabGrids snapshot={snapshot} slotUrl={`${api}/slot`} instance={instance} />
        <div class="side">
          {data.fleet && (
            <FleetPanel instancesUrl={`${data.basePath}/fleet/instances`} instance={instance} />
          )}
          <RequestsPanel snapshot={snapshot} />
          <ArenaGauges snapshot={snapshot} />
          <OwnerBreakdown snapshot={snapshot} />
          <HeapPanel snapshot={snapshot} instance={instance} />
        </div>
      </main>
      <StreamFooter snapshot={snapshot} instance={instance} />
    </>
  );
});

/**
 * The snapshot with its slabs' per-slot arrays left out, and only the
 * request records the Requests panel shows (the keyframe brings the rest).
 */
function withoutSlots(snapshot: MemorySnapshot): MemorySnapshot {
  return {
    ...snapshot,
    slabs: snapshot.slabs.map(({ bitmap: _b, states: _s, owners: _o, ...slab }) => slab),
    requests: snapshot.requests && shownRequests(snapshot.requests),
  };
}
