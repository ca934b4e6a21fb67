// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Applying one slab patch of a delta (one without `full`): the changed
 * scalars, and the slots in exactly one of the forms the format defines,
 * with the summary checked against the slots it describes; and the slots
 * it says cycled (touched, yet back to their letter and owner).
 *
 * @module
 */

import { HandleState } from "../allocator/handle_state.ts";
import { NO_OWNER } from "../allocator/slab_layout.ts";
import { MEMBERS, SLAB_SCALARS, SLAB_SHAPE } from "./fields.ts";
import {
  bitmapFromWire,
  checkCachedSlots,
  checkedSummary,
  ownersFromWire,
  slotListFromWire,
  statesFromWire,
  summaryFromWire,
} from "./records.ts";
import { decodeSlotList, MAX_RICE_PARAMETER } from "./rice.ts";
import { CACHED_STATE, SLOT_LETTERS } from "./slot_states.ts";
import { summarizeSlots, SummaryTally } from "./summary.ts";
import type { SlabSnapshot, SlabSummary } from "./types.ts";
import { count, fail, type JsonObject, nested, object, onlyFields, string } from "./validate.ts";

/**
 * Applies a slab patch to `old` and returns the patched slab; `old` is not
 * modified, and arrays the patch does not touch are shared with it. The
 * slots the patch says cycled go to `cycled`, under the slab's name.
 */
export function patchSlab(
  old: SlabSnapshot,
  o: JsonObject,
  path: string,
  cycled?: Map<string, Uint32Array>,
): SlabSnapshot {
  onlyFields(o, MEMBERS.slabPatch, path, "a slab patch");
  for (const field of SLAB_SHAPE) {
    if (o[field] !== undefined) {
      fail(`${path}.${field}`, `${field} changes only in a full patch ("full": true)`);
    }
  }
  const slab: SlabSnapshot = { ...old };
  for (const field of SLAB_SCALARS) {
    if (o[field] !== undefined) slab[field] = count(o[field], `${path}.${field}`);
  }
  const cachedSent = patchCachedSlots(slab, o, path);
  const patched = patchSlots(slab, old, o, path);
  let actual = patched.summary;
  if (slab.cached_slots !== undefined && (cachedSent || slab.bitmap !== old.bitmap)) {
    checkCachedSlots(slab.cached_slots, slab.bitmap!, `${path}.cached_slots`);
  }
  if (cachedSent) actual = recountCached(actual, slab);
  const declared = o.summary === undefined
    ? old.summary
    : summaryFromWire(o.summary, `${path}.summary`);
  slab.summary = checkedSummary(declared, slab, path, actual);
  if (o.cycled !== undefined) {
    const list = slotListFromWire(o.cycled, slab.total, `${path}.cycled`, false);
    checkCycled(list, old, slab, patched.changes, `${path}.cycled`);
    cycled?.set(slab.name, list);
  }
  return slab;
}

/**
 * A plain slab's `cached_slots`, sent whole when they changed (`n` 0 when
 * none are left). Returns whether the patch carried them.
 */
function patchCachedSlots(slab: SlabSnapshot, o: JsonObject, path: string): boolean {
  if (o.cached_slots === undefined) return false;
  if (slab.kind === "handle") {
    fail(`${path}.cached_slots`, "a handle slab's cached slots are K in its states");
  }
  const list = slotListFromWire(o.cached_slots, slab.total, `${path}.cached_slots`, true);
  if (list.length === 0) {
    if (slab.cached_slots === undefined) {
      fail(`${path}.cached_slots`, "sent only when the cached slots changed, and none were cached");
    }
    delete slab.cached_slots;
  } else {
    slab.cached_slots = list;
  }
  return true;
}

/** `summary` with its `K` taken from a plain slab's (new) cached slots. */
function recountCached(summary: SlabSummary, slab: SlabSnapshot): SlabSummary {
  const { K: _, ...rest } = summary;
  const cached = slab.cached_slots?.length ?? 0;
  return cached === 0 ? rest : { ...rest, K: cached };
}

/**
 * Checks that every cycled slot keeps its letter and owner through the
 * patch, and (to keep one text per patch) is not among its changes.
 */
function checkCycled(
  list: Uint32Array,
  old: SlabSnapshot,
  slab: SlabSnapshot,
  changes: Uint32Array | undefined,
  path: string,
): void {
  const before = stateReader(old);
  const after = stateReader(slab);
  const oldOwners = old.owners;
  const newOwners = slab.owners;
  let c = 0; // both lists ascend: walk the changes beside
  for (const i of list) {
    while (changes !== undefined && c < changes.length && changes[c]! < i) c++;
    if (changes !== undefined && changes[c] === i) fail(path, `slot ${i} is listed in changes too`);
    if (
      before(i) !== after(i) ||
      (oldOwners?.[i] ?? NO_OWNER) !== (newOwners?.[i] ?? NO_OWNER)
    ) {
      fail(path, `slot ${i} changed its letter or owner, so it did not cycle`);
    }
  }
}

/** A reader of the state code of each slot of `slab`, cached slots included. */
function stateReader(slab: SlabSnapshot): (i: number) => number {
  if (slab.states !== undefined) {
    const states = slab.states;
    return (i) => states[i]!;
  }
  const bitmap = slab.bitmap!;
  const cached = new Set(slab.cached_slots ?? []);
  return (i) =>
    ((bitmap[i >> 3]! >> (i & 7)) & 1) !== 0
      ? HandleState.Used
      : cached.has(i)
      ? CACHED_STATE
      : HandleState.Free;
}

/** What the slots of a patch add up to, and which slots its changes list. */
interface Patched {
  summary: SlabSummary;
  changes?: Uint32Array;
}

