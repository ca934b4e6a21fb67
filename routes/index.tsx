// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import { signal } from "npm:@preact/signals@^2.11.4";
import { page } from "../app/fresh.ts";
import { decodeKeyframe } from "../core/wire/keyframe.ts";
import type { MemorySnapshot } from "../core/wire/types.ts";
import type { ConnectionState } from "../client/live_stream.ts";
import type { SlotSelection } from "../client/slot_selection.ts";
import { shownRequests } from "../client/request_order.ts";
import type { MomentDiff } from "../client/moment_diff.ts";
import type { HistoryView } from "../client/usage_history.ts";
import type { HeapHistory } from "../core/wire/heap_history.ts";
import ArenaGauges from "../islands/ArenaGauges.tsx";
import CapacityBanner from "../islands/CapacityBanner.tsx";
import DiffPanel from "../islands/DiffPanel.tsx";
import FleetPanel from "../islands/FleetPanel.tsx";
import HeapPanel from "../islands/HeapPanel.tsx";
import InstanceTitle from "../islands/InstanceTitle.tsx";
import LiveConnection from "../islands/LiveConnection.tsx";
import Lints from "../islands/Lints.tsx";
import OpenHandles from "../islands/OpenHandles.tsx";
import OwnerBreakdown from "../islands/OwnerBreakdown.tsx";
import RequestsPanel from "../islands/RequestsPanel.tsx";
import SlabGrids from "../islands/SlabGrids.tsx";
import StreamFooter from "../islands/StreamFooter.tsx";
import Timeline from "../islands/Timeline.tsx";
import TopSites from "../islands/TopSites.tsx";
import { define } from "../app/define.ts";

interface Data {
  snapshot: MemorySnapshot | null;
  /** Whether the process lists open handles (the page leaves the list to the stream). */
  listsHandles: boolean;
  /** Whether the process lists allocation sites (the page leaves them to the stream). */
  listsSites: boolean;
  basePath: string;
  host: string;
  fleet: boolean;
  /** The recording replayed, or `null` live. */
  replay: string | null;
  /** Whether there is a recording to scrub (off with `recorder: false`). */
  recording: boolean;
  /** The moment the URL asks for (`?at=`), and the one to compare it with (`&compare=`). */
  at: string | null;
  compare: string | null;
}

/** An event id, `<boot>-<seq>`: what `?at=` and `&compare=` carry. */
const MOMENT_REGEXP = /^[0-9a-z]{1,32}-(0|[1-9][0-9]{0,15})$/;

export const handler = define.handlers({
  GET(ctx) {
    let snapshot: MemorySnapshot | null = null;
    let listsHandles = false;
    let listsSites = false;
    try {
      // What the first paint needs: every figure of the current state, but
      // no per-slot data (a million slots would weigh megabytes) and no
      // open-handle list (50 rows would double the page); the stream's
      // keyframe brings both a moment later.
      const state = decodeKeyframe(ctx.state.stream.snapshot());
      listsHandles = state.open_handles !== undefined;
      listsSites = state.sites !== undefined;
      snapshot = withoutSlots(state);
    } catch {
      // Collecting failed: the page still loads and the stream reports why.
    }
    const moment = (name: string) => {
      const value = ctx.url.searchParams.get(name);
      return value !== null && MOMENT_REGEXP.test(value) ? value : null;
    };
    return page<Data>({
      snapshot,
      listsHandles,
      listsSites,
      basePath: ctx.state.basePath,
      host: ctx.url.host,
      fleet: ctx.state.fleet && ctx.state.replay === null,
      replay: ctx.state.replay,
      recording: ctx.state.recording,
      at: moment("at"),
      compare: moment("compare"),
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
  // How the fleet names it, for the header.
  const instanceLabel = signal<string | null>(null);
  // The selected slot: a grid cell and its row in the open-handle list.
  const selection = signal<SlotSelection | null>(null);
  // The timeline: the moment shown (null follows live), the one compared
  // with, what differs between them, and every pool's history. Every island
  // reading `snapshot` shows the moment chosen.
  const moment = signal<string | null>(data.at);
  const compare = signal<string | null>(data.compare);
  const diff = signal<MomentDiff | null>(null);
  const history = signal<HistoryView | null>(null);
  // The heap's samples from before the page connected, which the stream
  // sends after its first keyframe.
  const heapHistory = signal<HeapHistory | null>(null);
  const api = `${data.basePath}/diagnostics`;
  return (
    <>
      <header class="top">
        <h1>slabscope</h1>
        {data.replay === null
          ? <InstanceTitle host={data.host} instance={instance} instanceLabel={instanceLabel} />
          : <span class="where">a recording: {data.replay} (read-only)</span>}
        <LiveConnection
          streamUrl={data.replay === null ? `${api}/memory` : null}
          fleetUrl={`${data.basePath}/fleet/keyframe`}
          instance={instance}
          snapshot={snapshot}
          moment={moment}
          connection={connection}
          serverError={serverError}
          heapHistory={heapHistory}
        />
      </header>
      <CapacityBanner snapshot={snapshot} />
      {data.recording
        ? (
          <Timeline
            recordingUrl={`${api}/recording`}
            snapshot={snapshot}
            moment={moment}
            compare={compare}
            diff={diff}
            history={history}
            instance={instance}
            replay={data.replay !== null}
          />
        )
        : (
          <section class="panel timeline" data-mode="off" aria-label="timeline">
            <p class="muted small">
              No timeline: this server's flight recorder is off (<code>recorder: false</code>).
            </p>
          </section>
        )}
      <main class="layout">
        <div class="main-column">
          <SlabGrids
            snapshot={snapshot}
            slotUrl={`${api}/slot`}
            instance={instance}
            selection={selection}
            diff={diff}
            moment={moment}
          />
          <OpenHandles
            snapshot={snapshot}
            selection={selection}
            connection={connection}
            listed={data.listsHandles}
          />
        </div>
        <div class="side">
          <DiffPanel diff={diff} />
          <Lints snapshot={snapshot} selection={selection} />
          {data.fleet && (
            <FleetPanel
              instancesUrl={`${data.basePath}/fleet/instances`}
              instance={instance}
              instanceLabel={instanceLabel}
              connection={connection}
            />
          )}
          <RequestsPanel snapshot={snapshot} />
          <ArenaGauges snapshot={snapshot} />
          <OwnerBreakdown snapshot={snapshot} />
          <TopSites snapshot={snapshot} connection={connection} listed={data.listsSites} />
          <HeapPanel
            snapshot={snapshot}
            instance={instance}
            history={history}
            heapHistory={heapHistory}
            moment={moment}
            connection={connection}
          />
        </div>
      </main>
      <StreamFooter snapshot={snapshot} instance={instance} />
    </>
  );
});

/**
 * The snapshot with its slabs' per-slot arrays, the open-handle list and the
 * site lists (up to 512 bytes a site) left out, and only the request records the Requests panel shows (the keyframe
 * brings the rest).
 */
function withoutSlots(
  { open_handles: _, sites: _sites, ...snapshot }: MemorySnapshot,
): MemorySnapshot {
  return {
    ...snapshot,
    slabs: snapshot.slabs.map(({ bitmap: _b, states: _s, owners: _o, cached_slots: _c, ...slab }) =>
      slab
    ),
    requests: snapshot.requests && shownRequests(snapshot.requests),
  };
}
