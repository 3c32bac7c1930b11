/**
 * `kraft-migrate repair --partition TOPIC:P [--from OFFSET] [--to OFFSET]` (docs/validation.md "Repair"):
 * re-copies a partition's missing or wrong source records to the target after the cutover.
 *
 * What "missing" means: the target's log start has passed copied records (retention aged them out —
 * the page's Count Mismatch cause 3 — or DeleteRecords). Kafka cannot put records back below a
 * partition's end, so a repair APPENDS the records again at the target's current end, with their
 * original key, value, headers and CreateTime timestamp; their target offsets are new. The repair is
 * recorded as `<segments>/<id>/repairs/<topic>/partition=<p>/<n>.json` (core/domain/validation
 * repairs.ts): which source range, how many records, and the runs source offset → new target offset.
 * Validation then uses those runs for the repaired source offsets (spot checks read the new copies;
 * counts_and_offsets counts the target from its log start to its end), finalize lists every repair in
 * its journal entry and the evidence lists the repair objects as artifacts with their sha256.
 *
 * The default range is every copied record whose copy is below the target's log start and not repaired
 * yet; `--from`/`--to` name source offsets [from, to) instead (records copied wrongly, or a repair to
 * redo). The records are read from the source while it still holds them, else from the seed's staged
 * segments. Consumers that committed inside the lost range are not moved: the log-start guard of the
 * cutover blocks the client switch in that case.
 *
 * Before anything is written, a target topic with finite retention.ms whose oldest repaired record
 * would be older than that retention is refused: the copies would age out again at once (the page's
 * fix: extend the topic's retention for the migration window first).
 */
import type { MigrationConfig } from '../domain/config/schema.ts';
import {
  decodeSegment,
  type OffsetRun,
  type PartitionCheckpoint,
  type SegmentManifestEntry,
} from '../domain/copy/index.ts';
import { InvalidInputError, PreconditionError } from '../domain/errors.ts';
import { parseS3Url, s3Url } from '../domain/plan/storage-layout.ts';
import {
  type RepairJson,
  repairedTarget,
  repairKey,
  repairRuns,
  runsOfWrite,
} from '../domain/validation/index.ts';
import {
  type Adapters,
  type PartitionRef,
  partitionKey,
  type RecordReader,
  type RecordWriter,
  type SourceRecord,
} from '../ports.ts';
import { loadCheckpoint } from './copy/checkpoint-writer.ts';
import { requireSnapshot } from './cutover/index.ts';
import { loadRepairs } from './validate.ts';

export interface RepairOptions {
  /** First source offset to re-copy (default: the first copied record whose copy is missing). */
  readonly from?: bigint | undefined;
  /** Source offset to stop before (default: the end of the missing range). */
  readonly to?: bigint | undefined;
  readonly now?: () => Date;
}

export interface RepairDeps {
  /** Decodes Kafka record batches (v2 segments); the composition root passes the Kafka adapter's. */
  readonly decodeBatches: (batches: readonly Uint8Array[]) => SourceRecord[];
}

export interface RepairResult {
  readonly topic: string;
  readonly partition: number;
  /** Source offsets [source_from, source_to) re-copied (decimal strings). */
  readonly source_from: string;
  readonly source_to: string;
  readonly records: string;
  readonly read_from: 'source' | 'segments' | 'none';
  /** Target offsets the copies got: [target_from, target_to) across the writes (decimal strings). */
  readonly target_from: string | null;
  readonly target_to: string | null;
  /** s3:// URL of the repair record (null when nothing needed repairing). */
  readonly artifact: string | null;
}

/** Records written per produce call. */
const WRITE_CHUNK = 500;
const FETCH_BYTES = 4 << 20;

