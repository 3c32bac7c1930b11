import { createHash } from 'node:crypto';
import type { OffsetMap, OffsetRun } from '../copy/offset-map.ts';
import type { ValidationCheck, ValidationEvidence } from '../evidence/schema.ts';
import { listNames } from '../format.ts';

/**
 * The four checks of SPEC §6.5 (pure part): each turns what core/app/validate.ts read (a few bounded
 * reads per partition) into the check as the evidence holds it — `summary` and `lines` are the
 * troubleshooting page's output lines, `details.failure` the text after `Validation FAILED: `.
 * Compacted topics downgrade counts and spot-check findings to warnings (records removed by
 * compaction between seed and tail are expected there).
 */

export const CHECK_NAMES = [
  'counts_and_offsets',
  'spot_check_records',
  'sentinel_presence',
  'consumer_offsets',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

const SAMPLE_CAP = 20;
/** Detail lines kept per check (the rest counted in a last line; details carry the first ones too). */
export const MAX_LINES = 200;

function capped(lines: readonly string[]): string[] {
  if (lines.length <= MAX_LINES) return [...lines];
  return [...lines.slice(0, MAX_LINES), `… ${lines.length - MAX_LINES} more line(s)`];
}

/* ----------------------------------------- counts_and_offsets ----------------------------------------- */

export interface PartitionSpan {
  readonly topic: string;
  readonly partition: number;
  readonly compacted: boolean;
  /** Records copied (offset map) below the cutover snapshot's source end. */
  readonly sourceSpan: bigint;
  /** Records of the migration on the target now (see targetSpan). */
  readonly targetSpan: bigint;
}

/** Mapped source offsets below `sourceEnd` (O(log runs): target offsets are contiguous across the map). */
export function copiedBelow(map: OffsetMap, sourceEnd: bigint): bigint {
  const first = map.firstTarget;
  if (first === undefined) return 0n;
  const hit = map.firstAtOrAfter(sourceEnd);
  return (hit ? hit.target : map.lastTarget! + 1n) - first;
}

/**
 * The migration's records on the target now: from the first copied record (or the log start, when
 * retention or DeleteRecords moved it past that) to the current end — records produced to the target
 * after the cutover count too (troubleshooting page, Count Mismatch cause 1) — less the copies that a
 * repair superseded (the original copy of a record repaired while still present).
 */
export function targetSpan(input: {
  readonly firstCopiedTarget: bigint | undefined;
  readonly logStart: bigint;
  readonly end: bigint;
  readonly superseded: bigint;
}): bigint {
  const from =
    input.firstCopiedTarget === undefined || input.logStart > input.firstCopiedTarget
      ? input.logStart
      : input.firstCopiedTarget;
  const span = input.end - from - input.superseded;
  return span > 0n ? span : 0n;
}

/**
 * Repaired source offsets whose original copy is still on the target (at or above `logStart`): the
 * record is there twice now, once counted. Overlapping repairs of the same offsets count once.
 */
export function supersededCopies(map: OffsetMap, logStart: bigint, repairs: readonly OffsetRun[]): bigint {
  const first = map.firstTarget;
  if (first === undefined || repairs.length === 0) return 0n;
  const lo = logStart > first ? logStart : first;
  if (lo > map.lastTarget!) return 0n;
  // Copies at target offsets ≥ lo are still there: those of source offsets ≥ stillFrom.
  const stillFrom = map.sourceOf(lo)!;
  const ranges = repairs
    .map((r) => [r.sourceStart, r.sourceStart + r.length] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let total = 0n;
  let end = -1n;
  for (const [from, to] of ranges) {
    let start = from > end ? from : end;
    if (stillFrom > start) start = stillFrom;
    if (to > start) total += copiedBelow(map, to) - copiedBelow(map, start);
    if (to > end) end = to;
  }
  return total;
}

/** `<topic>/<p> source_span=330 target_span=295 diff=35` (diff = source − target). */
export function spanLine(p: PartitionSpan): string {
  return `${p.topic}/${p.partition} source_span=${p.sourceSpan} target_span=${p.targetSpan} diff=${p.sourceSpan - p.targetSpan}`;
}

export function countsCheck(partitions: readonly PartitionSpan[], tolerance: number): ValidationCheck {
  const tol = BigInt(tolerance);
  const exceeding = partitions.filter((p) => {
    const diff = p.sourceSpan - p.targetSpan;
    return (diff < 0n ? -diff : diff) > tol;
  });
  const failing = exceeding.filter((p) => !p.compacted);
  const summary = `counts_and_offsets: ${exceeding.length} partition(s) exceed count_tolerance=${tolerance}`;
  let source = 0n;
  let target = 0n;
  for (const p of partitions) {
    source += p.sourceSpan;
    target += p.targetSpan;
  }
  return {
    name: 'counts_and_offsets',
    status: failing.length > 0 ? 'failed' : exceeding.length > 0 ? 'warning' : 'passed',
    summary,
    lines: capped(exceeding.map((p) => (p.compacted ? `${spanLine(p)} (compacted: warning)` : spanLine(p)))),
    details: {
      partitions_checked: partitions.length,
      count_tolerance: tolerance,
      source_span_total: source.toString(),
      target_span_total: target.toString(),
      exceeding: exceeding.slice(0, MAX_LINES).map((p) => ({
        topic: p.topic,
        partition: p.partition,
        compacted: p.compacted,
        source_span: p.sourceSpan.toString(),
        target_span: p.targetSpan.toString(),
      })),
      ...(failing.length > 0 ? { failure: summary } : {}),
    },
  };
}

/* ----------------------------------------- spot_check_records ----------------------------------------- */

/**
 * The target offsets (in the copy's target space, contiguous from `first` to `last`) of the samples of
 * one partition: first, last, then seeded random ones — the seed derived from the migration id and
 * the partition, so a re-run samples the same records. At most `count`, fewer when the span is smaller.
 */
export function sampleOffsets(first: bigint, last: bigint, count: number, seed: string): bigint[] {
  if (count <= 0 || last < first) return [];
  const span = last - first + 1n;
  const want = BigInt(count) < span ? count : Number(span);
  const picked = new Set<bigint>([first]);
  if (want > 1) picked.add(last);
  let state = createHash('sha256').update(seed).digest();
  let i = 0;
  while (picked.size < want) {
    if (i + 8 > state.length) {
      state = createHash('sha256').update(state).digest();
      i = 0;
    }
    picked.add(first + (state.readBigUInt64BE(i) % span));
    i += 8;
  }
  return [...picked];
}

export type SampleOutcome =
  | { readonly kind: 'matched' }
  | { readonly kind: 'mismatched'; readonly reason: string }
  | { readonly kind: 'skipped'; readonly reason: string };

export interface SpotSample {
  readonly topic: string;
  readonly partition: number;
  readonly compacted: boolean;
  readonly sourceOffset: bigint;
  readonly targetOffset: bigint;
  readonly outcome: SampleOutcome;
}

/** The line of a mismatched or skipped sample: a fetch error as it came, or what differs. */
export function sampleLine(s: SpotSample): string | undefined {
  if (s.outcome.kind === 'matched') return undefined;
  const reason = s.outcome.reason;
  if (reason.startsWith('fetch ')) return reason;
  const what = s.outcome.kind === 'skipped' ? 'skipped' : 'mismatch';
  return `${s.topic}/${s.partition} source@${s.sourceOffset} target@${s.targetOffset}: ${what}: ${reason}${s.compacted ? ' (compacted: warning)' : ''}`;
}

export function spotCheck(samples: readonly SpotSample[]): ValidationCheck {
  let matched = 0;
  let mismatched = 0;
  let skipped = 0;
  const failingOn = new Map<string, number>();
  for (const s of samples) {
    if (s.outcome.kind === 'matched') matched++;
    else if (s.outcome.kind === 'skipped') skipped++;
    else {
      mismatched++;
      if (!s.compacted) {
        const key = `${s.topic}:${s.partition}`;
        failingOn.set(key, (failingOn.get(key) ?? 0) + 1);
      }
    }
  }
  const lines = capped(samples.map(sampleLine).filter((l): l is string => l !== undefined));
  const failed = [...failingOn.values()].reduce((a, b) => a + b, 0);
  return {
    name: 'spot_check_records',
    status: failed > 0 ? 'failed' : mismatched > 0 ? 'warning' : 'passed',
    summary: `spot_check_records: ${samples.length} samples compared, ${matched} matched, ${mismatched} mismatched, ${skipped} skipped`,
    lines,
    details: {
      samples: samples.length,
      matched,
      mismatched,
      skipped,
      problems: samples
        .filter((s) => s.outcome.kind !== 'matched')
        .slice(0, MAX_LINES)
        .map((s) => ({
          topic: s.topic,
          partition: s.partition,
          source_offset: s.sourceOffset.toString(),
          target_offset: s.targetOffset.toString(),
          outcome: s.outcome.kind,
          reason: (s.outcome as { reason?: string }).reason ?? '',
        })),
      ...(failed > 0
        ? {
            failure: `spot_check_records: ${failed} mismatched on ${listNames([...failingOn.keys()], SAMPLE_CAP)}`,
          }
        : {}),
    },
  };
}

/* ----------------------------------------- sentinel_presence ----------------------------------------- */

export interface SentinelFinding {
  readonly topic: string;
  readonly partition: number;
  readonly targetOffset: bigint;
  /** undefined: the sentinel is there; else what was found instead. */
  readonly problem: string | undefined;
}

export function sentinelCheck(findings: readonly SentinelFinding[]): ValidationCheck {
  const missing = findings.filter((f) => f.problem !== undefined);
  const first = missing[0];
  const summary =
    first === undefined
      ? `sentinel_presence: ${findings.length} sentinel(s) found at their recorded target offsets`
      : `sentinel_presence: partition ${first.partition} sentinel not found` +
        (missing.length > 1 ? ` (and ${missing.length - 1} more)` : '');
  return {
    name: 'sentinel_presence',
    status: missing.length > 0 ? 'failed' : 'passed',
    summary,
    lines: capped(
      missing.map(
        (f) =>
          `sentinel_presence: partition ${f.partition} sentinel not found (topic ${f.topic}, target offset ${f.targetOffset}: ${f.problem})`,
      ),
    ),
    details: {
      sentinels_checked: findings.length,
      not_found: missing.slice(0, MAX_LINES).map((f) => ({
        topic: f.topic,
        partition: f.partition,
        target_offset: f.targetOffset.toString(),
        problem: f.problem,
      })),
      ...(missing.length > 0 ? { failure: summary } : {}),
    },
  };
}

/* ----------------------------------------- consumer_offsets ----------------------------------------- */

export interface OffsetFinding {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly translated: bigint;
  /** The group's committed offset on the target now; undefined when it has none. */
  readonly committed: bigint | undefined;
}

export function offsetOutcome(f: OffsetFinding): 'equal' | 'ahead' | 'behind' | 'missing' {
  if (f.committed === undefined) return 'missing';
  return f.committed === f.translated ? 'equal' : f.committed > f.translated ? 'ahead' : 'behind';
}

export function consumerOffsetsCheck(findings: readonly OffsetFinding[]): ValidationCheck {
  const counts = { equal: 0, ahead: 0, behind: 0, missing: 0 };
  const bad: string[] = [];
  const badGroups = new Set<string>();
  for (const f of findings) {
    const o = offsetOutcome(f);
    counts[o]++;
    if (o === 'behind' || o === 'missing') {
      badGroups.add(f.group);
      bad.push(
        `consumer_offsets: group ${f.group} ${f.topic}/${f.partition} committed=${f.committed ?? 'none'} translated=${f.translated} (${o})`,
      );
    }
  }
  const failing = counts.behind + counts.missing;
  return {
    name: 'consumer_offsets',
    status: failing > 0 ? 'failed' : 'passed',
    summary: `consumer_offsets: ${findings.length} translated offset(s) checked, ${counts.equal} equal, ${counts.ahead} ahead, ${counts.behind} behind, ${counts.missing} missing`,
    lines: capped(bad),
    details: {
      ...counts,
      ...(failing > 0
        ? {
            failure: `consumer_offsets: ${failing} committed offset(s) behind the translated ones or missing in group(s) ${listNames([...badGroups])}`,
          }
        : {}),
    },
  };
}

/* ---------------------------------------------- overall ---------------------------------------------- */

export function validationOf(checks: readonly ValidationCheck[]): ValidationEvidence {
  return { overall: checks.some((c) => c.status === 'failed') ? 'FAILED' : 'PASSED', checks: [...checks] };
}

/** `Validation FAILED: <check>: …` for each failed check (the page's error lines). */
export function validationFailures(validation: ValidationEvidence): string[] {
  return validation.checks
    .filter((c) => c.status === 'failed')
    .map((c) => {
      const failure = (c.details as { failure?: unknown } | undefined)?.failure;
      return `Validation FAILED: ${typeof failure === 'string' ? failure : c.summary}`;
    });
}

/**
 * The output block of the page ("The validation details identified one affected partition"):
 * `overall=…`, each check's summary, then the detail lines of the checks.
 */
export function renderValidation(validation: ValidationEvidence): string[] {
  return [
    `overall=${validation.overall}`,
    ...validation.checks.map((c) => c.summary),
    ...validation.checks.flatMap((c) => c.lines),
  ];
}
