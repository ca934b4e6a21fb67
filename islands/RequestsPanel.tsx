// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import { requestRates } from "../core/wire/request_rates.ts";
import {
  HISTORY_SECONDS,
  type MemorySnapshot,
  type RequestSnapshot,
  STATUS_CLASSES,
} from "../core/wire/types.ts";
import { formatBytes, formatCount, formatMicros, formatRate } from "../client/format.ts";
import { MAX_SHOWN_REQUESTS, orderedRequests } from "../client/request_order.ts";
import { type Series, Sparkline } from "../components/sparkline.tsx";

/** Props of {@linkcode RequestsPanel}. */
export interface RequestsPanelProps {
  /** The live state. */
  snapshot: Signal<MemorySnapshot | null>;
}

const WINDOW = HISTORY_SECONDS * 1000;

type Kind = "server" | "client";

/**
 * Per instrumented server and per fetch target: completed requests per
 * second over the last minute (a sparkline, and the rate over 1, 10 and
 * 60 s), duration percentiles, status classes, in flight, aborted and bytes.
 */
export default function RequestsPanel({ snapshot }: RequestsPanelProps) {
  const all = orderedRequests(snapshot.value?.requests);
  const shown = all.slice(0, MAX_SHOWN_REQUESTS);
  const hidden = all.length - shown.length;
  return (
    <section class="panel requests" aria-labelledby="requests-title">
      <h2 id="requests-title">Requests</h2>
      {all.length === 0 && (
        <p class="muted">
          No instrumented servers or fetches: wrap a handler in <code>instrumentServer()</code>.
        </p>
      )}
      {shown.map(([kind, record]) => (
        // A server receives requests and sends responses; a fetch the other way round.
        <RequestOwner
          key={`${kind}/${record.name}`}
          record={record}
          kind={kind}
          received={kind === "server" ? record.request_bytes : record.response_bytes}
          sent={kind === "server" ? record.response_bytes : record.request_bytes}
        />
      ))}
      {hidden > 0 && (
        <p class="muted small" data-field="hidden_owners">
          {formatCount(hidden)} more, less busy: see <code>/metrics</code> or{" "}
          <code>deno task top</code>
        </p>
      )}
    </section>
  );
}

interface RequestOwnerProps {
  record: RequestSnapshot;
  kind: Kind;
  received: number;
  sent: number;
}

function RequestOwner({ record, kind, received, sent }: RequestOwnerProps) {
  const rates = requestRates(record);
  const series = historySeries(record);
  const end = (record.second + 1) * 1000;
  const peak = Math.max(1, ...record.history);
  return (
    <article class="request-owner" data-kind={kind} data-owner={record.name}>
      <header class="request-head">
        <h3>
          {record.name} <span class="muted">{kind === "server" ? "server" : "fetch"}</span>
        </h3>
        <span class="request-open" title="requests under way now">
          <strong data-field="in_flight">{formatCount(record.in_flight)}</strong> in flight
        </span>
      </header>
      <div class="request-rate">
        <span class="rate-now">
          <strong data-field="rate_1s">{formatRate(rates.last1)}</strong>/s
        </span>
        <span class="muted small">
          10 s <span data-field="rate_10s">{formatRate(rates.last10)}</span>/s · 60 s{" "}
          <span data-field="rate_60s">{formatRate(rates.last60)}</span>/s
        </span>
      </div>
      <Sparkline
        series={series}
        now={end}
        window={WINDOW}
        max={peak}
        label={`${record.name}: completed requests per second over the last minute, peak ${
          formatCount(peak)
        }/s, last second ${formatCount(rates.last1)}`}
        class="line-requests"
      />
      <dl class="request-figures" aria-label="durations of the last minute">
        {(["p50_us", "p95_us", "p99_us"] as const).map((field) => (
          <div key={field}>
            <dt>{field.slice(0, 3)}</dt>
            <dd data-field={field}>
              {record.history.some((n) => n > 0) ? formatMicros(record[field]) : "–"}
            </dd>
          </div>
        ))}
      </dl>
      <ul class="status-classes" aria-label="completed requests by status class">
        {STATUS_CLASSES.map((klass) => {
          const n = record.classes[klass]?.count ?? 0;
          return (
            <li key={klass} class={`status-${klass}${n > 0 ? " seen" : ""}`}>
              <span class="muted">{klass}</span>{" "}
              <span data-field={`status_${klass}`}>{formatCount(n)}</span>
            </li>
          );
        })}
      </ul>
      <p class="request-totals muted small">
        <span data-field="completed">{formatCount(record.completed)}</span> completed ·{" "}
        <span data-field="aborted">{formatCount(record.aborted)}</span> aborted · in{" "}
        <span data-field="bytes_in">{formatBytes(received)}</span> · out{" "}
        <span data-field="bytes_out">{formatBytes(sent)}</span>
      </p>
    </article>
  );
}

/**
 * The history as a step series: each second's count from its start to the
 * next change (a steady rate is one point, not sixty).
 */
function historySeries(record: RequestSnapshot): Series {
  const first = record.second - HISTORY_SECONDS + 1;
  const times: number[] = [];
  const values: number[] = [];
  record.history.forEach((n, i) => {
    if (i > 0 && n === values.at(-1)) return;
    times.push((first + i) * 1000);
    values.push(n);
  });
  return { times, values };
}
