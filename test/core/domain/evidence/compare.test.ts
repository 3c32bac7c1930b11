import { describe, expect, it } from 'vitest';
import {
  compareEdge,
  positionBehind,
  recordDifferences,
  renderCompareSummary,
  summarizeComparisons,
} from '../../../../core/domain/evidence/compare.ts';
import type { SourceRecord } from '../../../../core/ports.ts';

const b = (s: string) => new TextEncoder().encode(s);
const rec = (over: Partial<SourceRecord> = {}): SourceRecord => ({
  offset: 0n,
  timestamp: 1000n,
  timestampType: 'CreateTime',
  key: b('k'),
  value: b('v'),
  headers: [[b('h'), b('1')]],
  ...over,
});

describe('recordDifferences', () => {
  it('names each differing field and ignores the offset', () => {
    expect(recordDifferences(rec(), rec({ offset: 99n }))).toEqual([]);
    expect(recordDifferences(rec(), rec({ key: null, value: b('w'), timestamp: 2000n }))).toEqual([
      'key',
      'value',
      'timestamp',
    ]);
  });

  it('tells null from empty, and header order and duplicates matter', () => {
    expect(recordDifferences(rec({ value: null }), rec({ value: b('') }))).toEqual(['value']);
    const two = rec({
      headers: [
        [b('a'), b('1')],
        [b('b'), null],
      ],
    });
    expect(
      recordDifferences(
        two,
        rec({
          headers: [
            [b('b'), null],
            [b('a'), b('1')],
          ],
        }),
      ),
    ).toEqual(['headers']);
    expect(
      recordDifferences(
        two,
        rec({
          headers: [
            [b('a'), b('1')],
            [b('b'), b('')],
          ],
        }),
      ),
    ).toEqual(['headers']);
    expect(recordDifferences(two, rec({ headers: [...two.headers, [b('b'), null]] }))).toEqual(['headers']);
  });

  it('does not compare timestamps the target broker assigns (LogAppendTime)', () => {
    expect(recordDifferences(rec({ timestampType: 'LogAppendTime' }), rec({ timestamp: 5n }))).toEqual([]);
  });
});

describe('compareEdge / positionBehind / summary', () => {
  it('reports a record on one side only as a mismatch, none on both as empty', () => {
    expect(compareEdge(undefined, undefined).outcome).toBe('empty');
    expect(compareEdge(rec(), undefined).differences).toEqual(['record missing on target']);
    expect(compareEdge(undefined, rec()).differences).toEqual(['record missing on source']);
  });

  it('finds how far behind the target last record is in the source tail', () => {
    const tail = [0, 1, 2, 3].map((i) => rec({ offset: BigInt(i), value: b(`v${i}`) }));
    expect(positionBehind(tail, rec({ value: b('v1') }))).toBe(2);
    expect(positionBehind(tail, rec({ value: b('other') }))).toBeUndefined();
  });

  it('prints the six lines of the troubleshooting page in its order', () => {
    expect(renderCompareSummary(summarizeComparisons([]))).toEqual([
      'partitions_checked=0',
      'target_behind_or_missing=0',
      'earliest_partitions_checked=0',
      'earliest_mismatches=0',
      'latest_partitions_checked=0',
      'latest_mismatches=0',
    ]);
  });
});
