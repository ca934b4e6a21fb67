// Copyright 2026 the slabscope authors. MIT license.
/**
 * The lint engine's options (`DiagnosticsRegistryOptions.lints`), their
 * defaults, and the checked settings the rules run on. Every threshold is
 * an option; every rule can be turned off with `false`.
 *
 * The defaults are chosen so that a healthy process raises nothing (a
 * lint nobody trusts is worse than none): each rule asks for a condition
 * that lasts, or a sample large enough to tell. Why each default is what
 * it is: `docs/lints.md`.
 *
 * @module
 */

import { positiveIntegerOption, positiveOption } from "../../options.ts";

/** Options of the `stuck` rule. */
export interface StuckLintOptions {
  /**
   * A slot in Connecting or Closing for longer than this (ms) is stuck.
   *
   * @default {30000}
   */
  after?: number;
}

/** Options of the `idle` rule. */
export interface IdleLintOptions {
  /**
   * A handle Idle for longer than this (ms) is reported.
   *
   * @default {300000}
   */
  after?: number;
}

/** Options of the `age_outlier` rule. */
export interface AgeOutlierLintOptions {
  /**
   * The quantile of the pool's held-slot ages that stands for its usual
   * age: a number in (0, 1).
   *
   * @default {0.99}
   */
  quantile?: number;
  /**
   * A slot is an outlier when it is older than `factor` × that quantile.
   *
   * @default {4}
   */
  factor?: number;
  /**
   * Held slots a pool needs for its distribution to tell anything.
   *
   * @default {100}
   */
  minSamples?: number;
  /**
   * No slot younger than this (ms) is an outlier, whatever the pool.
   *
   * @default {60000}
   */
  minAge?: number;
}

/** Options of the `orphan` rule. */
export interface OrphanLintOptions {
  /**
   * Slots of an unregistered owner are reported once they have been held
   * this long (ms) after it went: a handle freed just after its owner is
   * not an orphan.
   *
   * @default {10000}
   */
  after?: number;
}

/** Options of the `time_to_full` rule. */
export interface TimeToFullLintOptions {
  /**
   * The stretch (ms) over which the slope of `used` is fitted.
   *
   * @default {60000}
   */
  window?: number;
  /**
   * Only a pool that would be full within this (ms) at the fitted rate is
   * reported.
   *
   * @default {600000}
   */
  horizon?: number;
  /**
   * How steady the growth must be: the fit's R², a number in (0, 1].
   *
   * @default {0.9}
   */
  minFit?: number;
  /**
   * The least growth over the window, as a fraction of the pool's slots.
   *
   * @default {0.05}
   */
  minGrowth?: number;
}

/** Options of the `thrash` rule. */
export interface ThrashLintOptions {
  /**
   * A slot freed and allocated again more often than this per second is
   * thrashing.
   *
   * @default {1000}
   */
  perSecond?: number;
  /**
   * The stretch (ms) the rate is measured over.
   *
   * @default {5000}
   */
  window?: number;
}

/** Options of the `arena_fallbacks` rule. */
export interface ArenaFallbacksLintOptions {
  /**
   * The stretch (ms) fallbacks are counted over.
   *
   * @default {60000}
   */
  window?: number;
  /**
   * The share of the window's allocations that must have gone to the heap,
   * a number in (0, 1].
   *
   * @default {0.1}
   */
  ratio?: number;
  /**
   * The fewest fallbacks in the window that are reported.
   *
   * @default {5}
   */
  minCount?: number;
}

/** Options of the `invalid_frees` rule. */
export interface InvalidFreesLintOptions {
  /**
   * The stretch (ms) invalid and double frees are counted over.
   *
   * @default {60000}
   */
  window?: number;
  /**
   * The fewest new invalid frees in the window that are reported.
   *
   * @default {1}
   */
  minCount?: number;
}

/**
 * Thresholds of the lint rules, each rule's options or `false` to turn it
 * off. What each rule means: `docs/lints.md`, and the dashboard's panel.
 */
export interface LintOptions {
  /** Slots stuck in Connecting or Closing. */
  stuck?: StuckLintOptions | false;
  /** Handles Idle too long. */
  idle?: IdleLintOptions | false;
  /** Slots held far longer than their pool's usual age. */
  ageOutlier?: AgeOutlierLintOptions | false;
  /** Slots still held by an owner that was unregistered. */
  orphan?: OrphanLintOptions | false;
  /** A pool whose use grows steadily towards full. */
  timeToFull?: TimeToFullLintOptions | false;
  /** Slots freed and allocated again very fast. */
  thrash?: ThrashLintOptions | false;
  /** Arena allocations falling back to the heap. */
  arenaFallbacks?: ArenaFallbacksLintOptions | false;
  /** Invalid or double frees. */
  invalidFrees?: InvalidFreesLintOptions | false;
}

