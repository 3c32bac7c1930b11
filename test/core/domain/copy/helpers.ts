import type { RecordHeader, SourceRecord } from '../../../../core/ports.ts';

/** Deterministic PRNG (mulberry32) so property-style loops are reproducible from their seed. */
export function rng(seed: number): {
  next(): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
} {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** Integer in [min, max]. */
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
  };
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function header(key: string, value: string | null): RecordHeader {
  return [utf8(key), value === null ? null : utf8(value)];
}

export function record(offset: bigint | number, overrides: Partial<SourceRecord> = {}): SourceRecord {
  const o = BigInt(offset);
  return {
    offset: o,
    timestamp: 1_700_000_000_000n + o,
    timestampType: 'CreateTime',
    key: utf8(`k${o}`),
    value: utf8(`v${o}`),
    headers: [],
    ...overrides,
  };
}

export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
