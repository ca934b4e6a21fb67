// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import { useEffect, useState } from "npm:preact@^10.29.8/hooks";
import { capacityLevel } from "../core/capacity_level.ts";
import type { InstanceSummary } from "../core/fleet/summary.ts";
import { formatBytes, formatDuration, formatPercent } from "../client/format.ts";
import type { ConnectionState } from "../client/live_stream.ts";
import { clocksRun, useServerNow } from "../client/server_clock.ts";

/** Props of {@linkcode FleetPanel}. */
export interface FleetPanelProps {
  /** URL of `…/fleet/instances`. */
  instancesUrl: string;
  /** The instance shown; `null` for this process. Written when the user picks one. */
  instance: Signal<string | null>;
  /** Written with how the list names the instance shown (name and host), for the header. */
  instanceLabel?: Signal<string | null>;
  /** The connection's state: while it is not live the list is not read and uptimes stop. */
  connection?: Signal<ConnectionState>;
}

interface FleetList {
  self: string | null;
  now: number;
  instances: InstanceSummary[];
}

/** How often the list is read while the tab is visible. */
const REFRESH_MS = 3_000;

/**
 * The fleet: every live instance publishing to the same KV database, with
 * its host, uptime and fullest pool. Picking one switches the whole page to
 * it; dead instances drop out when their summaries expire.
 */
export default function FleetPanel(
  { instancesUrl, instance, instanceLabel, connection }: FleetPanelProps,
) {
  const [list, setList] = useState<FleetList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const running = connection === undefined || clocksRun(connection.value);
  // The server's time now: uptimes count with it, and stop with it.
  const now = useServerNow(list?.now, running);
  useEffect(() => {
    // A stale page keeps the list it had: fresh uptimes beside frozen pools
    // would read as if the rest were fresh too.
    if (!running) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = async () => {
      if (!document.hidden) {
        try {
          const response = await fetch(instancesUrl, { signal: controller.signal });
          const body = await response.json();
          if (!response.ok) throw new Error(body.error ?? response.statusText);
          setList(body as FleetList);
          setError(null);
        } catch (e) {
          if (controller.signal.aborted) return;
          setError((e as Error).message);
        }
      }
      timer = setTimeout(refresh, REFRESH_MS);
    };
    void refresh();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [instancesUrl, running]);

  const shown = instance.value;
  const self = list?.self ?? null;
  const rows = list?.instances ?? [];
  const gone = shown !== null && list !== null && !rows.some((row) => row.id === shown);
  const labelOf = (row: InstanceSummary) => `${row.name} on ${row.host}`;
  // The header names the instance shown as the list does, kept current.
  const shownRow = rows.find((row) => row.id === shown);
  const shownLabel = shownRow === undefined ? undefined : labelOf(shownRow);
  useEffect(() => {
    if (instanceLabel !== undefined && shownLabel !== undefined) instanceLabel.value = shownLabel;
  }, [shownLabel]);
  return (
    <section class="panel fleet" aria-labelledby="fleet-title">
      <h2 id="fleet-title">
        Fleet <span class="muted">{list === null ? "" : `${rows.length} live`}</span>
      </h2>
      {error !== null && <p class="critical-text">Fleet unavailable: {error}</p>}
      {gone && (
        <p class="warning-text" role="alert">
          The instance shown has left the fleet.{" "}
          <button type="button" class="link" onClick={() => (instance.value = null)}>
            Back to this process
          </button>
        </p>
      )}
      <table class="fleet-table">
        <thead>
          <tr>
            <th scope="col">instance</th>
            <th scope="col">uptime</th>
            <th scope="col">fullest pool</th>
            <th scope="col">heap</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const isSelf = row.id === self;
            const selected = isSelf ? shown === null : shown === row.id;
            const ratio = row.worst?.ratio ?? 0;
            const level = capacityLevel(ratio);
            return (
              <tr key={row.id} class={selected ? "selected" : ""} data-instance={row.id}>
                <td>
                  <button
                    type="button"
                    class="link"
                    aria-pressed={selected}
                    title={`${row.id}${row.pid === undefined ? "" : `, pid ${row.pid}`}`}
                    onClick={() => {
                      if (instanceLabel !== undefined) {
                        instanceLabel.value = isSelf ? null : labelOf(row);
                      }
                      instance.value = isSelf ? null : row.id;
                    }}
                  >
                    {row.name}
                  </button>
                  <span class="muted">{row.host}{isSelf ? " · this process" : ""}</span>
                </td>
                <td data-uptime={row.id}>
                  {formatDuration(row.uptime + Math.max(0, now - row.updated))}
                </td>
                <td class={`${level}-text`}>
                  {row.worst === null ? "–" : `${row.worst.pool} ${formatPercent(ratio)}`}
                </td>
                <td>{formatBytes(row.heapUsed)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
