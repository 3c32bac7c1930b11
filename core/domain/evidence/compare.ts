import type { PartitionRef, SourceRecord } from '../../ports.ts';
import { recordDigest } from '../copy/digest.ts';

/**
 * The independent source/target comparison of `kraft-migrate compare` (pure part): per partition the
 * earliest and the latest record of each side, compared field by field (key, value, headers,
 * timestamp), without the offset map — what an operator runs to convince themselves, and what the
 * troubleshooting page prints after a repair:
 *
 *   partitions_checked=306
 *   target_behind_or_missing=0
 *   earliest_partitions_checked=306
 *   earliest_mismatches=0
 *   latest_partitions_checked=306
 *   latest_mismatches=0
 *
 * - earliest: the source's first committed record (from its log start) vs the target's first record;
 *   a difference means records are missing at the start (e.g. aged out on the target) or differ.
 * - latest: the source's last committed record (below its last stable offset) vs the target's last
 *   record; a difference means records are missing at the end, or extra/different ones on the target.
 * - target_behind_or_missing: the target partition does not exist, holds no record while the source
 *   does, or its last record is one of the source's earlier ones (the target stops short).
 * An edge is "checked" when at least one side has a record there; both empty is nothing to compare.
 */

/** One side's edge record, as reported (offsets as decimal strings). */
export interface EdgeRecord {
  readonly offset: string;
  readonly timestamp: string;
  readonly digest: string;
}

export type EdgeOutcome = 'match' | 'mismatch' | 'empty';

export interface EdgeComparison {
  readonly outcome: EdgeOutcome;
  readonly source: EdgeRecord | undefined;
  readonly target: EdgeRecord | undefined;
  /** Fields that differ: key, value, headers, timestamp (or `record missing on target/source`). */
  readonly differences: readonly string[];
}

export interface PartitionEdgeComparison extends PartitionRef {
  readonly targetExists: boolean;
  readonly behindOrMissing: boolean;
  /** How many source records the target's last record lies behind the source's, when found. */
  readonly behindBy?: number | undefined;
  readonly earliest: EdgeComparison;
  readonly latest: EdgeComparison;
}

export interface CompareSummary {
  readonly partitions_checked: number;
  readonly target_behind_or_missing: number;
  readonly earliest_partitions_checked: number;
  readonly earliest_mismatches: number;
  readonly latest_partitions_checked: number;
  readonly latest_mismatches: number;
}

/** LogAppendTime records get the broker's time on the target: their timestamps are not compared. */
function comparesTimestamp(a: SourceRecord, b: SourceRecord): boolean {
  return a.timestampType === 'CreateTime' && b.timestampType === 'CreateTime';
}

function same(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** The fields in which two records differ (empty: the same record). */
export function recordDifferences(source: SourceRecord, target: SourceRecord): string[] {
  const out: string[] = [];
  if (!same(source.key, target.key)) out.push('key');
  if (!same(source.value, target.value)) out.push('value');
  const sh = source.headers;
  const th = target.headers;
  if (sh.length !== th.length || sh.some(([k, v], i) => !same(k, th[i]![0]) || !same(v, th[i]![1])))
    out.push('headers');
  if (comparesTimestamp(source, target) && source.timestamp !== target.timestamp) out.push('timestamp');
  return out;
}

export function edgeRecord(record: SourceRecord): EdgeRecord {
  return {
    offset: record.offset.toString(),
    timestamp: record.timestamp.toString(),
    digest: recordDigest(record, { includeTimestamp: record.timestampType === 'CreateTime' }),
  };
}

export function compareEdge(
  source: SourceRecord | undefined,
  target: SourceRecord | undefined,
): EdgeComparison {
  const s = source && edgeRecord(source);
  const t = target && edgeRecord(target);
  if (!source && !target) return { outcome: 'empty', source: s, target: t, differences: [] };
  if (!source)
    return { outcome: 'mismatch', source: s, target: t, differences: ['record missing on source'] };
  if (!target)
    return { outcome: 'mismatch', source: s, target: t, differences: ['record missing on target'] };
  const differences = recordDifferences(source, target);
  return { outcome: differences.length === 0 ? 'match' : 'mismatch', source: s, target: t, differences };
}

/**
 * How many records before the source's last one the target's last record is, looked up in the
 * source's last records (`sourceTail`, in offset order, ending with the source's last record);
 * undefined when it is not among them.
 */
export function positionBehind(
  sourceTail: readonly SourceRecord[],
  targetLast: SourceRecord,
): number | undefined {
  for (let i = sourceTail.length - 1; i >= 0; i--) {
    if (recordDifferences(sourceTail[i]!, targetLast).length === 0) return sourceTail.length - 1 - i;
  }
  return undefined;
}

export function summarizeComparisons(results: readonly PartitionEdgeComparison[]): CompareSummary {
  const count = (f: (r: PartitionEdgeComparison) => boolean) => results.filter(f).length;
  return {
    partitions_checked: results.length,
    target_behind_or_missing: count((r) => r.behindOrMissing),
    earliest_partitions_checked: count((r) => r.targetExists && r.earliest.outcome !== 'empty'),
    earliest_mismatches: count((r) => r.targetExists && r.earliest.outcome === 'mismatch'),
    latest_partitions_checked: count((r) => r.targetExists && r.latest.outcome !== 'empty'),
    latest_mismatches: count((r) => r.targetExists && r.latest.outcome === 'mismatch'),
  };
}

/** The six lines of the troubleshooting page, in its order. */
export function renderCompareSummary(s: CompareSummary): string[] {
  return [
    `partitions_checked=${s.partitions_checked}`,
    `target_behind_or_missing=${s.target_behind_or_missing}`,
    `earliest_partitions_checked=${s.earliest_partitions_checked}`,
    `earliest_mismatches=${s.earliest_mismatches}`,
    `latest_partitions_checked=${s.latest_partitions_checked}`,
    `latest_mismatches=${s.latest_mismatches}`,
  ];
}

/** One line per partition that is not clean: `orders/2 latest mismatch (value) source@41 target@40`. */
export function renderComparisonProblems(results: readonly PartitionEdgeComparison[]): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const where = `${r.topic}/${r.partition}`;
    if (!r.targetExists) {
      lines.push(`${where} missing on the target`);
      continue;
    }
    for (const [name, e] of [
      ['earliest', r.earliest],
      ['latest', r.latest],
    ] as const) {
      if (e.outcome !== 'mismatch') continue;
      lines.push(
        `${where} ${name} mismatch (${e.differences.join(', ')}) source@${e.source?.offset ?? '-'} target@${e.target?.offset ?? '-'}`,
      );
    }
    if (r.behindOrMissing && r.behindBy !== undefined)
      lines.push(
        `${where} target behind: its last record is ${r.behindBy} record(s) before the source's last`,
      );
    else if (r.behindOrMissing) lines.push(`${where} target holds no record; the source does`);
  }
  return lines;
}
