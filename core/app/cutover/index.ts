/**
 * The cutover's data steps (SPEC §6.4 steps 3–6), called by the workflow after the verified freeze:
 *
 *   placeSentinels → finalDrain → translateOffsets('cutover') → logStartGuard
 *   … and translateOffsets('ack') at `cutover-ack`.
 *
 * Every step is idempotent (a re-run after a failure continues where it stopped), records what it did
 * as a JSON artifact in the segments store (`<segments>/<id>/cutover/*.json`, core/domain/cutover
 * artifacts.ts) and returns a small summary for the workflow state and the journal detail — never
 * per-partition lists. See docs/cutover.md.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import { mapWithConcurrency } from '../../domain/concurrency.ts';
import type { MigrationConfig } from '../../domain/config/schema.ts';
import { type PartitionCheckpoint, type TranslationCase, targetOf } from '../../domain/copy/index.ts';
import {
  activeMembersError,
  type CutoverArtifact,
  commitMismatches,
  cutoverKey,
  type GroupTranslation,
  type GuardOffset,
  type GuardPartition,
  logStartGuardError,
  logStartViolations,
  type PartitionBasis,
  parseCutoverArtifact,
  type SentinelsJson,
  type SnapshotJson,
  sentinelMigrationId,
  sentinelRecord,
  sentinelsPendingKey,
  sentinelsSchema,
  snapshotSchema,
  type TranslationsJson,
  translateGroup,
  translationsSchema,
} from '../../domain/cutover/index.ts';
import { PreconditionError, TransientError } from '../../domain/errors.ts';
import { listNames } from '../../domain/format.ts';
import { parseS3Url, s3Url } from '../../domain/plan/storage-layout.ts';
import { selectGroups } from '../../domain/selection.ts';
import {
  type Adapters,
  type ObjectStore,
  type PartitionRef,
  partitionKey,
  type RecordReader,
} from '../../ports.ts';
import { checkpointedPartitions, loadCheckpoint } from '../copy/checkpoint-writer.ts';
import { readTailStatuses } from '../drain.ts';

export interface SentinelsResult {
  /** Partitions of the migration (each has exactly one sentinel). */
  readonly partitions: number;
  /** Sentinels written by this call. */
  readonly written: number;
  /** Sentinels found on the source from an earlier, interrupted attempt (not written again). */
  readonly reused: number;
  readonly written_at: string;
  /** s3:// URL of the sentinels artifact. */
  readonly artifact: string;
}

export interface FinalDrainResult {
  readonly partitions: number;
  /** Every sentinel is on the target (its target offset is in the snapshot). */
  readonly sentinels_on_target: number;
  /** Sums over the partitions of the cutover snapshot (source and target end offsets). */
  readonly source_end_total: string;
  readonly target_end_total: string;
  readonly taken_at: string;
  readonly waited_ms: number;
  /** s3:// URL of the snapshot artifact. */
  readonly artifact: string;
}

export interface TranslationResult {
  readonly round: 'cutover' | 'ack';
  /** Groups on the source selected by `groups.include` / `groups.exclude`. */
  readonly groups_selected: number;
  /** Groups whose translated offsets were committed on the target and read back equal. */
  readonly groups_committed: number;
  /** Selected groups without a commit on any partition of the migration (left without one). */
  readonly groups_without_commits: number;
  /** Round `ack`: groups not committed again because they have members on the target now. */
  readonly groups_skipped: number;
  /** The first few skipped groups and the count ("" when none). */
  readonly skipped: string;
  readonly partitions_committed: number;
  /** Translations per case; `sentinel_skipped` counts those that point past the sentinel. */
  readonly cases: Readonly<Record<TranslationCase | 'sentinel_skipped', number>>;
  readonly translated_at: string;
  /** s3:// URL of this round's translations artifact. */
  readonly artifact: string;
}

export interface GuardResult {
  readonly passed: true;
  readonly partitions_checked: number;
  readonly offsets_checked: number;
}

export interface FinalDrainOptions {
  /** How long one call waits for the sentinels before TransientError "not drained yet". @default 60000 */
  readonly timeoutMs?: number;
  /** @default 500 */
  readonly pollMs?: number;
}

const CONCURRENCY = 16;
/** S3 GETs of checkpoints in parallel. */
const CHECKPOINT_CONCURRENCY = 64;
/** Groups committed at once (one OffsetCommit each, at the group's coordinator). */
const COMMIT_CONCURRENCY = 32;

