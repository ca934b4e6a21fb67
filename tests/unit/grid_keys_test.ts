// Copyright 2026 the slabscope authors. MIT license.
// The grid's keyboard rules, without a browser.
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ALT_STRIDE,
  fitView,
  type GridGeometry,
  type GridKey,
  type GridKeyAction,
  gridKeyAction,
  PAN_DIVISOR,
  ZOOM_STEP,
  zoomView,
} from "../../client/grid_keys.ts";
import {
  canvasHeight,
  columnsFor,
  fitZoom,
  type GridView,
  MAX_ZOOM,
} from "../../client/grid_view.ts";

/** The geometry `GridCanvas` gives a slab of `total` slots on a canvas `width` wide. */
function geometryOf(total: number, width = 800): GridGeometry {
  const columns = columnsFor(total);
  const rows = Math.ceil(total / columns);
  const fit = fitZoom(columns, rows, width);
  return { total, columns, rows, width, height: canvasHeight(rows, fit), fit };
}

const press = (key: string, modifiers: Omit<GridKey, "key"> = {}): GridKey => ({
  key,
  ...modifiers,
});

function cursorOf(action: GridKeyAction): number {
  assert.equal(action.kind, "cursor", `expected a cursor move, got ${JSON.stringify(action)}`);
  return action.kind === "cursor" ? action.cursor : -1;
}

function viewOf(action: GridKeyAction): GridView {
  assert.equal(action.kind, "view", `expected a view change, got ${JSON.stringify(action)}`);
  return action.kind === "view" ? action.view : { zoom: NaN, x: NaN, y: NaN };
}

/** Whether the view stays inside the image, as `clampView` keeps it. */
function assertWithin(view: GridView, g: GridGeometry): void {
  assert.ok(view.zoom >= g.fit - 1e-9 && view.zoom <= MAX_ZOOM + 1e-9, `zoom ${view.zoom}`);
  assert.ok(view.x >= 0 && view.x <= Math.max(0, g.columns - g.width / view.zoom) + 1e-9);
  assert.ok(view.y >= 0 && view.y <= Math.max(0, g.rows - g.height / view.zoom) + 1e-9);
}

/**
 * Whether slot `index` is on the canvas in `view`: wholly, or (on a canvas
 * narrower or lower than one slot) as much of it as fits.
 */
function assertVisible(index: number, view: GridView, g: GridGeometry): void {
  const eps = 1e-9;
  const span = (start: number, cell: number, visible: number) =>
    visible >= 1
      ? cell >= start - eps && cell + 1 <= start + visible + eps
      : cell < start + visible && cell + 1 > start;
  const where = `slot ${index} in ${JSON.stringify(view)}`;
  assert.ok(span(view.x, index % g.columns, g.width / view.zoom), where);
  assert.ok(span(view.y, Math.floor(index / g.columns), g.height / view.zoom), where);
}

// 64 slots: 8 × 8 at 16 px per slot on a 128 × 128 canvas.
const small: GridGeometry = { total: 64, columns: 8, rows: 8, width: 128, height: 128, fit: 16 };
const fit: GridView = { zoom: 16, x: 0, y: 0 };

Deno.test("grid keys: every arrow, with and without Alt, in the middle of a grid", () => {
  const table: [GridKey, number][] = [
    [press("ArrowRight"), 28],
    [press("ArrowLeft"), 26],
    [press("ArrowDown"), 35],
    [press("ArrowUp"), 19],
    [press("ArrowRight", { altKey: true }), 27 + ALT_STRIDE],
    [press("ArrowLeft", { altKey: true }), 27 - ALT_STRIDE],
    [press("ArrowDown", { altKey: true }), 63], // 10 rows down is past the end
    [press("ArrowUp", { altKey: true }), 0],
  ];
  for (const [key, expected] of table) {
    const action = gridKeyAction(key, fit, 27, small);
    assert.equal(cursorOf(action), expected, JSON.stringify(key));
    // Everything is on screen at fit: the view does not move.
    assert.deepEqual(action.kind === "cursor" && action.view, fit);
  }
});

