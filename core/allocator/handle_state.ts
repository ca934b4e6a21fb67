// Copyright 2026 the slabscope authors. MIT license.
// This module is browser compatible.
/**
 * Per-slot states of a slab, and their one-letter wire names.
 *
 * @module
 */

/**
 * The state of one slab slot.
 *
 * Plain slabs only use `Free` and `Used`. Handle slabs (slabs created with
 * `kind: "handle"`) track a connection-like lifecycle instead:
 * `Connecting → Active ⇄ Idle → Closing → Free`.
 *
 * The numeric values are stored in shared memory and are part of the layout:
 * never renumber them.
 *
 * @example Reading a state's letter
 * ```ts
 * import { HandleState, stateLetter } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * assert.equal(stateLetter(HandleState.Active), "A");
 * assert.equal(stateLetter(HandleState.Connecting), "N");
 * ```
 */
export const HandleState: {
  /** The slot is on the free list. Letter `F`. */
  readonly Free: 0;
  /** A plain slab's slot is allocated. Letter `U`. */
  readonly Used: 1;
  /** Accepted, not yet answered (for example a request before its handler responds). Letter `N`. */
  readonly Connecting: 2;
  /** Doing work: a handler running or a body streaming bytes. Letter `A`. */
  readonly Active: 3;
  /** Open but quiet, such as a long-lived stream with no recent bytes. Letter `I`. */
  readonly Idle: 4;
  /** Finishing: the response is done and the connection is winding down. Letter `C`. */
  readonly Closing: 5;
} = Object.freeze(
  {
    Free: 0,
    Used: 1,
    Connecting: 2,
    Active: 3,
    Idle: 4,
    Closing: 5,
  } as const,
);

/** One of the numeric {@linkcode HandleState} values. */
export type HandleState = typeof HandleState[keyof typeof HandleState];

/** The one-letter name of a state on the wire: `F`, `U`, `N`, `A`, `I` or `C`. */
export type StateLetter = "F" | "U" | "N" | "A" | "I" | "C";

/**
 * Letters indexed by state value. Kept as a string so that `STATE_LETTERS[s]`
 * is a single character read in hot encoding loops.
 */
export const STATE_LETTERS = "FUNAIC";

/** Number of distinct states; state values are `0 … STATE_COUNT - 1`. */
export const STATE_COUNT = 6;

/**
 * Returns the one-letter wire name of a state.
 *
 * @param state A {@linkcode HandleState} value.
 * @returns The state's letter.
 * @throws {RangeError} If `state` is not a known state value.
 *
 * @example Usage
 * ```ts
 * import { HandleState, stateLetter } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * assert.equal(stateLetter(HandleState.Free), "F");
 * ```
 */
export function stateLetter(state: HandleState): StateLetter {
  if (!isHandleState(state)) {
    throw new RangeError(
      `Cannot name state ${String(state)}: expected an integer from 0 to ${STATE_COUNT - 1}`,
    );
  }
  return STATE_LETTERS[state] as StateLetter;
}

/**
 * Returns the state named by a wire letter.
 *
 * @param letter One of `F`, `U`, `N`, `A`, `I`, `C`.
 * @returns The matching {@linkcode HandleState}.
 * @throws {RangeError} If `letter` is not a state letter.
 *
 * @example Usage
 * ```ts
 * import { HandleState, stateFromLetter } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * assert.equal(stateFromLetter("I"), HandleState.Idle);
 * ```
 */
export function stateFromLetter(letter: string): HandleState {
  const state = letter.length === 1 ? STATE_LETTERS.indexOf(letter) : -1;
  if (state < 0) {
    throw new RangeError(
      `Cannot read state letter ${JSON.stringify(letter)}: expected one of ${
        STATE_LETTERS.split("").join(", ")
      }`,
    );
  }
  return state as HandleState;
}

/**
 * Reports whether a value is a valid {@linkcode HandleState}.
 *
 * @param value Any value.
 * @returns `true` for the integers `0 … 5`.
 *
 * @example Usage
 * ```ts
 * import { isHandleState } from "@slabscope/slabscope";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isHandleState(3), true);
 * assert.equal(isHandleState(9), false);
 * ```
 */
export function isHandleState(value: unknown): value is HandleState {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 &&
    value < STATE_COUNT;
}
