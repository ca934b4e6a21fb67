// Copyright 2026 the slabscope authors. MIT license.
// Side-by-side timing for a noisy machine: every row runs one batch per
// round, the rows one after another (starting one further each round), so
// that whatever else runs slows neighbours alike; each row is then set
// against the baseline row of the same round, and the medians of those
// per-round ratios are reported with their spread. Every row's batch is
// sized to take about the same time (BATCH_MS), so that a preemption is as
// likely to land in a slow row's batch as in a fast one's: with equal pair
// counts the slowest rows would be preempted most and look slower still.
// Used by bench/slab_pairs.ts and its Worker.

/** One measured implementation: `run(pairs)` does one batch of `pairs` alloc+free pairs. */
export interface Row {
  name: string;
  run: (pairs: number) => void;
}

/** The time each row's batch is sized to take. */
export const BATCH_MS = 0.25;

/** What a row measured: ns per pair in every round, and its ratio to the baseline's. */
export interface RowResult {
  name: string;
  /** Pairs per measured batch. */
  pairsPerBatch: number;
  nsPerPair: number[];
  /** Baseline time ÷ this row's time, per round: the row's speed as a fraction of the baseline's. */
  speedRatio: number[];
}

/**
 * Runs `rows` (the first is the baseline) for `rounds` rounds after `warmup`
 * unmeasured ones, which also size each row's batch from `pairs` to take
 * about {@linkcode BATCH_MS}.
 */
export function sideBySide(rows: Row[], pairs: number, rounds: number, warmup = 30): RowResult[] {
  const times = rows.map(() => [] as number[]);
  const batch = rows.map(() => pairs);
  for (let round = -warmup; round < rounds; round++) {
    const start = ((round % rows.length) + rows.length) % rows.length;
    for (let k = 0; k < rows.length; k++) {
      const r = (start + k) % rows.length;
      const began = performance.now();
      rows[r]!.run(batch[r]!);
      const ns = (performance.now() - began) * 1e6 / batch[r]!;
      times[r]!.push(ns);
    }
    if (round === -1 || round === -(warmup >> 1)) {
      // Size the batches from the warm-up's median, then start counting.
      for (let r = 0; r < rows.length; r++) {
        const n = Math.round(BATCH_MS * 1e6 / quantile(times[r]!, 0.5) / 100) * 100;
        batch[r] = Math.min(1_000_000, Math.max(100, n));
        times[r]!.length = 0;
      }
    }
  }
  return rows.map((row, r) => ({
    name: row.name,
    pairsPerBatch: batch[r]!,
    nsPerPair: times[r]!,
    speedRatio: times[r]!.map((ns, round) => times[0]![round]! / ns),
  }));
}

/** The value at fraction `q` (0‥1) of the sorted values. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Markdown rows: median ns/pair (p10–p90), M pairs/s at the median, × the baseline (p10–p90). */
export function markdownRows(results: RowResult[], where: string): string[] {
  return results.map(({ name, pairsPerBatch, nsPerPair, speedRatio }) => {
    const ns = quantile(nsPerPair, 0.5);
    return `| ${where} | ${name} | ${pairsPerBatch.toLocaleString("en")} | ${ns.toFixed(1)} (${
      quantile(nsPerPair, 0.1).toFixed(1)
    }–${quantile(nsPerPair, 0.9).toFixed(1)}) | ${(1e3 / ns).toFixed(1)} M | ${
      quantile(speedRatio, 0.5).toFixed(3)
    }× (${quantile(speedRatio, 0.1).toFixed(2)}–${quantile(speedRatio, 0.9).toFixed(2)}) |`;
  });
}
