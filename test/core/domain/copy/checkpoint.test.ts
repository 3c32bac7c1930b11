import { describe, expect, it } from 'vitest';
import {
  addSegment,
  adoptAlreadyWritten,
  advanceCheckpoint,
  type CheckpointJson,
  checkpointKey,
  checkpointToJson,
  enterTail,
  initialCheckpoint,
  type PartitionCheckpoint,
  parseCheckpoint,
  payloadBytes,
  reconcile,
  recordGap,
  serializeCheckpoint,
  verifyTailOfTarget,
} from '../../../../core/domain/copy/checkpoint.ts';
import { partitionDigest, recordDigest } from '../../../../core/domain/copy/digest.ts';
import { lastTarget, targetOf, translateCommitted } from '../../../../core/domain/copy/offset-map.ts';
import { buildSegment } from '../../../../core/domain/copy/segment.ts';
import { InvariantError } from '../../../../core/domain/errors.ts';
import type { PartitionRef, RecordToWrite, SourceRecord } from '../../../../core/ports.ts';
import { header, record, rng, thrown, utf8 } from './helpers.ts';

const ref: PartitionRef = { topic: 'payments', partition: 2 };
const T0 = new Date('2026-04-25T06:00:00.000Z');
const T1 = new Date('2026-04-25T06:00:01.000Z');

function expectInvariant(fn: () => unknown, code: string): InvariantError {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(InvariantError);
  expect((e as InvariantError).code).toBe(code);
  return e as InvariantError;
}

const zero = (over: Partial<Parameters<typeof initialCheckpoint>[0]> = {}) =>
  initialCheckpoint({
    migrationId: 'mig-1',
    ref,
    seedStart: 10n,
    boundary: 100n,
    targetNextOffset: 0n,
    now: T0,
    ...over,
  });

const offs = (...xs: number[]) => xs.map(BigInt);

/** A checkpoint that has a bit of everything: runs, a gap, a segment, the tail. */
function busy(): PartitionCheckpoint {
  let cp = zero();
  cp = advanceCheckpoint(cp, { sourceOffsets: offs(10, 11, 12, 14), targetFirst: 0n, bytes: 40n, now: T1 });
  cp = recordGap(cp, 30n, 'retention', T1);
  cp = advanceCheckpoint(cp, {
    sourceOffsets: offs(30, 31, 99),
    targetFirst: 4n,
    bytes: 7n,
    nextSourceOffset: 100n,
    now: T1,
  });
  const segment = buildSegment('mig-1', ref, [record(10), record(11), record(12), record(14)]);
  cp = addSegment(cp, segment.entry, T1);
  return enterTail(cp, T1);
}

