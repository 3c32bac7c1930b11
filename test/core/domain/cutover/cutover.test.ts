import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { appendCopied, emptyMap, type OffsetMap } from '../../../../core/domain/copy/offset-map.ts';
import {
  activeMembersError,
  commitMismatches,
  cutoverKey,
  LOG_START_GUARD_FIX,
  logStartGuardError,
  logStartViolations,
  type PartitionBasis,
  parseCutoverArtifact,
  SENTINEL_HEADER,
  SENTINEL_KEY,
  sentinelMigrationId,
  sentinelRecord,
  snapshotSchema,
  translateAtCutover,
  translateGroup,
} from '../../../../core/domain/cutover/index.ts';
import { InvariantError, PreconditionError } from '../../../../core/domain/errors.ts';
import { thrown } from '../copy/helpers.ts';

const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

/**
 * The docs/offset-map.md example plus a sentinel: source 0–4 a committed transaction, 5 its marker,
 * 6–7 aborted, 8 the abort marker, 9 a plain record, 10–11 compacted away, 12 a plain record, 13 a
 * commit marker, 14 the sentinel; source end 15. Target: 0–4, 5 (9), 6 (12), 7 (sentinel); end 8.
 */
function example(): PartitionBasis {
  let map: OffsetMap = emptyMap();
  map = appendCopied(map, [0n, 1n, 2n, 3n, 4n], 0n);
  map = appendCopied(map, [9n, 12n], 5n);
  map = appendCopied(map, [14n], 7n);
  return { topic: 'orders', partition: 0, map, sourceEnd: 15n, targetEnd: 8n, sentinelSource: 14n };
}

describe('translateAtCutover', () => {
  it.each([
    [0n, 0n, 'exact', false],
    [3n, 3n, 'exact', false],
    [5n, 5n, 'next-record', false],
    [7n, 5n, 'next-record', false],
    [10n, 6n, 'next-record', false],
    [12n, 6n, 'exact', false],
    // the group read everything before the freeze: past the sentinel, not onto it
    [13n, 8n, 'end', true],
    [14n, 8n, 'end', true],
    // the group kept consuming on the source and read the sentinel too
    [15n, 8n, 'end', false],
  ] as const)('committed %s → target %s (%s, sentinel skipped: %s)', (committed, target, kind, skipped) => {
    const t = translateAtCutover(example(), committed);

    expect([t.target, t.case, t.sentinelSkipped]).toEqual([target, kind, skipped]);
  });

  it('skips only the sentinel when records follow it on the target', () => {
    const basis = example();
    const map = appendCopied(basis.map, [15n], 8n);

    const t = translateAtCutover({ ...basis, map, sourceEnd: 16n, targetEnd: 9n }, 14n);

    expect(t).toEqual({ target: 8n, case: 'next-record', nextSourceRecord: 15n, sentinelSkipped: true });
  });

  it('is translateCommitted without a sentinel', () => {
    const t = translateAtCutover({ ...example(), sentinelSource: undefined }, 14n);

    expect(t).toEqual({ target: 7n, case: 'exact', nextSourceRecord: 14n, sentinelSkipped: false });
  });
});

describe('translateGroup', () => {
  it('translates the commits on the migration partitions, counts the others, keeps partition order', () => {
    const b0 = example();
    const b1 = { ...example(), partition: 1 };
    const bases = new Map([
      ['orders/0', b0],
      ['orders/1', b1],
    ]);

    const g = translateGroup(
      'billing',
      [
        { topic: 'orders', partition: 1, offset: 15n },
        { topic: 'other', partition: 0, offset: 3n },
        { topic: 'orders', partition: 0, offset: 6n },
      ],
      bases,
    );

    expect(g.outside).toBe(1);
    expect(g.partitions.map((p) => [p.partition, p.committed, p.translation.target])).toEqual([
      [0, 6n, 5n],
      [1, 15n, 8n],
    ]);
  });

  it('names the group and the partition when a commit lies beyond the snapshot source end', () => {
    const e = thrown(() =>
      translateGroup(
        'late',
        [{ topic: 'orders', partition: 0, offset: 16n }],
        new Map([['orders/0', example()]]),
      ),
    );

    expect(e).toBeInstanceOf(InvariantError);
    expect((e as InvariantError).code).toBe('OFFSET_TRANSLATION_BEYOND_SOURCE_END');
    expect((e as Error).message).toMatch(
      /^group late, partition orders\/0: offset translation: committed offset 16/,
    );
  });
});

describe('commitMismatches', () => {
  it('lists partitions read back with another offset or without one', () => {
    const g = translateGroup(
      'g',
      [
        { topic: 'orders', partition: 0, offset: 3n },
        { topic: 'orders', partition: 1, offset: 3n },
        { topic: 'orders', partition: 2, offset: 3n },
      ],
      new Map([0, 1, 2].map((p) => [`orders/${p}`, { ...example(), partition: p }])),
    );

    const m = commitMismatches(g.partitions, [
      { topic: 'orders', partition: 0, offset: 3n },
      { topic: 'orders', partition: 1, offset: 4n },
    ]);

    expect(m).toEqual([
      { topic: 'orders', partition: 1, expected: 3n, found: 4n },
      { topic: 'orders', partition: 2, expected: 3n, found: undefined },
    ]);
  });
});

