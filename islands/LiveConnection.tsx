// Copyright 2026 the slabscope authors. MIT license.
import type { Signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { MemorySnapshot } from "../core/wire/types.ts";
import { type ConnectionState, LiveStream } from "../client/live_stream.ts";

/** Props of {@linkcode LiveConnection}. */
export interface LiveConnectionProps {
  /** URL of `…/diagnostics/memory`. */
  streamUrl: string;
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

/** Owns the stream connection and shows its badge: Live, Stale, Reconnecting, Offline. */
export default function LiveConnection(
  { streamUrl, snapshot, connection, serverError }: LiveConnectionProps,
) {
  useEffect(() => {
    const stream = new LiveStream({
      url: streamUrl,
      onState: (state) => {
        snapshot.value = state;
        serverError.value = null;
      },
      onConnection: (state) => (connection.value = state),
      onServerError: (message) => (serverError.value = message),
    });
    stream.start();
    return () => stream.stop();
  }, [streamUrl]);
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