describe('checkpoint: building', () => {
  it('starts at the seed start with an empty map (checkpoint zero)', () => {
    const cp = zero();

    expect(checkpointToJson(cp)).toEqual({
      v: 1,
      migration_id: 'mig-1',
      topic: 'payments',
      partition: 2,
      phase: 'seed',
      seed_start: '10',
      boundary: '100',
      next_source_offset: '10',
      next_target_offset: '0',
      records_copied: '0',
      bytes_copied: '0',
      gaps: [],
      offset_map: { v: 1, runs: [] },
      segments: [],
      updated_at: '2026-04-25T06:00:00.000Z',
    });
  });

  it('advances after an acknowledged write: map, counters, next offsets, time', () => {
    const cp = advanceCheckpoint(zero(), {
      sourceOffsets: offs(10, 11, 13),
      targetFirst: 0n,
      bytes: 33n,
      now: T1,
    });

    expect(checkpointToJson(cp)).toMatchObject({
      next_source_offset: '14',
      next_target_offset: '3',
      records_copied: '3',
      bytes_copied: '33',
      offset_map: {
        v: 1,
        runs: [
          ['10', '0', '2'],
          ['13', '2', '1'],
        ],
      },
      updated_at: '2026-04-25T06:00:01.000Z',
    });
  });

  it("skips a fetch's trailing markers with its nextOffset, also for a fetch with only markers", () => {
    let cp = advanceCheckpoint(zero(), {
      sourceOffsets: offs(10, 11),
      targetFirst: 0n,
      bytes: 2n,
      nextSourceOffset: 15n,
      now: T1,
    });
    cp = advanceCheckpoint(cp, {
      sourceOffsets: [],
      targetFirst: 2n,
      bytes: 0n,
      nextSourceOffset: 18n,
      now: T1,
    });

    expect(cp.nextSourceOffset).toBe(18n);
    expect(cp.nextTargetOffset).toBe(2n);
    expect(cp.recordsCopied).toBe(2n);
  });

  it('rejects a batch that does not continue the checkpoint, leaving it unchanged', () => {
    const cp = advanceCheckpoint(zero(), {
      sourceOffsets: offs(10, 11),
      targetFirst: 0n,
      bytes: 2n,
      now: T1,
    });
    const before = serializeCheckpoint(cp);
    const batch = { targetFirst: 2n, bytes: 1n, now: T1 };

    expectInvariant(
      () => advanceCheckpoint(cp, { ...batch, sourceOffsets: offs(11) }),
      'CHECKPOINT_INVARIANT',
    );
    expectInvariant(
      () => advanceCheckpoint(cp, { ...batch, sourceOffsets: offs(12), targetFirst: 3n }),
      'CHECKPOINT_INVARIANT',
    );
    expectInvariant(
      () => advanceCheckpoint(cp, { ...batch, sourceOffsets: offs(12), nextSourceOffset: 12n }),
      'CHECKPOINT_INVARIANT',
    );
    expectInvariant(
      () => advanceCheckpoint(cp, { ...batch, sourceOffsets: offs(12), bytes: -1n }),
      'CHECKPOINT_INVARIANT',
    );
    expect(serializeCheckpoint(cp)).toBe(before);
  });

  it('keeps the seed below its boundary: the tail must be entered first', () => {
    const cp = zero({ boundary: 12n });

    expectInvariant(
      () => advanceCheckpoint(cp, { sourceOffsets: offs(10, 11, 12), targetFirst: 0n, bytes: 3n, now: T1 }),
      'CHECKPOINT_INVARIANT',
    );
    expectInvariant(() => enterTail(cp, T1), 'CHECKPOINT_INVARIANT');
    const done = advanceCheckpoint(cp, { sourceOffsets: offs(10, 11), targetFirst: 0n, bytes: 2n, now: T1 });
    const tail = enterTail(done, T1);
    expect(tail.phase).toBe('tail');
    expect(enterTail(tail, T1)).toBe(tail);
    expect(
      advanceCheckpoint(tail, { sourceOffsets: offs(12, 13), targetFirst: 2n, bytes: 2n, now: T1 })
        .nextSourceOffset,
    ).toBe(14n);
  });

  it('records a retention gap from the next source offset to the new log start', () => {
    const cp = recordGap(zero(), 25n, 'retention', T1);

    expect(cp.gaps).toEqual([{ from: 10n, to: 25n, reason: 'retention' }]);
    expect(cp.nextSourceOffset).toBe(25n);
    expectInvariant(() => recordGap(cp, 25n, 'retention', T1), 'CHECKPOINT_INVARIANT');
  });

  it('adds segments of this partition in offset order only', () => {
    const s1 = buildSegment('mig-1', ref, [record(10), record(11)]).entry;
    const s2 = buildSegment('mig-1', ref, [record(12)]).entry;
    const cp = addSegment(addSegment(zero(), s1, T1), s2, T1);

    expect(cp.segments.map((s) => s.first_offset)).toEqual(['10', '12']);
    expectInvariant(() => addSegment(cp, s1, T1), 'CHECKPOINT_INVARIANT');
    const foreign = buildSegment('mig-1', { topic: 'payments', partition: 3 }, [record(20)]).entry;
    expectInvariant(() => addSegment(cp, foreign, T1), 'CHECKPOINT_INVARIANT');
    const otherMigration = buildSegment('mig-2', ref, [record(20)]).entry;
    expectInvariant(() => addSegment(cp, otherMigration, T1), 'CHECKPOINT_INVARIANT');
  });

  it('rejects a checkpoint zero with the seed start above the boundary', () => {
    expectInvariant(() => zero({ seedStart: 101n }), 'CHECKPOINT_INVARIANT');
  });
});

