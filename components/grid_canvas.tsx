// Copyright 2026 the slabscope authors. MIT license.
/** @jsxImportSource npm:preact@^10.29.8 */
// This module is browser compatible.
/**
 * The canvas of one slab's grid: feeds states to its {@linkcode SlabGrid},
 * draws through the frame loop, and wires pointer, wheel and keys to the
 * zoom, pan, hover, keyboard cursor and slot tooltip. What a key does is
 * decided in `client/grid_keys.ts`.
 *
 * @module
 */

import type { Signal } from "npm:@preact/signals@^2.11.4";
import { useSignalEffect } from "npm:@preact/signals@^2.11.4";
import { useEffect, useRef, useState } from "npm:preact@^10.29.8/hooks";
import { SLOT_LETTERS } from "../core/wire/slot_states.ts";
import type { MemorySnapshot, SlabSnapshot } from "../core/wire/types.ts";
import { cycledSlots } from "../client/cycled_slots.ts";
import { formatCount, formatDuration } from "../client/format.ts";
import {
  type Drawable,
  frameStats,
  recordUpdate,
  register,
  requestDraw,
} from "../client/frame_loop.ts";
import {
  fitView,
  type GridGeometry,
  gridKeyAction,
  ZOOM_STEP,
  zoomView,
} from "../client/grid_keys.ts";
import {
  canvasHeight,
  clampView,
  fitZoom,
  type GridView,
  LETTER_ZOOM,
  reveal,
} from "../client/grid_view.ts";
import { STATE_NAMES } from "../client/palette.ts";
import { SlabGrid } from "../client/slab_grid.ts";
import { isSelected, type SlotSelection } from "../client/slot_selection.ts";
import { DiffOverlay } from "../client/diff_overlay.ts";
import type { MomentDiff } from "../client/moment_diff.ts";

interface SlotDetails {
  index: number;
  state: number;
  ownerName: string | null;
  age: number;
  /** The slot's allocation site: a sampled stack's frames (one per line) or a label. */
  siteText: string | null;
}

/** Highlighted state per panel, set by the legend, applied by the grid. */
export const highlights: Map<string, (state: number) => void> = new Map();

/** The slab named `name` in a snapshot. */
export function findSlab(snapshot: MemorySnapshot | null, name: string): SlabSnapshot | undefined {
  return snapshot?.slabs.find((slab) => slab.name === name);
}

/** A performance mark set when a grid first draws its slots. */
const FIRST_SLOTS_MARK = "slabscope:first-slots";

/** Props of {@linkcode GridCanvas}. */
export interface GridCanvasProps {
  snapshot: Signal<MemorySnapshot | null>;
  name: string;
  slotUrl: string | null;
  ownerMap: (string | null)[];
  /** The selected slot, shared with the open-handle list: a click or Enter selects a cell. */
  selection?: Signal<SlotSelection | null>;
  /** Two moments compared: the cells that differ are marked over the grid. */
  diff?: Signal<MomentDiff | null> | undefined;
  /** The moment the timeline shows (`null`: live): a jump to a far moment does not flash. */
  moment?: Signal<string | null> | undefined;
}

/** No slots marked beside the selected one: one array, so that "unchanged" is `===`. */
const NO_SLOTS: readonly number[] = [];

/** Pointer travel (CSS px) below which a press and release is a click, not a drag. */
const CLICK_SLOP = 4;