export async function repairPartition(
  _config: MigrationConfig,
  adapters: Adapters,
  deps: RepairDeps,
  migrationId: string,
  ref: PartitionRef,
  options: RepairOptions = {},
): Promise<RepairResult> {
  const key = partitionKey(ref);
  const store = adapters.objectStore('segments');
  const snapshot = await requireSnapshot(store, migrationId);
  if (!snapshot.partitions.some((p) => p.topic === ref.topic && p.partition === ref.partition)) {
    throw new InvalidInputError(`repair: ${key} is not a partition of migration ${migrationId}`, {
      code: 'REPAIR_UNKNOWN_PARTITION',
      fix: 'Pass --partition TOPIC:P of a migrated partition (see the validation lines `<topic>/<p> source_span=…`).',
    });
  }
  const cp = await loadCheckpoint(store, migrationId, ref);
  if (cp === undefined || cp.offsetMap.firstSource === undefined) {
    throw new PreconditionError(`repair: ${key} has no copied records to repair (no checkpoint or empty)`, {
      code: 'REPAIR_NOTHING_COPIED',
      fix: 'Only copied records can be re-copied; restore the checkpoint from its object versions if it was lost.',
    });
  }
  const earlier = (await loadRepairs(store, migrationId)).get(key) ?? [];
  const repaired = earlier.flatMap(repairRuns);
  const targetReader = await adapters.recordReader('target');
  let target: { logStart: bigint; highWatermark: bigint };
  try {
    target = (await targetReader.offsets([ref])).get(key)!;
  } finally {
    await targetReader.close();
  }
  const map = cp.offsetMap;
  const explicit = options.from !== undefined || options.to !== undefined;
  const missingEnd =
    target.logStart <= map.firstTarget!
      ? map.firstSource!
      : target.logStart > map.lastTarget!
        ? map.lastSource! + 1n
        : map.sourceOf(target.logStart)!;
  const from = options.from ?? map.firstSource!;
  const to = options.to ?? missingEnd;
  if (from < 0n || to < from) {
    throw new InvalidInputError(`repair: range [${from}, ${to}) of ${key} is empty or reversed`, {
      code: 'REPAIR_RANGE',
      fix: 'Pass --from below --to (source offsets; --to is exclusive).',
    });
  }
  const wanted = (offset: bigint) =>
    offset >= from &&
    offset < to &&
    map.targetOf(offset) !== undefined &&
    (explicit || repairedTarget(repaired, offset) === undefined);

  const source = await adapters.recordReader('source');
  let records: SourceRecord[];
  let readFrom: 'source' | 'segments';
  try {
    const o = (await source.offsets([ref])).get(key)!;
    if (to <= from) {
      records = [];
      readFrom = 'source';
    } else if (o.logStart <= from) {
      records = await readSource(source, ref, from, to, wanted);
      readFrom = 'source';
    } else {
      records = await readSegments(store, cp, deps, from, to, wanted);
      readFrom = 'segments';
    }
  } finally {
    await source.close();
  }
  if (records.length === 0) {
    return {
      ...ref,
      source_from: from.toString(),
      source_to: to.toString(),
      records: '0',
      read_from: 'none',
      target_from: null,
      target_to: null,
      artifact: null,
    };
  }
  await refuseShortRetention(adapters, ref, records, options.now?.() ?? new Date());

  const writer = await adapters.recordWriter({}, 'target');
  const runs: OffsetRun[] = [];
  try {
    runs.push(...(await writeChunks(writer, ref, records)));
  } finally {
    await writer.close();
  }
  const doc: RepairJson = {
    v: 1,
    migration_id: migrationId,
    topic: ref.topic,
    partition: ref.partition,
    source_from: from.toString(),
    source_to: to.toString(),
    records: String(records.length),
    read_from: readFrom,
    target_log_start: target.logStart.toString(),
    target_end_before: target.highWatermark.toString(),
    runs: runs.map((r) => [r.sourceStart.toString(), r.targetStart.toString(), r.length.toString()]),
    repaired_at: (options.now?.() ?? new Date()).toISOString(),
  };
  const objectKey = repairKey(migrationId, ref, earlier.length + 1);
  await store.put(objectKey, JSON.stringify(doc), { contentType: 'application/json', ifNoneMatch: true });
  const last = runs.at(-1)!;
  return {
    ...ref,
    source_from: doc.source_from,
    source_to: doc.source_to,
    records: doc.records,
    read_from: readFrom,
    target_from: runs[0]!.targetStart.toString(),
    target_to: (last.targetStart + last.length).toString(),
    artifact: s3Url(parseS3Url(store.url), objectKey),
  };
}

