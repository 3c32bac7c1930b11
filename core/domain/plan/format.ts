/** Small pure helpers shared by plan, runbook and IAM policy. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** 1536 → "1.5 KiB". Exact below 1 KiB. */
export function humanBytes(bytes: bigint | string | number): string {
  let n = typeof bytes === 'number' ? bytes : Number(BigInt(bytes));
  let unit = 0;
  while (n >= 1024 && unit < BYTE_UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  if (unit === 0) return `${n} B`;
  return `${n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)} ${BYTE_UNITS[unit]}`;
}

/** 3725 → "1h 2m 5s"; 90061 → "1d 1h 1m"; 0 → "0s". Seconds are dropped once days are shown. */
export function humanSeconds(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s === 0) return '0s';
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const sec = s % 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (sec && !d) parts.push(`${sec}s`);
  return parts.join(' ');
}

/** Thousands separators for a decimal integer string: "1234567" → "1,234,567". */
export function groupDigits(decimal: string | number): string {
  const s = String(decimal);
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  return (neg ? '-' : '') + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
