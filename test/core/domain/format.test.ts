/** The one set of human renderings (core/domain/format.ts) and its one rounding rule. */
import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatHumanDuration, listNames } from '../../../core/domain/format.ts';

describe('formatCount', () => {
  it('groups digits of bigints, numbers and decimal strings', () => {
    expect(formatCount(1234567n)).toBe('1,234,567');
    expect(formatCount('1234567')).toBe('1,234,567');
    expect(formatCount(12)).toBe('12');
    expect(formatCount(-1234)).toBe('-1,234');
    expect(formatCount('9007199254740993')).toBe('9,007,199,254,740,993');
  });

  it('rounds fractions to the nearest integer, halves away from zero', () => {
    expect(formatCount(12.5)).toBe('13');
    expect(formatCount(12.4)).toBe('12');
    expect(formatCount(-12.5)).toBe('-13');
  });
});

describe('formatBytes', () => {
  it('is exact below 1 KiB', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1023n)).toBe('1023 B');
    expect(formatBytes('1000')).toBe('1000 B');
  });

  it('shows three significant digits in binary units', () => {
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(3_000_000)).toBe('2.86 MiB');
    expect(formatBytes(13_207_024_435n)).toBe('12.3 GiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50.0 MiB');
    expect(formatBytes(150 * 1024 * 1024)).toBe('150 MiB');
    expect(formatBytes(2n ** 50n)).toBe('1.00 PiB');
  });

  it('rounds to the nearest last digit, halves up, carrying into the next digit or unit', () => {
    expect(formatBytes(1.005 * 1024)).toBe('1.01 KiB'); // a half just below .005 in binary
    expect(formatBytes(1.004 * 1024)).toBe('1.00 KiB');
    expect(formatBytes(9.996 * 1024)).toBe('10.0 KiB');
    expect(formatBytes(99.96 * 1024)).toBe('100 KiB');
    expect(formatBytes(1023.6)).toBe('1.00 KiB');
    expect(formatBytes(1023.6 * 1024)).toBe('1.00 MiB');
  });
});

describe('formatHumanDuration', () => {
  it('shows at most the two largest units and leaves out zero units', () => {
    expect(formatHumanDuration(604_800_000)).toBe('7d');
    expect(formatHumanDuration(7_980_000)).toBe('2h 13m');
    expect(formatHumanDuration(61_000)).toBe('1m 1s');
    expect(formatHumanDuration(45_000)).toBe('45s');
    expect(formatHumanDuration(90_061_000)).toBe('1d 1h');
    expect(formatHumanDuration(3_600_000 + 30_000)).toBe('1h 1m');
    expect(formatHumanDuration(86_400_000 + 60_000)).toBe('1d');
  });

  it('rounds to the nearest smaller unit shown, carrying into the larger', () => {
    expect(formatHumanDuration(6_144_000)).toBe('1h 42m'); // 1h 42m 24s
    expect(formatHumanDuration(6_150_000)).toBe('1h 43m'); // 1h 42m 30s
    expect(formatHumanDuration(1_500)).toBe('2s');
    expect(formatHumanDuration(3_599_600)).toBe('1h'); // 59m 59.6s
    expect(formatHumanDuration(86_399_000)).toBe('1d'); // 23h 59m 59s
  });

  it('names zero, under a second and unlimited', () => {
    expect(formatHumanDuration(0)).toBe('0s');
    expect(formatHumanDuration(500)).toBe('<1s');
    expect(formatHumanDuration(Number.POSITIVE_INFINITY)).toBe('unlimited');
  });
});

describe('listNames', () => {
  it('lists up to max names and counts the rest', () => {
    expect(listNames(['a', 'b', 'c'], 2)).toBe('a, b and 1 more');
    expect(listNames(['a', 'b'])).toBe('a, b');
    expect(listNames(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e and 2 more');
  });
});