describe('checkpoint: serialize and parse', () => {
  it('round-trips through JSON text', () => {
    const cp = busy();
    const text = serializeCheckpoint(cp);

    const back = parseCheckpoint(text);

    expect(serializeCheckpoint(back)).toBe(text);
    expect(back.gaps).toEqual([{ from: 12n + 3n, to: 30n, reason: 'retention' }]);
    expect(targetOf(back.offsetMap, 99n)).toBe(6n);
    expect(parseCheckpoint(JSON.parse(text))).toEqual(back);
  });

  type Mutation = [string, (j: CheckpointJson) => unknown, string?];
  const mutations: Mutation[] = [
    ['a missing field', ({ updated_at: _, ...rest }) => rest],
    ['an unknown field', (j) => ({ ...j, extra: 1 })],
    ['version 2', (j) => ({ ...j, v: 2 })],
    ['an unknown phase', (j) => ({ ...j, phase: 'done' })],
    ['a non-decimal offset', (j) => ({ ...j, next_source_offset: '1e3' })],
    ['an unknown gap reason', (j) => ({ ...j, gaps: [{ ...j.gaps[0]!, reason: 'oops' }] })],
    ['a bad timestamp', (j) => ({ ...j, updated_at: 'yesterday' })],
    ['records_copied not matching the map', (j) => ({ ...j, records_copied: '6' })],
    ['next_target_offset not after the map', (j) => ({ ...j, next_target_offset: '8' })],
    ['next_source_offset not after the map', (j) => ({ ...j, next_source_offset: '99', phase: 'seed' })],
    ['a tail below the boundary', (j) => ({ ...j, boundary: '101' })],
    ['a seed that copied the boundary', (j) => ({ ...j, phase: 'seed', boundary: '99' })],
    ['a seed start above the boundary', (j) => ({ ...j, seed_start: '101' })],
    ['a map starting below the seed start', (j) => ({ ...j, seed_start: '11' })],
    ['a gap over copied records', (j) => ({ ...j, gaps: [{ from: '12', to: '31', reason: 'retention' }] })],
    [
      'a gap beyond the next source offset',
      (j) => ({ ...j, gaps: [{ from: '100', to: '200', reason: 'retention' }] }),
    ],
    [
      'overlapping gaps',
      (j) => ({
        ...j,
        gaps: [
          { from: '15', to: '25', reason: 'retention' },
          { from: '20', to: '30', reason: 'retention' },
        ],
      }),
    ],
    ['an empty gap', (j) => ({ ...j, gaps: [{ from: '15', to: '15', reason: 'retention' }] })],
    ['a segment of another partition', (j) => ({ ...j, partition: 3 })],
    [
      'a segment key not matching its offsets',
      (j) => ({ ...j, segments: [{ ...j.segments[0]!, last_offset: '15' }] }),
    ],
    [
      'a corrupt offset map',
      (j) => ({ ...j, offset_map: { v: 1, runs: [['10', '0', '0']] } }),
      'OFFSET_MAP_CORRUPT',
    ],
  ];
  for (const [name, mutate, code] of mutations) {
    it(`rejects ${name}`, () => {
      const json = checkpointToJson(busy());

      const e = expectInvariant(
        () => parseCheckpoint(JSON.stringify(mutate(json))),
        code ?? 'CHECKPOINT_CORRUPT',
      );
      expect(e.fix).toBeTruthy();
    });
  }

  it('rejects text that is not JSON (a torn write)', () => {
    const text = serializeCheckpoint(busy());

    const e = expectInvariant(() => parseCheckpoint(text.slice(0, text.length - 5)), 'CHECKPOINT_CORRUPT');
    expect(e.message).toMatch(/^checkpoint is corrupt: not JSON/);
  });
});

