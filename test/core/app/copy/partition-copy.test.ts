import { describe, expect, it } from 'vitest';
import { copyPartition } from '../../../../core/app/copy/partition-copy.ts';
import type { CopyEvent, CopyOptions } from '../../../../core/app/copy/types.ts';
import {
  checkpointKey,
  checkpointToJson,
  decodeSegment,
  type PartitionCheckpoint,
  parseCheckpoint,
  partitionDigest,
  targetOf,
} from '../../../../core/domain/copy/index.ts';
import { InvariantError, TransientError } from '../../../../core/domain/errors.ts';
import type { PartitionRef, SourceRecord } from '../../../../core/ports.ts';
import {
  batchHeaderOf,
  type FakeBatchOptions,
  FakeLog,
  FakeReader,
  FakeWriter,
  MemoryStore,
  sourceRecord,
} from './fakes.ts';

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

  it('puts two checkpoints for a partition seeded in one segment: checkpoint zero, then the tail one naming the segment', async () => {
    const s = setup(FakeLog.source(40, 0));

    await s.run({ checkpointIntervalMs: 60_000 }); // no put on the interval: only the required ones

    const checkpoints = s.store.puts.filter((p) => p.key === KEY).map((p) => parseCheckpoint(String(p.body)));
    expect(checkpoints.map((c) => [c.phase, c.segments.length])).toEqual([
      ['seed', 0],
      ['tail', 1],
    ]);
    const segment = checkpoints[1]!.segments[0]!;
    expect(s.store.objects.has(segment.key)).toBe(true);
    expect(segment.last_offset).toBe(String(s.source.end - 1n));
  });

  it('skips the checkpoint GET when the copier knows the partition has none, and only on the first start', async () => {
    const s = setup(FakeLog.source(40, 0));
    const deps = {
      source: s.sourceReader,
      target: s.target,
      writer: s.writer,
      segments: s.store,
      sleep: async () => {},
    };
    const signal = new AbortController().signal;

    await copyPartition(REF, deps, OPTIONS, { signal, knownWithoutCheckpoint: true });
    expect(s.store.gets).not.toContain(KEY);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));

    // Told wrongly (a checkpoint exists now): the target is not empty, and the copier refuses rather
    // than write over it — the hint must only come from a listing taken before the partition started.
    const again = await rejection(
      copyPartition(REF, deps, OPTIONS, { signal, knownWithoutCheckpoint: true }),
    );
    expect((again as InvariantError).code).toBe('TARGET_NOT_EMPTY');
    await copyPartition(REF, deps, OPTIONS, { signal });
    expect(s.store.gets).toContain(KEY);
  });

  it('reads the checkpoint on a retried start even when the first start was told there was none', async () => {
    const s = setup(FakeLog.source(40, 0));
    const deps = {
      source: s.sourceReader,
      target: s.target,
      writer: s.writer,
      segments: s.store,
      sleep: async () => {},
    };
    let failures = 1; // checkpoint zero's put fails once: the start is retried
    s.store.failPut = (key) => key === KEY && failures-- > 0;

    await copyPartition(REF, deps, OPTIONS, {
      signal: new AbortController().signal,
      knownWithoutCheckpoint: true,
    });

    expect(s.store.gets.filter((k) => k === KEY)).toHaveLength(1);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    expect(s.persisted()!.phase).toBe('tail');
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

describe('copyPartition (batch pass-through)', () => {
  /** A setup whose reader has `fetchBatches` and whose writer has `writeBatches`. */
  function batched(source: FakeLog, batches: FakeBatchOptions = { recordsPerBatch: 4 }) {
    const s = setup(source);
    s.sourceReader.enableBatches(batches);
    s.writer.enableBatches();
    return s;
  }

  /** The same data copied by the plain (decode and re-encode) path: its checkpoint and target records. */
  async function plainCopy(
    source: FakeLog,
    options: Partial<CopyOptions> = {},
    prepare: (s: ReturnType<typeof setup>) => void = () => undefined,
  ): Promise<PartitionCheckpoint & { readonly target: readonly SourceRecord[] }> {
    const s = setup(source);
    prepare(s);
    const result = await s.run({ ...options, passThroughMinBatchBytes: -1 });
    expect(s.writer.batchWrites).toHaveLength(0);
    return { ...result.checkpoint, target: targetRecords(s.target) };
  }

  /**
   * What the two paths must agree on: everything but the byte count (payload bytes vs batch bytes),
   * the segments (v1 vs v2 objects) and the time.
   */
  function comparable(cp: PartitionCheckpoint) {
    const j = checkpointToJson(cp);
    return {
      phase: j.phase,
      seed_start: j.seed_start,
      boundary: j.boundary,
      next_source_offset: j.next_source_offset,
      next_target_offset: j.next_target_offset,
      records_copied: j.records_copied,
      gaps: j.gaps,
      offset_map: j.offset_map,
    };
  }

  /**
   * The records staged in the checkpoint's segments, in order, with each segment's version. A v2
   * segment's batches must be byte for byte the source batches (their records are taken from those).
   */
  function staged(s: ReturnType<typeof batched>, cp: PartitionCheckpoint) {
    const sourceBatches = new Map(s.sourceReader.batchesOf(REF).map((b) => [b.baseOffset, b]));
    const versions: number[] = [];
    const records: SourceRecord[] = [];
    for (const entry of cp.segments) {
      const segment = decodeSegment(s.store.objects.get(entry.key)!);
      versions.push(segment.version);
      if (segment.version === 1) {
        records.push(...segment.records);
        continue;
      }
      for (const bytes of segment.batches) {
        const original = sourceBatches.get(batchHeaderOf(bytes).baseOffset);
        expect(original, `source batch at ${batchHeaderOf(bytes).baseOffset}`).toBeDefined();
        expect(Buffer.from(bytes)).toEqual(Buffer.from(original!.bytes));
        records.push(...original!.records);
      }
    }
    return { versions, records };
  }

  const offsetsOf = (records: readonly SourceRecord[]) => records.map((r) => r.offset);
  const batchWriteOffsets = (w: FakeWriter) =>
    w.batchWrites.flatMap((bs) =>
      bs.flatMap((b) => Array.from({ length: b.count }, (_, i) => b.baseOffset + BigInt(i))),
    );

  it('seeds every record through batches: same checkpoint as the plain path, KMSEG2 segments covering every offset', async () => {
    // Arrange
    const s = batched(FakeLog.source(95, 7), { recordsPerBatch: 4 });
    const options = { passThroughMinBatchBytes: 0, segmentMaxBytes: 400 };
    const expected = await plainCopy(FakeLog.source(95, 7), options);

    // Act
    const result = await s.run(options);

    // Assert
    expect(result.complete).toBe(true);
    expect(targetRecords(s.target)).toHaveLength(95);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    expect(comparable(result.checkpoint)).toEqual(comparable(expected));
    expect(comparable(s.persisted()!)).toEqual(comparable(expected));
    expect(s.writer.batchWrites.length).toBeGreaterThan(1);
    expect(s.writer.batchWrites).toHaveLength(s.writer.writes); // no plain write
    expect(s.sourceReader.batchFetches).toHaveLength(s.sourceReader.fetches); // no plain fetch
    const batchBytes = s.sourceReader.batchesOf(REF).reduce((n, b) => n + b.bytes.length, 0);
    expect(result.checkpoint.bytesCopied).toBe(BigInt(batchBytes)); // stored size of the batches
    const { versions, records } = staged(s, result.checkpoint);
    expect(versions.length).toBeGreaterThan(1);
    expect(versions.every((v) => v === 2)).toBe(true);
    expect(offsetsOf(records)).toEqual(offsetsOf(s.source.records));
    expect(digest(records)).toEqual(digest(s.source.records));
  });

  it('mixes pass-through batches and decoded small batches: both segment versions, an exact copy', async () => {
    // Arrange: every batch whose base offset is a multiple of 3 is small (80 bytes < 200)
    const batches: FakeBatchOptions = {
      recordsPerBatch: 5,
      batchBytes: (base) => (base % 3n === 0n ? 80 : 400),
    };
    const s = batched(FakeLog.source(120, 9), batches);
    const options = { passThroughMinBatchBytes: 200, segmentMaxBytes: 1500 };
    const expected = await plainCopy(FakeLog.source(120, 9), options);

    // Act
    const result = await s.run(options);

    // Assert
    expect(result.complete).toBe(true);
    expect(targetRecords(s.target)).toHaveLength(120);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    expect(comparable(result.checkpoint)).toEqual(comparable(expected));
    expect(s.writer.batchWrites.length).toBeGreaterThan(0);
    expect(s.writer.writes).toBeGreaterThan(s.writer.batchWrites.length); // plain writes too
    const { versions, records } = staged(s, result.checkpoint);
    expect(new Set(versions)).toEqual(new Set([1, 2]));
    expect(offsetsOf(records)).toEqual(offsetsOf(s.source.records));
    expect(digest(records)).toEqual(digest(s.source.records));
  });

  it('stages small decoded batches as they are when the reader hands out their source batches', async () => {
    // Arrange: as above, and the records runs carry their `sourceBatches`
    const s = batched(FakeLog.source(120, 9), {
      recordsPerBatch: 5,
      batchBytes: (base) => (base % 3n === 0n ? 80 : 400),
      sourceBatches: true,
    });

    // Act
    const result = await s.run({ passThroughMinBatchBytes: 200, segmentMaxBytes: 1500 });

    // Assert
    expect(result.complete).toBe(true);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    expect(s.writer.writes).toBeGreaterThan(s.writer.batchWrites.length); // small batches re-batched
    const { versions, records } = staged(s, result.checkpoint);
    expect(versions.every((v) => v === 2)).toBe(true);
    expect(offsetsOf(records)).toEqual(offsetsOf(s.source.records));
    expect(digest(records)).toEqual(digest(s.source.records));
  });

  it('stops with an InvariantError when a batch write lands at another target offset than expected', async () => {
    // Arrange
    const s = batched(FakeLog.source(100), { recordsPerBatch: 4 });
    s.writer.hook = (ref, _records, n) => (n === 2 ? s.target.log(ref).end + 1n : undefined);

    // Act
    const e = await rejection(s.run({ passThroughMinBatchBytes: 0 }));

    // Assert
    expect(e).toBeInstanceOf(InvariantError);
    expect((e as InvariantError).code).toBe('TARGET_OFFSET_MISMATCH');
    expect(s.writer.batchWrites).toHaveLength(3);
    expect(s.persisted()!.nextTargetOffset).toBeLessThanOrEqual(BigInt(targetRecords(s.target).length));
  });

  it('recovers from a writeBatches failure after part of it landed, and ends exact without duplicates', async () => {
    // Arrange: the 4th batch write fails after its first batch was acknowledged
    const s = batched(FakeLog.source(100, 6), { recordsPerBatch: 4 });
    let batchWrite = 0;
    let landed = 0;
    s.writer.hook = (ref, records, _n, batches) => {
      if (batches !== undefined && batchWrite++ === 3) {
        landed = batches[0]!.count;
        s.target.log(ref).append(records.slice(0, landed));
        throw new TransientError('connection reset', { code: 'KAFKA_NETWORK' });
      }
      return undefined;
    };

    // Act
    const result = await s.run({ passThroughMinBatchBytes: 0, segmentMaxBytes: 300 });

    // Assert
    expect(result.complete).toBe(true);
    expect(landed).toBeGreaterThan(0);
    expect(targetRecords(s.target)).toHaveLength(100);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    expect(s.events.filter((e) => e.type === 'recovering')).toHaveLength(1);
    expect(s.events).toContainEqual(
      expect.objectContaining({ type: 'reconciled', already_written: String(landed) }),
    );
    for (const [i, r] of s.source.records.entries()) {
      expect(targetOf(result.checkpoint.offsetMap, r.offset)).toBe(BigInt(i));
    }
    const { records } = staged(s, result.checkpoint);
    expect(offsetsOf(records)).toEqual(offsetsOf(s.source.records));
    expect(digest(records)).toEqual(digest(s.source.records));
  });

  it('recovers (re-staging) from a plain seed write that landed up to the middle of a source batch', async () => {
    // Arrange: batches below offset 40 are small (decoded and re-batched), the others pass through; the
    // 2nd plain write fails after 6 of its records landed — inside the second source batch of that write
    const s = batched(FakeLog.source(100), {
      recordsPerBatch: 4,
      batchBytes: (base) => (base < 40n ? 80 : 400),
    });
    let landedUpTo: bigint | undefined;
    s.writer.hook = (ref, records, n, batches) => {
      if (batches === undefined && n === 1) {
        s.target.log(ref).append(records.slice(0, 6));
        landedUpTo = (records[5] as SourceRecord).offset;
        throw new TransientError('request timed out', { code: 'KAFKA_TIMEOUT' });
      }
      return undefined;
    };

    // Act
    const result = await s.run({ passThroughMinBatchBytes: 200, segmentMaxBytes: 300 });

    // Assert
    expect(result.complete).toBe(true);
    expect(landedUpTo! % 4n).not.toBe(3n); // the write stopped inside a source batch
    expect(targetRecords(s.target)).toHaveLength(100);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    expect(s.writer.batchWrites.length).toBeGreaterThan(0);
    expect(Math.min(...batchWriteOffsets(s.writer).map(Number))).toBe(40);
    const { versions, records } = staged(s, result.checkpoint);
    expect(new Set(versions)).toEqual(new Set([1, 2]));
    expect(offsetsOf(records)).toEqual(offsetsOf(s.source.records));
  });

  it('tails on through fetchBatches from the middle of a source batch after a partly landed plain write', async () => {
    // Arrange: a seed of 20 records; then 80 more. Batches below offset 40 are small; the first tail
    // write lands 6 of its records (20–25: inside the batch 24–27) and fails
    const s = batched(FakeLog.source(20), {
      recordsPerBatch: 4,
      batchBytes: (base) => (base < 40n ? 80 : 400),
    });
    await s.run({ passThroughMinBatchBytes: 200 });
    s.source.append(Array.from({ length: 80 }, (_, i) => sourceRecord(20 + i, 'tail')));
    let failed = false;
    s.writer.hook = (ref, records, _n, batches) => {
      if (batches === undefined && !failed) {
        failed = true;
        s.target.log(ref).append(records.slice(0, 6));
        throw new TransientError('request timed out', { code: 'KAFKA_TIMEOUT' });
      }
      return undefined;
    };
    const stop = new AbortController();
    s.sourceReader.beforeFetch = () => {
      if (s.target.log(REF).end >= 100n) stop.abort();
    };
    const fetchesBefore = s.sourceReader.batchFetches.length;

    // Act
    const result = await s.run({ mode: 'tail', passThroughMinBatchBytes: 200 }, stop.signal);

    // Assert
    expect(failed).toBe(true);
    expect(s.events).toContainEqual(
      expect.objectContaining({ type: 'reconciled', target_end: '26', already_written: '6' }),
    );
    const tailFetches = s.sourceReader.batchFetches.slice(fetchesBefore).map((f) => f.offset);
    expect(tailFetches).toContain(26n); // inside the batch 24–27: decoded from 26 on
    expect(targetRecords(s.target)).toHaveLength(100);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    expect(Math.min(...batchWriteOffsets(s.writer).map(Number))).toBe(40);
    for (const [i, r] of s.source.records.entries()) {
      expect(targetOf(result.checkpoint.offsetMap, r.offset)).toBe(BigInt(i));
    }
  });

  it('does not copy the records of a batch at or after a seed boundary inside it', async () => {
    // Arrange: batches 0–4, 5–9, …, 20–24, …; the boundary (last stable offset) is 23
    const lastStable23 = (r: ReturnType<typeof setup>) => {
      r.sourceReader.offsetsHook = (_ref, d) => ({ ...d, lastStable: 23n });
    };
    const s = batched(FakeLog.source(50), { recordsPerBatch: 5 });
    lastStable23(s);
    const expected = await plainCopy(FakeLog.source(50), {}, lastStable23); // its fetches return 23… too

    // Act
    const result = await s.run({ passThroughMinBatchBytes: 0, segmentMaxBytes: 200 });

    // Assert
    expect(result.complete).toBe(true);
    expect(digest(expected.target)).toEqual(digest(s.source.records.slice(0, 23)));
    expect(comparable(result.checkpoint)).toEqual(comparable(expected));
    expect(result.checkpoint.boundary).toBe(23n);
    expect(result.checkpoint.nextSourceOffset).toBe(23n);
    expect(result.checkpoint.phase).toBe('tail');
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records.slice(0, 23)));
    expect(Math.max(...batchWriteOffsets(s.writer).map(Number))).toBe(19);
    expect(s.sourceReader.batchFetches.every((f) => f.options.upTo === 23n)).toBe(true);
    const { versions, records } = staged(s, result.checkpoint);
    expect(versions).toContain(2);
    expect(versions[versions.length - 1]).toBe(1); // 20–22, decoded and cut
    expect(offsetsOf(records)).toEqual(offsetsOf(s.source.records.slice(0, 23)));
  });

  it('stages the records of a batch cut at the seed boundary, not the batch, also with source batches', async () => {
    // Arrange: small batches (decoded, with their source batches); the boundary 23 cuts the batch 20–24
    const s = batched(FakeLog.source(50), { recordsPerBatch: 5, batchBytes: () => 80, sourceBatches: true });
    s.sourceReader.offsetsHook = (_ref, d) => ({ ...d, lastStable: 23n });

    // Act
    const result = await s.run({ passThroughMinBatchBytes: 200, segmentMaxBytes: 200 });

    // Assert
    expect(result.checkpoint.nextSourceOffset).toBe(23n);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records.slice(0, 23)));
    expect(s.writer.batchWrites).toHaveLength(0);
    const { versions, records } = staged(s, result.checkpoint);
    expect(versions).toContain(2);
    expect(versions[versions.length - 1]).toBe(1);
    expect(offsetsOf(records)).toEqual(offsetsOf(s.source.records.slice(0, 23)));
  });

  it('tails on exactly from a seed boundary inside a batch', async () => {
    // Arrange
    const s = batched(FakeLog.source(50), { recordsPerBatch: 5 });
    s.sourceReader.offsetsHook = (_ref, d) => ({ ...d, lastStable: 23n });
    await s.run({ passThroughMinBatchBytes: 0 });
    s.sourceReader.offsetsHook = undefined;
    const stop = new AbortController();
    s.sourceReader.beforeFetch = () => {
      if (s.target.log(REF).end >= 50n) stop.abort();
    };

    // Act
    const result = await s.run({ mode: 'tail', passThroughMinBatchBytes: 0 }, stop.signal);

    // Assert
    expect(result.complete).toBe(false);
    expect(targetRecords(s.target)).toHaveLength(50);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    expect(result.checkpoint.nextSourceOffset).toBe(50n);
    expect(s.sourceReader.batchFetches.some((f) => f.offset === 23n && f.options.upTo === undefined)).toBe(
      true,
    );
    for (const [i, r] of s.source.records.entries()) {
      expect(targetOf(result.checkpoint.offsetMap, r.offset)).toBe(BigInt(i));
    }
  });

  it('re-stages the range written before a restart, then passes batches through again', async () => {
    // Arrange: a first run stopped after three batch writes, nothing staged (segment buffer not full)
    const s = batched(FakeLog.source(100, 8), { recordsPerBatch: 4 });
    const stop = new AbortController();
    s.writer.hook = (_ref, _records, n) => {
      if (n === 2) stop.abort();
      return undefined;
    };
    const first = await s.run({ passThroughMinBatchBytes: 0 }, stop.signal);
    expect(first.complete).toBe(false);
    expect(s.persisted()!.segments).toEqual([]);
    const writtenBefore = s.persisted()!.nextSourceOffset;
    s.writer.hook = undefined;
    const writesBefore = s.writer.batchWrites.length;

    // Act
    const result = await s.run({ passThroughMinBatchBytes: 0, segmentMaxBytes: 300 });

    // Assert
    expect(result.complete).toBe(true);
    expect(targetRecords(s.target)).toHaveLength(s.source.records.length);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    const rewritten = s.writer.batchWrites
      .slice(writesBefore)
      .flat()
      .filter((b) => b.baseOffset < writtenBefore);
    expect(rewritten).toEqual([]);
    expect(s.sourceReader.fetches - s.sourceReader.batchFetches.length).toBeGreaterThan(0); // re-staging
    const { versions, records } = staged(s, result.checkpoint);
    expect(versions[0]).toBe(1); // re-staged from decoded records
    expect(versions[versions.length - 1]).toBe(2); // then batches again
    expect(offsetsOf(records)).toEqual(offsetsOf(s.source.records));
    expect(digest(records)).toEqual(digest(s.source.records));
  });

  it('never calls fetchBatches with passThroughMinBatchBytes -1', async () => {
    // Arrange
    const s = batched(FakeLog.source(60, 5), { recordsPerBatch: 4 });

    // Act
    const result = await s.run({ passThroughMinBatchBytes: -1, segmentMaxBytes: 400 });

    // Assert
    expect(result.complete).toBe(true);
    expect(digest(targetRecords(s.target))).toEqual(digest(s.source.records));
    expect(s.sourceReader.fetches).toBeGreaterThan(0);
    expect(s.sourceReader.batchFetches).toHaveLength(0);
    expect(s.writer.batchWrites).toHaveLength(0);
    const { versions, records } = staged(s, result.checkpoint);
    expect(versions.every((v) => v === 1)).toBe(true);
    expect(offsetsOf(records)).toEqual(offsetsOf(s.source.records));
  });
});
