import { z } from 'zod';
import type { PartitionRef, SourceRecord } from '../../ports.ts';
import { InvariantError } from '../errors.ts';
import { joinKey } from '../plan/storage-layout.ts';
import { type DigestibleRecord, type RecordDigestOptions, recordDigest } from './digest.ts';
import { decimalOffsetSchema, isOffset, toDecimal } from './int64.ts';
import { parseJsonDocument } from './json.ts';
import {
  appendCopied,
  emptyMap,
  type OffsetMap,
  offsetMapJsonSchema,
  parseOffsetMap,
  serializeOffsetMap,
} from './offset-map.ts';
import { parseSegmentKey, type SegmentManifestEntry, segmentManifestEntrySchema } from './segment.ts';

/**
 * The per-partition checkpoint of the copier (SPEC §6.2, §6.3), persisted after each acknowledged
 * write, and the reconciliation that makes a restart after kill -9 exact (no duplicate, no loss).
 *
 * Invariants (checked by every builder here and by `parseCheckpoint`):
 * - the offset map covers exactly the records copied: `records_copied` = its record count; when it is
 *   not empty, `next_source_offset` > its last source offset and `next_target_offset` = its last target + 1;
 * - `seed_start` ≤ `boundary`; the map and `next_source_offset` start at or after `seed_start`;
 * - phase `seed`: every copied source offset is below `boundary`; phase `tail`: `next_source_offset` ≥ `boundary`;
 * - gaps `[from, to)` ascend, do not overlap, end at or before `next_source_offset` and contain no copied offset;
 * - segment entries belong to this migration and partition, ascend and do not overlap.
 */

export const CHECKPOINT_VERSION = 1;
export const COPY_PHASES = ['seed', 'tail'] as const;
export type CopyPhase = (typeof COPY_PHASES)[number];

/** Why source offsets were not copied although they were not skipped by read_committed. */
export const GAP_REASONS = [
  /** OFFSET_OUT_OF_RANGE: the source's log start passed the copier (retention, DeleteRecords). */
  'retention',
] as const;
export type GapReason = (typeof GAP_REASONS)[number];

/** Source offsets `[from, to)` lost before they could be copied. Recorded and surfaced, never silent. */
export interface OffsetGap {
  readonly from: bigint;
  readonly to: bigint;
  readonly reason: GapReason;
}

export interface PartitionCheckpoint {
  readonly migrationId: string;
  readonly topic: string;
  readonly partition: number;
  readonly phase: CopyPhase;
  /** Source log-start offset when the seed boundary was captured (where the copy starts). */
  readonly seedStart: bigint;
  /** Source high watermark when the seed boundary was captured (where the seed ends). */
  readonly boundary: bigint;
  /** The source offset to fetch next (gaps and skipped markers included). */
  readonly nextSourceOffset: bigint;
  /** The target offset the next written record will get. */
  readonly nextTargetOffset: bigint;
  readonly recordsCopied: bigint;
  /**
   * Bytes copied: payload (`payloadBytes`) of re-encoded records, stored size of source batches copied
   * as they are (compressed, never decompressed by the copier).
   */
  readonly bytesCopied: bigint;
  readonly gaps: readonly OffsetGap[];
  readonly offsetMap: OffsetMap;
  /** Segment objects staged for this partition, in offset order. */
  readonly segments: readonly SegmentManifestEntry[];
  /** ISO-8601 UTC. */
  readonly updatedAt: string;
}

/* -------------------------------------------- JSON form -------------------------------------------- */

export const checkpointJsonSchema = z.strictObject({
  v: z.literal(CHECKPOINT_VERSION),
  migration_id: z.string().min(1),
  topic: z.string().min(1),
  partition: z.int().min(0),
  phase: z.enum(COPY_PHASES),
  seed_start: decimalOffsetSchema,
  boundary: decimalOffsetSchema,
  next_source_offset: decimalOffsetSchema,
  next_target_offset: decimalOffsetSchema,
  records_copied: decimalOffsetSchema,
  bytes_copied: decimalOffsetSchema,
  gaps: z.array(
    z.strictObject({ from: decimalOffsetSchema, to: decimalOffsetSchema, reason: z.enum(GAP_REASONS) }),
  ),
  offset_map: offsetMapJsonSchema,
  segments: z.array(segmentManifestEntrySchema),
  updated_at: z.iso.datetime(),
});
export type CheckpointJson = z.output<typeof checkpointJsonSchema>;

