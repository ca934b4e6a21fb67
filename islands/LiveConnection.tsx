// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import { useEffect } from "npm:preact@^10.29.8/hooks";
import type { MemorySnapshot } from "../core/wire/types.ts";
import { FleetPoll } from "../client/fleet_poll.ts";
import { type ConnectionState, LiveStream } from "../client/live_stream.ts";

/** Props of {@linkcode LiveConnection}. */
export interface LiveConnectionProps {
  /** URL of `…/diagnostics/memory`. */
  streamUrl: string;
  /** URL of `…/fleet/keyframe`, for another instance's state. */
  fleetUrl: string;
  /** The fleet instance shown: `null` for this process (the live stream). */
  instance: Signal<string | null>;
  /** Written with every new state; read by the other islands. */
  snapshot: Signal<MemorySnapshot | null>;
  /** Written with the connection's state. */
  connection: Signal<ConnectionState>;
  /** Written with the last server-side error, if any. */
  serverError: Signal<string | null>;
}

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting",
  live: "Live",
  stale: "Stale",
  reconnecting: "Reconnecting",
  offline: "Offline",
};

/**
 * Owns the connection and shows its badge: Live, Stale, Reconnecting,
 * Offline. This process comes over the stream; another instance of the
 * fleet by polling its keyframe through KV.
 */
export default function LiveConnection(
  { streamUrl, fleetUrl, instance, snapshot, connection, serverError }: LiveConnectionProps,
) {
  const id = instance.value;
  useEffect(() => {
    const callbacks = {
      onState: (state: MemorySnapshot) => {
        snapshot.value = state;
        serverError.value = null;
      },
      onConnection: (state: ConnectionState) => (connection.value = state),
      onServerError: (message: string) => (serverError.value = message),
    };
    const source = id === null
      ? new LiveStream({ url: streamUrl, ...callbacks })
      : new FleetPoll({ url: fleetUrl, id, ...callbacks });
    source.start();
    return () => source.stop();
  }, [streamUrl, id]);
  const state = connection.value;
  return (
    <span
      class={`badge connection ${state}`}
      role="status"
      aria-live="polite"
      data-connection={state}
    >
      <span class="dot" aria-hidden="true" />
      {LABELS[state]}
      {serverError.value !== null && (
        <span class="server-error" title={serverError.value}>· server error</span>
      )}
    </span>
  );
}