Deno.test("grid keys: left and right run across row ends; up and down stop at the first and last slot", () => {
  const g = geometryOf(10); // 4 columns: rows of 4, 4 and 2
  assert.equal(g.columns, 4);
  const view = fitView(g);
  const table: [string, number, number][] = [
    ["ArrowRight", 3, 4], // end of row 0 → start of row 1
    ["ArrowLeft", 4, 3], // start of row 1 → end of row 0
    ["ArrowLeft", 0, 0], // the first slot stays
    ["ArrowRight", 9, 9], // the last slot stays
    ["ArrowUp", 2, 0], // above the first row: the first slot
    ["ArrowDown", 9, 9], // below the last row: the last slot
    ["ArrowDown", 7, 9], // into the short last row, past its end: the last slot
    ["ArrowDown", 5, 9], // column 1 of row 1 → column 1 of row 2 is slot 9
    ["ArrowDown", 4, 8],
    ["ArrowUp", 9, 5],
  ];
  for (const [key, from, to] of table) {
    assert.equal(cursorOf(gridKeyAction(press(key), view, from, g)), to, `${key} from ${from}`);
  }
});

Deno.test("grid keys: with no cursor the first arrow moves from the top-left slot in view", () => {
  assert.equal(cursorOf(gridKeyAction(press("ArrowRight"), fit, -1, small)), 1);
  assert.equal(cursorOf(gridKeyAction(press("ArrowLeft"), fit, -1, small)), 0);
  assert.equal(cursorOf(gridKeyAction(press("ArrowDown"), fit, -1, small)), 8);
  // Zoomed in and panned to column 3, row 2: starts at slot 2 × 8 + 3.
  const panned = { zoom: 32, x: 3, y: 2 };
  assert.equal(cursorOf(gridKeyAction(press("ArrowRight"), panned, -1, small)), 20);
  // Zoom arithmetic leaves x a hair under a whole slot: still that slot.
  const almost = { zoom: 32, x: 3 - 1e-9, y: 2 };
  assert.equal(cursorOf(gridKeyAction(press("ArrowRight"), almost, -1, small)), 20);
  // A cursor from a larger grid that no longer exists counts as none.
  assert.equal(cursorOf(gridKeyAction(press("ArrowRight"), fit, 64, small)), 1);
  // The top-left corner is past the last slot (the short last row's tail).
  const g = geometryOf(10, 40); // 4 × 3 at 10 px: 40 × 30 shows it all
  const tail = { zoom: MAX_ZOOM, x: 3, y: 2 }; // column 3 of row 2: there is no slot 11
  assert.equal(cursorOf(gridKeyAction(press("ArrowLeft"), tail, -1, g)), 8);
  assert.equal(cursorOf(gridKeyAction(press("ArrowRight"), tail, -1, g)), 9);
});

Deno.test("grid keys: a cursor move pans just enough to show the slot; the tooltip anchors at its corner", () => {
  // 2 × 2 slots of 8 × 8 in view.
  const zoomed = { zoom: 32, x: 2, y: 2 };
  const g = { ...small, width: 64, height: 64 };
  // Inside the view: the view stays.
  const inside = gridKeyAction(press("ArrowRight"), zoomed, 18, g);
  assert.equal(cursorOf(inside), 19);
  assert.deepEqual(inside.kind === "cursor" && inside.view, zoomed);
  assert.deepEqual(inside.kind === "cursor" && inside.anchor, { x: 64, y: 32 });
  // Off the right edge: pans right by one slot.
  const right = gridKeyAction(press("ArrowRight"), zoomed, 19, g);
  assert.equal(cursorOf(right), 20);
  assert.deepEqual(right.kind === "cursor" && right.view, { zoom: 32, x: 3, y: 2 });
  // Wrapping to the next row's first slot: pans back to column 0 and down.
  const wrap = gridKeyAction(press("ArrowRight"), { zoom: 32, x: 6, y: 2 }, 23, g);
  assert.equal(cursorOf(wrap), 24);
  assert.deepEqual(wrap.kind === "cursor" && wrap.view, { zoom: 32, x: 0, y: 2 });
  assert.deepEqual(wrap.kind === "cursor" && wrap.anchor, { x: 32, y: 64 });
  // Up off the top edge.
  const up = gridKeyAction(press("ArrowUp"), zoomed, 18, g);
  assert.equal(cursorOf(up), 10);
  assert.deepEqual(up.kind === "cursor" && up.view, { zoom: 32, x: 2, y: 1 });
  // A jump far away (Alt) reveals the slot, and every move keeps it in view.
  for (const key of ["ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown"]) {
    for (const from of [0, 7, 18, 36, 56, 63]) {
      for (const altKey of [false, true]) {
        const action = gridKeyAction(press(key, { altKey }), zoomed, from, g);
        if (action.kind !== "cursor") throw new Error(`${key} did not move`);
        assertWithin(action.view, g);
        assertVisible(action.cursor, action.view, g);
      }
    }
  }
});

