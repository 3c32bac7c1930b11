import { describe, expect, it } from 'vitest';
import { appendCopied, emptyMap } from '../../../../core/domain/copy/index.ts';
import { finalizedReason, validationFailedReason } from '../../../../core/domain/evidence/journal.ts';
import { validationSchema } from '../../../../core/domain/evidence/schema.ts';
import {
  consumerOffsetsCheck,
  copiedBelow,
  countsCheck,
  renderValidation,
  repairedTarget,
  runsOfWrite,
  type SpotSample,
  sampleOffsets,
  sentinelCheck,
  spotCheck,
  supersededCopies,
  targetSpan,
  validationFailures,
  validationOf,
} from '../../../../core/domain/validation/index.ts';

const TOPIC = 'cdc.mongo.catalog.reviews';

function samples(n: number, mismatches: readonly SpotSample[] = []): SpotSample[] {
  const ok: SpotSample[] = Array.from({ length: n - mismatches.length }, (_, i) => ({
    topic: 'orders',
    partition: i % 7,
    compacted: false,
    sourceOffset: BigInt(i),
    targetOffset: BigInt(i),
    outcome: { kind: 'matched' },
  }));
  return [...mismatches, ...ok];
}

describe('counts_and_offsets', () => {
  it('prints the page lines for one partition beyond the tolerance', () => {
    const check = countsCheck(
      [
        { topic: TOPIC, partition: 1, compacted: false, sourceSpan: 100n, targetSpan: 99n },
        { topic: TOPIC, partition: 2, compacted: false, sourceSpan: 330n, targetSpan: 295n },
      ],
      1,
    );
    expect(check.status).toBe('failed');
    expect(check.summary).toBe('counts_and_offsets: 1 partition(s) exceed count_tolerance=1');
    expect(check.lines).toEqual([`${TOPIC}/2 source_span=330 target_span=295 diff=35`]);
  });

  it('counts extra target records (negative diff) and downgrades compacted topics to a warning', () => {
    const extra = countsCheck(
      [{ topic: 'o', partition: 0, compacted: false, sourceSpan: 10n, targetSpan: 15n }],
      1,
    );
    expect(extra.status).toBe('failed');
    expect(extra.lines).toEqual(['o/0 source_span=10 target_span=15 diff=-5']);
    const compacted = countsCheck(
      [{ topic: 'c', partition: 0, compacted: true, sourceSpan: 10n, targetSpan: 4n }],
      1,
    );
    expect(compacted.status).toBe('warning');
    expect(compacted.lines).toEqual(['c/0 source_span=10 target_span=4 diff=6 (compacted: warning)']);
    const within = countsCheck(
      [{ topic: 'o', partition: 0, compacted: false, sourceSpan: 10n, targetSpan: 9n }],
      1,
    );
    expect(within).toMatchObject({ status: 'passed', lines: [] });
  });

  it('target span starts at the log start once retention passed the first copied record', () => {
    expect(targetSpan({ firstCopiedTarget: 0n, logStart: 35n, end: 330n, superseded: 0n })).toBe(295n);
    expect(targetSpan({ firstCopiedTarget: 5n, logStart: 0n, end: 330n, superseded: 0n })).toBe(325n);
    // a repair appended the 35 aged-out records at the end
    expect(targetSpan({ firstCopiedTarget: 0n, logStart: 35n, end: 365n, superseded: 0n })).toBe(330n);
    // a repair re-copied 2 wrong records that are still there
    expect(targetSpan({ firstCopiedTarget: 0n, logStart: 0n, end: 332n, superseded: 2n })).toBe(330n);
  });

  it('copiedBelow counts mapped source offsets below an offset across source gaps', () => {
    let map = appendCopied(emptyMap(), [0n, 1n, 2n], 0n);
    map = appendCopied(map, [5n, 6n], 3n); // 3, 4: a transaction marker and an aborted record
    expect(copiedBelow(map, 0n)).toBe(0n);
    expect(copiedBelow(map, 2n)).toBe(2n);
    expect(copiedBelow(map, 4n)).toBe(3n);
    expect(copiedBelow(map, 6n)).toBe(4n);
    expect(copiedBelow(map, 100n)).toBe(5n);
    expect(copiedBelow(emptyMap(), 100n)).toBe(0n);
  });
});