/* ------------------------------------------- sentinels ------------------------------------------- */

/**
 * One sentinel per partition of the migration (those with a checkpoint: what the tail copies), written
 * to the source after the verified freeze; their source offsets from the produce responses. Re-run:
 * nothing is written again once the artifact exists; after an interrupted attempt, a partition whose
 * last record is already this migration's sentinel keeps it.
 */
export async function placeSentinels(
  _config: MigrationConfig,
  adapters: Adapters,
  migrationId: string,
  now: () => Date = () => new Date(),
): Promise<SentinelsResult> {
  const store = adapters.objectStore('segments');
  const existing = await loadArtifact(store, migrationId, 'sentinels', sentinelsSchema);
  if (existing) {
    return {
      partitions: existing.partitions.length,
      written: 0,
      reused: existing.partitions.length,
      written_at: existing.written_at,
      artifact: artifactUrl(store, migrationId, 'sentinels'),
    };
  }
  const refs = await migrationPartitions(store, migrationId);
  const pendingKey = sentinelsPendingKey(migrationId);
  const retry = (await store.get(pendingKey)) !== undefined;
  await store.put(pendingKey, now().toISOString());
  const at = now();
  const reader = retry
    ? await adapters.recordReader('source', { isolationLevel: 'read_uncommitted' })
    : undefined;
  const writer = await adapters.recordWriter({}, 'source');
  let reused = 0;
  try {
    const offsets = await mapWithConcurrency(refs, CONCURRENCY, async (ref) => {
      const earlier = reader ? await lastSentinel(reader, ref, migrationId) : undefined;
      if (earlier !== undefined) {
        reused++;
        return earlier;
      }
      return (await writer.write(ref, [sentinelRecord(migrationId, ref, at)])).firstOffset;
    });
    const doc: SentinelsJson = {
      v: 1,
      migration_id: migrationId,
      written_at: at.toISOString(),
      partitions: refs.map((ref, i) => ({ ...ref, source_offset: offsets[i]!.toString(10) })),
    };
    await putArtifact(store, migrationId, 'sentinels', doc);
    await store.delete(pendingKey);
  } finally {
    await Promise.allSettled([writer.close(), reader?.close()]);
  }
  return {
    partitions: refs.length,
    written: refs.length - reused,
    reused,
    written_at: at.toISOString(),
    artifact: artifactUrl(store, migrationId, 'sentinels'),
  };
}

/** The source offset of the partition's last record when it is this migration's sentinel. */
async function lastSentinel(
  reader: RecordReader,
  ref: PartitionRef,
  migrationId: string,
): Promise<bigint | undefined> {
  const end = (await reader.offsets([ref])).get(partitionKey(ref))!.highWatermark;
  if (end === 0n) return undefined;
  const fetched = await reader.fetch(ref, end - 1n, { maxBytes: 1 << 20, maxWaitMs: 0 });
  const last = fetched.records.find((r) => r.offset === end - 1n);
  return last && sentinelMigrationId(last) === migrationId ? last.offset : undefined;
}

/* ------------------------------------------ final drain ------------------------------------------ */

interface DrainedPartition {
  readonly ref: PartitionRef;
  readonly sourceEnd: bigint;
  readonly targetEnd: bigint;
  readonly sentinelSource: bigint;
  readonly sentinelTarget: bigint;
  readonly firstCopiedTarget: bigint | undefined;
}

/**
 * Waits (up to `timeoutMs`) until the tail has copied every sentinel and caught up: per partition the
 * checkpoint maps the sentinel to a target offset, its next source offset has reached the source high
 * watermark (lag 0) and the target end equals its next target offset (the checkpoint covers the whole
 * target). Then records the end offsets at that moment as the cutover snapshot. Not there in time:
 * TransientError `not drained yet` (the workflow retries). Re-run: an existing snapshot is kept.
 */
