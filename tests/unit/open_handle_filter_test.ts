// Copyright 2026 the slabscope authors. MIT license.
// The open-handle panel's filters and owner choices.
import assert from "node:assert/strict";
import { filterHandles, NO_FILTER, ownerChoices } from "../../client/open_handle_filter.ts";
import type { OpenHandle } from "../../mod.ts";

const handle = (slot: number, state: OpenHandle["state"], owner: number | null): OpenHandle => ({
  slab: "h",
  slot,
  state,
  owner,
  since: 0,
  opened: slot,
});

const list = [handle(0, "A", 1), handle(1, "I", 0), handle(2, "I", null), handle(3, "C", 1)];

Deno.test("filterHandles() keeps list order and filters by state, owner, or no owner", () => {
  const slots = (filter: Parameters<typeof filterHandles>[1]) =>
    filterHandles(list, filter).map((h) => h.slot);
  assert.deepEqual(slots(NO_FILTER), [0, 1, 2, 3]);
  assert.deepEqual(slots({ state: "I", owner: "" }), [1, 2]);
  assert.deepEqual(slots({ state: "", owner: 1 }), [0, 3]);
  assert.deepEqual(slots({ state: "I", owner: "none" }), [2]);
  assert.deepEqual(slots({ state: "N", owner: "" }), []);
});

Deno.test("ownerChoices() names the owners listed, by name, no owner last, and keeps the one selected", () => {
  const names = ["zeta", "alpha"];
  assert.deepEqual(ownerChoices(list, names, ""), [
    { value: 1, label: "alpha" },
    { value: 0, label: "zeta" },
    { value: "none", label: "no owner" },
  ]);
  // Owner 7 holds nothing listed any more, and is not registered: still a choice while selected.
  assert.deepEqual(ownerChoices([handle(0, "A", 1)], names, 7), [
    { value: 7, label: "#7" },
    { value: 1, label: "alpha" },
  ]);
  assert.deepEqual(ownerChoices([], names, "none"), [{ value: "none", label: "no owner" }]);
});
