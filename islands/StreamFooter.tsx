// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import { useSignalEffect } from "npm:@preact/signals@^2.11.4";
import { useRef, useState } from "npm:preact@^10.29.8/hooks";
import type { MemorySnapshot, StreamSnapshot } from "../core/wire/types.ts";
import { COST_PHASES } from "../core/wire/fields.ts";
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatMicros,
  formatPercent,
} from "../client/format.ts";

/** Props of {@linkcode StreamFooter}. */
export interface StreamFooterProps {
  /** The live state. */
  snapshot: Signal<MemorySnapshot | null>;
  /** The fleet instance shown (`null`: this process); a switch restarts the rate. */
  instance: Signal<string | null>;
}

/**
 * The stream's own cost: clients, bytes per second, tick times, skips and
 * drops; the CPU time the diagnostics spent over the last second, by phase;
 * and what its flight recorder holds.
 */
export default function StreamFooter({ snapshot, instance }: StreamFooterProps) {
  const previous = useRef<{ ts: number; bytes: number; instance: string | null } | undefined>(
    undefined,
  );
  const [rate, setRate] = useState<number | undefined>(undefined);
  useSignalEffect(() => {
    const state = snapshot.value;
    const stream = state?.stream;
    if (state === null || stream === undefined) return;
    const last = previous.current;
    const next = { ts: state.ts, bytes: stream.bytes_sent, instance: instance.value };
    if (last === undefined || last.instance !== next.instance) {
      previous.current = next;
      setRate(undefined);
    } else if (state.ts > last.ts + 500) {
      setRate(((stream.bytes_sent - last.bytes) * 1000) / (state.ts - last.ts));
      previous.current = next;
    }
  });
  const stream = snapshot.value?.stream;
  return (
    <footer class="stream-footer">
      {stream === undefined ? <span>stream: no figures yet</span> : (
        <>
          <span>{formatCount(stream.clients)} client{stream.clients === 1 ? "" : "s"}</span>
          <span>{rate === undefined ? "…" : `${formatBytes(rate)}/s`} sent</span>
          <span>
            {formatCount(stream.events_sent)} events, {formatBytes(stream.bytes_sent)} in all
          </span>
          <span>
            tick: collect {formatCount(stream.collect_us)} µs, encode{" "}
            {formatCount(stream.encode_us)} µs, send {formatCount(stream.send_us)} µs
          </span>
          <span>
            {formatCount(stream.skipped_ticks)} skipped ticks, {formatCount(stream.slow_dropped)}
            {" "}
            slow clients dropped
          </span>
          <DiagnosticsCpu stream={stream} />
          <span class="recorder" data-recorded-bytes={stream.recorded_bytes}>
            {stream.recorded_bytes === 0
              ? "flight recorder off"
              : `flight recorder: ${formatDuration(stream.recorded_ms)} held, ${
                formatBytes(stream.recorded_bytes)
              }`}
          </span>
        </>
      )}
    </footer>
  );
}

/**
 * The diagnostics' CPU time per second (collect, lint, encode, record,
 * send, and stack capture in every thread of a sampled slab), as a share of one core.
 */
function DiagnosticsCpu({ stream }: { stream: StreamSnapshot }) {
  const perSecond = stream.cpu_us_per_s;
  if (perSecond === undefined) return <span data-field="cpu">diagnostics CPU: …</span>;
  const phases = COST_PHASES.filter((phase) => perSecond[phase] !== undefined);
  const total = phases.reduce((sum, phase) => sum + perSecond[phase]!, 0);
  return (
    <span
      data-field="cpu"
      data-cpu-us={total}
      title="CPU time the diagnostics themselves spent over the last second, measured around each phase; sample is stack capture in every thread of a sampled slab"
    >
      diagnostics CPU {formatMicros(total)}/s ({formatPercent(total / 1e6)} of a core):{" "}
      {phases.map((phase, i) => (
        <span key={phase} data-phase={phase}>
          {i > 0 && ", "}
          {phase} {formatMicros(perSecond[phase]!)}
        </span>
      ))}
    </span>
  );
}