export async function finalDrain(
  _config: MigrationConfig,
  adapters: Adapters,
  migrationId: string,
  options: FinalDrainOptions = {},
  now: () => Date = () => new Date(),
): Promise<FinalDrainResult> {
  const started = Date.now();
  const store = adapters.objectStore('segments');
  const existing = await loadArtifact(store, migrationId, 'snapshot', snapshotSchema);
  if (existing) return drainSummary(store, migrationId, existing, 0);
  const sentinels = await loadArtifact(store, migrationId, 'sentinels', sentinelsSchema);
  if (!sentinels) {
    throw new PreconditionError(`final drain of ${migrationId}: no sentinels were placed`, {
      code: 'CUTOVER_NO_SENTINELS',
      fix: 'Run the cutover from its start (PlaceSentinels comes before FinalDrain): `kraft-migrate execute` resumes it.',
    });
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pollMs = options.pollMs ?? 500;
  const source = await adapters.recordReader('source', { isolationLevel: 'read_uncommitted' });
  const target = await adapters.recordReader('target');
  const drained = new Map<string, DrainedPartition>();
  let pending = sentinels.partitions.map((p) => ({
    ref: { topic: p.topic, partition: p.partition },
    sentinel: BigInt(p.source_offset),
  }));
  let why: string[] = [];
  try {
    for (;;) {
      // The tail's status documents (one object per shard, about once a second) say which partitions
      // have a checkpoint in S3 past their sentinel; only those checkpoints are loaded and checked.
      const copied = await tailPositions(adapters, migrationId);
      const candidates = pending.filter((p) => {
        const next = copied?.get(partitionKey(p.ref));
        return copied === undefined || (next !== undefined && next > p.sentinel);
      });
      const refs = candidates.map((p) => p.ref);
      // Checkpoints first, end offsets after: a checkpoint never runs ahead of the end offsets read later.
      const checkpoints = await mapWithConcurrency(refs, CHECKPOINT_CONCURRENCY, (ref) =>
        loadCheckpoint(store, migrationId, ref),
      );
      const [sourceOffsets, targetOffsets] =
        refs.length === 0
          ? [new Map(), new Map()]
          : await Promise.all([source.offsets(refs), target.offsets(refs)]);
      why = [];
      const done = new Set<string>();
      candidates.forEach((p, i) => {
        const key = partitionKey(p.ref);
        const cp = checkpoints[i];
        const sourceEnd = sourceOffsets.get(key)!.highWatermark;
        const targetEnd = targetOffsets.get(key)!.highWatermark;
        const problem = drainProblem(cp, p.sentinel, sourceEnd, targetEnd);
        if (problem !== undefined) {
          why.push(`${key} (${problem})`);
          return;
        }
        done.add(key);
        drained.set(key, {
          ref: p.ref,
          sourceEnd,
          targetEnd,
          sentinelSource: p.sentinel,
          sentinelTarget: targetOf(cp!.offsetMap, p.sentinel)!,
          firstCopiedTarget: cp!.offsetMap.firstTarget,
        });
      });
      for (const p of pending) {
        if (!candidates.includes(p))
          why.push(`${partitionKey(p.ref)} (the tail has not reported its sentinel copied)`);
      }
      pending = pending.filter((p) => !done.has(partitionKey(p.ref)));
      if (pending.length === 0) break;
      if (Date.now() - started + pollMs > timeoutMs) {
        throw new TransientError(
          `not drained yet: ${pending.length} of ${sentinels.partitions.length} partition(s) without their sentinel ` +
            `on the target or with lag: ${listNames(why)}`,
          {
            code: 'CUTOVER_NOT_DRAINED',
            fix:
              'The tail copier must keep running through the cutover; the step is retried. If it stays here, check ' +
              "the tail's status (`kraft-migrate status`) and its log.",
          },
        );
      }
      await sleep(pollMs);
    }
  } finally {
    await Promise.allSettled([source.close(), target.close()]);
  }
  const doc: SnapshotJson = {
    v: 1,
    migration_id: migrationId,
    taken_at: now().toISOString(),
    partitions: sentinels.partitions.map((p) => {
      const d = drained.get(partitionKey(p))!;
      return {
        topic: p.topic,
        partition: p.partition,
        source_end: d.sourceEnd.toString(10),
        target_end: d.targetEnd.toString(10),
        sentinel_source: d.sentinelSource.toString(10),
        sentinel_target: d.sentinelTarget.toString(10),
        first_copied_target: d.firstCopiedTarget === undefined ? null : d.firstCopiedTarget.toString(10),
      };
    }),
  };
  await putArtifact(store, migrationId, 'snapshot', doc);
  return drainSummary(store, migrationId, doc, Date.now() - started);
}

/**
 * Per partition the highest position the tail's status documents report: the next source offset of
 * its newest checkpoint persisted in S3 (of the copy itself in documents of older copiers), or
 * undefined when there is no status document (then every checkpoint is checked).
 */
async function tailPositions(
  adapters: Adapters,
  migrationId: string,
): Promise<Map<string, bigint> | undefined> {
  const statuses = await readTailStatuses(adapters, migrationId);
  if (statuses.length === 0) return undefined;
  const out = new Map<string, bigint>();
  for (const s of statuses) {
    for (const p of s.partitions) {
      // What S3 holds, when the copier reports it: a checkpoint loaded before it passes the sentinel
      // is loaded again at the next poll (10,000 GETs per poll at 10,000 partitions).
      const position =
        p.checkpointed_source_offset === undefined ? p.next_source_offset : p.checkpointed_source_offset;
      if (position === null) continue;
      const key = partitionKey(p);
      const next = BigInt(position);
      if (next > (out.get(key) ?? -1n)) out.set(key, next);
    }
  }
  return out;
}

/** Why a partition is not drained yet, or undefined when it is. */
function drainProblem(
  cp: PartitionCheckpoint | undefined,
  sentinel: bigint,
  sourceEnd: bigint,
  targetEnd: bigint,
): string | undefined {
  if (cp === undefined) return 'no checkpoint';
  if (targetOf(cp.offsetMap, sentinel) === undefined)
    return `sentinel at source offset ${sentinel} not copied yet`;
  if (cp.nextSourceOffset < sourceEnd) return `lag ${sourceEnd - cp.nextSourceOffset}`;
  if (targetEnd !== cp.nextTargetOffset)
    return `target end ${targetEnd}, checkpoint at target offset ${cp.nextTargetOffset}`;
  return undefined;
}

function drainSummary(
  store: ObjectStore,
  migrationId: string,
  doc: SnapshotJson,
  waitedMs: number,
): FinalDrainResult {
  let sourceTotal = 0n;
  let targetTotal = 0n;
  for (const p of doc.partitions) {
    sourceTotal += BigInt(p.source_end);
    targetTotal += BigInt(p.target_end);
  }
  return {
    partitions: doc.partitions.length,
    sentinels_on_target: doc.partitions.length,
    source_end_total: sourceTotal.toString(10),
    target_end_total: targetTotal.toString(10),
    taken_at: doc.taken_at,
    waited_ms: waitedMs,
    artifact: artifactUrl(store, migrationId, 'snapshot'),
  };
}

/* ------------------------------------- translation and commit ------------------------------------- */

/**
 * Round `cutover`: every selected source group's committed offsets on the migration's partitions are
 * translated through the offset map (with the cutover snapshot's end offsets), committed on the target
 * (admin OffsetCommit at the coordinator) and read back. A group with members on the target is a
 * PreconditionError naming it. Round `ack`: the same with the positions the groups have reached on the
 * source by now (consumers stopped late), skipping groups that have members on the target by then.
 * Re-run: commits the same offsets again.
 */
export async function translateOffsets(
  config: MigrationConfig,
  adapters: Adapters,
  migrationId: string,
  round: 'cutover' | 'ack',
  now: () => Date = () => new Date(),
): Promise<TranslationResult> {
  const store = adapters.objectStore('segments');
  const snapshot = await requireSnapshot(store, migrationId);
  const bases = await partitionBases(store, migrationId, snapshot);

  const sourceGroups = await adapters.groupAdmin('source');
  const targetGroups = await adapters.groupAdmin('target');
  let groupIds: string[];
  const translated: GroupTranslation[] = [];
  const skipped: { group_id: string; reason: string }[] = [];
  try {
    groupIds = selectGroups(await sourceGroups.listGroupIds(), config.groups);
    const onTarget = await targetGroups.describeGroups(groupIds);
    const active = groupIds.filter((g) => (onTarget.get(g)?.members ?? 0) > 0);
    if (round === 'cutover' && active.length > 0) throw activeMembersError(active);
    for (const g of active) {
      skipped.push({ group_id: g, reason: `${onTarget.get(g)!.members} member(s) on the target` });
    }
    const todo = groupIds.filter((g) => !active.includes(g));
    // The source's commits of every group in a few batched OffsetFetch requests; the commits one
    // OffsetCommit per group (Kafka has no other), COMMIT_CONCURRENCY at a time; then read back batched.
    const committed = await sourceGroups.committedOffsetsOf(todo);
    translated.push(...todo.map((groupId) => translateGroup(groupId, committed.get(groupId) ?? [], bases)));
    const commits = translated.filter((t) => t.partitions.length > 0);
    await mapWithConcurrency(commits, COMMIT_CONCURRENCY, (t) =>
      targetGroups.commitOffsets(
        t.groupId,
        t.partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.translation.target })),
      ),
    );
    const readBack = await targetGroups.committedOffsetsOf(commits.map((t) => t.groupId));
    for (const t of commits) {
      const mismatches = commitMismatches(t.partitions, readBack.get(t.groupId) ?? []);
      if (mismatches.length > 0) {
        throw new PreconditionError(
          `group ${t.groupId}: the offsets read back from the target differ from the translated ones: ` +
            listNames(
              mismatches.map((m) => `${partitionKey(m)} expected ${m.expected}, found ${m.found ?? 'none'}`),
            ),
          {
            code: 'CUTOVER_COMMIT_MISMATCH',
            fix:
              'Something else commits offsets for this group on the target (a consumer already switched?). Stop it, ' +
              'then resume the migration: the cutover commits the translated offsets again.',
          },
        );
      }
    }
  } finally {
    await Promise.allSettled([sourceGroups.close(), targetGroups.close()]);
  }

  const at = now().toISOString();
  const doc: TranslationsJson = {
    v: 1,
    migration_id: migrationId,
    round,
    translated_at: at,
    groups: translated
      .filter((t) => t.partitions.length > 0)
      .map((t) => ({
        group_id: t.groupId,
        partitions: t.partitions.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          source_committed: p.committed.toString(10),
          target: p.translation.target.toString(10),
          case: p.translation.case,
          sentinel_skipped: p.translation.sentinelSkipped,
        })),
      })),
    skipped_groups: skipped,
  };
  const artifact: CutoverArtifact = round === 'cutover' ? 'translations-cutover' : 'translations-ack';
  await putArtifact(store, migrationId, artifact, doc);

  const cases = { exact: 0, 'next-record': 0, end: 0, 'before-start': 0, sentinel_skipped: 0 };
  let partitionsCommitted = 0;
  for (const g of doc.groups) {
    for (const p of g.partitions) {
      cases[p.case]++;
      if (p.sentinel_skipped) cases.sentinel_skipped++;
      partitionsCommitted++;
    }
  }
  return {
    round,
    groups_selected: groupIds.length,
    groups_committed: doc.groups.length,
    groups_without_commits: translated.length - doc.groups.length,
    groups_skipped: skipped.length,
    skipped: listNames(skipped.map((s) => s.group_id)),
    partitions_committed: partitionsCommitted,
    cases,
    translated_at: at,
    artifact: artifactUrl(store, migrationId, artifact),
  };
}