/** The grid canvas of the slab `name`. */
export function GridCanvas(
  { snapshot, name, slotUrl, ownerMap, selection, diff, moment }: GridCanvasProps,
) {
  const frame = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const state = useRef<{
    grid?: SlabGrid;
    view: GridView;
    width: number;
    height: number;
    fit: number;
    dpr: number;
    cursor: number;
    hover: number;
    selected: number;
    /** Other slots selected with it (a lint's). */
    marked: readonly number[];
    dirty: boolean;
    owners?: Uint16Array;
    overlay?: DiffOverlay | undefined;
    seq: number;
  }>({
    view: { zoom: 1, x: 0, y: 0 },
    width: 0,
    height: 0,
    fit: 1,
    dpr: 1,
    cursor: -1,
    hover: -1,
    selected: -1,
    marked: NO_SLOTS,
    dirty: true,
    seq: -1,
  });
  const [tip, setTip] = useState<
    { index: number; x: number; y: number; details?: SlotDetails } | null
  >(null);
  const ownerMapRef = useRef(ownerMap);
  ownerMapRef.current = ownerMap;

  // The drawable: flashes, flush, render, overlays.
  const drawable = useRef<Drawable>({
    frame(now: number): boolean {
      const s = state.current;
      const grid = s.grid;
      const element = canvas.current;
      if (grid === undefined || element === null) return false;
      const animating = grid.step(now);
      const flushed = grid.flush();
      if (flushed || s.dirty) {
        const context = element.getContext("2d")!;
        context.setTransform(s.dpr, 0, 0, s.dpr, 0, 0);
        grid.render(context, s.width, s.height, s.view);
        if (s.overlay?.total === grid.total) s.overlay.render(context, s.width, s.height, s.view);
        drawOverlay(
          context,
          grid,
          s.view,
          s.width,
          s.height,
          s.cursor,
          s.hover,
          s.selected,
          s.marked,
        );
        s.dirty = false;
        // The moment the slots are first on screen, for the page-load benchmark.
        if (grid.hasSlots && performance.getEntriesByName(FIRST_SLOTS_MARK).length === 0) {
          performance.mark(FIRST_SLOTS_MARK);
        }
      }
      element.dataset.usedCells = String(grid.usedCells);
      element.dataset.flashing = String(grid.flashing);
      element.dataset.selectedSlot = String(s.selected);
      element.dataset.markedSlots = String(s.marked.length);
      return animating;
    },
  });

  // Layout: size the canvas to its container and keep the view fitted.
  const layout = () => {
    const s = state.current;
    const grid = s.grid;
    const element = canvas.current;
    const container = frame.current;
    if (grid === undefined || element === null || container === null) return;
    const width = Math.max(40, container.clientWidth);
    const wasFit = Math.abs(s.view.zoom - s.fit) < 1e-9;
    s.fit = fitZoom(grid.columns, grid.rows, width);
    s.width = width;
    s.height = canvasHeight(grid.rows, s.fit);
    s.dpr = globalThis.devicePixelRatio || 1;
    element.style.width = `${width}px`;
    element.style.height = `${s.height}px`;
    element.width = Math.round(width * s.dpr);
    element.height = Math.round(s.height * s.dpr);
    s.view = wasFit || s.view.zoom < s.fit
      ? { zoom: s.fit, x: 0, y: 0 }
      : clampView(s.view, grid.columns, grid.rows, width, s.height);
    s.dirty = true;
    requestDraw(drawable.current);
  };

  // Feed every new state to the grid (imperatively: no re-render per tick).
  useSignalEffect(() => {
    const current = snapshot.value;
    const slab = findSlab(current, name);
    if (slab === undefined) return;
    const s = state.current;
    const started = performance.now();
    let fresh = false;
    if (s.grid === undefined || s.grid.total !== slab.total || s.grid.kind !== slab.kind) {
      s.grid = new SlabGrid(slab.total, slab.kind);
      frameStats.grids[name] = s.grid;
      s.view = { zoom: 0, x: 0, y: 0 };
      fresh = true;
    }
    // No flashes for the first picture, nor while the tab is hidden, nor for
    // a jump of the timeline to a moment more than a tick away (a scrub:
    // flashing what differs from wherever it was would flash half the slab).
    const hadSlots = s.grid.hasSlots;
    const jump = moment?.peek() != null && Math.abs(current!.seq - s.seq) > 1;
    s.seq = current!.seq;
    const changed = s.grid.update(
      slab,
      performance.now(),
      !fresh && !document.hidden && !jump,
      jump ? undefined : cycledSlots(current!, name),
    );
    s.owners = slab.owners;
    // The page carries no slots; until the stream's keyframe does, the grid
    // is drawn dimmed (see styles.css) rather than as if every slot were free.
    if (canvas.current !== null) canvas.current.dataset.hasSlots = String(s.grid.hasSlots);
    recordUpdate(performance.now() - started);
    if (fresh) layout();
    if (changed > 0 || fresh || hadSlots !== s.grid.hasSlots) requestDraw(drawable.current);
  });

  // The selection, from a click here or a row of the open-handle list: mark
  // the cell, and bring it into view when the grid is zoomed in.
  useSignalEffect(() => {
    const chosen = selection?.value ?? null;
    const s = state.current;
    const index = chosen !== null && chosen.slab === name ? chosen.slot : -1;
    const marked = chosen !== null && chosen.slab === name ? chosen.slots ?? NO_SLOTS : NO_SLOTS;
    if (index === s.selected && marked === s.marked) return;
    s.selected = index;
    s.marked = marked;
    const grid = s.grid;
    if (index >= 0 && grid !== undefined && index < grid.total) {
      s.view = clampView(
        reveal(s.view, index % grid.columns, Math.floor(index / grid.columns), s.width, s.height),
        grid.columns,
        grid.rows,
        s.width,
        s.height,
      );
    }
    s.dirty = true;
    requestDraw(drawable.current);
  });

  // The cells that differ between two compared moments, over the grid.
  useSignalEffect(() => {
    const slab = diff?.value?.slabs.find((s) => s.name === name);
    const s = state.current;
    s.overlay = slab === undefined ? undefined : new DiffOverlay(slab.total, slab.cells);
    if (canvas.current !== null) {
      canvas.current.dataset.diffCells = String(s.overlay?.marked ?? "");
    }
    frameStats.overlays[name] = s.overlay;
    s.dirty = true;
    requestDraw(drawable.current);
  });

  useEffect(() => {
    const unregister = register(drawable.current);
    const observer = new ResizeObserver(() => layout());
    if (frame.current) observer.observe(frame.current);
    highlights.set(name, (selected) => {
      state.current.grid?.highlight(selected);
      requestDraw(drawable.current);
    });
    const media = globalThis.matchMedia?.(`(resolution: ${globalThis.devicePixelRatio}dppx)`);
    media?.addEventListener("change", layout);
    return () => {
      unregister();
      observer.disconnect();
      highlights.delete(name);
      delete frameStats.grids[name];
      delete frameStats.overlays[name];
      media?.removeEventListener("change", layout);
    };
  }, [name]);

  // Details on demand: the exact time in state and owner, from the server.
  useEffect(() => {
    if (slotUrl === null || tip === null || tip.details?.index === tip.index) return;
    const timer = setTimeout(async () => {
      try {
        const response = await fetch(
          `${slotUrl}?slab=${encodeURIComponent(name)}&index=${tip.index}`,
        );
        if (!response.ok) return;
        const details = await response.json() as SlotDetails;
        setTip((t) => (t && t.index === details.index ? { ...t, details } : t));
      } catch {
        // Offline: the tooltip keeps what the stream told us.
      }
    }, 120);
    return () => clearTimeout(timer);
  }, [tip?.index, slotUrl]);

  const redraw = () => {
    state.current.dirty = true;
    requestDraw(drawable.current);
  };
  /** The grid and its canvas as the keyboard and zoom arithmetic see them. */
  const geometry = (): GridGeometry | undefined => {
    const { grid, width, height, fit } = state.current;
    if (grid === undefined) return undefined;
    return { total: grid.total, columns: grid.columns, rows: grid.rows, width, height, fit };
  };
  const setView = (view: GridView) => {
    const s = state.current;
    if (s.grid === undefined) return;
    s.view = clampView(view, s.grid.columns, s.grid.rows, s.width, s.height);
    redraw();
  };
  const zoomBy = (factor: number, px?: number, py?: number) => {
    const g = geometry();
    if (g !== undefined) setView(zoomView(state.current.view, factor, g, px, py));
  };
  const fit = () => {
    const g = geometry();
    if (g !== undefined) setView(fitView(g));
  };
  const showTip = (index: number, x: number, y: number) => {
    setTip(index < 0 ? null : (t) => (t?.index === index ? { ...t, x, y } : { index, x, y }));
  };

  /** Selects slot `index` of this grid, or clears the selection when it is selected already. */
  const choose = (index: number) => {
    if (selection === undefined || index < 0) return;
    selection.value = isSelected(selection.value, name, index) ? null : { slab: name, slot: index };
  };
  const press = useRef<{ x: number; y: number } | null>(null);
  /** Whether the tooltip shown was opened by a tap (it then stays until the next tap or blur). */
  const touched = useRef(false);
  const drag = useRef<{ x: number; y: number; view: GridView } | null>(null);
  const onPointerDown = (event: PointerEvent) => {
    press.current = { x: event.clientX, y: event.clientY };
    if (state.current.view.zoom <= state.current.fit + 1e-9) return;
    drag.current = { x: event.clientX, y: event.clientY, view: state.current.view };
    (event.currentTarget as Element).setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent) => {
    const s = state.current;
    const rect = (event.currentTarget as Element).getBoundingClientRect();
    const px = event.clientX - rect.left;
    const py = event.clientY - rect.top;
    if (drag.current !== null) {
      const d = drag.current;
      setView({
        ...d.view,
        x: d.view.x - (event.clientX - d.x) / d.view.zoom,
        y: d.view.y - (event.clientY - d.y) / d.view.zoom,
      });
      return;
    }
    const index = s.grid?.hitTest(px, py, s.view) ?? -1;
    if (index !== s.hover) {
      s.hover = index;
      redraw();
    }
    showTip(index, px, py);
  };
  const onPointerUp = (event: PointerEvent) => {
    drag.current = null;
    const from = press.current;
    press.current = null;
    if (from === null) return;
    if (Math.hypot(event.clientX - from.x, event.clientY - from.y) > CLICK_SLOP) return;
    const rect = (event.currentTarget as Element).getBoundingClientRect();
    const s = state.current;
    const px = event.clientX - rect.left;
    const py = event.clientY - rect.top;
    const index = s.grid?.hitTest(px, py, s.view) ?? -1;
    // A finger or a pen has no hover: the tap itself shows the slot, and the
    // tooltip stays until the next tap (on a cell, or off the grid).
    if (event.pointerType !== "mouse") {
      touched.current = index >= 0;
      showTip(index, px, py);
    }
    choose(index);
  };
  const onPointerLeave = (event: PointerEvent) => {
    // A touch "leaves" as soon as the finger lifts: the tapped tooltip stays.
    if (event.pointerType !== "mouse" && touched.current) return;
    state.current.hover = -1;
    if (state.current.cursor < 0) setTip(null);
    redraw();
  };
  const onWheel = (event: WheelEvent) => {
    if (!event.ctrlKey && !event.metaKey) return; // plain wheel scrolls the page
    event.preventDefault();
    const rect = (event.currentTarget as Element).getBoundingClientRect();
    zoomBy(Math.exp(-event.deltaY / 300), event.clientX - rect.left, event.clientY - rect.top);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const s = state.current;
    const g = geometry();
    if (g === undefined) return;
    const action = gridKeyAction(event, s.view, s.cursor, g);
    switch (action.kind) {
      case "ignore":
        return;
      case "view":
        setView(action.view);
        break;
      case "cursor":
        s.cursor = action.cursor;
        setView(action.view);
        showTip(action.cursor, action.anchor.x, action.anchor.y);
        break;
      case "hide-cursor":
        s.cursor = -1;
        setTip(null);
        redraw();
        break;
      case "select":
        choose(action.slot);
        break;
    }
    event.preventDefault();
  };

  const grid = state.current.grid;
  const tipState = tip === null || grid === undefined ? 0 : grid.stateOf(tip.index);
  const tipOwner = tip === null ? undefined : state.current.owners?.[tip.index];
  const ownerName = tip?.details?.ownerName ??
    (tipOwner === undefined || tipOwner === 0xffff
      ? null
      : ownerMapRef.current[tipOwner] ?? `#${tipOwner}`);
  return (
    <div class="grid-frame" ref={frame}>
      <div class="grid-tools">
        <button type="button" onClick={() => zoomBy(ZOOM_STEP)} aria-label={`zoom in on ${name}`}>
          +
        </button>
        <button
          type="button"
          onClick={() => zoomBy(1 / ZOOM_STEP)}
          aria-label={`zoom out of ${name}`}
        >
          −
        </button>
        <button type="button" onClick={fit}>
          fit
        </button>
        <span class="muted hint keyboard-only">
          arrows: inspect · enter: select · shift+arrows: pan · +/−: zoom · ctrl+wheel
        </span>
      </div>
      <canvas
        ref={canvas}
        class="grid"
        tabIndex={0}
        role="img"
        data-slab={name}
        data-has-slots="false"
        aria-label={`${name}: one cell per slot; use the arrow keys to inspect slots`}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={onPointerLeave}
        onWheel={onWheel}
        onKeyDown={onKeyDown}
        onBlur={() => {
          // Focus gone: the keyboard's cursor and its tooltip go with it
          // (a mouse still over a cell shows it again on its next move).
          state.current.cursor = -1;
          touched.current = false;
          setTip(null);
          redraw();
        }}
      />
      {tip !== null && (
        <div
          class="tooltip"
          role="status"
          style={{
            left: `${Math.min(tip.x + 14, state.current.width - 200)}px`,
            top: `${(canvas.current?.offsetTop ?? 0) + tip.y + 14}px`,
          }}
        >
          <strong>slot {formatCount(tip.index)}</strong>
          {[
            "",
            STATE_NAMES[tipState],
            ...(ownerName === null ? [] : [ownerName]),
            ...(tip.details !== undefined && tip.details.state === tipState
              ? [`${formatDuration(tip.details.age)} in state`]
              : []),
          ].join(" · ")}
          {tip.details?.siteText != null && tip.details.state === tipState && (
            <div class="tooltip-site" data-field="site">
              <span class="muted">site</span> <code>{tip.details.siteText.split("\n")[0]}</code>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

/** Hover and cursor outlines; letters and cell gaps when cells are large. */
function drawOverlay(
  context: CanvasRenderingContext2D,
  grid: SlabGrid,
  view: GridView,
  width: number,
  height: number,
  cursor: number,
  hover: number,
  selected: number,
  marked: readonly number[],
): void {
  const z = view.zoom;
  if (z >= 6) {
    // Cell gaps: thin lines in the panel colour.
    context.strokeStyle = "rgba(22, 27, 34, 0.9)";
    context.lineWidth = 1;
    context.beginPath();
    for (let c = Math.ceil(view.x); c <= view.x + width / z; c++) {
      const x = Math.round((c - view.x) * z) + 0.5;
      context.moveTo(x, 0);
      context.lineTo(x, height);
    }
    for (let r = Math.ceil(view.y); r <= view.y + height / z; r++) {
      const y = Math.round((r - view.y) * z) + 0.5;
      context.moveTo(0, y);
      context.lineTo(width, y);
    }
    context.stroke();
  }
  if (z >= LETTER_ZOOM) {
    // Colour is never the only signal: large cells carry their state letter.
    context.fillStyle = "rgba(13, 17, 23, 0.85)";
    context.font = `600 ${Math.floor(z * 0.55)}px ui-monospace, monospace`;
    context.textAlign = "center";
    context.textBaseline = "middle";
    for (let r = Math.floor(view.y); r < view.y + height / z; r++) {
      for (let c = Math.floor(view.x); c < view.x + width / z; c++) {
        const index = r * grid.columns + c;
        if (index >= grid.total || c >= grid.columns) continue;
        const state = grid.stateOf(index);
        if (state === 0) continue;
        context.fillText(SLOT_LETTERS[state]!, (c - view.x + 0.5) * z, (r - view.y + 0.5) * z);
      }
    }
  }
  const marks: (readonly [number, string])[] = marked.map((index) => [index, "#39d4d4"] as const);
  marks.push([selected, "#39d4d4"], [hover, "#f0f6fc"], [cursor, "#ffd33d"]);
  for (const [index, color] of marks) {
    if (index < 0) continue;
    const c = index % grid.columns;
    const r = Math.floor(index / grid.columns);
    const size = Math.max(z, 3);
    context.strokeStyle = color;
    context.lineWidth = 2;
    context.strokeRect((c - view.x) * z - 1, (r - view.y) * z - 1, size + 2, size + 2);
  }
}
