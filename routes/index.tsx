// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import { signal } from "npm:@preact/signals@^2.11.4";
import { page } from "../app/fresh.ts";
import { decodeKeyframe } from "../core/wire/keyframe.ts";
import type { MemorySnapshot } from "../core/wire/types.ts";
import type { ConnectionState } from "../client/live_stream.ts";
import type { SlotSelection } from "../client/slot_selection.ts";
import { shownRequests } from "../client/request_order.ts";
import ArenaGauges from "../islands/ArenaGauges.tsx";
import CapacityBanner from "../islands/CapacityBanner.tsx";
import FleetPanel from "../islands/FleetPanel.tsx";
import HeapPanel from "../islands/HeapPanel.tsx";
import LiveConnection from "../islands/LiveConnection.tsx";
import OpenHandles from "../islands/OpenHandles.tsx";
import OwnerBreakdown from "../islands/OwnerBreakdown.tsx";
import RequestsPanel from "../islands/RequestsPanel.tsx";
import SlabGrids from "../islands/SlabGrids.tsx";
import StreamFooter from "../islands/StreamFooter.tsx";
import { define } from "../app/define.ts";

interface Data {
  snapshot: MemorySnapshot | null;
  /** Whether the process lists open handles (the page leaves the list to the stream). */
  listsHandles: boolean;
  basePath: string;
  host: string;
  fleet: boolean;
}

export const handler = define.handlers({
  GET(ctx) {
    let snapshot: MemorySnapshot | null = null;
    let listsHandles = false;
    try {
      // What the first paint needs: every figure of the current state, but
      // no per-slot data (a million slots would weigh megabytes) and no
      // open-handle list (50 rows would double the page); the stream's
      // keyframe brings both a moment later.
      const state = decodeKeyframe(ctx.state.stream.snapshot());
      listsHandles = state.open_handles !== undefined;
      snapshot = withoutSlots(state);
    } catch {
      // Collecting failed: the page still loads and the stream reports why.
    }
    return page<Data>({
      snapshot,
      listsHandles,
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
  // The selected slot: a grid cell and its row in the open-handle list.
  const selection = signal<SlotSelection | null>(null);
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
        <div class="main-column">
          <SlabGrids
            snapshot={snapshot}
            slotUrl={`${api}/slot`}
            instance={instance}
            selection={selection}
          />
          <OpenHandles
            snapshot={snapshot}
            selection={selection}
            connection={connection}
            listed={data.listsHandles}
          />
        </div>
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
 * The snapshot with its slabs' per-slot arrays and the open-handle list left
 * out, and only the request records the Requests panel shows (the keyframe
 * brings the rest).
 */
function withoutSlots({ open_handles: _, ...snapshot }: MemorySnapshot): MemorySnapshot {
  return {
    ...snapshot,
    slabs: snapshot.slabs.map(({ bitmap: _b, states: _s, owners: _o, cached_slots: _c, ...slab }) =>
      slab
    ),
    requests: snapshot.requests && shownRequests(snapshot.requests),
  };
}