Deno.test("grid keys: Shift + arrows pan an eighth of the visible width, within the grid", () => {
  const g = geometryOf(4096, 800); // 102 columns, 41 rows
  const zoomed = { zoom: 32, x: 40, y: 10 }; // 25 × ~11 slots visible
  const step = Math.round(800 / 32 / PAN_DIVISOR); // 3 slots
  assert.deepEqual(viewOf(gridKeyAction(press("ArrowRight", { shiftKey: true }), zoomed, -1, g)), {
    zoom: 32,
    x: 40 + step,
    y: 10,
  });
  assert.deepEqual(viewOf(gridKeyAction(press("ArrowLeft", { shiftKey: true }), zoomed, 5, g)), {
    zoom: 32,
    x: 40 - step,
    y: 10,
  });
  assert.deepEqual(viewOf(gridKeyAction(press("ArrowUp", { shiftKey: true }), zoomed, 5, g)), {
    zoom: 32,
    x: 40,
    y: 10 - step,
  });
  const down = viewOf(gridKeyAction(press("ArrowDown", { shiftKey: true }), zoomed, 5, g));
  assert.deepEqual(down, { zoom: 32, x: 40, y: 10 + step });
  // At the edges it stops.
  const corner = { zoom: 32, x: 0, y: 0 };
  assert.deepEqual(
    viewOf(gridKeyAction(press("ArrowLeft", { shiftKey: true }), corner, 5, g)),
    corner,
  );
  assert.deepEqual(
    viewOf(gridKeyAction(press("ArrowUp", { shiftKey: true }), corner, 5, g)),
    corner,
  );
  const maxX = g.columns - g.width / 32;
  const far = viewOf(
    gridKeyAction(press("ArrowRight", { shiftKey: true }), { zoom: 32, x: maxX - 1, y: 0 }, 5, g),
  );
  assert.equal(far.x, maxX);
  // Zoomed far in, the step is still at least one slot.
  const close = { zoom: MAX_ZOOM, x: 10, y: 10 };
  const tiny = { ...g, width: 40, height: 24 };
  assert.equal(
    viewOf(gridKeyAction(press("ArrowRight", { shiftKey: true }), close, 5, tiny)).x,
    11,
  );
  // At fit there is nothing to pan: the key is still the grid's, the view stays.
  const fitted = fitView(g);
  assert.deepEqual(
    viewOf(gridKeyAction(press("ArrowDown", { shiftKey: true }), fitted, 5, g)),
    fitted,
  );
});

