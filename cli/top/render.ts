// Copyright 2026 the slabscope authors. MIT license.
/**
 * What `slabscope top` draws: the header, the slab table, the arena table, the
 * requests table (one row per instrumented server and fetch target) and the
 * key help, as lines that fit the terminal (names truncated, never a
 * wrapped line; a pool's row colored by its capacity level), then turned into
 * one ANSI frame that redraws in place. The plain table of `--once` comes from
 * the same pieces.
 *
 * @module
 */

import { poolLevel } from "../../core/capacity_level.ts";
import type { MemorySnapshot } from "../../core/wire/types.ts";
import type { ConnectionStatus } from "./connection.ts";
import {
  displayWidth,
  formatAge,
  formatPercent,
  formatSize,
  formatUse,
  padEnd,
  padStart,
  sanitize,
  truncate,
} from "./format.ts";
import { REQUEST_COLUMNS, requestRows } from "./requests.ts";
import { lintLines } from "./lints.ts";
import {
  type ArenaRow,
  arenaRows,
  type SlabRow,
  slabRows,
  type Sort,
  SORT_TITLES,
  type SortKey,
  totals,
} from "./table.ts";

/** One screen line: text (no control characters) and an optional style. */
export interface ScreenLine {
  /** The text. */
  text: string;
  /**
   * `"inverse"`: a full-width bar (table headers). `"warning"`, `"critical"`:
   * a pool's row at that capacity level (see `core/capacity_level.ts`),
   * yellow or bold red when colors are on.
   */
  style?: "inverse" | "warning" | "critical";
}

/** Everything one frame shows. Times are `performance.now()` times. */
export interface TopView {
  /** The instance's `host:port`. */
  host: string;
  /** The latest state, if any. */
  snapshot?: MemorySnapshot;
  /** The instance's boot id. */
  bootId?: string;
  /** The connection, for the header. */
  status: ConnectionStatus;
  /** When the last keyframe or delta arrived. */
  updatedAt?: number;
  /** The message of a server `error` event. */
  serverError?: string;
  /** Now. */
  now: number;
  /** The table order. */
  sort: Sort;
  /** What `--record` is writing (the file, the events so far), if it is. */
  recording?: string;
}

/** A terminal size. */
export interface ScreenSize {
  /** Columns. */
  columns: number;
  /** Rows. */
  rows: number;
}

/** A right-aligned table column. */
export interface Column<T> {
  /** The title in the table's header. */
  title: string;
  /** The narrowest the column gets. */
  min: number;
  /** The sort key it shows, if it is sortable: the sorted column is never dropped. */
  key?: SortKey;
  /** On a narrow screen, columns go in this order (1 first); 0: never. */
  drop: number;
  /** The cell's text for a row. */
  cell(row: T): string;
}

const SLAB_COLUMNS: Column<SlabRow>[] = [
  { title: "OBJS", min: 6, key: "objs", drop: 4, cell: (row) => String(row.objs) },
  { title: "ACTIVE", min: 6, key: "active", drop: 0, cell: (row) => String(row.active) },
  { title: "USE", min: 4, key: "use", drop: 0, cell: (row) => formatUse(row.use) },
  { title: "SLOT SIZE", min: 9, key: "size", drop: 3, cell: (row) => formatSize(row.slotSize) },
  { title: "HWM", min: 6, key: "hwm", drop: 1, cell: (row) => String(row.hwm) },
  { title: "OVERFLOW", min: 8, key: "overflow", drop: 2, cell: (row) => String(row.overflow) },
];

const ARENA_COLUMNS: Column<ArenaRow>[] = [
  { title: "USED", min: 6, key: "active", drop: 0, cell: (row) => formatSize(row.used) },
  { title: "CAPACITY", min: 8, key: "objs", drop: 3, cell: (row) => formatSize(row.capacity) },
  { title: "USE", min: 4, key: "use", drop: 0, cell: (row) => formatUse(row.use) },
  { title: "HWM", min: 6, key: "hwm", drop: 1, cell: (row) => formatSize(row.hwm) },
  { title: "OVERFLOW", min: 8, key: "overflow", drop: 2, cell: (row) => String(row.overflow) },
];

/** The narrowest NAME column worth dropping other columns for. */
const MIN_NAME_WIDTH = 12;

/**
 * Lays out a table: numbers right-aligned in columns as wide as their
 * widest cell, then NAME, truncated to what is left of `width`. When NAME
 * would get fewer than 12 columns, the least useful columns are left out
 * (HWM, then OVERFLOW, SLOT SIZE, OBJS; never the sorted one).
 *
 * @param columns The numeric columns.
 * @param rows The rows.
 * @param width The columns available (`Infinity`: never truncate).
 * @param sortKey The sorted column, kept whatever the width.
 * @returns The header line and one line per row.
 */