describe('log-start guard', () => {
  const partition = (p: number, firstCopiedTarget: bigint | undefined, logStart: bigint, end: bigint) => ({
    topic: 't',
    partition: p,
    firstCopiedTarget,
    logStart,
    end,
  });

  it('passes when the target still holds every copied record and the offsets are in range', () => {
    const v = logStartViolations(
      [partition(0, 0n, 0n, 10n), partition(1, undefined, 0n, 0n), partition(2, 5n, 5n, 9n)],
      [
        { groupId: 'g', topic: 't', partition: 0, target: 10n },
        { groupId: 'g', topic: 't', partition: 2, target: 5n },
      ],
    );

    expect(v).toEqual([]);
    expect(logStartGuardError(v)).toBeUndefined();
  });

  it('names truncated partitions and offsets outside [log-start, end], with the fix', () => {
    const v = logStartViolations(
      [partition(0, 0n, 40n, 100n), partition(1, 0n, 0n, 10n), partition(2, 0n, 3n, 10n)],
      [
        { groupId: 'g', topic: 't', partition: 0, target: 100n },
        { groupId: 'g', topic: 't', partition: 1, target: 11n },
        { groupId: 'h', topic: 't', partition: 2, target: 1n },
      ],
    );

    const e = logStartGuardError(v)!;

    expect(e).toBeInstanceOf(PreconditionError);
    expect(e.code).toBe('LOG_START_GUARD');
    expect(e.message).toBe(
      'log-start guard: client switch blocked — ' +
        "the target's log start has passed the first copied record on 2 partition(s): " +
        't/0 (log start 40 > first copied offset 0), t/2 (log start 3 > first copied offset 0); ' +
        'translated offsets outside [log-start, end] on 2 partition(s): ' +
        't/1 group g offset 11 outside [0, 10], t/2 group h offset 1 outside [3, 10]',
    );
    expect(e.fix).toBe(LOG_START_GUARD_FIX);
    expect(e.fix).toContain('kraft-migrate repair');
    expect(e.fix).toContain('Cause 3');
  });

  it('lists the first five partitions and the count of the others', () => {
    const parts = Array.from({ length: 8 }, (_, p) => partition(p, 0n, 1n, 5n));

    const e = logStartGuardError(logStartViolations(parts, []))!;

    expect(e.message).toContain('on 8 partition(s): t/0 (');
    expect(e.message).toContain('t/4 (log start 1 > first copied offset 0) and 3 more');
  });
});

describe('sentinel record', () => {
  it('has the key, the header with the migration id and a JSON value', () => {
    const r = sentinelRecord('m-1', { topic: 'orders', partition: 3 }, new Date('2026-04-25T06:00:00.000Z'));

    expect(text(r.key)).toBe(SENTINEL_KEY);
    expect(r.headers.map(([k, v]) => [text(k), text(v)])).toEqual([[SENTINEL_HEADER, 'm-1']]);
    expect(JSON.parse(text(r.value)!)).toEqual({
      migration_id: 'm-1',
      topic: 'orders',
      partition: 3,
      written_at: '2026-04-25T06:00:00.000Z',
    });
    expect(r.timestamp).toBe(BigInt(Date.parse('2026-04-25T06:00:00.000Z')));
    expect(sentinelMigrationId(r)).toBe('m-1');
    expect(sentinelMigrationId({ headers: [] })).toBeUndefined();
  });
});

describe('cutover artifacts and errors', () => {
  it('keeps the artifacts next to the checkpoints of the migration', () => {
    expect(cutoverKey('m-1', 'translations-ack')).toBe('m-1/cutover/translations-ack.json');
  });

  it('refuses a damaged artifact with its name', () => {
    const e = thrown(() => parseCutoverArtifact('snapshot', '{"v":1}', snapshotSchema));

    expect(e).toBeInstanceOf(InvariantError);
    expect((e as InvariantError).code).toBe('CUTOVER_ARTIFACT_CORRUPT');
    expect((e as Error).message).toMatch(/^cutover artifact snapshot\.json is corrupt: /);
  });

  it('names the groups that have members on the target', () => {
    const e = activeMembersError(['a', 'b']);

    expect(e).toBeInstanceOf(PreconditionError);
    expect(e.message).toMatch(/^consumer group\(s\) with active members on the target: a, b — /);
  });
});

describe('docs/cutover.md', () => {
  it('shows the text the log-start guard gives for its example', () => {
    const md = readFileSync(fileURLToPath(new URL('../../../../docs/cutover.md', import.meta.url)), 'utf8');
    const block = /## Log-start guard[\s\S]*?```\n([\s\S]*?)```/.exec(md)![1]!;
    const e = logStartGuardError(
      logStartViolations(
        [{ topic: 'orders', partition: 1, firstCopiedTarget: 0n, logStart: 30n, end: 155n }],
        [{ groupId: 'billing', topic: 'orders', partition: 1, target: 0n }],
      ),
    )!;

    expect(block).toBe(`${e.toUserText()}\n`);
  });
});
