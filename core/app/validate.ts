/**
 * Validation after the client switch (SPEC §6.5; docs/validation.md): four checks over every partition
 * of the cutover snapshot, with bounded reads only — per partition one ListOffsets answer, a few
 * single-record fetches on each side (the spot-check samples and the sentinel), no scan — batched with
 * mapWithConcurrency so that thousands of partitions fit a Lambda's time. The result is the evidence's
 * `validation` object as it is (publishEvidence takes it unchanged); `renderValidation` prints the
 * troubleshooting page's block and `validationFailures` its `Validation FAILED: …` lines.
 */
import { mapWithConcurrency } from '../domain/concurrency.ts';
import type { MigrationConfig } from '../domain/config/schema.ts';
import type { PartitionCheckpoint } from '../domain/copy/index.ts';
import type { OffsetRun } from '../domain/copy/offset-map.ts';
import {
  type SnapshotJson,
  sentinelMigrationId,
  type TranslationsJson,
  translationsSchema,
} from '../domain/cutover/index.ts';
import { causeText, isKraftMigrateError, PreconditionError } from '../domain/errors.ts';
import { recordDifferences } from '../domain/evidence/compare.ts';
import type { ValidationEvidence } from '../domain/evidence/schema.ts';
import {
  consumerOffsetsCheck,
  copiedBelow,
  countsCheck,
  type OffsetFinding,
  type PartitionSpan,
  parseRepair,
  parseRepairKey,
  type RepairJson,
  repairedTarget,
  repairRuns,
  repairsPrefix,
  type SampleOutcome,
  type SentinelFinding,
  type SpotSample,
  sampleOffsets,
  sentinelCheck,
  spotCheck,
  supersededCopies,
  targetSpan,
  validationOf,
} from '../domain/validation/index.ts';
import {
  type Adapters,
  type ObjectStore,
  type PartitionOffsetsDetail,
  type PartitionRef,
  partitionKey,
  type RecordReader,
  type SourceRecord,
} from '../ports.ts';
import { loadCheckpoint } from './copy/checkpoint-writer.ts';
import { loadArtifact, requireSnapshot } from './cutover/index.ts';

export type ValidationResult = ValidationEvidence;

export interface ValidateOptions {
  /** Partitions validated at a time (each a few fetches). @default 32 */
  readonly concurrency?: number;
}

const FETCH_BYTES = 1 << 16;
const S3_CONCURRENCY = 64;

/** What validation reads once per partition. */
interface PartitionFacts {
  readonly ref: PartitionRef;
  readonly snapshot: SnapshotJson['partitions'][number];
  readonly checkpoint: PartitionCheckpoint;
  readonly compacted: boolean;
  readonly target: PartitionOffsetsDetail;
  /** Runs of this partition's repairs, oldest first. */
  readonly repairs: readonly OffsetRun[];
}

export async function validateMigration(
  config: MigrationConfig,
  adapters: Adapters,
  migrationId: string,
  options: ValidateOptions = {},
): Promise<ValidationResult> {
  const concurrency = options.concurrency ?? 32;
  const store = adapters.objectStore('segments');
  const snapshot = await requireSnapshot(store, migrationId);
  const facts = await partitionFacts(adapters, store, migrationId, snapshot);

  const source = await adapters.recordReader('source');
  const target = await adapters.recordReader('target');
  try {
    const counts = countsCheck(facts.map(spanOf), config.validation.count_tolerance);
    const samples = (
      await mapWithConcurrency(facts, concurrency, (f) =>
        spotSamples(source, target, f, migrationId, config.validation.spot_check_records_per_partition),
      )
    ).flat();
    const sentinels = await mapWithConcurrency(facts, concurrency, (f) =>
      findSentinel(target, f, migrationId),
    );
    const offsets = await consumerOffsetFindings(adapters, store, migrationId);
    return validationOf([
      counts,
      spotCheck(samples),
      sentinelCheck(sentinels),
      consumerOffsetsCheck(offsets),
    ]);
  } finally {
    await Promise.allSettled([source.close(), target.close()]);
  }
}