export function layoutTable<T extends { name: string }>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  width: number,
  sortKey?: SortKey,
): { head: string; lines: string[] } {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, i) => {
    let w = Math.max(column.min, column.title.length);
    for (const c of cells) w = Math.max(w, c[i]!.length);
    return w;
  });
  const shown = columns.map((_, i) => i);
  const nameWidth = () => width - shown.reduce((sum, i) => sum + widths[i]! + 1, 0);
  const droppable = columns
    .map((column, i) => ({ column, i }))
    .filter(({ column }) => column.drop > 0 && (column.key === undefined || column.key !== sortKey))
    .sort((a, b) => a.column.drop - b.column.drop);
  for (const { i } of droppable) {
    if (nameWidth() >= MIN_NAME_WIDTH) break;
    shown.splice(shown.indexOf(i), 1);
  }
  const prefix = (texts: string[]) => shown.map((i) => padStart(texts[i]!, widths[i]!)).join(" ");
  const head = `${prefix(columns.map((c) => c.title))} NAME`;
  const name = nameWidth();
  const lines = rows.map((row, i) => `${prefix(cells[i]!)} ${truncate(sanitize(row.name), name)}`);
  return { head, lines };
}

/**
 * How many lines each table's body gets when `available` lines are left
 * below the header: slabs first, arenas at least one line and up to a third
 * (plus their blank line and title) when there are any, leftovers to
 * whichever needs them. A table that does not fit ends with a "more" line.
 *
 * @param available Lines for both bodies, the arena title and its blank line.
 * @param slabs Slab rows.
 * @param arenas Arena rows.
 * @returns The body lines of each table (0 for arenas: no arena section).
 */
export function fitTables(
  available: number,
  slabs: number,
  arenas: number,
): { slabs: number; arenas: number } {
  const space = Math.max(0, available);
  if (arenas === 0 || space < 3) return { slabs: Math.min(slabs, space), arenas: 0 };
  const bodies = space - 2; // the arena table's blank line and title
  let arenaLines = Math.min(arenas, Math.max(1, Math.floor(bodies / 3)));
  const slabLines = Math.min(slabs, bodies - arenaLines);
  arenaLines = Math.min(arenas, bodies - slabLines);
  return { slabs: slabLines, arenas: arenaLines };
}

/**
 * A table row's line, styled by its pool's level as the dashboard rates it:
 * a slab's overflow is critical, an arena's (served from the heap) a warning.
 */
function rowLine(
  text: string,
  row: { use: number; overflow: number },
  kind: "slab" | "arena",
): ScreenLine {
  const level = poolLevel(kind, row.use, row.overflow);
  return level === "ok" ? { text } : { text, style: level };
}

/** The first `count` lines of a table body, the last saying how many are left out. */
function clip(lines: ScreenLine[], count: number, what: string): ScreenLine[] {
  if (lines.length <= count) return lines;
  if (count <= 0) return [];
  const hidden = lines.length - count + 1;
  return [...lines.slice(0, count - 1), { text: `  … ${hidden} more ${what}` }];
}

const LABEL_WIDTH = 30;

