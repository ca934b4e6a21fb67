// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
// This module is browser compatible.
/**
 * One slab's panel: gauge, legend with live counts, and the canvas grid with
 * flashes, zoom, pan, hover and a keyboard cursor.
 *
 * @module
 */

import type { Signal } from "npm:@preact/signals@^2.11.4";
import { useRef, useState } from "npm:preact@^10.29.8/hooks";
import { poolLevel } from "../core/capacity_level.ts";
import { CACHED_STATE, SLOT_LETTERS } from "../core/wire/slot_states.ts";
import type { MemorySnapshot, SlabSnapshot } from "../core/wire/types.ts";
import type { SlotSelection } from "../client/slot_selection.ts";
import { formatCount, formatPercent } from "../client/format.ts";
import { findSlab, GridCanvas, highlights } from "./grid_canvas.tsx";
import { poolAnchor } from "../client/pool_anchor.ts";
import { STATE_COLORS, STATE_NAMES } from "../client/palette.ts";
import type { MomentDiff } from "../client/moment_diff.ts";

/** Props of {@linkcode SlabPanel}. */
export interface SlabPanelProps {
  /** The live state shared by all islands. */
  snapshot: Signal<MemorySnapshot | null>;
  /** Which slab this panel shows. */
  name: string;
  /** URL of `…/diagnostics/slot`, for time-in-state details; `null` for none (another instance). */
  slotUrl: string | null;
  /** The selected slot, shared with the open-handle list. */
  selection?: Signal<SlotSelection | null>;
  /** Two moments compared, if any: their differing cells are marked. */
  diff?: Signal<MomentDiff | null> | undefined;
  /** The moment the timeline shows (`null`: live). */
  moment?: Signal<string | null> | undefined;
}

const PLAIN_STATES = [0, 1];
const HANDLE_STATES = [0, 2, 3, 4, 5];
/** Shown once a slab had cached slots (`SlabAllocatorOptions.cache`); slabs without caches never do. */
const CACHED = CACHED_STATE;

/** The panel of one slab. */
export function SlabPanel({ snapshot, name, slotUrl, selection, diff, moment }: SlabPanelProps) {
  const slab = findSlab(snapshot.value, name);
  if (slab === undefined) return null;
  const usedRatio = slab.used / slab.total;
  const level = poolLevel("slab", usedRatio, slab.overflow);
  // An arena pool is registered as a slab of arenas and as an arena of the
  // same name (`DiagnosticsRegistry.addArenaPool`).
  const backs = snapshot.value?.arenas.some((arena) =>
    arena.name === name && arena.pool !== undefined
  );
  return (
    <section
      class={`panel slab ${level}`}
      id={poolAnchor("slab", name)}
      aria-labelledby={`slab-${name}`}
    >
      <header class="slab-head">
        <h3 id={`slab-${name}`}>{name}</h3>
        <span class="muted">
          {/* A handle slab's one-byte payload says nothing: its slots are connections. */}
          {slab.kind === "handle" && slab.slot_size <= 1
            ? "handle slab"
            : `${slab.kind === "handle" ? "handles" : "slots"} of ${formatCount(slab.slot_size)} B`}
        </span>
        {slab.overflow > 0 && (
          <span class="badge critical" title="alloc() calls that found the slab full">
            ⚠ {formatCount(slab.overflow)} overflow{slab.overflow === 1 ? "" : "s"}
          </span>
        )}
        {backs && (
          <a class="backs" href={`#${poolAnchor("arena", name)}`} data-backs-arena={name}>
            backs arena pool {name}: one slot per arena
          </a>
        )}
        {slab.invalid_frees > 0 && (
          <span class="badge warning" title="double frees, stale or foreign handles">
            {formatCount(slab.invalid_frees)} invalid free{slab.invalid_frees === 1 ? "" : "s"}
          </span>
        )}
      </header>
      <Gauge
        used={slab.used}
        total={slab.total}
        hwm={slab.hwm}
        cached={slab.summary.K ?? 0}
        level={level}
      />
      <Legend
        slab={slab}
        panel={name}
        differing={diff?.value?.slabs.find((s) => s.name === name)?.cells.length}
      />
      <GridCanvas
        snapshot={snapshot}
        name={name}
        slotUrl={slotUrl}
        ownerMap={snapshot.value?.owner_map ?? []}
        selection={selection}
        diff={diff}
        moment={moment}
      />
    </section>
  );
}

function Gauge(
  { used, total, hwm, cached, level }: {
    used: number;
    total: number;
    hwm: number;
    cached: number;
    level: string;
  },
) {
  return (
    <div class="gauge-row">
      <div
        class={`gauge ${level}`}
        role="meter"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={used}
        aria-label="slots in use"
      >
        <div class="gauge-fill" style={{ width: `${(100 * used) / total}%` }} />
        <div
          class="gauge-hwm"
          style={{ left: `${(100 * hwm) / total}%` }}
          title={`high-water mark: ${formatCount(hwm)}`}
        />
      </div>
      <span class="gauge-text">
        <strong>{formatCount(used)}</strong> / {formatCount(total)}{" "}
        ({formatPercent(used / total)}) · hwm {formatCount(hwm)}
        {cached > 0 && (
          <span
            class="cached"
            title="free slots held in Worker caches: not in use, not free to all"
          >
            {` · ${formatCount(cached)} cached`}
          </span>
        )}
      </span>
    </div>
  );
}

function Legend(
  { slab, panel, differing }: { slab: SlabSnapshot; panel: string; differing?: number | undefined },
) {
  const [selected, setSelected] = useState(-1);
  // Cached once, listed for good: an entry that came and went with every
  // cache refill would make the legend jump.
  const hadCached = useRef(false);
  hadCached.current ||= (slab.summary.K ?? 0) > 0;
  const states = [
    ...(slab.kind === "handle" ? HANDLE_STATES : PLAIN_STATES),
    ...(hadCached.current ? [CACHED] : []),
  ];
  const counts = slab.summary;
  const countOf = (state: number) =>
    state === 0
      ? slab.total - (counts.U + counts.N + counts.A + counts.I + counts.C) - (counts.K ?? 0)
      : state === CACHED
      ? counts.K ?? 0
      : counts[SLOT_LETTERS[state] as "U" | "N" | "A" | "I" | "C"];
  const toggle = (state: number) => {
    const next = selected === state ? -1 : state;
    setSelected(next);
    highlights.get(panel)?.(next);
  };
  return (
    <ul class="legend" aria-label="states (select one to highlight it)">
      {states.map((state) => (
        <li key={state}>
          <button
            type="button"
            class={`legend-item${selected === state ? " selected" : ""}`}
            aria-pressed={selected === state}
            onClick={() => toggle(state)}
          >
            <span
              class={`swatch state-${SLOT_LETTERS[state]}`}
              style={{ background: STATE_COLORS[state] }}
            />
            {STATE_NAMES[state]} <span class="count">{formatCount(countOf(state))}</span>
          </button>
        </li>
      ))}
      <li class="legend-item static" aria-hidden="true">
        <span class="swatch flash" /> changed
      </li>
      {differing !== undefined && (
        <li class="legend-item static differs">
          <span class="swatch differs" /> differs between the two moments{" "}
          <span class="count">{formatCount(differing)}</span>
        </li>
      )}
    </ul>
  );
}
