// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import type { MemorySnapshot, SiteSnapshot, SlabSitesSnapshot } from "../core/wire/types.ts";
import { formatCount, formatDuration } from "../client/format.ts";
import type { ConnectionState } from "../client/live_stream.ts";
import { clocksRun, useServerNow } from "../client/server_clock.ts";

/** Props of {@linkcode TopSites}. */
export interface TopSitesProps {
  /** The live state. */
  snapshot: Signal<MemorySnapshot | null>;
  /** The stream's state: ages count on while it is live. */
  connection: Signal<ConnectionState>;
  /**
   * Whether the process lists sites: the page is served without them (each
   * may be 512 bytes of text), and the stream's keyframe brings them.
   */
  listed: boolean;
}

/**
 * Per slab that keeps a site table, its top allocation sites by slots
 * held: where the held slots were allocated (the caller's frames of a
 * sampled stack, or a label such as a request's method and route), how
 * many each holds now and recorded in all, and since when the oldest is
 * held. Sampled counts are samples: a site holding k sampled slots holds
 * about k × N. Sites the table had no room for and samples skipped for
 * the capture budget are counted under each slab.
 */
export default function TopSites({ snapshot, connection, listed }: TopSitesProps) {
  const state = snapshot.value;
  const now = useServerNow(state?.ts, clocksRun(connection.value));
  const lists = state?.sites?.slabs ?? [];
  return (
    <section class="panel sites" aria-labelledby="sites-title">
      <h2 id="sites-title">Top sites by slots held</h2>
      {state?.sites === undefined && listed && <p class="muted">Waiting for the stream…</p>}
      {state?.sites === undefined && !listed
        ? (
          <p class="muted">
            No slab records allocation sites: create one with <code>sampleSites</code>{" "}
            (handle slabs label theirs).
          </p>
        )
        : lists.map((list) => <SlabSites key={list.slab} list={list} now={now} />)}
      {lists.some((list) => list.sample_every === 0 && list.top.length > 0) && (
        <p class="muted small" data-field="label_total">
          A label's total counts what was labelled: every fetch, and every request served with a
          {" "}
          <code>route</code>{" "}
          option; without one, the requests still open when sites were read. The Requests panel
          counts every request.
        </p>
      )}
    </section>
  );
}

function SlabSites({ list, now }: { list: SlabSitesSnapshot; now: number }) {
  const sampled = list.sample_every > 0;
  return (
    <div class="site-slab" data-slab={list.slab}>
      <h3>
        {list.slab}{" "}
        <span class="muted">
          {sampled ? `1 in ${formatCount(list.sample_every)} sampled` : "labels"} ·{" "}
          {formatCount(list.count)} of {formatCount(list.max_sites)} sites
        </span>
      </h3>
      {list.top.length === 0 && <p class="muted">No site recorded yet.</p>}
      {list.top.length > 0 && (
        <table class="site-table">
          <thead>
            <tr>
              <th scope="col">site</th>
              <th scope="col" class="num" title="slots held now">held</th>
              <th
                scope="col"
                class="num"
                title={sampled ? "allocations sampled" : "labelled allocations"}
              >
                total
              </th>
              <th scope="col" class="num" title="age of the oldest slot held">oldest</th>
            </tr>
          </thead>
          <tbody>
            {list.top.map((site) => <SiteRow key={site.id} site={site} now={now} />)}
          </tbody>
        </table>
      )}
      {(list.dropped > 0 || list.skipped > 0) && (
        <p class="muted small" data-field="site_losses">
          <span data-field="dropped">{formatCount(list.dropped)}</span> not recorded (table full) ·
          {" "}
          <span data-field="skipped">{formatCount(list.skipped)}</span> samples skipped (budget)
        </p>
      )}
    </div>
  );
}

function SiteRow({ site, now }: { site: SiteSnapshot; now: number }) {
  const lines = site.site.split("\n");
  return (
    <tr data-site={site.id} data-kind={site.kind}>
      <th scope="row" class="site-text" title={site.site}>
        <code>{lines[0] || "(no frames of the caller)"}</code>
        {lines.length > 1 && <span class="muted small">{` +${lines.length - 1} frames`}</span>}
      </th>
      <td class="num" data-field="held">{formatCount(site.held)}</td>
      <td class="num" data-field="total">{formatCount(site.total)}</td>
      <td
        class="num"
        data-field="oldest"
        title={site.oldest === null ? "" : `since ${new Date(site.oldest).toISOString()}`}
      >
        {site.oldest === null ? "–" : formatDuration(Math.max(0, now - site.oldest))}
      </td>
    </tr>
  );
}