/** Checkpoints, repairs, target offsets and cleanup policies of every partition of the snapshot. */
async function partitionFacts(
  adapters: Adapters,
  store: ObjectStore,
  migrationId: string,
  snapshot: SnapshotJson,
): Promise<PartitionFacts[]> {
  const refs = snapshot.partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
  const checkpoints = await mapWithConcurrency(refs, S3_CONCURRENCY, (ref) =>
    loadCheckpoint(store, migrationId, ref),
  );
  const repairs = await loadRepairs(store, migrationId);
  const reader = await adapters.recordReader('target');
  const admin = await adapters.kafkaAdmin('target');
  let offsets: Map<string, PartitionOffsetsDetail>;
  let configs: Awaited<ReturnType<typeof admin.describeTopicConfigs>>;
  try {
    offsets = refs.length === 0 ? new Map() : await reader.offsets(refs);
    configs = await admin.describeTopicConfigs([...new Set(refs.map((r) => r.topic))]);
  } finally {
    await Promise.allSettled([reader.close(), admin.close()]);
  }
  return snapshot.partitions.map((p, i) => {
    const ref = refs[i]!;
    const checkpoint = checkpoints[i];
    if (checkpoint === undefined) {
      throw new PreconditionError(`validation of ${migrationId}: ${partitionKey(ref)} has no checkpoint`, {
        code: 'VALIDATION_NO_CHECKPOINT',
        fix: 'The segments bucket lost the checkpoint of a partition in the cutover snapshot: restore it (object versions), then run `kraft-migrate finalize` again.',
      });
    }
    const policy = configs.get(ref.topic)?.find((c) => c.name === 'cleanup.policy')?.value ?? 'delete';
    return {
      ref,
      snapshot: p,
      checkpoint,
      compacted: policy.includes('compact'),
      target: offsets.get(partitionKey(ref))!,
      repairs: (repairs.get(partitionKey(ref)) ?? []).flatMap(repairRuns),
    };
  });
}

/** Every repair of the migration per `topic/partition`, in repair order. */
export async function loadRepairs(
  store: ObjectStore,
  migrationId: string,
): Promise<Map<string, RepairJson[]>> {
  const heads = (await store.list(repairsPrefix(migrationId)))
    .map((h) => ({ key: h.key, parsed: parseRepairKey(migrationId, h.key) }))
    .filter((h) => h.parsed !== undefined)
    .sort((a, b) => a.parsed!.n - b.parsed!.n);
  const docs = await mapWithConcurrency(heads, S3_CONCURRENCY, async (h) => {
    const body = await store.get(h.key);
    return body === undefined ? undefined : parseRepair(Buffer.from(body).toString('utf8'));
  });
  const out = new Map<string, RepairJson[]>();
  for (const d of docs) {
    if (!d) continue;
    const key = partitionKey(d);
    out.set(key, [...(out.get(key) ?? []), d]);
  }
  return out;
}

function spanOf(f: PartitionFacts): PartitionSpan {
  const map = f.checkpoint.offsetMap;
  const sourceEnd = BigInt(f.snapshot.source_end);
  const first = f.snapshot.first_copied_target === null ? undefined : BigInt(f.snapshot.first_copied_target);
  return {
    topic: f.ref.topic,
    partition: f.ref.partition,
    compacted: f.compacted,
    sourceSpan: copiedBelow(map, sourceEnd),
    targetSpan: targetSpan({
      firstCopiedTarget: first,
      logStart: f.target.logStart,
      end: f.target.highWatermark,
      superseded: supersededCopies(f.checkpoint.offsetMap, f.target.logStart, f.repairs),
    }),
  };
}

/** The partition's samples: source record vs its copy (repaired copy when repaired), byte for byte. */
async function spotSamples(
  source: RecordReader,
  target: RecordReader,
  f: PartitionFacts,
  migrationId: string,
  perPartition: number,
): Promise<SpotSample[]> {
  const map = f.checkpoint.offsetMap;
  const first = map.firstTarget;
  if (first === undefined) return [];
  const sourceEnd = BigInt(f.snapshot.source_end);
  const last = first + copiedBelow(map, sourceEnd) - 1n;
  const picks = sampleOffsets(first, last, perPartition, `${migrationId}\n${partitionKey(f.ref)}`);
  const out: SpotSample[] = [];
  for (const copyTarget of picks) {
    const sourceOffset = map.sourceOf(copyTarget)!;
    const targetOffset = repairedTarget(f.repairs, sourceOffset) ?? copyTarget;
    const outcome = await compareSample(source, target, f.ref, sourceOffset, targetOffset);
    out.push({ ...f.ref, compacted: f.compacted, sourceOffset, targetOffset, outcome });
  }
  return out;
}