/** The cutover snapshot, or PreconditionError CUTOVER_NO_SNAPSHOT (validation and repair use it too). */
export async function requireSnapshot(store: ObjectStore, migrationId: string): Promise<SnapshotJson> {
  const snapshot = await loadArtifact(store, migrationId, 'snapshot', snapshotSchema);
  if (!snapshot) {
    throw new PreconditionError(`cutover of ${migrationId}: no cutover snapshot yet`, {
      code: 'CUTOVER_NO_SNAPSHOT',
      fix: 'Offsets are translated after the final drain: `kraft-migrate execute` resumes the cutover from there.',
    });
  }
  return snapshot;
}

/** Per `topic/partition`: the latest checkpoint's offset map with the snapshot's end offsets. */
async function partitionBases(
  store: ObjectStore,
  migrationId: string,
  snapshot: SnapshotJson,
): Promise<Map<string, PartitionBasis>> {
  const checkpoints = await mapWithConcurrency(snapshot.partitions, CHECKPOINT_CONCURRENCY, (p) =>
    loadCheckpoint(store, migrationId, p),
  );
  const bases = new Map<string, PartitionBasis>();
  snapshot.partitions.forEach((p, i) => {
    const cp = checkpoints[i];
    if (cp === undefined) {
      throw new PreconditionError(`cutover of ${migrationId}: ${partitionKey(p)} has no checkpoint`, {
        code: 'CUTOVER_NO_CHECKPOINT',
        fix: 'The segments bucket lost the checkpoint of a partition in the snapshot: restore it, then resume.',
      });
    }
    bases.set(partitionKey(p), {
      topic: p.topic,
      partition: p.partition,
      map: cp.offsetMap,
      sourceEnd: BigInt(p.source_end),
      targetEnd: BigInt(p.target_end),
      sentinelSource: BigInt(p.sentinel_source),
    });
  });
  return bases;
}

