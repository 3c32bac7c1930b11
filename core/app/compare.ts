import { PartitionDigest } from '../domain/copy/digest.ts';
import { PreconditionError } from '../domain/errors.ts';
import { compareEdge, type PartitionEdgeComparison, positionBehind } from '../domain/evidence/compare.ts';
import {
  type PartitionOffsetsDetail,
  type PartitionRef,
  partitionKey,
  type RecordReader,
  type SourceRecord,
} from '../ports.ts';

/**
 * Independent source/target comparison of whole partitions: every record read (source under
 * read_committed, up to its last stable offset; target up to its high watermark), digested in
 * order over timestamp, key, value and headers. Equal digests and counts mean the same records in
 * the same order — no duplicate, no loss. Streams: memory does not grow with the partition.
 */
export interface PartitionComparison extends PartitionRef {
  readonly sourceRecords: bigint;
  readonly targetRecords: bigint;
  readonly sourceDigest: string;
  readonly targetDigest: string;
  readonly equal: boolean;
}

export async function comparePartitions(
  source: RecordReader,
  target: RecordReader,
  refs: readonly PartitionRef[],
): Promise<PartitionComparison[]> {
  const out: PartitionComparison[] = [];
  for (const ref of refs) {
    const [s, t] = await Promise.all([digestPartition(source, ref), digestPartition(target, ref)]);
    out.push({
      ...ref,
      sourceRecords: s.count,
      targetRecords: t.count,
      sourceDigest: s.hex(),
      targetDigest: t.hex(),
      equal: s.count === t.count && s.hex() === t.hex(),
    });
  }
  return out;
}

async function digestPartition(reader: RecordReader, ref: PartitionRef): Promise<PartitionDigest> {
  const o = (await reader.offsets([ref])).get(partitionKey(ref));
  const digest = new PartitionDigest();
  if (!o) return digest;
  const until = readableEnd(o);
  let offset = o.logStart;
  while (offset < until) {
    const f = await reader.fetch(ref, offset, { maxBytes: 4 << 20, maxWaitMs: 50 });
    for (const r of f.records) if (r.offset < until) digest.add(r);
    if (f.nextOffset <= offset) break;
    offset = f.nextOffset;
  }
  return digest;
}

/* ---------------------------------------------------------------------------------------------
 * `kraft-migrate compare`: earliest and latest record of every partition, both sides, bounded reads
 * (a few fetches per edge, whatever the partition's size). See core/domain/evidence/compare.ts.
 * ------------------------------------------------------------------------------------------- */

const EDGE_FETCH = { maxBytes: 1 << 20, maxWaitMs: 50 };
/** Fetches one edge may take (aborted transactions or compaction can leave offsets without records). */
const EDGE_FETCH_BUDGET = 32;
/** Source records kept from the end of a partition to tell "target behind by k" from "different". */
const TAIL_RECORDS = 64;

export interface CompareEdgesOptions {
  /** `topic/partition` keys (ports.ts partitionKey) that exist on the target. */
  readonly targetPartitions: ReadonlySet<string>;
}

export async function compareEdges(
  source: RecordReader,
  target: RecordReader,
  refs: readonly PartitionRef[],
  options: CompareEdgesOptions,
): Promise<PartitionEdgeComparison[]> {
  const onTarget = refs.filter((r) => options.targetPartitions.has(partitionKey(r)));
  const [sourceOffsets, targetOffsets] = await Promise.all([
    refs.length > 0 ? source.offsets(refs) : new Map<string, PartitionOffsetsDetail>(),
    onTarget.length > 0 ? target.offsets(onTarget) : new Map<string, PartitionOffsetsDetail>(),
  ]);
  const out: PartitionEdgeComparison[] = [];
  for (const ref of refs) {
    const so = sourceOffsets.get(partitionKey(ref));
    const to = targetOffsets.get(partitionKey(ref));
    const [s, t] = await Promise.all([
      so ? readEdges(source, ref, so) : Promise.resolve(NO_EDGES),
      to ? readEdges(target, ref, to) : Promise.resolve(NO_EDGES),
    ]);
    if (!to) {
      out.push({
        ...ref,
        targetExists: false,
        behindOrMissing: true,
        earliest: compareEdge(s.first, undefined),
        latest: compareEdge(s.tail.at(-1), undefined),
      });
      continue;
    }
    const latest = compareEdge(s.tail.at(-1), t.tail.at(-1));
    const targetLast = t.tail.at(-1);
    const behindBy =
      latest.outcome === 'mismatch' && targetLast && so
        ? positionBehind(await sourceTail(source, ref, so), targetLast)
        : undefined;
    out.push({
      ...ref,
      targetExists: true,
      behindOrMissing: (s.first !== undefined && t.first === undefined) || (behindBy ?? 0) > 0,
      behindBy: behindBy !== undefined && behindBy > 0 ? behindBy : undefined,
      earliest: compareEdge(s.first, t.first),
      latest,
    });
  }
  return out;
}

