/** Mean and the half-width of its 95% confidence interval (Student t). */
export interface MeanInterval {
  mean: number;
  halfWidth: number;
  n: number;
}

// Two-sided 97.5% quantiles of Student's t by degrees of freedom; between
// listed values the next smaller df is used, which errs on the wide side.
const tTable: Array<[number, number]> = [
  [1, 12.706], [2, 4.303], [3, 3.182], [4, 2.776], [5, 2.571], [6, 2.447], [7, 2.365], [8, 2.306],
  [9, 2.262], [10, 2.228], [12, 2.179], [15, 2.131], [20, 2.086], [25, 2.06], [29, 2.045], [40, 2.021],
  [60, 2.0], [120, 1.98],
];

function tQuantile(df: number): number {
  let q = 1.96;
  for (let i = tTable.length - 1; i >= 0; i--) {
    if (df >= tTable[i]![0]) {
      q = tTable[i]![1];
      break;
    }
  }
  return df > 120 ? 1.96 : q;
}

/** Mean with a 95% interval over seeds (half-width 0 for a single value). */
export function meanInterval(values: readonly number[]): MeanInterval {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, halfWidth: Number.NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, halfWidth: 0, n };
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, halfWidth: tQuantile(n - 1) * Math.sqrt(variance / n), n };
}

/** The q-quantile (0..1) of a sample, nearest rank. */
export function quantile(values: Float64Array | readonly number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