/** The checked settings: every threshold, or `undefined` for a rule turned off. */
export interface LintSettings {
  /** `stuck`'s thresholds. */
  stuck: Required<StuckLintOptions> | undefined;
  /** `idle`'s thresholds. */
  idle: Required<IdleLintOptions> | undefined;
  /** `age_outlier`'s thresholds. */
  ageOutlier: Required<AgeOutlierLintOptions> | undefined;
  /** `orphan`'s thresholds. */
  orphan: Required<OrphanLintOptions> | undefined;
  /** `time_to_full`'s thresholds. */
  timeToFull: Required<TimeToFullLintOptions> | undefined;
  /** `thrash`'s thresholds. */
  thrash: Required<ThrashLintOptions> | undefined;
  /** `arena_fallbacks`' thresholds. */
  arenaFallbacks: Required<ArenaFallbacksLintOptions> | undefined;
  /** `invalid_frees`' thresholds. */
  invalidFrees: Required<InvalidFreesLintOptions> | undefined;
}

/** The default thresholds (see `docs/lints.md` for why). */
export const LINT_DEFAULTS: {
  readonly [K in keyof LintSettings]: Readonly<NonNullable<LintSettings[K]>>;
} = {
  stuck: { after: 30_000 },
  idle: { after: 300_000 },
  ageOutlier: { quantile: 0.99, factor: 4, minSamples: 100, minAge: 60_000 },
  orphan: { after: 10_000 },
  timeToFull: { window: 60_000, horizon: 600_000, minFit: 0.9, minGrowth: 0.05 },
  thrash: { perSecond: 1000, window: 5_000 },
  arenaFallbacks: { window: 60_000, ratio: 0.1, minCount: 5 },
  invalidFrees: { window: 60_000, minCount: 1 },
};

const ACTION = "create diagnostics registry";

/**
 * Checks lint options against their defaults.
 *
 * @throws {TypeError} If a rule's options are neither an object nor `false`.
 * @throws {RangeError} If a threshold is out of its range, naming it.
 */
export function lintSettings(options: LintOptions = {}): LintSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${ACTION}: lints must be an object of rule options or false, received ${
        options === null ? "null" : typeof options
      }`,
    );
  }
  const rule = <K extends keyof LintSettings>(key: K): Record<string, number> | undefined => {
    const given = options[key];
    if (given === false) return undefined;
    if (given !== undefined && (typeof given !== "object" || given === null)) {
      throw new TypeError(
        `Cannot ${ACTION}: lints.${key} must be an object of thresholds or false, received ${
          given === null ? "null" : typeof given
        }`,
      );
    }
    return (given ?? {}) as Record<string, number>;
  };
  const positive = (o: Record<string, number>, key: keyof LintSettings, name: string) =>
    positiveOption(
      o[name],
      (LINT_DEFAULTS[key] as Record<string, number>)[name]!,
      `lints.${key}.${name}`,
      ACTION,
    );
  const fraction = (
    o: Record<string, number>,
    key: keyof LintSettings,
    name: string,
    open: boolean,
  ) => {
    const value = positive(o, key, name);
    if (value > 1 || (open && value === 1)) {
      throw new RangeError(
        `Cannot ${ACTION}: lints.${key}.${name} must be a number in (0, 1${
          open ? ")" : "]"
        }, received ${value}`,
      );
    }
    return value;
  };
  const stuck = rule("stuck");
  const idle = rule("idle");
  const age = rule("ageOutlier");
  const orphan = rule("orphan");
  const full = rule("timeToFull");
  const thrash = rule("thrash");
  const arena = rule("arenaFallbacks");
  const invalid = rule("invalidFrees");
  return {
    stuck: stuck && { after: positive(stuck, "stuck", "after") },
    idle: idle && { after: positive(idle, "idle", "after") },
    ageOutlier: age && {
      quantile: fraction(age, "ageOutlier", "quantile", true),
      factor: positive(age, "ageOutlier", "factor"),
      minSamples: positiveIntegerOption(
        age.minSamples,
        LINT_DEFAULTS.ageOutlier.minSamples,
        "lints.ageOutlier.minSamples",
        ACTION,
      ),
      minAge: positive(age, "ageOutlier", "minAge"),
    },
    orphan: orphan && { after: positive(orphan, "orphan", "after") },
    timeToFull: full && {
      window: positive(full, "timeToFull", "window"),
      horizon: positive(full, "timeToFull", "horizon"),
      minFit: fraction(full, "timeToFull", "minFit", false),
      minGrowth: fraction(full, "timeToFull", "minGrowth", false),
    },
    thrash: thrash && {
      perSecond: positive(thrash, "thrash", "perSecond"),
      window: positive(thrash, "thrash", "window"),
    },
    arenaFallbacks: arena && {
      window: positive(arena, "arenaFallbacks", "window"),
      ratio: fraction(arena, "arenaFallbacks", "ratio", false),
      minCount: positiveIntegerOption(
        arena.minCount,
        LINT_DEFAULTS.arenaFallbacks.minCount,
        "lints.arenaFallbacks.minCount",
        ACTION,
      ),
    },
    invalidFrees: invalid && {
      window: positive(invalid, "invalidFrees", "window"),
      minCount: positiveIntegerOption(
        invalid.minCount,
        LINT_DEFAULTS.invalidFrees.minCount,
        "lints.invalidFrees.minCount",
        ACTION,
      ),
    },
  };
}
