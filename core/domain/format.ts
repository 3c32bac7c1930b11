/**
 * Human renderings of bytes, durations and counts, for findings, the plan, the runbook, `status` and the
 * copier's progress line. Locale-independent, so texts are stable in tests and logs.
 *
 * One rounding rule: a value is rounded to the nearest unit of the last digit (or time unit) shown,
 * halves away from zero, and a rounding that reaches the next unit carries into it (1023.996 KiB →
 * "1.00 MiB", 59m 59.6s → "1h"). Only exact values are shown without rounding: counts, bytes below 1 KiB.
 */

/** Integers with thousands separators: 1234567n → "1,234,567"; "1234567" → "1,234,567"; 12.5 → "13". */
export function formatCount(n: bigint | number | string): string {
  const s = toBigInt(n).toString();
  const negative = s.startsWith('-');
  const digits = negative ? s.slice(1) : s;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return negative ? `-${grouped}` : grouped;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/**
 * Binary units with three significant digits: 512 → "512 B" (exact below 1 KiB), 1536 → "1.50 KiB",
 * 3_000_000 → "2.86 MiB", 13_207_024_435n → "12.3 GiB", 150 × 2^20 → "150 MiB".
 */
export function formatBytes(bytes: bigint | number | string): string {
  const value = typeof bytes === 'number' ? bytes : Number(toBigInt(bytes));
  const sign = value < 0 ? '-' : '';
  let v = Math.abs(value);
  const exact = roundHalfUp(v, 0);
  if (Number(exact) < 1024) return `${sign}${exact} B`;
  let unit = 0;
  while (v >= 1024 && unit < BYTE_UNITS.length - 1) {
    v /= 1024;
    unit++;
  }
  let text = threeSignificant(v);
  if (Number(text) >= 1024 && unit < BYTE_UNITS.length - 1) {
    unit++;
    text = threeSignificant(v / 1024);
  }
  return `${sign}${text} ${BYTE_UNITS[unit]}`;
}

const TIME_UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
] as const;

/**
 * Milliseconds as at most the two largest units, zero units left out: 604_800_000 → "7d",
 * 7_980_000 → "2h 13m", 61_000 → "1m 1s", 6_144_000 → "1h 42m" (24 s rounded away), 0 → "0s",
 * under one second → "<1s", Infinity → "unlimited" (retention -1).
 */
export function formatHumanDuration(ms: number): string {
  if (ms === Number.POSITIVE_INFINITY) return 'unlimited';
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  if (ms < 1_000) return '<1s';
  // Round to the smaller of the two units shown; if that carries into a larger unit, round again there.
  let rounded = ms;
  for (;;) {
    const largest = TIME_UNITS.findIndex(([, size]) => rounded >= size);
    const step = TIME_UNITS[Math.min(largest + 1, TIME_UNITS.length - 1)]![1];
    const next = Math.round(rounded / step) * step;
    if (next === rounded) break;
    rounded = next;
  }
  const parts: string[] = [];
  let rest = rounded;
  for (const [unit, size] of TIME_UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
    if (parts.length === 2 || (parts.length === 1 && n === 0)) break;
  }
  return parts.join(' ');
}

/** ["a","b","c","d","e","f","g"] → "a, b, c, d, e and 2 more". */
export function listNames(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

function toBigInt(n: bigint | number | string): bigint {
  if (typeof n === 'bigint') return n;
  if (typeof n === 'number') return BigInt(Math.sign(n) * Math.round(Math.abs(n)));
  return BigInt(n.trim());
}

/** v in [1, 1024): 2 decimals below 10, 1 below 100, none above — judged on the rounded value. */
function threeSignificant(v: number): string {
  for (const decimals of [2, 1]) {
    const text = roundHalfUp(v, decimals);
    if (Number(text) < 10 ** (3 - decimals)) return text;
  }
  return roundHalfUp(v, 0);
}

/** `toFixed` with halves away from zero also where the binary value sits just below the half. */
function roundHalfUp(v: number, decimals: number): string {
  const f = 10 ** decimals;
  return (Math.round(v * f + Number.EPSILON * v * f) / f).toFixed(decimals);
}
