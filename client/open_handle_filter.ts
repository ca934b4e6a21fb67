// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Filtering the open-handle list by state and owner, and the owners it can
 * be filtered by.
 *
 * @module
 */

import type { OpenHandle } from "../core/wire/types.ts";

/** What the list shows: one state (or all), one owner (an index, `"none"`, or all). */
export interface HandleFilter {
  /** `""` for every state, or one of `N`, `A`, `I`, `C`. */
  state: "" | OpenHandle["state"];
  /** `""` for every owner, `"none"` for handles without one, or an owner index. */
  owner: "" | "none" | number;
}

/** Every handle, in every state. */
export const NO_FILTER: HandleFilter = { state: "", owner: "" };

/** The handles of `list` that `filter` lets through, in list order. */
export function filterHandles(list: readonly OpenHandle[], filter: HandleFilter): OpenHandle[] {
  return list.filter((handle) =>
    (filter.state === "" || handle.state === filter.state) &&
    (filter.owner === "" ||
      (filter.owner === "none" ? handle.owner === null : handle.owner === filter.owner))
  );
}

/** An owner to filter by: its value in a {@linkcode HandleFilter} and its name. */
export interface OwnerChoice {
  /** The owner index, or `"none"`. */
  value: number | "none";
  /** Its name from `owner_map` (`#index` for an unregistered one), or `"no owner"`. */
  label: string;
}

/**
 * The owners of the handles of `list`, by name, with `"no owner"` last when
 * some handle has none; `selected` stays a choice even when it holds none
 * of them any more, so a filter never disappears under the user.
 */
export function ownerChoices(
  list: readonly OpenHandle[],
  ownerMap: readonly (string | null)[],
  selected: HandleFilter["owner"],
): OwnerChoice[] {
  const owners = new Set<number>();
  let unowned = selected === "none";
  for (const handle of list) {
    if (handle.owner === null) unowned = true;
    else owners.add(handle.owner);
  }
  if (typeof selected === "number") owners.add(selected);
  const choices: OwnerChoice[] = [...owners]
    .map((owner) => ({ value: owner, label: ownerMap[owner] ?? `#${owner}` }))
    .sort((a, b) => a.label.localeCompare(b.label) || (a.value as number) - (b.value as number));
  if (unowned) choices.push({ value: "none", label: "no owner" });
  return choices;
}