export function checkpointToJson(cp: PartitionCheckpoint): CheckpointJson {
  return {
    v: CHECKPOINT_VERSION,
    migration_id: cp.migrationId,
    topic: cp.topic,
    partition: cp.partition,
    phase: cp.phase,
    seed_start: toDecimal(cp.seedStart),
    boundary: toDecimal(cp.boundary),
    next_source_offset: toDecimal(cp.nextSourceOffset),
    next_target_offset: toDecimal(cp.nextTargetOffset),
    records_copied: toDecimal(cp.recordsCopied),
    bytes_copied: toDecimal(cp.bytesCopied),
    gaps: cp.gaps.map((g) => ({ from: toDecimal(g.from), to: toDecimal(g.to), reason: g.reason })),
    offset_map: serializeOffsetMap(cp.offsetMap) as CheckpointJson['offset_map'],
    segments: cp.segments.map((s) => ({ ...s })),
    updated_at: cp.updatedAt,
  };
}

/** JSON text of a checkpoint (fixed key order, so equal checkpoints serialize to equal text). */
export function serializeCheckpoint(cp: PartitionCheckpoint): string {
  return JSON.stringify(checkpointToJson(cp));
}

/**
 * Validates and loads a persisted checkpoint (JSON text or the parsed object). A damaged, edited or
 * inconsistent checkpoint → InvariantError `CHECKPOINT_CORRUPT` (or `OFFSET_MAP_CORRUPT` for its map).
 */
export function parseCheckpoint(input: unknown): PartitionCheckpoint {
  const j = parseJsonDocument(input, checkpointJsonSchema, corrupt);
  const cp: PartitionCheckpoint = {
    migrationId: j.migration_id,
    topic: j.topic,
    partition: j.partition,
    phase: j.phase,
    seedStart: BigInt(j.seed_start),
    boundary: BigInt(j.boundary),
    nextSourceOffset: BigInt(j.next_source_offset),
    nextTargetOffset: BigInt(j.next_target_offset),
    recordsCopied: BigInt(j.records_copied),
    bytesCopied: BigInt(j.bytes_copied),
    gaps: j.gaps.map((g) => ({ from: BigInt(g.from), to: BigInt(g.to), reason: g.reason })),
    offsetMap: parseOffsetMap(j.offset_map),
    segments: j.segments,
    updatedAt: j.updated_at,
  };
  const problem = checkpointProblem(cp);
  if (problem !== undefined) throw corrupt(problem);
  return cp;
}

function corrupt(detail: string, cause?: unknown): InvariantError {
  return new InvariantError(`checkpoint is corrupt: ${detail}`, {
    code: 'CHECKPOINT_CORRUPT',
    fix: 'The persisted checkpoint was damaged or edited. Restore its previous version, or reset the partition (delete and recreate the target topic) and copy it again.',
    cause,
  });
}