describe('reconcile (restart after kill -9)', () => {
  const cp = advanceCheckpoint(zero(), {
    sourceOffsets: offs(10, 11, 13),
    targetFirst: 0n,
    bytes: 3n,
    now: T1,
  });

  it('has nothing to adopt when the target ends where the checkpoint says', () => {
    expect(reconcile(cp, 3n, 0n)).toEqual({
      basis: 'checkpoint',
      alreadyWritten: 0n,
      resumeSourceOffset: 14n,
      adoptTargetFirst: 3n,
      nextTargetOffset: 3n,
    });
  });

  it('counts the records acknowledged after the last checkpoint', () => {
    expect(reconcile(cp, 8n, 0n)).toEqual({
      basis: 'checkpoint',
      alreadyWritten: 5n,
      resumeSourceOffset: 14n,
      adoptTargetFirst: 3n,
      nextTargetOffset: 8n,
    });
  });

  it('only looks at the end offset: target retention that deleted copied records does not matter', () => {
    expect(reconcile(cp, 5n, 4n).alreadyWritten).toBe(2n);
  });

  it('fails when the target is behind the checkpoint (lost or truncated data)', () => {
    const e = expectInvariant(() => reconcile(cp, 2n, 0n), 'TARGET_BEHIND_CHECKPOINT');

    expect(e.message).toContain('payments/2 ends at offset 2');
    expect(e.message).toContain('recorded 3 as the next target offset');
  });

  it('without a checkpoint treats everything on the target as copied from the seed start', () => {
    expect(reconcile(undefined, 0n, 0n)).toEqual({
      basis: 'none',
      alreadyWritten: 0n,
      resumeSourceOffset: 'seed-start',
      adoptTargetFirst: 0n,
      nextTargetOffset: 0n,
    });
    expect(reconcile(undefined, 7n, 0n)).toMatchObject({ alreadyWritten: 7n, adoptTargetFirst: 0n });
    expect(reconcile(undefined, 12n, 5n)).toMatchObject({ alreadyWritten: 7n, adoptTargetFirst: 5n });
  });

  it('rejects target offsets that make no sense', () => {
    expectInvariant(() => reconcile(cp, 3n, 4n), 'TARGET_OFFSETS_INVALID');
    expectInvariant(() => reconcile(undefined, -1n, -1n), 'TARGET_OFFSETS_INVALID');
  });
});

describe('adoptAlreadyWritten', () => {
  it('extends the map at the checkpoint without writing, like an acknowledged write', () => {
    const cp = advanceCheckpoint(zero(), {
      sourceOffsets: offs(10, 11),
      targetFirst: 0n,
      bytes: 4n,
      now: T1,
    });
    const plan = reconcile(cp, 5n, 0n);

    const adopted = adoptAlreadyWritten(cp, [record(12), record(14), record(15)], T1);

    expect(plan.alreadyWritten).toBe(3n);
    expect(adopted.nextTargetOffset).toBe(plan.nextTargetOffset);
    expect(adopted.nextSourceOffset).toBe(16n);
    expect(targetOf(adopted.offsetMap, 14n)).toBe(3n);
    expect(adopted.bytesCopied).toBe(4n + 3n * 6n);
    expect(adopted.phase).toBe('seed');
  });

  it('enters the tail when the adopted records cross the seed boundary', () => {
    const cp = zero({ boundary: 13n });

    const adopted = adoptAlreadyWritten(cp, [record(10), record(12), record(13), record(20)], T1);

    expect(adopted.phase).toBe('tail');
    expect(adopted.nextSourceOffset).toBe(21n);
    expect([10n, 12n, 13n, 20n].map((o) => targetOf(adopted.offsetMap, o))).toEqual([0n, 1n, 2n, 3n]);
  });

  it('enters the tail when every adopted record is past the boundary', () => {
    const cp = zero({ boundary: 12n });

    const adopted = adoptAlreadyWritten(cp, [record(13)], T1);

    expect(adopted.phase).toBe('tail');
    expect(targetOf(adopted.offsetMap, 13n)).toBe(0n);
  });

  it('rejects records before the checkpoint (read from the wrong offset)', () => {
    const cp = advanceCheckpoint(zero(), {
      sourceOffsets: offs(10, 11),
      targetFirst: 0n,
      bytes: 4n,
      now: T1,
    });

    expectInvariant(() => adoptAlreadyWritten(cp, [record(11)], T1), 'CHECKPOINT_INVARIANT');
  });
});

