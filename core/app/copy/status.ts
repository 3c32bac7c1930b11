import { z } from 'zod';
import { decimalOffsetSchema } from '../../domain/copy/index.ts';
import { joinKey } from '../../domain/plan/storage-layout.ts';
import { type CopyMode, lagOf, type PartitionProgress } from './types.ts';

/**
 * The copier's status document (`<segments>/<migration id>/status/<mode>-<shard id>.json`), written
 * about once a second while it runs and once more when it ends. `kraft-migrate status` and the
 * workflow's WaitForDrain read it: per-partition lag = source high watermark − next source offset.
 * Offsets and counters are decimal strings (bigint); rates are numbers.
 */

const STATUS_VERSION = 1;
const COPIER_STATES = ['running', 'complete', 'stopped', 'failed'] as const;
export type CopierState = (typeof COPIER_STATES)[number];

const nullableOffset = decimalOffsetSchema.nullable();

const partitionStatusSchema = z.strictObject({
  topic: z.string().min(1),
  partition: z.int().min(0),
  /** `pending`: not started yet by this copier (seed concurrency); `seed`; `tail` (also: seed done). */
  phase: z.enum(['pending', 'seed', 'tail']),
  /** Seed mode: the partition reached its boundary. */
  complete: z.boolean(),
  next_source_offset: nullableOffset,
  /** next_source_offset of the newest checkpoint persisted in S3 (absent in documents of older copiers). */
  checkpointed_source_offset: nullableOffset.optional(),
  source_high_watermark: nullableOffset,
  lag: decimalOffsetSchema,
  records_copied: decimalOffsetSchema,
  bytes_copied: decimalOffsetSchema,
  boundary: nullableOffset,
  gaps: z.array(z.strictObject({ from: decimalOffsetSchema, to: decimalOffsetSchema, reason: z.string() })),
  updated_at: z.iso.datetime(),
});
export type PartitionStatus = z.output<typeof partitionStatusSchema>;

const copierStatusSchema = z.strictObject({
  v: z.literal(STATUS_VERSION),
  migration_id: z.string().min(1),
  mode: z.enum(['seed', 'tail']),
  shard_id: z.string().min(1),
  state: z.enum(COPIER_STATES),
  /** One line, when `state` is `failed`. */
  error: z.string().optional(),
  started_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  partitions: z.array(partitionStatusSchema),
  totals: z.strictObject({
    partitions: z.int().min(0),
    partitions_complete: z.int().min(0),
    records_copied: decimalOffsetSchema,
    bytes_copied: decimalOffsetSchema,
    lag: decimalOffsetSchema,
    max_partition_lag: decimalOffsetSchema,
  }),
  /** Over the interval since the previous status document (0 for the first one). */
  throughput: z.strictObject({
    interval_ms: z.int().min(0),
    records_per_second: z.number().min(0),
    bytes_per_second: z.number().min(0),
  }),
});
export type CopierStatus = z.output<typeof copierStatusSchema>;

/** Key of a copier's status document, relative to the segments store prefix. */
export function statusKey(migrationId: string, mode: CopyMode, shardId: string): string {
  return joinKey(migrationId, 'status', `${mode}-${shardId}.json`);
}

/** Prefix of every status document of a migration (for readers that aggregate shards). */
export function statusPrefix(migrationId: string): string {
  return joinKey(migrationId, 'status', '/');
}

/**
 * Prefix of the status documents of one mode (`<id>/status/tail-`): CheckDrain lists only the tail's
 * documents, not the seed shards' (hundreds at width).
 */
export function modeStatusPrefix(migrationId: string, mode: CopyMode): string {
  return joinKey(migrationId, 'status', `${mode}-`);
}

export function parseCopierStatus(text: string): CopierStatus {
  return copierStatusSchema.parse(JSON.parse(text));
}

export interface StatusInput {
  readonly migrationId: string;
  readonly mode: CopyMode;
  readonly shardId: string;
  readonly state: CopierState;
  readonly error?: string | undefined;
  readonly startedAt: Date;
  readonly now: Date;
  readonly partitions: readonly PartitionProgress[];
  /** Totals of the previous document and when it was made, for the throughput. */
  readonly previous?: { readonly at: Date; readonly records: bigint; readonly bytes: bigint } | undefined;
}

const str = (v: bigint | undefined): string | null => (v === undefined ? null : v.toString(10));

function partitionStatus(p: PartitionProgress): PartitionStatus {
  return {
    topic: p.topic,
    partition: p.partition,
    phase: p.phase,
    complete: p.complete,
    next_source_offset: str(p.nextSourceOffset),
    checkpointed_source_offset: str(p.checkpointedSourceOffset),
    source_high_watermark: str(p.sourceHighWatermark),
    lag: lagOf(p).toString(10),
    records_copied: p.recordsCopied.toString(10),
    bytes_copied: p.bytesCopied.toString(10),
    boundary: str(p.boundary),
    gaps: p.gaps.map((g) => ({ from: g.from.toString(10), to: g.to.toString(10), reason: g.reason })),
    updated_at: p.updatedAt.toISOString(),
  };
}

export function buildStatus(input: StatusInput): CopierStatus {
  let records = 0n;
  let bytes = 0n;
  let lag = 0n;
  let maxLag = 0n;
  let complete = 0;
  for (const p of input.partitions) {
    records += p.recordsCopied;
    bytes += p.bytesCopied;
    const l = lagOf(p);
    lag += l;
    if (l > maxLag) maxLag = l;
    if (p.complete) complete++;
  }
  const prev = input.previous;
  const intervalMs = prev ? Math.max(0, input.now.getTime() - prev.at.getTime()) : 0;
  const rate = (delta: bigint) => (intervalMs > 0 && delta > 0n ? (Number(delta) * 1000) / intervalMs : 0);
  return {
    v: STATUS_VERSION,
    migration_id: input.migrationId,
    mode: input.mode,
    shard_id: input.shardId,
    state: input.state,
    ...(input.error === undefined ? {} : { error: input.error }),
    started_at: input.startedAt.toISOString(),
    updated_at: input.now.toISOString(),
    partitions: input.partitions.map(partitionStatus),
    totals: {
      partitions: input.partitions.length,
      partitions_complete: complete,
      records_copied: records.toString(10),
      bytes_copied: bytes.toString(10),
      lag: lag.toString(10),
      max_partition_lag: maxLag.toString(10),
    },
    throughput: {
      interval_ms: intervalMs,
      records_per_second: prev ? Math.round(rate(records - prev.records) * 10) / 10 : 0,
      bytes_per_second: prev ? Math.round(rate(bytes - prev.bytes)) : 0,
    },
  };
}