/** The first violated invariant (see the module comment), or undefined when the checkpoint is consistent. */
export function checkpointProblem(cp: PartitionCheckpoint): string | undefined {
  const map = cp.offsetMap;
  for (const [name, value] of [
    ['seed_start', cp.seedStart],
    ['boundary', cp.boundary],
    ['next_source_offset', cp.nextSourceOffset],
    ['next_target_offset', cp.nextTargetOffset],
    ['records_copied', cp.recordsCopied],
    ['bytes_copied', cp.bytesCopied],
  ] as const) {
    if (!isOffset(value)) return `${name}=${value} is outside [0, 2^63-1]`;
  }
  if (cp.seedStart > cp.boundary) return `seed_start ${cp.seedStart} is above boundary ${cp.boundary}`;
  if (cp.nextSourceOffset < cp.seedStart) {
    return `next_source_offset ${cp.nextSourceOffset} is below seed_start ${cp.seedStart}`;
  }
  if (cp.recordsCopied !== map.copied) {
    return `records_copied=${cp.recordsCopied} but the offset map holds ${map.copied} record(s)`;
  }
  const lastSource = map.lastSource;
  if (lastSource !== undefined) {
    if (map.firstSource! < cp.seedStart) {
      return `offset map starts at source offset ${map.firstSource} below seed_start ${cp.seedStart}`;
    }
    if (cp.nextSourceOffset <= lastSource) {
      return `next_source_offset ${cp.nextSourceOffset} is not above the last copied source offset ${lastSource}`;
    }
    if (cp.nextTargetOffset !== map.lastTarget! + 1n) {
      return `next_target_offset ${cp.nextTargetOffset} is not the offset map's last target + 1 (${map.lastTarget! + 1n})`;
    }
    if (cp.phase === 'seed' && lastSource >= cp.boundary) {
      return `phase seed but source offset ${lastSource} at or above boundary ${cp.boundary} was copied`;
    }
  }
  if (cp.phase === 'tail' && cp.nextSourceOffset < cp.boundary) {
    return `phase tail but next_source_offset ${cp.nextSourceOffset} is below boundary ${cp.boundary}`;
  }
  let previousGapEnd: bigint | undefined;
  for (const [i, gap] of cp.gaps.entries()) {
    if (!isOffset(gap.from) || !isOffset(gap.to) || gap.from >= gap.to) {
      return `gaps.${i}: [${gap.from}, ${gap.to}) is empty or out of range`;
    }
    if (previousGapEnd !== undefined && gap.from < previousGapEnd) {
      return `gaps.${i}: [${gap.from}, ${gap.to}) overlaps or precedes the previous gap`;
    }
    if (gap.to > cp.nextSourceOffset) {
      return `gaps.${i}: ends at ${gap.to}, beyond next_source_offset ${cp.nextSourceOffset}`;
    }
    const copiedInside = map.firstAtOrAfter(gap.from);
    if (copiedInside !== undefined && copiedInside.source < gap.to) {
      return `gaps.${i}: [${gap.from}, ${gap.to}) contains copied source offset ${copiedInside.source}`;
    }
    previousGapEnd = gap.to;
  }
  let previousSegmentEnd: bigint | undefined;
  for (const [i, segment] of cp.segments.entries()) {
    const parts = parseSegmentKey(segment.key);
    if (
      parts === undefined ||
      parts.migrationId !== cp.migrationId ||
      parts.ref.topic !== cp.topic ||
      parts.ref.partition !== cp.partition ||
      toDecimal(parts.firstOffset) !== segment.first_offset ||
      toDecimal(parts.lastOffset) !== segment.last_offset
    ) {
      return `segments.${i}: key ${segment.key} does not name this partition's segment ${segment.first_offset}-${segment.last_offset}`;
    }
    if (previousSegmentEnd !== undefined && parts.firstOffset <= previousSegmentEnd) {
      return `segments.${i}: starts at ${parts.firstOffset}, not after the previous segment's last offset ${previousSegmentEnd}`;
    }
    previousSegmentEnd = parts.lastOffset;
  }
  return undefined;
}

function ensureConsistent(cp: PartitionCheckpoint, action: string): PartitionCheckpoint {
  const problem = checkpointProblem(cp);
  if (problem !== undefined) {
    throw new InvariantError(
      `checkpoint of ${cp.topic}/${cp.partition}: ${action} would break it: ${problem}`,
      {
        code: 'CHECKPOINT_INVARIANT',
        fix: 'This is a bug in the copier: stop it, keep the last persisted checkpoint and report it.',
      },
    );
  }
  return cp;
}

/* -------------------------------------------- builders -------------------------------------------- */

export interface InitialCheckpointInput {
  readonly migrationId: string;
  readonly ref: PartitionRef;
  /** Source log-start offset at boundary capture. */
  readonly seedStart: bigint;
  /** Source high watermark at boundary capture. */
  readonly boundary: bigint;
  /** Target end offset before the first write (0 for a newly created topic). */
  readonly targetNextOffset: bigint;
  readonly now: Date;
}