Deno.test("grid keys: + and - zoom about the centre within fit and MAX_ZOOM; 0 fits", () => {
  const g = geometryOf(4096, 800);
  const start = fitView(g);
  for (const key of ["+", "="]) {
    const view = viewOf(gridKeyAction(press(key), start, -1, g));
    assert.equal(view.zoom, g.fit * ZOOM_STEP);
    // The slot at the centre stays at the centre.
    assert.ok(Math.abs(view.x + g.width / 2 / view.zoom - g.width / 2 / g.fit) < 1e-9);
  }
  for (const key of ["-", "_"]) {
    // Already at fit: stays at fit.
    assert.deepEqual(viewOf(gridKeyAction(press(key), start, -1, g)), start);
    const zoomed = { zoom: g.fit * ZOOM_STEP * ZOOM_STEP, x: 20, y: 5 };
    const out = viewOf(gridKeyAction(press(key), zoomed, -1, g)).zoom;
    assert.ok(Math.abs(out - g.fit * ZOOM_STEP) < 1e-9, `${key}: zoom ${out}`);
  }
  let view = start;
  for (let i = 0; i < 40; i++) view = viewOf(gridKeyAction(press("+"), view, -1, g));
  assert.equal(view.zoom, MAX_ZOOM);
  assertWithin(view, g);
  for (let i = 0; i < 40; i++) view = viewOf(gridKeyAction(press("-"), view, -1, g));
  assert.equal(view.zoom, g.fit);
  assertWithin(view, g);
  assert.deepEqual(viewOf(gridKeyAction(press("0"), { zoom: 30, x: 50, y: 20 }, 9, g)), start);
  // The toolbar and the wheel share the arithmetic: about a given point.
  const atCorner = zoomView(start, 2, g, 0, 0);
  assert.deepEqual(atCorner, { zoom: g.fit * 2, x: 0, y: 0 });
});

Deno.test("grid keys: Escape hides the cursor; other keys and Ctrl/Meta chords are the browser's", () => {
  assert.deepEqual(gridKeyAction(press("Escape"), fit, 5, small), { kind: "hide-cursor" });
  assert.deepEqual(gridKeyAction(press("Escape"), fit, -1, small), { kind: "hide-cursor" });
  for (const key of ["a", "Tab", "Home", "End", "PageDown", "1", "F5", "Shift"]) {
    assert.deepEqual(gridKeyAction(press(key), fit, 5, small), { kind: "ignore" }, key);
  }
  for (
    const key of ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "+", "=", "-", "0", "Escape"]
  ) {
    for (const chord of [{ ctrlKey: true }, { metaKey: true }, { ctrlKey: true, shiftKey: true }]) {
      assert.deepEqual(gridKeyAction(press(key, chord), fit, 5, small), { kind: "ignore" }, key);
    }
  }
});

Deno.test("grid keys: Enter and Space select the slot under the cursor, and nothing without one", () => {
  for (const key of ["Enter", " "]) {
    assert.deepEqual(gridKeyAction(press(key), fit, 5, small), { kind: "select", slot: 5 }, key);
    assert.deepEqual(gridKeyAction(press(key), fit, -1, small), { kind: "ignore" }, key);
    assert.deepEqual(gridKeyAction(press(key, { ctrlKey: true }), fit, 5, small), {
      kind: "ignore",
    });
  }
});

Deno.test("grid keys: a 1-slot grid", () => {
  const g = geometryOf(1, 300);
  assert.deepEqual([g.columns, g.rows, g.fit], [1, 1, 16]);
  for (const key of ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"]) {
    for (const cursor of [-1, 0]) {
      for (const altKey of [false, true]) {
        const action = gridKeyAction(press(key, { altKey }), fitView(g), cursor, g);
        assert.equal(cursorOf(action), 0);
        assert.deepEqual(action.kind === "cursor" && action.anchor, { x: 16, y: 16 });
      }
    }
    assert.deepEqual(viewOf(gridKeyAction(press(key, { shiftKey: true }), fitView(g), 0, g)), {
      zoom: 16,
      x: 0,
      y: 0,
    });
  }
  const zoomed = viewOf(gridKeyAction(press("+"), fitView(g), 0, g));
  assert.equal(zoomed.zoom, 24);
  assertWithin(zoomed, g);
});

