/** Human renderings used in finding messages. Locale-independent so messages are stable in tests. */

/** 1234567n → "1,234,567". */
export function formatCount(n: bigint | number): string {
  const s = (typeof n === 'bigint' ? n : BigInt(Math.trunc(n))).toString();
  const negative = s.startsWith('-');
  const digits = negative ? s.slice(1) : s;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return negative ? `-${grouped}` : grouped;
}

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 13207024435n → "12.3 GiB"; below 1 KiB → "512 B". */
export function formatBytes(bytes: bigint | number): string {
  let value = Number(bytes);
  if (Math.abs(value) < 1024) return `${value} B`;
  let unit: string = 'B';
  for (const u of BYTE_UNITS) {
    if (Math.abs(value) < 1024) break;
    value /= 1024;
    unit = u;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${unit}`;
}

const TIME_UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
] as const;

/**
 * Milliseconds as the two largest units: 604800000 → "7d", 7_980_000 → "2h 13m", 45_000 → "45s".
 * Below one second → "<1s". Rounds down (an estimate, not a promise).
 */
export function formatHumanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'unlimited';
  if (ms < 1_000) return '<1s';
  const parts: string[] = [];
  let rest = Math.floor(ms);
  for (const [unit, size] of TIME_UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  const shown = parts.filter((p) => !/^0[a-z]$/.test(p));
  return shown.join(' ');
}

/** ["a","b","c","d","e","f","g"] → "a, b, c, d, e and 2 more". */
export function listNames(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