/* ------------------------------------------ log-start guard ------------------------------------------ */

/**
 * Before READY_FOR_CLIENT_SWITCH: on every partition of the snapshot the target's log start must not
 * have passed the first copied record, and every translated offset (of the rounds recorded so far)
 * must lie within [log start, end] now. Otherwise PreconditionError LOG_START_GUARD naming the
 * partitions and the fix; the client switch stays blocked.
 */
export async function logStartGuard(
  _config: MigrationConfig,
  adapters: Adapters,
  migrationId: string,
): Promise<GuardResult> {
  const store = adapters.objectStore('segments');
  const snapshot = await requireSnapshot(store, migrationId);
  const rounds = await Promise.all(
    (['translations-cutover', 'translations-ack'] as const).map((a) =>
      loadArtifact(store, migrationId, a, translationsSchema),
    ),
  );
  if (!rounds[0]) {
    throw new PreconditionError(`cutover of ${migrationId}: offsets were not translated yet`, {
      code: 'CUTOVER_NO_TRANSLATIONS',
      fix: 'The log-start guard runs after TranslateOffsets: `kraft-migrate execute` resumes the cutover from there.',
    });
  }
  const offsets: GuardOffset[] = [];
  for (const doc of rounds) {
    for (const g of doc?.groups ?? []) {
      for (const p of g.partitions) {
        offsets.push({
          groupId: g.group_id,
          topic: p.topic,
          partition: p.partition,
          target: BigInt(p.target),
        });
      }
    }
  }
  const reader = await adapters.recordReader('target');
  let now: Awaited<ReturnType<RecordReader['offsets']>>;
  try {
    now = await reader.offsets(snapshot.partitions.map((p) => ({ topic: p.topic, partition: p.partition })));
  } finally {
    await reader.close();
  }
  const partitions: GuardPartition[] = snapshot.partitions.map((p) => {
    const o = now.get(partitionKey(p))!;
    return {
      topic: p.topic,
      partition: p.partition,
      firstCopiedTarget: p.first_copied_target === null ? undefined : BigInt(p.first_copied_target),
      logStart: o.logStart,
      end: o.highWatermark,
    };
  });
  const error = logStartGuardError(logStartViolations(partitions, offsets));
  if (error) throw error;
  return { passed: true, partitions_checked: partitions.length, offsets_checked: offsets.length };
}

