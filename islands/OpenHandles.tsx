// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
import type { Signal } from "npm:@preact/signals@^2.11.4";
import { useEffect, useRef, useState } from "npm:preact@^10.29.8/hooks";
import { SLOT_LETTERS } from "../core/wire/slot_states.ts";
import type { MemorySnapshot, OpenHandle } from "../core/wire/types.ts";
import { formatCount, formatDuration } from "../client/format.ts";
import type { ConnectionState } from "../client/live_stream.ts";
import { useServerNow } from "../client/server_now.ts";
import {
  filterHandles,
  type HandleFilter,
  NO_FILTER,
  ownerChoices,
} from "../client/open_handle_filter.ts";
import { STATE_COLORS, STATE_NAMES } from "../client/palette.ts";
import { isSelected, type SlotSelection } from "../client/slot_selection.ts";

/** Props of {@linkcode OpenHandles}. */
export interface OpenHandlesProps {
  /** The live state. */
  snapshot: Signal<MemorySnapshot | null>;
  /** The selected slot, shared with the grids. */
  selection: Signal<SlotSelection | null>;
  /** The connection's state: ages count only while it is live. */
  connection: Signal<ConnectionState>;
  /**
   * Whether the process lists open handles: the page leaves the list out,
   * and until the stream brings it the panel says it is coming.
   */
  listed: boolean;
}

const STATES: OpenHandle["state"][] = ["N", "A", "I", "C"];

/**
 * The live list of the oldest open handles, like tokio-console's task list:
 * state, owner, age, time in state, and what a request is (method and path,
 * or the origin of one made). Filters by state and owner; selecting a row
 * marks its cell on the grid, and selecting a cell selects its row.
 */