/**
 * Checkpoint zero: persist it BEFORE the first write of the partition, so a crash after the first
 * acknowledged write is reconciled against a known seed start (see `reconcile`).
 */
export function initialCheckpoint(input: InitialCheckpointInput): PartitionCheckpoint {
  return ensureConsistent(
    {
      migrationId: input.migrationId,
      topic: input.ref.topic,
      partition: input.ref.partition,
      phase: 'seed',
      seedStart: input.seedStart,
      boundary: input.boundary,
      nextSourceOffset: input.seedStart,
      nextTargetOffset: input.targetNextOffset,
      recordsCopied: 0n,
      bytesCopied: 0n,
      gaps: [],
      offsetMap: emptyMap(),
      segments: [],
      updatedAt: input.now.toISOString(),
    },
    'creating it',
  );
}

export interface CopiedBatch {
  /** Source offsets of the records written, ascending, all ≥ the checkpoint's next source offset. */
  readonly sourceOffsets: readonly bigint[];
  /** Target offset of the first of them (the writer's `firstOffset`). */
  readonly targetFirst: bigint;
  /** Bytes of the write: sum of `payloadBytes`, or the stored size of batches copied as they are. */
  readonly bytes: bigint;
  /**
   * Source offset to fetch next, default last offset + 1. A fetch's `nextOffset` when every record
   * of that fetch was written (it skips trailing markers / aborted records). In phase seed at most
   * the boundary.
   */
  readonly nextSourceOffset?: bigint;
  readonly now: Date;
}

/**
 * The checkpoint after an acknowledged write (or after adopting records found on the target by
 * `reconcile`). Extends the offset map; InvariantError when the batch does not continue the checkpoint.
 */
export function advanceCheckpoint(cp: PartitionCheckpoint, batch: CopiedBatch): PartitionCheckpoint {
  const offsets = batch.sourceOffsets;
  const fail = (message: string) =>
    new InvariantError(`checkpoint of ${cp.topic}/${cp.partition}: ${message}`, {
      code: 'CHECKPOINT_INVARIANT',
      fix: 'This is a bug in the copier: stop it, keep the last persisted checkpoint and report it.',
    });
  if (offsets.length > 0 && offsets[0]! < cp.nextSourceOffset) {
    throw fail(`batch starts at source offset ${offsets[0]} below next_source_offset ${cp.nextSourceOffset}`);
  }
  if (offsets.length > 0 && batch.targetFirst !== cp.nextTargetOffset) {
    throw fail(`batch was written at target offset ${batch.targetFirst}, expected ${cp.nextTargetOffset}`);
  }
  if (batch.bytes < 0n) throw fail(`negative byte count ${batch.bytes}`);
  const last = offsets.length > 0 ? offsets[offsets.length - 1]! : undefined;
  const nextSource = batch.nextSourceOffset ?? (last === undefined ? cp.nextSourceOffset : last + 1n);
  if (nextSource < cp.nextSourceOffset || (last !== undefined && nextSource <= last)) {
    throw fail(`next source offset ${nextSource} does not follow the batch (last ${last ?? 'none'})`);
  }
  if (cp.phase === 'seed' && nextSource > cp.boundary && nextSource > cp.nextSourceOffset) {
    throw fail(
      `phase seed cannot advance to ${nextSource} beyond boundary ${cp.boundary}; enter the tail first`,
    );
  }
  const offsetMap = appendCopied(cp.offsetMap, offsets, batch.targetFirst);
  return ensureConsistent(
    {
      ...cp,
      nextSourceOffset: nextSource,
      nextTargetOffset: cp.nextTargetOffset + BigInt(offsets.length),
      recordsCopied: cp.recordsCopied + BigInt(offsets.length),
      bytesCopied: cp.bytesCopied + batch.bytes,
      offsetMap,
      updatedAt: batch.now.toISOString(),
    },
    'advancing it',
  );
}

/**
 * Records source offsets `[nextSourceOffset, to)` as lost (the reader got OFFSET_OUT_OF_RANGE; `to` is
 * the source's new log start) and moves the checkpoint past them.
 */