describe('verifyTailOfTarget and payloadBytes', () => {
  const source = record(41, { headers: [header('a', null)] });
  const written: RecordToWrite = {
    timestamp: source.timestamp,
    key: source.key,
    value: source.value,
    headers: source.headers,
  };

  it('accepts the target record copied from the mapped source record', () => {
    expect(verifyTailOfTarget(written, source)).toEqual({ ok: true, digest: recordDigest(source) });
  });

  it('reports both digests when they differ', () => {
    const other = { ...written, headers: [header('a', '')] };

    expect(verifyTailOfTarget(other, source)).toEqual({
      ok: false,
      expected: recordDigest(source),
      actual: recordDigest(other),
    });
  });

  it('counts key, value and header bytes, nulls as 0', () => {
    expect(
      payloadBytes({ key: utf8('abc'), value: null, headers: [header('hh', null), header('', 'x')] }),
    ).toBe(6n);
  });

  it('keeps the checkpoint next to the partition segments', () => {
    expect(checkpointKey('mig-1', ref)).toBe('mig-1/topics/payments/partition=2/checkpoint.json');
  });
});

/* ------------------------------------------------------------------------------------------------
 * A whole copy, killed at random instants, restarted from the persisted checkpoint each time.
 * The simulated copier follows the protocol the real one must follow: persist checkpoint zero (or
 * not, to exercise the no-checkpoint path), write, checkpoint after each acknowledged write;
 * on restart reconcile, re-read and adopt the already-written records, verify the target's tail.
 * ---------------------------------------------------------------------------------------------- */

interface SimSource {
  readonly records: SourceRecord[];
  readonly end: bigint;
}

function makeSource(seed: number): SimSource {
  const r = rng(seed);
  const records: SourceRecord[] = [];
  let offset = 0n;
  const n = r.int(0, 150);
  for (let i = 0; i < n; i++) {
    if (r.chance(0.25)) offset += BigInt(r.int(1, r.chance(0.2) ? 40 : 3)); // markers, aborted, compacted
    const shape = r.int(0, 5);
    records.push(
      record(offset, {
        key: shape === 0 ? null : utf8(`k${r.int(0, 9)}`),
        value: shape === 1 ? null : shape === 2 ? new Uint8Array() : utf8(`v${i}-${r.int(0, 1e6)}`),
        headers: shape === 3 ? [header('h', null), header('h', '')] : [],
      }),
    );
    offset += 1n;
  }
  return { records, end: offset + BigInt(r.int(0, 3)) }; // maybe trailing markers
}

/** read_committed fetch: data records from `from` (at most `max`), nextOffset past trailing gaps. */
function fetch(source: SimSource, from: bigint, max: number, r: ReturnType<typeof rng>) {
  const start = source.records.findIndex((x) => x.offset >= from);
  if (start < 0) return { records: [] as SourceRecord[], nextOffset: source.end };
  const records = source.records.slice(start, start + max);
  const following = source.records[start + records.length];
  const lastPlusOne = records[records.length - 1]!.offset + 1n;
  const ceiling = following === undefined ? source.end : following.offset;
  return { records, nextOffset: lastPlusOne + BigInt(r.int(0, Number(ceiling - lastPlusOne))) };
}

const toWrite = (x: SourceRecord): RecordToWrite => ({
  timestamp: x.timestamp,
  key: x.key,
  value: x.value,
  headers: x.headers,
});

class Crash extends Error {}

interface SimResult {
  readonly crashes: number;
  readonly adopted: bigint;
  /** Restarts that adopted records without any persisted checkpoint. */
  readonly adoptedWithoutCheckpoint: number;
  readonly target: RecordToWrite[];
  /** The last persisted checkpoint, parsed. */
  readonly checkpoint: PartitionCheckpoint;
}