/* --------------------------------------------- helpers --------------------------------------------- */

async function migrationPartitions(store: ObjectStore, migrationId: string): Promise<PartitionRef[]> {
  const refs = await checkpointedPartitions(store, migrationId);
  if (refs.length === 0) {
    throw new PreconditionError(`cutover of ${migrationId}: no partition has a checkpoint`, {
      code: 'CUTOVER_NO_PARTITIONS',
      fix: 'The cutover follows the seed and the tail: run `kraft-migrate execute` until drain_ready first.',
    });
  }
  return refs;
}

export function artifactUrl(store: ObjectStore, migrationId: string, artifact: CutoverArtifact): string {
  const loc = parseS3Url(store.url);
  return s3Url(loc, cutoverKey(migrationId, artifact));
}

/** A cutover artifact parsed with its schema, or undefined when it is not there. */
export async function loadArtifact<S extends z.ZodType>(
  store: ObjectStore,
  migrationId: string,
  artifact: CutoverArtifact,
  schema: S,
): Promise<z.output<S> | undefined> {
  const body = await store.get(cutoverKey(migrationId, artifact));
  if (body === undefined) return undefined;
  return parseCutoverArtifact(artifact, Buffer.from(body).toString('utf8'), schema);
}

async function putArtifact(store: ObjectStore, migrationId: string, artifact: CutoverArtifact, doc: unknown) {
  await store.put(cutoverKey(migrationId, artifact), JSON.stringify(doc), {
    contentType: 'application/json',
  });
}