async function readSource(
  reader: RecordReader,
  ref: PartitionRef,
  from: bigint,
  to: bigint,
  wanted: (offset: bigint) => boolean,
): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  let offset = from;
  while (offset < to) {
    const f = await reader.fetch(ref, offset, { maxBytes: FETCH_BYTES, maxWaitMs: 0 });
    for (const r of f.records) if (wanted(r.offset)) out.push(r);
    if (f.nextOffset <= offset) break; // nothing more below the high watermark
    offset = f.nextOffset;
  }
  return out;
}

async function readSegments(
  store: ReturnType<Adapters['objectStore']>,
  cp: PartitionCheckpoint,
  deps: RepairDeps,
  from: bigint,
  to: bigint,
  wanted: (offset: bigint) => boolean,
): Promise<SourceRecord[]> {
  const needed = cp.segments.filter(
    (s: SegmentManifestEntry) => BigInt(s.last_offset) >= from && BigInt(s.first_offset) < to,
  );
  const covered = needed.length > 0 && BigInt(needed[0]!.first_offset) <= from;
  if (!covered) {
    throw new PreconditionError(
      `repair of ${partitionKey(cp)}: source offsets from ${from} are neither on the source (aged out) nor in the staged segments`,
      {
        code: 'REPAIR_SOURCE_GONE',
        fix: 'These records exist nowhere any more: accept the loss (the evidence records the validation failure) or restore them from a backup.',
      },
    );
  }
  const out: SourceRecord[] = [];
  for (const entry of needed) {
    const body = await store.get(entry.key);
    if (body === undefined) {
      throw new PreconditionError(`repair of ${partitionKey(cp)}: segment ${entry.key} is missing`, {
        code: 'REPAIR_SEGMENT_MISSING',
        fix: 'The staged segment was deleted (bucket lifecycle?): restore it from its object versions.',
      });
    }
    const decoded = decodeSegment(body);
    const records = decoded.version === 2 ? deps.decodeBatches(decoded.batches) : decoded.records;
    for (const r of records) if (wanted(r.offset)) out.push(r);
  }
  return out;
}

async function writeChunks(writer: RecordWriter, ref: PartitionRef, records: readonly SourceRecord[]) {
  const runs: OffsetRun[] = [];
  for (let i = 0; i < records.length; i += WRITE_CHUNK) {
    const chunk = records.slice(i, i + WRITE_CHUNK);
    const { firstOffset } = await writer.write(
      ref,
      chunk.map(({ timestamp, key, value, headers }) => ({ timestamp, key, value, headers })),
    );
    runs.push(
      ...runsOfWrite(
        chunk.map((r) => r.offset),
        firstOffset,
      ),
    );
  }
  return runs;
}

/** Refuses when the target topic's retention.ms would delete the repaired records again at once. */
async function refuseShortRetention(
  adapters: Adapters,
  ref: PartitionRef,
  records: readonly SourceRecord[],
  now: Date,
): Promise<void> {
  const admin = await adapters.kafkaAdmin('target');
  let retention: string | null | undefined;
  try {
    retention = (await admin.describeTopicConfigs([ref.topic]))
      .get(ref.topic)
      ?.find((c) => c.name === 'retention.ms')?.value;
  } finally {
    await admin.close();
  }
  const ms = retention === null || retention === undefined ? -1n : BigInt(retention);
  if (ms < 0n) return;
  let oldest = records[0]!.timestamp;
  for (const r of records) if (r.timestamp < oldest) oldest = r.timestamp;
  const age = BigInt(now.getTime()) - oldest;
  if (age > ms) {
    throw new PreconditionError(
      `repair of ${partitionKey(ref)}: the oldest record to re-copy has CreateTime ${new Date(Number(oldest)).toISOString()}, ` +
        `older than the target topic's retention.ms=${ms}: the copies would age out again at once`,
      {
        code: 'REPAIR_RETENTION_TOO_SHORT',
        fix: `Temporarily extend the retention of ${ref.topic} on the target for the migration window (e.g. kafka-configs --alter --entity-type topics --entity-name ${ref.topic} --add-config retention.ms=-1), then run repair again.`,
      },
    );
  }
}