export function recordGap(
  cp: PartitionCheckpoint,
  to: bigint,
  reason: GapReason,
  now: Date,
): PartitionCheckpoint {
  if (to <= cp.nextSourceOffset) {
    throw new InvariantError(
      `checkpoint of ${cp.topic}/${cp.partition}: a gap must end after next_source_offset ${cp.nextSourceOffset} (got ${to})`,
      { code: 'CHECKPOINT_INVARIANT', fix: 'Pass the source log-start offset the reader reported.' },
    );
  }
  const gap: OffsetGap = { from: cp.nextSourceOffset, to, reason };
  return ensureConsistent(
    { ...cp, gaps: [...cp.gaps, gap], nextSourceOffset: to, updatedAt: now.toISOString() },
    'recording a gap',
  );
}

/** Adds a staged segment object (in offset order). */
export function addSegment(
  cp: PartitionCheckpoint,
  entry: SegmentManifestEntry,
  now: Date,
): PartitionCheckpoint {
  return ensureConsistent(
    { ...cp, segments: [...cp.segments, entry], updatedAt: now.toISOString() },
    'adding a segment',
  );
}

/** Seed → tail, once `next_source_offset` reached the boundary. */
export function enterTail(cp: PartitionCheckpoint, now: Date): PartitionCheckpoint {
  if (cp.phase === 'tail') return cp;
  return ensureConsistent({ ...cp, phase: 'tail', updatedAt: now.toISOString() }, 'entering the tail');
}

/** Bytes of a record's payload: key + value + every header key and value (nulls count 0). */
export function payloadBytes(record: Pick<SourceRecord, 'key' | 'value' | 'headers'>): bigint {
  let n = (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [k, v] of record.headers) n += k.length + (v?.length ?? 0);
  return BigInt(n);
}

/** Where the checkpoint of a partition is kept, relative to the segments store prefix. */
export function checkpointKey(migrationId: string, ref: PartitionRef): string {
  return joinKey(migrationId, 'topics', ref.topic, `partition=${ref.partition}`, 'checkpoint.json');
}

/* ----------------------------------------- reconciliation ----------------------------------------- */

export interface ReconcilePlan {
  /** `checkpoint` when a checkpoint was found; `none` when the partition is reconciled from the seed start. */
  readonly basis: 'checkpoint' | 'none';
  /**
   * How many of the next source records, in source order from `resumeSourceOffset` (gaps skipped as
   * the reader skips them), are already on the target: written and acknowledged after the last
   * checkpoint. Re-read them, extend the map with `advanceCheckpoint` at `adoptTargetFirst`, do not write them.
   */
  readonly alreadyWritten: bigint;
  /** The checkpoint's next source offset, or `seed-start` (the seed's log-start) when there is none. */
  readonly resumeSourceOffset: bigint | 'seed-start';
  /** Target offset of the first already-written record (the `targetFirst` to adopt them at). */
  readonly adoptTargetFirst: bigint;
  /** Target offset the next write will get (= the target's end offset). */
  readonly nextTargetOffset: bigint;
}

/**
 * Restart after a crash (kill -9 at any instant), SPEC §6.2: compares the last checkpoint with the
 * target partition's end offset. Every record the copier writes is acknowledged in order and the
 * copier is the partition's only writer, so the records past the checkpoint's next target offset are
 * exactly the next source records after its next source offset.
 *
 * - target end < checkpoint's next target offset → InvariantError `TARGET_BEHIND_CHECKPOINT` (the target
 *   lost acknowledged data or was truncated/recreated);
 * - no checkpoint: the partition may have been written before the first checkpoint; everything from
 *   the target's start is treated as copied from the seed start ("checkpoint zero"). Persisting
 *   `initialCheckpoint` before the first write makes this path carry no risk (see docs/offset-map.md).
 *
 * Before reconciling, the caller must make sure no write of the crashed process can still land
 * (in-flight produce requests): read the end offset only once those have completed or timed out.
 */
