import { recordsIn } from './facts.ts';
import type { ClusterSnapshot } from './types.ts';

/**
 * The seed estimate behind I03 and W05.
 *
 * bytes: the sum of the leader replicas' bytes on disk (DescribeLogDirs). For a partition whose
 * size is unknown, bytes = its records (end − log-start) × the average record size of the
 * partitions whose size is known; when no partition's size is known, DEFAULT_RECORD_BYTES.
 * records: Σ (end − log-start); for compacted topics an upper bound (compaction leaves holes).
 * duration: bytes ÷ options.assumedSeedBytesPerSecond — the whole seed, because any partition may
 * be read last.
 */

/** Assumed average record size (bytes, including batch overhead) when no partition size is known. */
export const DEFAULT_RECORD_BYTES = 1024n;

export interface SeedEstimate {
  readonly topics: number;
  readonly partitions: number;
  readonly records: bigint;
  readonly bytes: bigint;
  /** Partitions whose bytes were estimated from offsets (DescribeLogDirs gave no size). */
  readonly partitionsEstimatedFromOffsets: number;
  /** Average record size used for those partitions. */
  readonly averageRecordBytes: bigint;
  /** Estimated seed duration; undefined when the assumed throughput is not a positive number. */
  readonly durationMs: number | undefined;
}

export function estimateSeed(source: ClusterSnapshot, assumedBytesPerSecond: number): SeedEstimate {
  let records = 0n;
  let knownBytes = 0n;
  let knownRecords = 0n;
  let unknownRecords = 0n;
  let partitions = 0;
  let estimated = 0;
  for (const topic of source.topics) {
    for (const p of topic.partitions) {
      partitions += 1;
      const n = recordsIn(p);
      records += n;
      if (p.bytes !== undefined) {
        knownBytes += p.bytes;
        knownRecords += n;
      } else {
        unknownRecords += n;
        estimated += 1;
      }
    }
  }
  const averageRecordBytes =
    knownRecords > 0n && knownBytes > 0n ? ceilDiv(knownBytes, knownRecords) : DEFAULT_RECORD_BYTES;
  const bytes = knownBytes + unknownRecords * averageRecordBytes;
  const durationMs =
    Number.isFinite(assumedBytesPerSecond) && assumedBytesPerSecond > 0
      ? (Number(bytes) / assumedBytesPerSecond) * 1000
      : undefined;
  return {
    topics: source.topics.length,
    partitions,
    records,
    bytes,
    partitionsEstimatedFromOffsets: estimated,
    averageRecordBytes,
    durationMs,
  };
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}
