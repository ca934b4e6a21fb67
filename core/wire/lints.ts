// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Lints on the wire (`lints`): a keyframe carries the active set, a delta
 * what was raised, changed or cleared, keyed by rule and pool. Decoded and
 * checked against the pools of the state they belong to. Field by field in
 * `docs/wire-format.md`.
 *
 * @module
 */

import { LINT_FIELDS, MEMBERS } from "./fields.ts";
import {
  type ArenaSnapshot,
  type Lint,
  LINT_RULES,
  type LintRuleId,
  type SlabSnapshot,
} from "./types.ts";
import {
  array,
  count,
  fail,
  type JsonObject,
  object,
  onlyFields,
  shown,
  string,
} from "./validate.ts";

/** Most slots a lint lists (its `count` may be larger). */
export const MAX_LINT_SLOTS = 256;
/** Longest `detail`, in UTF-16 code units. */
export const MAX_LINT_DETAIL = 200;

const RULE_ORDER: ReadonlyMap<string, number> = new Map(LINT_RULES.map((rule, i) => [rule, i]));

/** The rule whose pool is an arena; every other rule's pool is a slab. */
const ARENA_RULE: LintRuleId = "arena_fallbacks";

/** The key of a lint within one state: its rule and pool. */
export function lintKey(lint: { rule: string; pool: string }): string {
  return `${lint.rule}\u0000${lint.pool}`;
}

/** Orders lints as the wire lists them: by rule (as `LINT_RULES` lists them), then pool. */
export function compareLints(a: Lint, b: Lint): number {
  return RULE_ORDER.get(a.rule)! - RULE_ORDER.get(b.rule)! ||
    (a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : 0);
}

/** Whether two lints say the same (rule, pool, since, count, slots, detail). */
export function sameLint(a: Lint, b: Lint): boolean {
  if (
    a.rule !== b.rule || a.pool !== b.pool || a.since !== b.since || a.count !== b.count ||
    a.detail !== b.detail
  ) return false;
  const x = a.slots ?? [];
  const y = b.slots ?? [];
  return x.length === y.length && x.every((slot, i) => slot === y[i]);
}

/** Decodes a keyframe's `lints`, checked against the state's pools. */
export function lintsFromWire(
  value: unknown,
  slabs: readonly SlabSnapshot[],
  arenas: readonly ArenaSnapshot[],
  path: string,
): Lint[] {
  const lints = array(value, path).map((e, i) => lintFromWire(e, `${path}[${i}]`));
  checkLints(lints, slabs, arenas, path);
  return lints;
}

/** Decodes one lint (its own fields; the pool is checked by {@linkcode checkLints}). */
function lintFromWire(value: unknown, path: string): Lint {
  const o = object(value, path);
  onlyFields(o, MEMBERS.lint, path, "a lint");
  const rule = string(o.rule, `${path}.rule`);
  if (!RULE_ORDER.has(rule)) {
    fail(`${path}.rule`, `expected one of ${LINT_RULES.join(", ")}, received ${shown(rule)}`);
  }
  const pool = string(o.pool, `${path}.pool`);
  if (pool.length === 0) fail(`${path}.pool`, "expected a pool name, received an empty string");
  const detail = string(o.detail, `${path}.detail`);
  if (detail.length === 0 || detail.length > MAX_LINT_DETAIL) {
    fail(
      `${path}.detail`,
      `expected 1 to ${MAX_LINT_DETAIL} characters, received ${detail.length}`,
    );
  }
  const lint: Lint = {
    rule: rule as LintRuleId,
    pool,
    since: count(o.since, `${path}.since`),
    count: count(o.count, `${path}.count`),
    detail,
  };
  if (lint.count < 1) fail(`${path}.count`, "expected at least 1, received 0");
  if (o.slots !== undefined) {
    const slots = array(o.slots, `${path}.slots`).map((s, i) => count(s, `${path}.slots[${i}]`));
    if (slots.length === 0) fail(`${path}.slots`, "expected at least one slot, or no field");
    if (slots.length > Math.min(MAX_LINT_SLOTS, lint.count)) {
      fail(
        `${path}.slots`,
        `${slots.length} slots, but a lint lists at most min(${MAX_LINT_SLOTS}, count = ${lint.count})`,
      );
    }
    for (let i = 1; i < slots.length; i++) {
      if (slots[i]! <= slots[i - 1]!) {
        fail(
          `${path}.slots[${i}]`,
          `expected ascending slots, received ${slots[i]} after ${slots[i - 1]}`,
        );
      }
    }
    lint.slots = slots;
  }
  return lint;
}

/**
 * Checks a state's lints: each names a pool of the state (an arena for
 * `arena_fallbacks`, a slab otherwise) and slots of it, once per rule and
 * pool, in wire order.
 */