interface Edges {
  readonly first: SourceRecord | undefined;
  /** The last record(s), in offset order. */
  readonly tail: readonly SourceRecord[];
}

const NO_EDGES: Edges = { first: undefined, tail: [] };

/** Readable records end at the last stable offset (read_committed source) and the high watermark. */
function readableEnd(o: PartitionOffsetsDetail): bigint {
  return o.lastStable < o.highWatermark ? o.lastStable : o.highWatermark;
}

async function readEdges(reader: RecordReader, ref: PartitionRef, o: PartitionOffsetsDetail): Promise<Edges> {
  const until = readableEnd(o);
  if (until <= o.logStart) return NO_EDGES;
  const budget = { left: EDGE_FETCH_BUDGET };
  const first = (await readForward(reader, ref, o.logStart, until, budget, true))[0];
  if (!first) return NO_EDGES;
  return { first, tail: await readTail(reader, ref, o, 1n, budget) };
}

/**
 * The last records before the readable end: read forward over a window of `window` offsets before
 * it, widened 16-fold until it holds a record (markers, aborted or compacted-away offsets hold none).
 */
async function readTail(
  reader: RecordReader,
  ref: PartitionRef,
  o: PartitionOffsetsDetail,
  window: bigint,
  budget: { left: number },
): Promise<SourceRecord[]> {
  const until = readableEnd(o);
  for (let w = window; ; w *= 16n) {
    const from = until - w > o.logStart ? until - w : o.logStart;
    const records = await readForward(reader, ref, from, until, budget, false);
    if (records.length > 0 || from === o.logStart) return records;
  }
}

/** The source's last TAIL_RECORDS offsets' records, for "behind by k"; [] when out of budget. */
async function sourceTail(reader: RecordReader, ref: PartitionRef, o: PartitionOffsetsDetail) {
  try {
    return await readTail(reader, ref, o, BigInt(TAIL_RECORDS), { left: EDGE_FETCH_BUDGET });
  } catch (e) {
    if (e instanceof PreconditionError && e.code === 'COMPARE_EDGE_BUDGET') return [];
    throw e;
  }
}

/** Records in [from, until), fetched in order; `firstOnly` stops at the first one. */
async function readForward(
  reader: RecordReader,
  ref: PartitionRef,
  from: bigint,
  until: bigint,
  budget: { left: number },
  firstOnly: boolean,
): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  let offset = from;
  while (offset < until) {
    if (budget.left-- <= 0) {
      throw new PreconditionError(
        `compare: ${partitionKey(ref)} has no readable record within ${EDGE_FETCH_BUDGET} fetches near offset ${offset}`,
        {
          code: 'COMPARE_EDGE_BUDGET',
          fix: 'The partition holds long runs of aborted transactional data or compacted-away offsets there; compare the partition with the validation spot checks instead.',
        },
      );
    }
    const f = await reader.fetch(ref, offset, EDGE_FETCH);
    for (const r of f.records) {
      if (r.offset < offset || r.offset >= until) continue;
      out.push(r);
      if (firstOnly) return out;
      if (out.length > TAIL_RECORDS) out.shift();
    }
    if (f.nextOffset <= offset) break;
    offset = f.nextOffset;
  }
  return out;
}