export function reconcile(
  checkpoint: PartitionCheckpoint | undefined,
  targetEndOffset: bigint,
  targetStartOffsetOfPartition: bigint,
): ReconcilePlan {
  if (
    !isOffset(targetEndOffset) ||
    !isOffset(targetStartOffsetOfPartition) ||
    targetStartOffsetOfPartition > targetEndOffset
  ) {
    throw new InvariantError(
      `target offsets are inconsistent: start ${targetStartOffsetOfPartition}, end ${targetEndOffset}`,
      {
        code: 'TARGET_OFFSETS_INVALID',
        fix: 'Read the log-start and end offsets of the target partition again.',
      },
    );
  }
  if (checkpoint === undefined) {
    return {
      basis: 'none',
      alreadyWritten: targetEndOffset - targetStartOffsetOfPartition,
      resumeSourceOffset: 'seed-start',
      adoptTargetFirst: targetStartOffsetOfPartition,
      nextTargetOffset: targetEndOffset,
    };
  }
  if (targetEndOffset < checkpoint.nextTargetOffset) {
    throw new InvariantError(
      `target ${checkpoint.topic}/${checkpoint.partition} ends at offset ${targetEndOffset} but the checkpoint ` +
        `recorded ${checkpoint.nextTargetOffset} as the next target offset: the target lost acknowledged records or the topic was truncated or recreated`,
      {
        code: 'TARGET_BEHIND_CHECKPOINT',
        fix: 'Check the target topic (unclean leader election, deleted and recreated topic, DeleteRecords). To start the partition over, delete the target topic and the checkpoint and re-run the seed.',
      },
    );
  }
  return {
    basis: 'checkpoint',
    alreadyWritten: targetEndOffset - checkpoint.nextTargetOffset,
    resumeSourceOffset: checkpoint.nextSourceOffset,
    adoptTargetFirst: checkpoint.nextTargetOffset,
    nextTargetOffset: targetEndOffset,
  };
}

/**
 * Adopts the `alreadyWritten` records of a ReconcilePlan: `records` are the next source records read
 * again from the checkpoint's next source offset (exactly `alreadyWritten` of them, in order). Extends
 * the map at the checkpoint's next target offset without writing anything, entering the tail on the way
 * when the records cross the seed boundary. For a plan with basis `none`, pass checkpoint zero made with
 * `targetNextOffset = plan.adoptTargetFirst`. Then check the target's last record with `verifyTailOfTarget`.
 */
export function adoptAlreadyWritten(
  cp: PartitionCheckpoint,
  records: readonly SourceRecord[],
  now: Date,
): PartitionCheckpoint {
  const batch = (cp0: PartitionCheckpoint, part: readonly SourceRecord[]): CopiedBatch => ({
    sourceOffsets: part.map((r) => r.offset),
    targetFirst: cp0.nextTargetOffset,
    bytes: part.reduce((n, r) => n + payloadBytes(r), 0n),
    now,
  });
  let next = cp;
  let rest = records;
  if (next.phase === 'seed') {
    const boundary = next.boundary;
    const inSeed = records.filter((r) => r.offset < boundary).length;
    if (inSeed > 0) next = advanceCheckpoint(next, batch(next, records.slice(0, inSeed)));
    if (inSeed < records.length) {
      if (next.nextSourceOffset < boundary) {
        next = advanceCheckpoint(next, { ...batch(next, []), nextSourceOffset: boundary });
      }
      next = enterTail(next, now);
    }
    rest = records.slice(inSeed);
  }
  return rest.length === 0 ? next : advanceCheckpoint(next, batch(next, rest));
}

export type TailVerification =
  | { readonly ok: true; readonly digest: string }
  | { readonly ok: false; readonly expected: string; readonly actual: string };

/**
 * After adopting already-written records: the last record on the target must be the source record the
 * map says it was copied from (compare by `recordDigest`). A mismatch means reconciliation would
 * duplicate or skip data — stop (InvariantError at the caller).
 */
export function verifyTailOfTarget(
  lastTargetRecord: DigestibleRecord,
  mappedSourceRecord: DigestibleRecord,
  options: RecordDigestOptions = {},
): TailVerification {
  const expected = recordDigest(mappedSourceRecord, options);
  const actual = recordDigest(lastTargetRecord, options);
  return expected === actual ? { ok: true, digest: actual } : { ok: false, expected, actual };
}
