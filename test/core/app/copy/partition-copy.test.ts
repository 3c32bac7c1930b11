import { describe, expect, it } from 'vitest';
import { copyPartition } from '../../../../core/app/copy/partition-copy.ts';
import type { CopyEvent, CopyOptions } from '../../../../core/app/copy/types.ts';
import {
  checkpointKey,
  decodeSegment,
  type PartitionCheckpoint,
  parseCheckpoint,
  partitionDigest,
  targetOf,
} from '../../../../core/domain/copy/index.ts';
import { InvariantError, TransientError } from '../../../../core/domain/errors.ts';
import type { PartitionRef, SourceRecord } from '../../../../core/ports.ts';
import { FakeLog, FakeReader, FakeWriter, MemoryStore, sourceRecord } from './fakes.ts';

const REF: PartitionRef = { topic: 'orders', partition: 0 };
const KEY = checkpointKey('m1', REF);

const OPTIONS: CopyOptions = {
  migrationId: 'm1',
  mode: 'seed',
  isolationLevel: 'read_committed',
  segmentMaxBytes: 1 << 20,
  checkpointIntervalMs: 0,
  stableEnd: { intervalMs: 0, equalReads: 3 },
  transientBackoffMs: 0,
};

function setup(source: FakeLog) {
  const sourceReader = new FakeReader();
  sourceReader.logs.set('orders/0', source);
  const target = new FakeReader();
  const writer = new FakeWriter(target);
  const store = new MemoryStore();
  const events: CopyEvent[] = [];
  const deps = { source: sourceReader, target, writer, segments: store, sleep: async () => {} };
  const run = (options: Partial<CopyOptions> = {}, signal = new AbortController().signal) =>
    copyPartition(REF, deps, { ...OPTIONS, ...options }, { signal, onEvent: (e) => events.push(e) });
  const persisted = (): PartitionCheckpoint | undefined => {
    const text = store.text(KEY);
    return text === undefined ? undefined : parseCheckpoint(text);
  };
  return { source, sourceReader, target, writer, store, events, run, persisted };
}

const targetRecords = (t: FakeReader) => t.log(REF).records;
const digest = (records: readonly SourceRecord[]) => partitionDigest(records);

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('copyPartition (seed)', () => {
  it('copies every record in order and records the offset map across skipped offsets', async () => {
    const s = setup(FakeLog.source(95, 7));

    const result = await s.run();

    expect(result.complete).toBe(true);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    const cp = s.persisted()!;
    expect(cp.phase).toBe('tail');
    expect(cp.nextSourceOffset).toBe(s.source.end);
    for (const [i, r] of s.source.records.entries()) expect(targetOf(cp.offsetMap, r.offset)).toBe(BigInt(i));
  });

  it('records a retention gap on OFFSET_OUT_OF_RANGE and persists it before writing past it', async () => {
    const s = setup(FakeLog.source(100));
    s.sourceReader.beforeFetch = (_ref, offset) => {
      if (offset === 30n) s.source.deleteBefore(55n); // retention deletes 0–54 while the copier is at 30
    };
    const gapsSeenByWrites: { first: bigint; gaps: number }[] = [];
    s.writer.hook = (_ref, records) => {
      gapsSeenByWrites.push({
        first: (records[0] as SourceRecord).offset,
        gaps: s.persisted()?.gaps.length ?? 0,
      });
      return undefined;
    };

    const result = await s.run();

    expect(result.checkpoint.gaps).toEqual([{ from: 30n, to: 55n, reason: 'retention' }]);
    expect(s.persisted()!.gaps).toEqual([{ from: 30n, to: 55n, reason: 'retention' }]);
    const pastGap = gapsSeenByWrites.filter((w) => w.first >= 55n);
    expect(pastGap.length).toBeGreaterThan(0);
    expect(pastGap.every((w) => w.gaps === 1)).toBe(true);
    expect(targetRecords(s.target).map((r) => Number(r.value![1]))).toHaveLength(75);
    expect(targetOf(result.checkpoint.offsetMap, 55n)).toBe(30n);
    expect(s.events).toContainEqual(
      expect.objectContaining({ type: 'gap', from: '30', to: '55', scope: 'copy' }),
    );
  });

  it('stops with an InvariantError when a write lands at another target offset than expected', async () => {
    const s = setup(FakeLog.source(100));
    s.writer.hook = (ref, _records, n) => (n === 2 ? s.target.log(ref).end + 1n : undefined);

    const e = await rejection(s.run());

    expect(e).toBeInstanceOf(InvariantError);
    expect((e as InvariantError).code).toBe('TARGET_OFFSET_MISMATCH');
    expect((e as InvariantError).message).toContain('orders partition 0');
    expect(s.writer.writes).toBe(3);
    expect(s.persisted()!.nextTargetOffset).toBeLessThanOrEqual(20n);
  });

  it('refuses a non-empty target partition that has no checkpoint, before writing anything', async () => {
    const s = setup(FakeLog.source(10));
    s.target.log(REF).append([sourceRecord(0, 'foreign')]);

    const e = await rejection(s.run());

    expect(e).toBeInstanceOf(InvariantError);
    expect((e as InvariantError).code).toBe('TARGET_NOT_EMPTY');
    expect((e as InvariantError).message).toContain('orders partition 0');
    expect(s.writer.writes).toBe(0);
    expect(s.persisted()).toBeUndefined();
  });
});

