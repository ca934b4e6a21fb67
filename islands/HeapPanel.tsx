// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import { useSignalEffect } from "npm:@preact/signals@^2.11.4";
import { useRef } from "npm:preact@^10.29.8/hooks";
import { HEAP_HISTORY_WINDOW, type HeapHistory } from "../core/wire/heap_history.ts";
import type { HeapSnapshot, MemorySnapshot } from "../core/wire/types.ts";
import { formatBytes, formatCount, formatDuration } from "../client/format.ts";
import type { HistoryView } from "../client/usage_history.ts";
import { pushSample, type Series } from "../components/sparkline.tsx";
import {
  emptyHeapLines,
  HEAP_LINES,
  type HeapLine,
  type HeapLines,
  seedHeapLines,
} from "../client/heap_lines.ts";
import { HeapChart } from "../components/heap_chart.tsx";
import type { ConnectionState } from "../client/live_stream.ts";
import { clocksRun, useServerNow } from "../client/server_clock.ts";

/** Props of {@linkcode HeapPanel}. */
export interface HeapPanelProps {
  /** The live state. */
  snapshot: Signal<MemorySnapshot | null>;
  /** The fleet instance shown (`null`: this process); a switch starts a new history. */
  instance: Signal<string | null>;
  /** The recording's history (this process): the sparklines then span its window. */
  history?: Signal<HistoryView | null>;
  /**
   * The heap samples this process's stream sent after its first keyframe:
   * the sparklines start with them (unless the recording's history is there).
   */
  heapHistory?: Signal<HeapHistory | null>;
  /** The moment shown (`null`: live): the sparklines end there. */
  moment?: Signal<string | null>;
  /** The connection's state: the time axis stops while it is not live. */
  connection?: Signal<ConnectionState>;
}

const WINDOW = HEAP_HISTORY_WINDOW;
const MIN_WINDOW = 30 * 1000;

/**
 * V8 heap used/total/limit, spaces and RSS, with sparklines: over the flight
 * recorder's window (from the recording, so a reload keeps them); without
 * one, over the last 3 minutes, from the samples the stream sends after its
 * first keyframe (so a reload keeps them too) and those seen since; for
 * another instance, from what was seen since it was chosen.
 */
export default function HeapPanel(
  { snapshot, instance, history: recorded, heapHistory, moment, connection }: HeapPanelProps,
) {
  const history = useRef<HeapLines>(emptyHeapLines());
  // Whether the lines started with the server's samples.
  const seeded = useRef(false);
  const lastHeap = useRef<HeapSnapshot | undefined>(undefined);
  const shown = useRef<string | null>(instance.peek());
  // The time axis moves with the server's clock, and stops with it while
  // the stream is silent.
  const now = useServerNow(
    snapshot.value?.ts,
    connection === undefined || clocksRun(connection.value),
  );

  useSignalEffect(() => {
    const heap = snapshot.value?.heap;
    if (heap === undefined || heap === lastHeap.current) return;
    lastHeap.current = heap;
    if (instance.value !== shown.current) {
      shown.current = instance.value; // another process: its history, not a mix
      history.current = emptyHeapLines();
      seeded.current = false;
    }
    // Live states only, in the server's time (that of the recording too): a
    // moment of the past shown by the timeline is not a new sample.
    const time = snapshot.value!.ts;
    const seen = history.current.rss.times;
    if ((moment?.peek() ?? null) !== null || time <= (seen[seen.length - 1] ?? -Infinity)) return;
    for (const { key } of HEAP_LINES) pushSample(history.current[key], time, heap[key], WINDOW);
  });

  // This process's samples from before the page connected: the lines start
  // with them (another instance's are not sent: its lines start empty).
  useSignalEffect(() => {
    const sent = heapHistory?.value ?? null;
    if (sent === null || instance.peek() !== null) return;
    if (shown.current !== null) {
      shown.current = null;
      history.current = emptyHeapLines();
    }
    history.current = seedHeapLines(history.current, sent, WINDOW);
    seeded.current = true;
  });

  const heap = snapshot.value?.heap;
  if (heap === undefined) {
    return (
      <section class="panel heap">
        <h2>Heap</h2>
      </section>
    );
  }
  // The recording's history when it is this process's; what was seen otherwise.
  const fromRecording = instance.value === null ? recorded?.value?.history.heap : undefined;
  const source = fromRecording !== undefined && fromRecording.times.length > 0
    ? "recording"
    : seeded.current && (heapHistory?.value ?? null) !== null // read: a render when it comes
    ? "server"
    : "page";
  const series = (key: HeapLine): Series =>
    fromRecording !== undefined && fromRecording.times.length > 0
      ? { times: fromRecording.times, values: fromRecording[key] }
      : history.current[key];
  const end = (moment?.value ?? null) !== null ? snapshot.value!.ts : now;
  const start = series("rss").times[0];
  // The recording's whole span (at least half a minute); 3 minutes of what
  // was seen otherwise.
  const window = fromRecording !== undefined && start !== undefined
    ? Math.max(MIN_WINDOW, end - start)
    : WINDOW;
  return (
    <section class="panel heap" aria-labelledby="heap-title" data-history={source}>
      <h2 id="heap-title">Heap</h2>
      <dl class="heap-figures">
        <div>
          <dt>used</dt>
          <dd>{formatBytes(heap.heap_used)}</dd>
        </div>
        <div>
          <dt>total</dt>
          <dd>{formatBytes(heap.heap_total)}</dd>
        </div>
        <div>
          <dt>limit</dt>
          <dd>{formatBytes(heap.heap_limit)}</dd>
        </div>
        <div>
          <dt>RSS</dt>
          <dd>{formatBytes(heap.rss)}</dd>
        </div>
        <div>
          <dt>external</dt>
          <dd>{formatBytes(heap.external)}</dd>
        </div>
        <div>
          <dt>contexts</dt>
          <dd>
            {formatCount(heap.native_contexts)} ({formatCount(heap.detached_contexts)} detached)
          </dd>
        </div>
      </dl>
      <div class="sparklines">
        {HEAP_LINES.map(({ key, label }) => (
          <div class="spark-row" key={key} data-line={key}>
            <span class="spark-label">
              {label}
              <span class="spark-value">{formatBytes(heap[key])}</span>
            </span>
            <HeapChart
              series={series(key)}
              end={end}
              window={window}
              format={formatBytes}
              line={key}
              label={`${label} over the last ${formatDuration(window)}, ${
                formatBytes(heap[key])
              } at the end`}
            />
          </div>
        ))}
        <div class="spark-axis muted small" aria-hidden="true">
          <span>−{formatDuration(window)}</span>
          <span>{(moment?.value ?? null) === null ? "now" : "the moment shown"}</span>
        </div>
        <p class="muted small">
          last {formatDuration(window)}
          {source === "recording"
            ? " (from the flight recorder: kept across reloads)"
            : source === "server"
            ? " (from the server: kept across reloads)"
            : " (seen by this page)"}, each from 0 to the figure in its corner; point at a line for
          its value
        </p>
      </div>
      <table class="spaces">
        <thead>
          <tr>
            <th scope="col">space</th>
            <th scope="col">used</th>
            <th scope="col">size</th>
          </tr>
        </thead>
        <tbody>
          {heap.spaces.map((space) => (
            <tr key={space.name}>
              <th scope="row">{space.name.replace(/_space$/, "").replaceAll("_", " ")}</th>
              <td class="num">{formatBytes(space.used)}</td>
              <td class="num">{formatBytes(space.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