Deno.test("grid keys: a 1,048,576-slot grid, at fit and zoomed into its far corner", () => {
  const total = 1_048_576;
  const g = geometryOf(total, 1000);
  assert.deepEqual([g.columns, g.rows], [1620, 648]);
  const lastRow = g.rows - 1;
  const lastRowLength = total - lastRow * g.columns; // 436
  assert.equal(lastRowLength, 436);
  const view = fitView(g);
  // No cursor: from slot 0, whatever the zoom below one pixel per slot.
  assert.ok(g.fit < 1);
  assert.equal(cursorOf(gridKeyAction(press("ArrowRight"), view, -1, g)), 1);
  assert.equal(cursorOf(gridKeyAction(press("ArrowDown"), view, -1, g)), g.columns);
  const table: [GridKey, number, number][] = [
    [press("ArrowRight"), total - 1, total - 1],
    [press("ArrowDown"), total - 1, total - 1],
    [press("ArrowLeft"), 0, 0],
    [press("ArrowUp"), 5, 0],
    // From column 1000 of the second-to-last row, down is past the short last row.
    [press("ArrowDown"), (lastRow - 1) * g.columns + 1000, total - 1],
    [press("ArrowDown"), (lastRow - 1) * g.columns + 435, total - 1],
    [press("ArrowDown"), (lastRow - 1) * g.columns + 434, total - 2],
    [press("ArrowDown", { altKey: true }), (lastRow - 9) * g.columns + 7, total - 1],
    [press("ArrowDown", { altKey: true }), (lastRow - 10) * g.columns + 7, lastRow * g.columns + 7],
    [press("ArrowRight"), lastRow * g.columns - 1, lastRow * g.columns],
    [press("ArrowRight", { altKey: true }), total - 5, total - 1],
  ];
  for (const [key, from, to] of table) {
    const action = gridKeyAction(key, view, from, g);
    assert.equal(cursorOf(action), to, `${JSON.stringify(key)} from ${from}`);
    assert.deepEqual(action.kind === "cursor" && action.view, view); // all in view at fit
  }
  // Zoomed all the way in, at slot 0: going to the last slot pans to the far corner.
  const close = { zoom: MAX_ZOOM, x: 0, y: 0 };
  const jump = gridKeyAction(press("ArrowLeft"), close, total - 1, g);
  assert.equal(cursorOf(jump), total - 2);
  if (jump.kind !== "cursor") throw new Error("no move");
  assertWithin(jump.view, g);
  assertVisible(total - 2, jump.view, g);
  // The view is clamped to the image, so the last row shows at the bottom.
  assert.equal(jump.view.y, g.rows - g.height / MAX_ZOOM);
  const corner = { zoom: MAX_ZOOM, x: g.columns - g.width / MAX_ZOOM, y: jump.view.y };
  const pan = viewOf(gridKeyAction(press("ArrowRight", { shiftKey: true }), corner, -1, g));
  assert.deepEqual(pan, corner);
  // No cursor: the first arrow starts at the corner's top-left slot.
  const topLeft = Math.floor(corner.y) * g.columns + Math.floor(corner.x);
  assert.equal(cursorOf(gridKeyAction(press("ArrowUp"), corner, -1, g)), topLeft - g.columns);
});

Deno.test("grid keys: any key sequence keeps the view within the grid and the cursor on a slot", () => {
  const keys = [
    "ArrowLeft",
    "ArrowRight",
    "ArrowUp",
    "ArrowDown",
    "+",
    "-",
    "0",
    "Escape",
    "x",
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1 << 20 }),
      fc.integer({ min: 40, max: 2000 }),
      fc.array(
        fc.record({
          key: fc.constantFrom(...keys),
          shiftKey: fc.boolean(),
          altKey: fc.boolean(),
        }),
        { maxLength: 60 },
      ),
      (total, width, presses) => {
        const g = geometryOf(total, width);
        let view = fitView(g);
        let cursor = -1;
        for (const key of presses) {
          const action = gridKeyAction(key, view, cursor, g);
          if (action.kind === "view") view = action.view;
          else if (action.kind === "cursor") {
            assert.ok(Number.isInteger(action.cursor));
            assert.ok(action.cursor >= 0 && action.cursor < total);
            cursor = action.cursor;
            view = action.view;
            assertVisible(cursor, view, g);
          } else if (action.kind === "hide-cursor") cursor = -1;
          assertWithin(view, g);
        }
      },
    ),
    { numRuns: 300 },
  );
});