describe('supersededCopies', () => {
  it('counts repaired offsets whose original copy is still above the log start, overlaps once', () => {
    let map = appendCopied(emptyMap(), [0n, 1n, 2n, 3n, 4n], 0n);
    map = appendCopied(map, [7n, 8n, 9n], 5n); // target 0..7
    const wrong = runsOfWrite([2n, 3n], 100n); // repaired while their copies are there
    expect(supersededCopies(map, 0n, wrong)).toBe(2n);
    expect(supersededCopies(map, 0n, [...wrong, ...runsOfWrite([3n, 4n], 200n)])).toBe(3n);
    // aged out below log start 3 (sources 0..2): only source 3 is there twice
    expect(supersededCopies(map, 3n, wrong)).toBe(1n);
    // repaired across a source gap (5, 6 never copied)
    expect(supersededCopies(map, 0n, runsOfWrite([4n, 7n], 300n))).toBe(2n);
    expect(supersededCopies(map, 9n, wrong)).toBe(0n);
    expect(supersededCopies(map, 0n, [])).toBe(0n);
  });
});

describe('spot_check_records', () => {
  it('prints the page summary and the failure line naming the partition', () => {
    const check = spotCheck(
      samples(1050, [
        {
          topic: 'orders',
          partition: 0,
          compacted: false,
          sourceOffset: 0n,
          targetOffset: 0n,
          outcome: {
            kind: 'mismatched',
            reason: `fetch orders/0@0: Kafka error: Broker returned error code 1`,
          },
        },
      ]),
    );
    expect(check.status).toBe('failed');
    expect(check.summary).toBe(
      'spot_check_records: 1050 samples compared, 1049 matched, 1 mismatched, 0 skipped',
    );
    expect(check.lines).toEqual(['fetch orders/0@0: Kafka error: Broker returned error code 1']);
    expect(validationFailures(validationOf([check]))).toEqual([
      'Validation FAILED: spot_check_records: 1 mismatched on orders:0',
    ]);
  });

  it('counts skipped samples, and a compacted mismatch is a warning with a line', () => {
    const check = spotCheck([
      {
        topic: 'c',
        partition: 1,
        compacted: true,
        sourceOffset: 4n,
        targetOffset: 3n,
        outcome: { kind: 'mismatched', reason: 'value differ' },
      },
      {
        topic: 'o',
        partition: 0,
        compacted: false,
        sourceOffset: 9n,
        targetOffset: 9n,
        outcome: { kind: 'skipped', reason: 'fetch o/0@9: aged out' },
      },
    ]);
    expect(check.status).toBe('warning');
    expect(check.summary).toBe('spot_check_records: 2 samples compared, 0 matched, 1 mismatched, 1 skipped');
    expect(check.lines).toEqual([
      'c/1 source@4 target@3: mismatch: value differ (compacted: warning)',
      'fetch o/0@9: aged out',
    ]);
  });

  it('samples first, last and seeded random offsets, the same on a re-run', () => {
    const a = sampleOffsets(100n, 429n, 5, 'mig\norders/2');
    expect(a.slice(0, 2)).toEqual([100n, 429n]);
    expect(a).toHaveLength(5);
    expect(new Set(a).size).toBe(5);
    for (const o of a) expect(o >= 100n && o <= 429n).toBe(true);
    expect(sampleOffsets(100n, 429n, 5, 'mig\norders/2')).toEqual(a);
    expect(sampleOffsets(100n, 429n, 5, 'mig\norders/3')).not.toEqual(a);
    expect(sampleOffsets(7n, 8n, 5, 's').sort()).toEqual([7n, 8n]);
    expect(sampleOffsets(7n, 7n, 3, 's')).toEqual([7n]);
    expect(sampleOffsets(7n, 6n, 3, 's')).toEqual([]);
  });
});

describe('sentinel_presence', () => {
  it('fails with exactly the page line, the topic in the detail line', () => {
    const check = sentinelCheck([
      { topic: 'orders', partition: 2, targetOffset: 40n, problem: undefined },
      { topic: 'orders', partition: 3, targetOffset: 41n, problem: 'no record at that offset' },
    ]);
    expect(check.status).toBe('failed');
    expect(check.summary).toBe('sentinel_presence: partition 3 sentinel not found');
    expect(check.lines).toEqual([
      'sentinel_presence: partition 3 sentinel not found (topic orders, target offset 41: no record at that offset)',
    ]);
    expect(validationFailures(validationOf([check]))).toEqual([
      'Validation FAILED: sentinel_presence: partition 3 sentinel not found',
    ]);
  });

  it('passes when every sentinel is there', () => {
    expect(sentinelCheck([{ topic: 'o', partition: 0, targetOffset: 1n, problem: undefined }])).toMatchObject(
      {
        status: 'passed',
        summary: 'sentinel_presence: 1 sentinel(s) found at their recorded target offsets',
      },
    );
  });
});