export function checkLints(
  lints: readonly Lint[],
  slabs: readonly SlabSnapshot[],
  arenas: readonly ArenaSnapshot[],
  path: string,
): void {
  const slabTotals = new Map(slabs.map((slab) => [slab.name, slab.total]));
  const arenaNames = new Set(arenas.map((arena) => arena.name));
  lints.forEach((lint, i) => {
    const at = `${path}[${i}]`;
    if (lint.rule === ARENA_RULE) {
      if (!arenaNames.has(lint.pool)) {
        fail(`${at}.pool`, `there is no arena named ${JSON.stringify(lint.pool)}`);
      }
      if (lint.slots !== undefined) fail(`${at}.slots`, "an arena has no slots");
    } else {
      const total = slabTotals.get(lint.pool);
      if (total === undefined) {
        fail(`${at}.pool`, `there is no slab named ${JSON.stringify(lint.pool)}`);
      }
      const last = lint.slots?.at(-1);
      if (last !== undefined && last >= total) {
        fail(`${at}.slots`, `slot ${last} is past the end of "${lint.pool}" (${total} slots)`);
      }
    }
    if (i > 0) {
      const order = compareLints(lints[i - 1]!, lint);
      if (order === 0) fail(at, `${lint.rule} of "${lint.pool}" is listed twice`);
      if (order > 0) fail(at, "lints are not in order (by rule, then pool)");
    }
  });
}

/** A lint as the wire writes it (fields in wire order). */
function lintToWire(lint: Lint): JsonObject {
  const wire: JsonObject = {};
  for (const field of LINT_FIELDS) if (lint[field] !== undefined) wire[field] = lint[field];
  return wire;
}

/** A keyframe's `lints`. */
export function lintsToWire(lints: readonly Lint[]): JsonObject[] {
  return lints.map(lintToWire);
}

/**
 * A delta's `lints`: raised (new keys), changed (same key, anything else
 * differs), cleared (`[rule, pool]` of keys gone), each member only when
 * not empty; `undefined` when nothing changed. A state without lints is an
 * empty set; a state that stops having lints keeps the last set.
 */
export function diffLints(
  prev: readonly Lint[] | undefined,
  next: readonly Lint[] | undefined,
): JsonObject | undefined {
  if (prev === next || next === undefined) return undefined;
  const before = new Map((prev ?? []).map((lint) => [lintKey(lint), lint]));
  const raised: JsonObject[] = [];
  const changed: JsonObject[] = [];
  for (const lint of next) {
    const key = lintKey(lint);
    const old = before.get(key);
    before.delete(key);
    if (old === undefined) raised.push(lintToWire(lint));
    else if (!sameLint(old, lint)) changed.push(lintToWire(lint));
  }
  const cleared = [...before.values()].map((lint) => [lint.rule, lint.pool]);
  if (raised.length === 0 && changed.length === 0 && cleared.length === 0) {
    // Only a state that had no lints gains an empty set: say so once.
    return prev === undefined ? {} : undefined;
  }
  const patch: JsonObject = {};
  if (raised.length > 0) patch.raised = raised;
  if (changed.length > 0) patch.changed = changed;
  if (cleared.length > 0) patch.cleared = cleared;
  return patch;
}

/**
 * Applies a delta's `lints` to the state's (an empty set when it has
 * none): cleared keys must be there, changed ones too, raised ones not;
 * the result, in wire order, is checked like a keyframe's.
 */
export function patchLints(
  state: readonly Lint[] | undefined,
  value: unknown,
  slabs: readonly SlabSnapshot[],
  arenas: readonly ArenaSnapshot[],
  path: string,
): Lint[] {
  const o = object(value, path);
  onlyFields(o, MEMBERS.lintsPatch, path, "a lints patch");
  const lints = new Map((state ?? []).map((lint) => [lintKey(lint), lint]));
  const touched = new Set<string>();
  const once = (key: string, at: string) => {
    if (touched.has(key)) fail(at, "names a lint another entry of this patch names");
    touched.add(key);
  };
  if (o.cleared !== undefined) {
    array(o.cleared, `${path}.cleared`).forEach((value, i) => {
      const at = `${path}.cleared[${i}]`;
      const pair = array(value, at);
      if (pair.length !== 2) fail(at, `expected [rule, pool], received ${pair.length} items`);
      const key = lintKey({ rule: string(pair[0], `${at}[0]`), pool: string(pair[1], `${at}[1]`) });
      once(key, at);
      if (!lints.delete(key)) fail(at, "clears a lint the state does not have");
    });
  }
  if (o.changed !== undefined) {
    array(o.changed, `${path}.changed`).forEach((value, i) => {
      const at = `${path}.changed[${i}]`;
      const lint = lintFromWire(value, at);
      const key = lintKey(lint);
      once(key, at);
      if (!lints.has(key)) fail(at, "changes a lint the state does not have");
      lints.set(key, lint);
    });
  }
  if (o.raised !== undefined) {
    array(o.raised, `${path}.raised`).forEach((value, i) => {
      const at = `${path}.raised[${i}]`;
      const lint = lintFromWire(value, at);
      const key = lintKey(lint);
      once(key, at);
      if (lints.has(key)) fail(at, "raises a lint the state already has");
      lints.set(key, lint);
    });
  }
  const result = [...lints.values()].sort(compareLints);
  checkLints(result, slabs, arenas, path);
  return result;
}