describe('copyPartition (restart and recovery)', () => {
  it('returns at once when the seed is run again on a partition whose seed completed', async () => {
    const s = setup(FakeLog.source(40));
    await s.run();
    s.source.append([sourceRecord(99, 'after-the-boundary')]);
    const fetchesBefore = s.sourceReader.fetches;

    const again = await s.run();

    expect(again.complete).toBe(true);
    expect(s.sourceReader.fetches).toBe(fetchesBefore);
    expect(targetRecords(s.target)).toHaveLength(40);
  });

  /** A first run stopped after three writes (30 records): checkpoint at target offset 30. */
  async function stoppedAfterThreeWrites(s: ReturnType<typeof setup>): Promise<void> {
    const stop = new AbortController();
    s.writer.hook = (_ref, _records, n) => {
      if (n === 2) stop.abort();
      return undefined;
    };
    const first = await s.run({}, stop.signal);
    s.writer.hook = undefined;
    expect(first.complete).toBe(false);
    expect(s.persisted()!.nextTargetOffset).toBe(30n);
  }

  it('waits until the target end offset stops moving (a late write of the killed process) before adopting', async () => {
    const s = setup(FakeLog.source(100, 9));
    await stoppedAfterThreeWrites(s);
    const next = s.persisted()!.nextSourceOffset;
    const zombies = s.source.records.filter((r) => r.offset >= next).slice(0, 5);
    s.target.log(REF).append(zombies); // appended by the killed process, visible only gradually:
    const visible = [30n, 32n, 35n, 35n, 35n, 35n];
    let reads = 0;
    s.target.offsetsHook = (_ref, d) => ({
      ...d,
      highWatermark: visible[Math.min(reads++, visible.length - 1)]!,
    });

    const result = await s.run();

    expect(result.complete).toBe(true);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    expect(s.events).toContainEqual(
      expect.objectContaining({ type: 'reconciled', target_end: '35', already_written: '5' }),
    );
  });

  it('stops when the record on the target is not the source record the map says it copies', async () => {
    const s = setup(FakeLog.source(100));
    await stoppedAfterThreeWrites(s);
    s.target.log(REF).append([sourceRecord(30, 'not-from-the-source')]);
    const writesBefore = s.writer.writes;

    const e = await rejection(s.run());

    expect(e).toBeInstanceOf(InvariantError);
    expect((e as InvariantError).code).toBe('RECONCILE_TAIL_MISMATCH');
    expect(s.writer.writes).toBe(writesBefore);
  });

  it('recovers in-process from a transient write failure after part of the write landed', async () => {
    const s = setup(FakeLog.source(100, 6));
    s.writer.hook = (ref, records, n) => {
      if (n === 4) {
        s.target.log(ref).append(records.slice(0, 4)); // two of its batches were acknowledged
        throw new TransientError('connection reset', { code: 'KAFKA_NETWORK' });
      }
      return undefined;
    };

    const result = await s.run();

    expect(result.complete).toBe(true);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    expect(s.events.filter((e) => e.type === 'recovering')).toHaveLength(1);
  });

  it('stops cleanly when the stop signal comes while it backs off after a transient error', async () => {
    const s = setup(FakeLog.source(100));
    const stop = new AbortController();
    s.writer.hook = (_ref, _records, n) => {
      if (n === 3) {
        setTimeout(() => stop.abort(), 5); // SIGTERM during the (here endless) backoff
        throw new TransientError('request timed out', { code: 'KAFKA_TIMEOUT' });
      }
      return undefined;
    };
    const deps = {
      ...s,
      source: s.sourceReader,
      segments: s.store,
      sleep: () => new Promise<void>(() => {}),
    };

    const result = await copyPartition(REF, deps, OPTIONS, { signal: stop.signal });

    expect(result.complete).toBe(false);
    expect(s.persisted()!.nextTargetOffset).toBe(30n);
    expect(targetRecords(s.target)).toHaveLength(30);
  });

  it('re-stages the range written before the restart without writing it again', async () => {
    const s = setup(FakeLog.source(100));
    await stoppedAfterThreeWrites(s); // nothing staged yet: the segment buffer was not full
    expect(s.persisted()!.segments).toEqual([]);
    const writtenFrom: bigint[] = [];
    s.writer.hook = (_ref, records) => {
      writtenFrom.push((records[0] as SourceRecord).offset);
      return undefined;
    };

    const result = await s.run({ segmentMaxBytes: 1000 });

    expect(Math.min(...writtenFrom.map(Number))).toBe(30);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    const staged: SourceRecord[] = [];
    for (const entry of result.checkpoint.segments) {
      staged.push(...decodeSegment(s.store.objects.get(entry.key)!).records);
    }
    expect(result.checkpoint.segments.length).toBeGreaterThan(1);
    expect(staged.map((r) => r.offset)).toEqual(s.source.records.map((r) => r.offset));
    expect(digest(staged)).toEqual(digest(s.source.records));
  });
});