function simulate(seed: number): SimResult {
  const r = rng(seed);
  const source = makeSource(seed);
  const boundary = BigInt(r.int(0, Number(source.end)));
  const target: RecordToWrite[] = [];
  const persistZero = r.chance(0.5);
  let persisted: string | undefined;
  let crashes = 0;
  let adopted = 0n;
  let adoptedWithoutCheckpoint = 0;
  const maybeCrash = (p: number) => {
    if (r.chance(p)) throw new Crash();
  };

  for (let attempt = 0; attempt < 1000; attempt++) {
    try {
      // (re)start
      const loaded = persisted === undefined ? undefined : parseCheckpoint(persisted);
      const plan = reconcile(loaded, BigInt(target.length), 0n);
      let cp =
        loaded ??
        initialCheckpoint({
          migrationId: 'sim',
          ref,
          seedStart: 0n,
          boundary,
          targetNextOffset: plan.adoptTargetFirst,
          now: T0,
        });
      if (loaded === undefined && persistZero) persisted = serializeCheckpoint(cp);
      if (plan.alreadyWritten > 0n) {
        const from = plan.resumeSourceOffset === 'seed-start' ? cp.seedStart : plan.resumeSourceOffset;
        const again = fetch(source, from, Number(plan.alreadyWritten), r).records;
        expect(BigInt(again.length)).toBe(plan.alreadyWritten);
        cp = adoptAlreadyWritten(cp, again, T1);
        const verdict = verifyTailOfTarget(target[target.length - 1]!, again[again.length - 1]!);
        expect(verdict.ok).toBe(true);
        expect(cp.nextTargetOffset).toBe(BigInt(target.length));
        adopted += plan.alreadyWritten;
        if (plan.basis === 'none') adoptedWithoutCheckpoint++;
        maybeCrash(0.1);
        persisted = serializeCheckpoint(cp);
      }
      // copy loop
      for (;;) {
        if (cp.phase === 'seed' && cp.nextSourceOffset >= cp.boundary) {
          cp = enterTail(cp, T1);
          persisted = serializeCheckpoint(cp);
        }
        if (cp.nextSourceOffset >= source.end) {
          return {
            crashes,
            adopted,
            adoptedWithoutCheckpoint,
            target,
            checkpoint: parseCheckpoint(persisted),
          };
        }
        const got = fetch(source, cp.nextSourceOffset, r.int(1, 7), r);
        let records = got.records;
        let nextOffset = got.nextOffset;
        if (cp.phase === 'seed' && nextOffset > cp.boundary) {
          records = records.filter((x) => x.offset < cp.boundary);
          nextOffset = cp.boundary;
        }
        maybeCrash(0.05);
        // the write: possibly only a prefix of its batches lands before the crash
        const landing = r.chance(0.1) ? r.int(0, records.length) : records.length;
        const firstOffset = BigInt(target.length);
        for (const x of records.slice(0, landing)) target.push(toWrite(x));
        if (landing < records.length) throw new Crash();
        maybeCrash(0.1); // acknowledged, not yet checkpointed
        cp = advanceCheckpoint(cp, {
          sourceOffsets: records.map((x) => x.offset),
          targetFirst: firstOffset,
          bytes: records.reduce((n, x) => n + payloadBytes(x), 0n),
          nextSourceOffset: nextOffset,
          now: T1,
        });
        persisted = serializeCheckpoint(cp);
        maybeCrash(0.05);
      }
    } catch (e) {
      if (!(e instanceof Crash)) throw e;
      crashes++;
    }
  }
  throw new Error('the simulated copy never finished');
}

describe('crash and resume: no duplicate, no loss, exact translation', () => {
  let totalCrashes = 0;
  let totalAdopted = 0n;
  let totalWithoutCheckpoint = 0;
  for (let seed = 1; seed <= 120; seed++) {
    it(`copy killed at random instants, seed ${seed}`, () => {
      const source = makeSource(seed);
      const final = simulate(seed);
      totalCrashes += final.crashes;
      totalAdopted += final.adopted;
      totalWithoutCheckpoint += final.adoptedWithoutCheckpoint;

      expect(final.target.length).toBe(source.records.length);
      expect(partitionDigest(final.target)).toEqual(partitionDigest(source.records));
      const map = final.checkpoint.offsetMap;
      expect(map.copied).toBe(BigInt(source.records.length));
      expect(lastTarget(map)).toBe(
        source.records.length === 0 ? undefined : BigInt(source.records.length - 1),
      );
      source.records.forEach((x, i) => {
        expect(targetOf(map, x.offset)).toBe(BigInt(i));
      });
      for (let committed = 0n; committed <= source.end; committed++) {
        const next = source.records.findIndex((x) => x.offset >= committed);
        const translated = translateCommitted(map, committed, source.end, BigInt(final.target.length));
        expect(translated.target).toBe(next < 0 ? BigInt(final.target.length) : BigInt(next));
      }
    });
  }
  it('exercised crashes and adoption of already-written records', () => {
    expect(totalCrashes).toBeGreaterThan(300);
    expect(totalAdopted).toBeGreaterThan(300n);
    expect(totalWithoutCheckpoint).toBeGreaterThan(0);
  });
});