function labelled(label: string, value: string): string {
  return ` ${padEnd(label, LABEL_WIDTH)}: ${value}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The header's figure lines (everything but the instance line). */
function figureLines(snapshot: MemorySnapshot): string[] {
  const t = totals(snapshot);
  return [
    labelled(
      "Active / Total Slots (% used)",
      `${t.activeSlots} / ${t.totalSlots} (${formatPercent(t.activeSlots, t.totalSlots)})`,
    ),
    labelled(
      "Active / Total Size (% used)",
      `${formatSize(t.activeBytes)} / ${formatSize(t.totalBytes)} (${
        formatPercent(t.activeBytes, t.totalBytes)
      })`,
    ),
    labelled("Pools", `${plural(t.slabs, "slab")}, ${plural(t.arenas, "arena")}`),
    labelled(
      "Total overflow",
      `${t.slabOverflow + t.arenaOverflow} (slabs ${t.slabOverflow}, arenas ${t.arenaOverflow})`,
    ),
    labelled("Heap used / RSS", `${formatSize(t.heapUsed)} / ${formatSize(t.rss)}`),
  ];
}

/**
 * The connection as the header says it: `live`, `stale (no event for 4.1s)`,
 * `reconnecting in 2.0s (attempt 3): Connection refused`, `connecting…`.
 *
 * @param status The connection's status.
 * @param now `performance.now()`.
 * @returns The text.
 */
export function describeConnection(status: ConnectionStatus, now: number): string {
  switch (status.state) {
    case "connecting":
      return "connecting…";
    case "live":
      return "live";
    case "stale":
      return `stale (no event for ${formatAge(now - (status.lastActivity ?? now))})`;
    case "reconnecting": {
      const left = (status.retryAt ?? now) - now;
      const when = left > 0 ? `in ${formatAge(left)}` : "now";
      const why = status.error === undefined ? "" : `: ${sanitize(status.error)}`;
      return `reconnecting ${when} (attempt ${status.attempt})${why}`;
    }
  }
}

function directionName(sort: Sort): string {
  const natural = sort.key === "name" ? "A-Z" : "desc";
  const reversed = sort.key === "name" ? "Z-A" : "asc";
  return sort.reverse ? reversed : natural;
}

/** The key help line: the order first, then the keys, so that a narrow screen keeps the order. */
export function helpLine(sort: Sort): string {
  return ` Sort: ${SORT_TITLES[sort.key]} ${directionName(sort)} │ q quit │ o objs  a active  ` +
    `u use  s slot size  h hwm  v overflow  n name  (same key again: reverse)`;
}

/**
 * The screen: exactly `size.rows` lines, none wider than `size.columns`.
 *
 * @param view What to show.
 * @param size The terminal size.
 * @returns The lines, top to bottom.
 */
export function renderScreen(view: TopView, size: ScreenSize): ScreenLine[] {
  const { columns, rows } = size;
  if (rows <= 0 || columns <= 0) return [];
  const boot = view.bootId === undefined ? "" : ` (boot ${view.bootId})`;
  let state = describeConnection(view.status, view.now);
  if (view.serverError !== undefined) state += ` · server error: ${view.serverError}`;
  // Header lines with a priority (0 kept first) for short screens.
  const header: [number, string][] = [[0, labelled("Instance", `${view.host}${boot} · ${state}`)]];
  if (view.recording !== undefined) header.push([0.5, labelled("Recording", view.recording)]);
  const body: ScreenLine[] = [];
  const snapshot = view.snapshot;
  let tableWant = 0;
  if (snapshot === undefined) {
    header.push([1, " Waiting for the first keyframe…"]);
  } else {
    const [slots, size, pools, overflow, heap] = figureLines(snapshot);
    const age = view.updatedAt === undefined ? "" : `${formatAge(view.now - view.updatedAt)} ago `;
    header.push(
      [1, slots!],
      [5, size!],
      [6, pools!],
      [2, overflow!],
      [4, heap!],
      [3, labelled("Last update", `${age}(seq ${snapshot.seq})`)],
    );
    // Lints come right after the instance: they are what to look at first.
    const lints = lintLines(snapshot);
    header.push([0.6, labelled("Lints", lints.summary)]);
    for (const line of lints.lines) header.push([0.7, line]);
    const arenas = snapshot.arenas.length;
    const requests = requestRows(snapshot).length;
    // Up to 6 lines of tables come before the header's less useful lines.
    tableWant = Math.min(
      6,
      snapshot.slabs.length + (arenas > 0 ? arenas + 2 : 0) + (requests > 0 ? requests + 2 : 0),
    );
  }
  // Above the help line: the header, a blank line, the slab table's title, the tables.
  const headerLines = Math.max(1, Math.min(header.length, rows - 3 - Math.max(1, tableWant)));
  const kept = header.map(([priority], i) => ({ priority, i }))
    .sort((a, b) => a.priority - b.priority || a.i - b.i)
    .slice(0, headerLines)
    .map(({ i }) => i)
    .sort((a, b) => a - b);
  const lines: ScreenLine[] = kept.map((i) => ({ text: header[i]![1] }));
  if (snapshot !== undefined) {
    const key = view.sort.key;
    const slabRowList = slabRows(snapshot, view.sort);
    const arenaRowList = arenaRows(snapshot, view.sort);
    const slabs = layoutTable(SLAB_COLUMNS, slabRowList, columns, key);
    const arenas = layoutTable(ARENA_COLUMNS, arenaRowList, columns, key);
    const slabLines = slabs.lines.map((text, i) => rowLine(text, slabRowList[i]!, "slab"));
    const arenaLines = arenas.lines.map((text, i) => rowLine(text, arenaRowList[i]!, "arena"));
    const requestRowList = requestRows(snapshot);
    const requests = layoutTable(REQUEST_COLUMNS, requestRowList, columns);
    const available = rows - lines.length - 3; // blank, slab title, help
    // The requests table, below the pools, gets a third of the lines (its
    // blank line and title included), or all the pools leave; none on a
    // screen with fewer than 9 lines for tables.
    const pools = slabs.lines.length + (arenas.lines.length > 0 ? arenas.lines.length + 2 : 0);
    const requestShare = requests.lines.length === 0 || available < 9 ? 0 : Math.min(
      requests.lines.length,
      Math.max(Math.floor(available / 3) - 2, available - 2 - pools),
    );
    const fit = fitTables(
      available - (requestShare > 0 ? requestShare + 2 : 0),
      slabs.lines.length,
      arenas.lines.length,
    );
    body.push({ text: "" }, { text: slabs.head, style: "inverse" });
    body.push(...clip(slabLines, fit.slabs, "slabs"));
    if (fit.arenas > 0) {
      body.push({ text: "" }, { text: arenas.head, style: "inverse" });
      body.push(...clip(arenaLines, fit.arenas, "arenas"));
    }
    if (requestShare > 0) {
      body.push({ text: "" }, { text: requests.head, style: "inverse" });
      body.push(...clip(requests.lines.map((text) => ({ text })), requestShare, "request owners"));
    }
  }
  lines.push(...body.slice(0, Math.max(0, rows - 1 - lines.length)));
  while (lines.length < rows - 1) lines.push({ text: "" });
  lines.push({ text: helpLine(view.sort) });
  // Every line, whatever it quotes, passes through the one sanitizer.
  return lines.slice(-rows).map((line) => ({
    ...line,
    text: truncate(sanitize(line.text), columns),
  }));
}

const ESC = "\x1b[";

/** The SGR colors of the capacity levels: yellow, bold red. */
const LEVEL_COLORS = { warning: `${ESC}33m`, critical: `${ESC}1;31m` } as const;

/** Options for {@linkcode renderFrame}. */
export interface FrameOptions {
  /**
   * Color the rows of pools at a warning or critical level; off for
   * `NO_COLOR` (no-color.org). Table titles stay inverse either way.
   *
   * @default {true}
   */
  color?: boolean;
}

/**
 * One frame: cursor home, each line cleared to its end, clear below. Lines
 * are made safe to print ({@linkcode sanitize}) and cut to `columns`; a
 * full-width line gets no erase (which would wipe its last character).
 *
 * @param lines The screen lines.
 * @param columns The terminal width.
 * @param options Colors.
 * @returns The bytes to write, as text.
 */
export function renderFrame(
  lines: readonly ScreenLine[],
  columns: number,
  options: FrameOptions = {},
): string {
  const color = options.color ?? true;
  let out = `${ESC}H`;
  let lastShort = true;
  lines.forEach((line, i) => {
    const text = truncate(sanitize(line.text), columns);
    const width = displayWidth(text);
    if (line.style === "inverse") {
      out += `${ESC}7m${text}${" ".repeat(Math.max(0, columns - width))}${ESC}m`;
      lastShort = false;
    } else {
      // The erase comes after the reset, so that it clears with no color.
      out += color && line.style !== undefined ? `${LEVEL_COLORS[line.style]}${text}${ESC}m` : text;
      lastShort = width < columns;
      if (lastShort) out += `${ESC}K`;
    }
    if (i < lines.length - 1) out += "\r\n";
  });
  if (lastShort) out += `${ESC}J`;
  return out;
}

/**
 * The plain table of `--once`: the header's figures, the slab table and the
 * arena table, no control sequences, nothing truncated.
 *
 * @param snapshot The state.
 * @param host The instance's `host:port`.
 * @param bootId Its boot id.
 * @param sort The order.
 * @returns The text, ending with a newline.
 */
export function renderPlain(
  snapshot: MemorySnapshot,
  host: string,
  bootId: string | undefined,
  sort: Sort,
): string {
  const boot = bootId === undefined ? "" : `boot ${bootId}, `;
  const lines = [labelled("Instance", `${host} (${boot}seq ${snapshot.seq})`)];
  const lints = lintLines(snapshot);
  lines.push(...figureLines(snapshot), labelled("Lints", lints.summary), ...lints.lines, "");
  const slabs = layoutTable(SLAB_COLUMNS, slabRows(snapshot, sort), Infinity);
  lines.push(slabs.head, ...slabs.lines);
  if (snapshot.arenas.length > 0) {
    const arenas = layoutTable(ARENA_COLUMNS, arenaRows(snapshot, sort), Infinity);
    lines.push("", arenas.head, ...arenas.lines);
  }
  const requestRowList = requestRows(snapshot);
  if (requestRowList.length > 0) {
    const requests = layoutTable(REQUEST_COLUMNS, requestRowList, Infinity);
    lines.push("", requests.head, ...requests.lines);
  }
  return lines.map((line) => sanitize(line).trimEnd()).join("\n") + "\n";
}
