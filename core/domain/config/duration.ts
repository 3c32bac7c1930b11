/** Durations as the config writes them: `500ms`, `30s`, `30m`, `2h`, `7d`, `7y`. */
const UNIT_MS = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  y: 365 * 86_400_000,
} as const;

export type DurationUnit = keyof typeof UNIT_MS;
const PATTERN = /^(\d+)(ms|s|m|h|d|y)$/;

export const DURATION_HELP = 'a duration such as 500ms, 30s, 30m, 2h, 7d or 7y';

export interface Duration {
  readonly text: string;
  readonly amount: number;
  readonly unit: DurationUnit;
  readonly ms: number;
}

/** Returns undefined when the text is not a duration. */
export function parseDuration(text: string): Duration | undefined {
  const m = PATTERN.exec(text.trim());
  if (!m) return undefined;
  const amount = Number(m[1]);
  const unit = m[2] as DurationUnit;
  return { text: `${amount}${unit}`, amount, unit, ms: amount * UNIT_MS[unit] };
}

/** Renders milliseconds the way the troubleshooting page does (`30m`, `2h`, `45s`, `1500ms`). */
export function formatDuration(ms: number): string {
  for (const unit of ['y', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  if (ms >= 1_000) return `${Math.round(ms / 1_000)}s`;
  return `${ms}ms`;
}
