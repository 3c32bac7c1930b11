import { z } from 'zod';

/**
 * Kafka offsets are signed 64-bit integers on the wire; real ones are never negative. In the domain
 * they are `bigint`; in JSON payloads they travel as decimal strings (ARCHITECTURE "Conventions").
 */
export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);

/** True for a bigint in [0, 2^63 - 1], the range of a Kafka offset. */
export function isOffset(value: bigint): boolean {
  return value >= 0n && value <= INT64_MAX;
}

/** A canonical non-negative decimal (no sign, no leading zeros, no exponent) that fits in int64. */
export const decimalOffsetSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,18})$/, 'expected a non-negative decimal integer string')
  .refine((s) => s.length < 19 || BigInt(s) <= INT64_MAX, 'exceeds the int64 range');

export function toDecimal(value: bigint): string {
  return value.toString(10);
}
