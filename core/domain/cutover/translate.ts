import type { CommittedOffset, PartitionRef } from '../../ports.ts';
import { type OffsetMap, type Translation, translateCommitted } from '../copy/offset-map.ts';
import { InvariantError, isKraftMigrateError, PreconditionError } from '../errors.ts';
import { listNames } from '../format.ts';

/**
 * What one partition's translations are computed from (SPEC §6.4 step 5): the tail's offset map after
 * the final drain and the end offsets of the cutover snapshot, with the sentinel's source offset.
 */
export interface PartitionBasis extends PartitionRef {
  readonly map: OffsetMap;
  readonly sourceEnd: bigint;
  readonly targetEnd: bigint;
  /** Source offset of this migration's sentinel on the partition. */
  readonly sentinelSource?: bigint | undefined;
}

export interface CutoverTranslation extends Translation {
  /**
   * The next record would have been the sentinel: the translation points past it, so a consumer that
   * had read everything before the freeze does not see the sentinel on the target.
   */
  readonly sentinelSkipped: boolean;
}

/**
 * `translateCommitted` with the sentinel rule: when the first copied record at or after `committed`
 * is the sentinel (the group had read everything before the freeze, possibly up to a transaction
 * marker), the result is the target offset right after the sentinel — the target end when nothing was
 * written after it — instead of the sentinel's own offset.
 */
export function translateAtCutover(basis: PartitionBasis, committed: bigint): CutoverTranslation {
  const t = translateCommitted(basis.map, committed, basis.sourceEnd, basis.targetEnd);
  if (basis.sentinelSource === undefined || t.nextSourceRecord !== basis.sentinelSource) {
    return { ...t, sentinelSkipped: false };
  }
  const after = t.target + 1n;
  if (after >= basis.targetEnd) {
    return { target: basis.targetEnd, case: 'end', nextSourceRecord: undefined, sentinelSkipped: true };
  }
  return {
    target: after,
    case: 'next-record',
    nextSourceRecord: basis.map.sourceOf(after),
    sentinelSkipped: true,
  };
}

export interface PartitionTranslation extends PartitionRef {
  /** The group's committed offset on the source. */
  readonly committed: bigint;
  readonly translation: CutoverTranslation;
}

export interface GroupTranslation {
  readonly groupId: string;
  /** One per partition of the migration the group has a commit on (topic, partition order). */
  readonly partitions: readonly PartitionTranslation[];
  /** Commits of the group on partitions outside the migration (not translated). */
  readonly outside: number;
}

const refKey = (r: PartitionRef) => `${r.topic}/${r.partition}`;

/**
 * Translates every committed offset of one source group that lies on a partition of the migration
 * (`bases` by `topic/partition`); commits on other partitions are counted, not translated. Partitions
 * without a commit stay without one. A translation failure names the group and the partition.
 */
export function translateGroup(
  groupId: string,
  committed: readonly CommittedOffset[],
  bases: ReadonlyMap<string, PartitionBasis>,
): GroupTranslation {
  const partitions: PartitionTranslation[] = [];
  let outside = 0;
  for (const c of committed) {
    const basis = bases.get(refKey(c));
    if (basis === undefined) {
      outside++;
      continue;
    }
    try {
      partitions.push({
        topic: c.topic,
        partition: c.partition,
        committed: c.offset,
        translation: translateAtCutover(basis, c.offset),
      });
    } catch (e) {
      if (!isKraftMigrateError(e)) throw e;
      throw new InvariantError(`group ${groupId}, partition ${refKey(c)}: ${e.message}`, {
        code: e.code,
        fix: e.fix,
        cause: e,
      });
    }
  }
  partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  return { groupId, partitions, outside };
}

export interface CommitMismatch extends PartitionRef {
  readonly expected: bigint;
  /** undefined: no commit read back. */
  readonly found: bigint | undefined;
}

/** Partitions whose committed offset read back from the target differs from the translated one. */
export function commitMismatches(
  translated: readonly PartitionTranslation[],
  readBack: readonly CommittedOffset[],
): CommitMismatch[] {
  const found = new Map(readBack.map((c) => [refKey(c), c.offset]));
  const out: CommitMismatch[] = [];
  for (const t of translated) {
    const got = found.get(refKey(t));
    if (got !== t.translation.target) {
      out.push({ topic: t.topic, partition: t.partition, expected: t.translation.target, found: got });
    }
  }
  return out;
}

/** The groups have live members on the target: their offsets cannot be set (PreconditionError). */
export function activeMembersError(groupIds: readonly string[], cause?: unknown): PreconditionError {
  return new PreconditionError(
    `consumer group(s) with active members on the target: ${listNames(groupIds)} — translated offsets ` +
      'can only be committed to a group without members',
    {
      code: 'CUTOVER_GROUP_ACTIVE_ON_TARGET',
      fix:
        'Stop the consumers of these groups that already run against the target cluster (they would start from ' +
        'offsets the migration did not set), then resume the migration: the cutover commits the translated offsets again.',
      cause,
    },
  );
}
