// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import { useSignalEffect } from "npm:@preact/signals@^2.11.4";
import { useEffect, useRef, useState } from "npm:preact@^10.29.8/hooks";
import type { HeapHistory } from "../core/wire/heap_history.ts";
import type { MemorySnapshot } from "../core/wire/types.ts";
import { FleetPoll } from "../client/fleet_poll.ts";
import { formatClock } from "../client/format.ts";
import { type ConnectionState, LiveStream } from "../client/live_stream.ts";

/** Props of {@linkcode LiveConnection}. */
export interface LiveConnectionProps {
  /** URL of `…/diagnostics/memory`; `null` when replaying a recording (no live stream). */
  streamUrl: string | null;
  /** URL of `…/fleet/keyframe`, for another instance's state. */
  fleetUrl: string;
  /** The fleet instance shown: `null` for this process (the live stream). */
  instance: Signal<string | null>;
  /** Written with every new state while the timeline follows live; read by the other islands. */
  snapshot: Signal<MemorySnapshot | null>;
  /** The moment the timeline shows: `null` follows live, anything else keeps the picture. */
  moment: Signal<string | null>;
  /** Written with the connection's state. */
  connection: Signal<ConnectionState>;
  /** Written with the last server-side error, if any. */
  serverError: Signal<string | null>;
  /** Written with the heap samples this process's stream sends after its first keyframe. */
  heapHistory?: Signal<HeapHistory | null>;
}

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting",
  live: "Live",
  stale: "Stale",
  reconnecting: "Reconnecting",
  offline: "Offline",
};

/** The states in which the page shows what it last had, not what is. */
const FROZEN: ReadonlySet<ConnectionState> = new Set(["stale", "reconnecting", "offline"]);

/**
 * Owns the connection and shows its badge: Live, Stale, Reconnecting,
 * Offline; while the stream is silent, since when, and the page dimmed
 * with every clock stopped (`client/server_clock.ts`). This process comes
 * over the stream; another instance of the
 * fleet by polling its keyframe through KV. While the timeline shows a
 * moment of the past, new states are kept but not shown; going back to
 * live shows the latest at once. A replay has no connection.
 */
export default function LiveConnection(
  { streamUrl, fleetUrl, instance, snapshot, moment, connection, serverError, heapHistory }:
    LiveConnectionProps,
) {
  const id = instance.value;
  const latest = useRef<MemorySnapshot | null>(null);
  const [seq, setSeq] = useState<number | undefined>(undefined);
  // When the page last heard from the process shown, once it fell silent.
  const [since, setSince] = useState<number | undefined>(undefined);
  useEffect(() => {
    if (streamUrl === null) return;
    let source: LiveStream | FleetPoll | undefined = undefined;
    const callbacks = {
      onState: (state: MemorySnapshot) => {
        latest.current = state;
        setSeq(state.seq);
        if (moment.peek() === null) snapshot.value = state;
        serverError.value = null;
      },
      onConnection: (state: ConnectionState) => {
        connection.value = state;
        setSince(FROZEN.has(state) ? source?.lastEventTime : undefined);
      },
      onServerError: (message: string) => (serverError.value = message),
    };
    source = id === null
      ? new LiveStream({
        url: streamUrl,
        ...callbacks,
        onHeapHistory: (history: HeapHistory) => {
          if (heapHistory !== undefined) heapHistory.value = history;
        },
      })
      : new FleetPoll({ url: fleetUrl, id, ...callbacks });
    source.start();
    return () => source.stop();
  }, [streamUrl, id]);
  // The whole page reads as frozen (styles.css dims it) while the stream is silent.
  useSignalEffect(() => {
    const state = connection.value;
    document.documentElement.dataset.stream = FROZEN.has(state) ? "frozen" : state;
  });
  // Back to live: the latest state, at once.
  useSignalEffect(() => {
    if (moment.value === null && latest.current !== null) snapshot.value = latest.current;
  });
  if (streamUrl === null) {
    return (
      <span class="badge connection replay" role="status" data-connection="replay">
        <span class="dot" aria-hidden="true" />
        Replay
      </span>
    );
  }
  const state = connection.value;
  return (
    <>
      {FROZEN.has(state) && since !== undefined && (
        <strong class="stale-notice" role="alert" data-stale-since={since}>
          {LABELS[state]} since {formatClock(since)}: figures and clocks frozen
        </strong>
      )}
      <span
        class={`badge connection ${state}`}
        role="status"
        aria-live="polite"
        data-connection={state}
        data-seq={seq}
      >
        <span class="dot" aria-hidden="true" />
        {LABELS[state]}
        {serverError.value !== null && (
          <span class="server-error" title={serverError.value}>· server error</span>
        )}
      </span>
    </>
  );
}