type Fetched = { readonly record: SourceRecord | undefined } | { readonly error: string };

/** One record at exactly `offset` (one bounded fetch), undefined when that offset holds none. */
async function fetchOne(
  reader: RecordReader,
  role: 'source' | 'target',
  ref: PartitionRef,
  offset: bigint,
): Promise<Fetched> {
  try {
    const got = await reader.fetch(ref, offset, { maxBytes: FETCH_BYTES, maxWaitMs: 0 });
    return { record: got.records.find((r) => r.offset === offset) };
  } catch (e) {
    // The reader's out-of-range text speaks of the source (the copier's view): name the side read here.
    const text =
      isKraftMigrateError(e) && e.code === 'OFFSET_OUT_OF_RANGE'
        ? `${causeText(e).split(' — ')[0]} on the ${role}`
        : causeText(e);
    return { error: `fetch ${partitionKey(ref)}@${offset}: ${text}` };
  }
}

async function compareSample(
  source: RecordReader,
  target: RecordReader,
  ref: PartitionRef,
  sourceOffset: bigint,
  targetOffset: bigint,
): Promise<SampleOutcome> {
  const [s, t] = await Promise.all([
    fetchOne(source, 'source', ref, sourceOffset),
    fetchOne(target, 'target', ref, targetOffset),
  ]);
  // The source no longer holds the record (aged out, compacted): nothing to compare against.
  if ('error' in s) return { kind: 'skipped', reason: s.error };
  if (s.record === undefined)
    return { kind: 'skipped', reason: `source record at ${sourceOffset} no longer on the source` };
  if ('error' in t) return { kind: 'mismatched', reason: t.error };
  if (t.record === undefined) return { kind: 'mismatched', reason: 'record missing on the target' };
  const diff = recordDifferences(s.record, t.record);
  return diff.length === 0
    ? { kind: 'matched' }
    : { kind: 'mismatched', reason: `${diff.join(', ')} differ` };
}

async function findSentinel(
  target: RecordReader,
  f: PartitionFacts,
  migrationId: string,
): Promise<SentinelFinding> {
  const offset = BigInt(f.snapshot.sentinel_target);
  const got = await fetchOne(target, 'target', f.ref, offset);
  const problem =
    'error' in got
      ? got.error
      : got.record === undefined
        ? 'no record at that offset'
        : sentinelMigrationId(got.record) === migrationId
          ? undefined
          : 'the record there is not this migration’s sentinel';
  return { ...f.ref, targetOffset: offset, problem };
}

/**
 * Per group and partition the translated offset of the latest round that committed it (ack, else
 * cutover) against the group's committed offset on the target now.
 */
async function consumerOffsetFindings(
  adapters: Adapters,
  store: ObjectStore,
  migrationId: string,
): Promise<OffsetFinding[]> {
  const [cutover, ack] = await Promise.all(
    (['translations-cutover', 'translations-ack'] as const).map((a) =>
      loadArtifact(store, migrationId, a, translationsSchema),
    ),
  );
  const expected = new Map<string, Map<string, OffsetFinding>>();
  for (const doc of [cutover, ack].filter((d): d is TranslationsJson => d !== undefined)) {
    for (const g of doc.groups) {
      const byPartition = new Map<string, OffsetFinding>();
      for (const p of g.partitions) {
        byPartition.set(partitionKey(p), {
          group: g.group_id,
          topic: p.topic,
          partition: p.partition,
          translated: BigInt(p.target),
          committed: undefined,
        });
      }
      expected.set(g.group_id, byPartition); // a later round replaces the group's earlier one
    }
  }
  const groups = [...expected.keys()];
  const admin = await adapters.groupAdmin('target');
  try {
    // Batched: a few groups per OffsetFetch at their coordinator, not one request per group.
    const read = await admin.committedOffsetsOf(groups);
    return groups.flatMap((group) => {
      const committed = new Map((read.get(group) ?? []).map((c) => [partitionKey(c), c.offset] as const));
      return [...expected.get(group)!.values()].map((f) => ({
        ...f,
        committed: committed.get(partitionKey(f)),
      }));
    });
  } finally {
    await admin.close();
  }
}