export default function OpenHandles(
  { snapshot, selection, connection, listed }: OpenHandlesProps,
) {
  const state = snapshot.value;
  const list = state?.open_handles;
  const [filter, setFilter] = useState<HandleFilter>(NO_FILTER);
  const now = useServerNow(state?.ts, connection.value === "live");
  const table = useRef<HTMLTableSectionElement>(null);
  const selected = selection.value;

  // A cell selected on a grid: bring its row into view.
  useEffect(() => {
    if (selected === null || table.current === null) return;
    const row = table.current.querySelector<HTMLElement>(
      `tr[data-slab="${CSS.escape(selected.slab)}"][data-slot="${selected.slot}"]`,
    );
    row?.scrollIntoView?.({ block: "nearest" });
  }, [selected?.slab, selected?.slot]);

  if (state === null || list === undefined) {
    return (
      <section class="panel handles" aria-labelledby="handles-title">
        <h2 id="handles-title">Open handles</h2>
        <p class="muted">
          {state === null || listed
            ? "Waiting for the first snapshot…"
            : "This process lists no open handles."}
        </p>
      </section>
    );
  }
  const rows = filterHandles(list.oldest, filter);
  const owners = ownerChoices(list.oldest, state.owner_map, filter.owner);
  const select = (handle: OpenHandle) => {
    selection.value = isSelected(selected, handle.slab, handle.slot)
      ? null
      : { slab: handle.slab, slot: handle.slot };
  };
  return (
    <section class="panel handles" aria-labelledby="handles-title">
      <header class="handles-head">
        <h2 id="handles-title">Open handles</h2>
        <span class="muted" data-role="handle-count">{countText(list.count, list.limit)}</span>
        <label>
          state{" "}
          <select
            value={filter.state}
            aria-label="show handles in state"
            onChange={(event) =>
              setFilter({
                ...filter,
                state: (event.currentTarget as HTMLSelectElement).value as HandleFilter["state"],
              })}
          >
            <option value="">all</option>
            {STATES.map((letter) => (
              <option key={letter} value={letter}>
                {STATE_NAMES[SLOT_LETTERS.indexOf(letter)]}
              </option>
            ))}
          </select>
        </label>
        <label>
          owner{" "}
          <select
            value={String(filter.owner)}
            aria-label="show handles of owner"
            onChange={(event) => {
              const value = (event.currentTarget as HTMLSelectElement).value;
              setFilter({
                ...filter,
                owner: value === "" || value === "none" ? value : Number(value),
              });
            }}
          >
            <option value="">all</option>
            {owners.map((owner) => (
              <option key={owner.value} value={String(owner.value)}>{owner.label}</option>
            ))}
          </select>
        </label>
      </header>
      <SelectionNote state={state} rows={rows} selected={selected} />
      {list.count === 0
        ? <p class="muted">No open handles.</p>
        : rows.length === 0
        ? <p class="muted">No listed handle matches the filters.</p>
        : (
          <div class="handle-scroll">
            <table class="handle-table">
              <thead>
                <tr>
                  <th scope="col">state</th>
                  <th scope="col">owner</th>
                  <th scope="col" class="num">age</th>
                  <th scope="col" class="num">in state</th>
                  <th scope="col">request</th>
                  <th scope="col">slot</th>
                </tr>
              </thead>
              <tbody ref={table}>
                {rows.map((handle) => {
                  const on = isSelected(selected, handle.slab, handle.slot);
                  const code = SLOT_LETTERS.indexOf(handle.state);
                  return (
                    <tr
                      key={`${handle.slab}/${handle.slot}`}
                      class={on ? "selected" : undefined}
                      data-slab={handle.slab}
                      data-slot={handle.slot}
                      data-state={handle.state}
                      onClick={() => select(handle)}
                    >
                      <td>
                        <span class="swatch" style={{ background: STATE_COLORS[code] }} />
                        {STATE_NAMES[code]}
                      </td>
                      <td>{ownerName(state, handle.owner)}</td>
                      <td class="num">{formatDuration(now - handle.opened)}</td>
                      <td class="num">{formatDuration(now - handle.since)}</td>
                      <td class="request">{requestText(handle)}</td>
                      <td>
                        <button
                          type="button"
                          class="slot-link"
                          aria-pressed={on}
                          aria-label={`select slot ${handle.slot} of ${handle.slab}`}
                          onClick={(event) => {
                            event.stopPropagation();
                            select(handle);
                          }}
                        >
                          {handle.slab} #{handle.slot}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}

/** What the list holds: all open handles, or the oldest of them. */
function countText(count: number, limit: number): string {
  if (count <= limit) return `${formatCount(count)} open`;
  return `the ${formatCount(limit)} oldest of ${formatCount(count)} open`;
}

function ownerName(state: MemorySnapshot, owner: number | null): string {
  if (owner === null) return "—";
  return state.owner_map[owner] ?? `#${owner}`;
}

function requestText(handle: OpenHandle): string {
  if (handle.method === undefined) return "";
  return `${handle.method} ${handle.path ?? handle.origin ?? ""}`;
}

/** Says what a selected slot is when its row is not in the table. */
function SelectionNote(
  { state, rows, selected }: {
    state: MemorySnapshot;
    rows: OpenHandle[];
    selected: SlotSelection | null;
  },
) {
  if (selected === null) return null;
  if (rows.some((handle) => isSelected(selected, handle.slab, handle.slot))) return null;
  const listed = state.open_handles?.oldest.some((h) => isSelected(selected, h.slab, h.slot));
  const slab = state.slabs.find((s) => s.name === selected.slab);
  const code = slab?.states?.[selected.slot];
  const what = listed
    ? "hidden by the filters"
    : slab?.kind !== "handle"
    ? "not a handle"
    : code === undefined
    ? "not listed"
    : code >= 2 && code <= 5
    ? `${STATE_NAMES[code]}, not among the listed oldest`
    : `${STATE_NAMES[code]}: no open handle`;
  return (
    <p class="muted selection-note" role="status">
      slot {formatCount(selected.slot)} of {selected.slab}: {what}
    </p>
  );
}