describe('consumer_offsets', () => {
  it('accepts equal and ahead, fails behind and missing', () => {
    const check = consumerOffsetsCheck([
      { group: 'g', topic: 'o', partition: 0, translated: 5n, committed: 5n },
      { group: 'g', topic: 'o', partition: 1, translated: 5n, committed: 9n },
      { group: 'h', topic: 'o', partition: 0, translated: 5n, committed: 3n },
      { group: 'h', topic: 'o', partition: 1, translated: 5n, committed: undefined },
    ]);
    expect(check.status).toBe('failed');
    expect(check.summary).toBe(
      'consumer_offsets: 4 translated offset(s) checked, 1 equal, 1 ahead, 1 behind, 1 missing',
    );
    expect(check.lines).toEqual([
      'consumer_offsets: group h o/0 committed=3 translated=5 (behind)',
      'consumer_offsets: group h o/1 committed=none translated=5 (missing)',
    ]);
    const ok = consumerOffsetsCheck([
      { group: 'g', topic: 'o', partition: 1, translated: 5n, committed: 9n },
    ]);
    expect(ok.status).toBe('passed');
  });
});

describe('the result and its renderings', () => {
  it('renders the page block, the FAILED lines and the journal reasons', () => {
    const counts = countsCheck(
      [{ topic: TOPIC, partition: 2, compacted: false, sourceSpan: 330n, targetSpan: 295n }],
      1,
    );
    const spot = spotCheck(
      samples(1050, [
        {
          topic: TOPIC,
          partition: 2,
          compacted: false,
          sourceOffset: 0n,
          targetOffset: 0n,
          outcome: {
            kind: 'mismatched',
            reason: `fetch ${TOPIC}/2@0: Kafka error: Broker returned error code 1`,
          },
        },
      ]),
    );
    const v = validationOf([counts, spot]);
    expect(validationSchema.parse(v)).toEqual(v);
    expect(renderValidation(v)).toEqual([
      'overall=FAILED',
      'counts_and_offsets: 1 partition(s) exceed count_tolerance=1',
      'spot_check_records: 1050 samples compared, 1049 matched, 1 mismatched, 0 skipped',
      `${TOPIC}/2 source_span=330 target_span=295 diff=35`,
      `fetch ${TOPIC}/2@0: Kafka error: Broker returned error code 1`,
    ]);
    expect(validationFailures(v)[0]).toBe(
      'Validation FAILED: counts_and_offsets: 1 partition(s) exceed count_tolerance=1',
    );
    expect(validationFailedReason(v, 's3://b/migrations/m/evidence.json')).toBe(
      'validation failed: counts_and_offsets: 1 partition(s) exceed count_tolerance=1 (evidence at s3://b/migrations/m/evidence.json)',
    );
    expect(finalizedReason('s3://b/migrations/m/evidence.json', 'PASSED')).toBe(
      'evidence signed + uploaded to s3://b/migrations/m/evidence.json (validation=PASSED)',
    );
    expect(validationOf([countsCheck([], 1)]).overall).toBe('PASSED');
  });
});

describe('repairs', () => {
  it('maps repaired source offsets to their new target offsets, the latest repair winning', () => {
    const runs = runsOfWrite([0n, 1n, 2n, 5n, 6n], 330n);
    expect(runs).toEqual([
      { sourceStart: 0n, targetStart: 330n, length: 3n },
      { sourceStart: 5n, targetStart: 333n, length: 2n },
    ]);
    expect(repairedTarget(runs, 1n)).toBe(331n);
    expect(repairedTarget(runs, 6n)).toBe(334n);
    expect(repairedTarget(runs, 3n)).toBeUndefined();
    const again = [...runs, ...runsOfWrite([1n], 400n)];
    expect(repairedTarget(again, 1n)).toBe(400n);
  });
});
