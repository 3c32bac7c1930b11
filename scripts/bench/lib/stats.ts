/** Small numeric helpers of the benchmark. */

export const MIB = 1_048_576;

/** Nearest-rank percentile of unsorted values (p in 0..100); NaN when empty. */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function summary(values: readonly number[]): {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
} {
  return {
    count: values.length,
    p50: round(percentile(values, 50), 1),
    p90: round(percentile(values, 90), 1),
    p99: round(percentile(values, 99), 1),
    max:
      values.length === 0
        ? Number.NaN
        : round(
            values.reduce((a, b) => Math.max(a, b)),
            1,
          ),
    mean: round(values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN, 1),
  };
}

export function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function fmt(n: number | undefined, digits = 1): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