/**
 * Writes the slots a patch carries into `slab` (whole arrays, or changes)
 * and returns the summary they add up to.
 */
function patchSlots(
  slab: SlabSnapshot,
  old: SlabSnapshot,
  o: JsonObject,
  path: string,
): Patched {
  const whole = o.bitmap !== undefined || o.states !== undefined || o.owners !== undefined;
  if (whole && o.changes !== undefined) {
    fail(`${path}.changes`, "a patch carries whole arrays or changes, not both");
  }
  if (old.kind === "handle") {
    if (o.bitmap !== undefined) {
      fail(`${path}.bitmap`, "a handle slab carries states, not a bitmap");
    }
    if (o.states !== undefined && o.owners === undefined) {
      fail(`${path}.states`, "sent whole only together with the whole owners");
    }
    if (o.owners !== undefined && o.states === undefined) {
      fail(`${path}.owners`, "sent whole only together with the whole states");
    }
    if (whole) {
      slab.states = statesFromWire(o.states, slab.total, `${path}.states`);
      slab.owners = ownersFromWire(o.owners, slab.total, `${path}.owners`);
      return { summary: summarizeSlots(slab) };
    }
  } else {
    if (o.states !== undefined) fail(`${path}.states`, "a plain slab carries a bitmap, not states");
    if (o.owners !== undefined && o.bitmap === undefined) {
      fail(`${path}.owners`, "sent whole only together with the whole bitmap");
    }
    if (o.bitmap !== undefined && o.owners === undefined && old.owners !== undefined) {
      fail(
        `${path}.bitmap`,
        "sent whole only together with the whole owners: the slab records them",
      );
    }
    if (whole) {
      // With owners: a slab that records them, or one that starts to.
      slab.bitmap = bitmapFromWire(o.bitmap, slab.total, `${path}.bitmap`);
      if (o.owners !== undefined) {
        slab.owners = ownersFromWire(o.owners, slab.total, `${path}.owners`);
      }
      return { summary: summarizeSlots(slab) };
    }
  }
  if (o.changes === undefined) return { summary: old.summary };
  return applyChanges(slab, old, object(o.changes, `${path}.changes`), `${path}.changes`);
}

/**
 * Applies per-slot changes, copying only the arrays it writes, and tallies
 * the summary from the old one, slot by slot.
 */
function applyChanges(
  slab: SlabSnapshot,
  old: SlabSnapshot,
  c: JsonObject,
  path: string,
): Patched {
  const flips = old.kind === "plain" && old.owners === undefined;
  onlyFields(
    c,
    flips ? MEMBERS.flips : MEMBERS.changes,
    path,
    flips ? "the changes of a plain slab without owners (bit flips)" : "changes",
  );
  const total = slab.total;
  const n = count(c.n, `${path}.n`);
  if (n < 1) fail(`${path}.n`, "changes list at least one slot");
  if (n > total) fail(`${path}.n`, `${n} changes for ${total} slots`);
  const k = count(c.k, `${path}.k`);
  if (k > MAX_RICE_PARAMETER) {
    fail(`${path}.k`, `expected 0 to ${MAX_RICE_PARAMETER}, received ${k}`);
  }
  const at = string(c.at, `${path}.at`);
  const indexes = nested(`${path}.at`, () => decodeSlotList(at, k, n, total));
  const tally = SummaryTally.of(old.summary);
  if (flips) {
    const bitmap = old.bitmap!.slice();
    for (const i of indexes) {
      const used = (bitmap[i >> 3]! >> (i & 7)) & 1;
      tally.count(HandleState.Used, NO_OWNER, used === 1 ? -1 : 1);
      bitmap[i >> 3] ^= 1 << (i & 7);
    }
    slab.bitmap = bitmap;
    return { summary: tally.summary(), changes: indexes };
  }
  const letters = string(c.states, `${path}.states`);
  if (letters.length !== n) fail(`${path}.states`, `${letters.length} letters for ${n} changes`);
  const owners = ownersFromWire(c.owners, n, `${path}.owners`);
  const slotOwners = old.owners!.slice();
  if (slab.kind === "handle") {
    const states = old.states!.slice();
    for (let j = 0; j < n; j++) {
      const state = SLOT_LETTERS.indexOf(letters[j]!);
      if (state < 0 || state === HandleState.Used) {
        fail(`${path}.states`, `${JSON.stringify(letters[j])} at ${j} is not a handle state`);
      }
      const i = indexes[j]!;
      tally.count(states[i]!, slotOwners[i]!, -1);
      tally.count(state, owners[j]!, 1);
      states[i] = state;
      slotOwners[i] = owners[j]!;
    }
    slab.states = states;
  } else {
    const bitmap = old.bitmap!.slice();
    for (let j = 0; j < n; j++) {
      const letter = letters[j];
      if (letter !== "F" && letter !== "U") {
        fail(
          `${path}.states`,
          `${JSON.stringify(letter)} at ${j} is not F or U${
            letter === "K" ? " (a plain slab's cached slots travel in cached_slots)" : ""
          }`,
        );
      }
      const i = indexes[j]!;
      const bit = 1 << (i & 7);
      tally.count(
        (bitmap[i >> 3]! & bit) !== 0 ? HandleState.Used : HandleState.Free,
        slotOwners[i]!,
        -1,
      );
      tally.count(letter === "U" ? HandleState.Used : HandleState.Free, owners[j]!, 1);
      if (letter === "U") bitmap[i >> 3] |= bit;
      else bitmap[i >> 3] &= ~bit;
      slotOwners[i] = owners[j]!;
    }
    slab.bitmap = bitmap;
  }
  slab.owners = slotOwners;
  return { summary: tally.summary(), changes: indexes };
}
