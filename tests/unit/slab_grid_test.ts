// Copyright 2026 the slabscope authors. MIT license.
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { SlabGrid } from "../../client/slab_grid.ts";
import { FLASH_MS } from "../../client/palette.ts";
import type { SlabSnapshot } from "../../core/wire/types.ts";

function plainSlab(total: number, used: readonly number[]): SlabSnapshot {
  const bitmap = new Uint8Array(Math.ceil(total / 8));
  for (const index of used) bitmap[index >> 3]! |= 1 << (index & 7);
  return {
    name: "s",
    kind: "plain",
    slot_size: 8,
    total,
    used: used.length,
    hwm: used.length,
    overflow: 0,
    bitmap,
    summary: { F: total - used.length, U: used.length },
  } as unknown as SlabSnapshot;
}

Deno.test("SlabGrid: a frame timestamped before the flash began neither restarts nor duplicates it", () => {
  // requestAnimationFrame hands a frame the time it began, which can be
  // earlier than the performance.now() an event handler read in the same
  // frame: the flash's age is then negative.
  const total = 16;
  const grid = new SlabGrid(total, "plain");
  grid.update(plainSlab(total, []), 0, false);
  let now = 1000;
  for (let round = 0; round < 200; round++) {
    const used = round % 2 === 0 ? [...Array(total).keys()] : [];
    grid.update(plainSlab(total, used), now, true);
    grid.step(now - 5);
    assert.ok(grid.flashing <= total, `round ${round}: ${grid.flashing} flashes of ${total} slots`);
    now += 1;
  }
  // And every flash ends.
  grid.step(now + 60_000);
  assert.equal(grid.flashing, 0);
});

Deno.test("SlabGrid: a change flashes exactly the changed slots for FLASH_MS", () => {
  const grid = new SlabGrid(64, "plain");
  grid.update(plainSlab(64, [1, 2]), 0, false);
  assert.equal(grid.update(plainSlab(64, [1, 2, 7, 9]), 1000, true), 2);
  assert.equal(grid.flashing, 2);
  grid.step(1000 + FLASH_MS - 1);
  assert.equal(grid.flashing, 2, "still flashing just before FLASH_MS");
  grid.step(1000 + FLASH_MS);
  assert.equal(grid.flashing, 0, "over at FLASH_MS");
});
