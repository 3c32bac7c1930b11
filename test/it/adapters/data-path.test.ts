import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type Transaction } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRecordBatches, PlatformaticRecordReader } from '../../../core/adapters/kafka/reader.ts';
import { PlatformaticRecordWriter } from '../../../core/adapters/kafka/writer.ts';
import type { ClusterConfig } from '../../../core/domain/config/schema.ts';
import { decodeSegment, encodeBatchSegment } from '../../../core/domain/copy/segment.ts';
import { type KraftMigrateError, PreconditionError } from '../../../core/domain/errors.ts';
import {
  type FetchedRun,
  type PartitionRef,
  partitionKey,
  type RawBatch,
  type RecordHeader,
  type RecordReader,
  type RecordToWrite,
  type SourceRecord,
} from '../../../core/ports.ts';
import { registerCodecs } from '../../kafkajs-codecs.ts';
import { createTopics, javaProduce, kafka, storedCodecs, withAdmin } from '../fixtures.ts';
import { STACK, uniqueName } from '../stack.ts';
import { REPO_ROOT } from '../stack-control.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const plain = (bootstrap: string): ClusterConfig =>
  ({ bootstrap_servers: [bootstrap], auth: { mode: 'none' } }) as ClusterConfig;

type Role = 'source' | 'target';
const readers = {} as Record<Role, PlatformaticRecordReader>;
const writers = {} as Record<Role, PlatformaticRecordWriter>;
let uncommittedSource: PlatformaticRecordReader;

beforeAll(async () => {
  readers.source = await PlatformaticRecordReader.create(plain(STACK.source));
  readers.target = await PlatformaticRecordReader.create(plain(STACK.target));
  uncommittedSource = await PlatformaticRecordReader.create(plain(STACK.source), {
    isolationLevel: 'read_uncommitted',
  });
  writers.source = await PlatformaticRecordWriter.create(plain(STACK.source));
  writers.target = await PlatformaticRecordWriter.create(plain(STACK.target));
});

afterAll(async () => {
  await Promise.all([
    ...Object.values(readers).map((r) => r.close()),
    ...Object.values(writers).map((w) => w.close()),
    uncommittedSource?.close(),
  ]);
});

// ---------------------------------------------------------------------------------------------
// Helpers

const b = (s: string) => Buffer.from(s, 'utf8');

async function topicOn(role: Role, prefix: string, partitions = 1, configs: Record<string, string> = {}) {
  const name = uniqueName(prefix);
  await createTopics(role, [{ name, partitions, configs: { 'retention.ms': '-1', ...configs } }]);
  return name;
}

/** The same topic name on both clusters (as the topology step creates it). */
async function topicOnBoth(prefix: string, partitions = 1, configs: Record<string, string> = {}) {
  const name = uniqueName(prefix);
  for (const role of ['source', 'target'] as const) {
    await createTopics(role, [{ name, partitions, configs: { 'retention.ms': '-1', ...configs } }]);
  }
  return name;
}

interface ReadAll {
  readonly records: SourceRecord[];
  readonly nextOffset: bigint;
  readonly fetches: number;
}

/** Reads a partition from `from` (default: log start) to its high watermark, fetch by fetch. */
async function readAll(
  reader: RecordReader,
  ref: PartitionRef,
  options: {
    from?: bigint;
    maxBytes?: number;
    onFetch?: (records: readonly SourceRecord[]) => Promise<void>;
  } = {},
): Promise<ReadAll> {
  const o = (await reader.offsets([ref])).get(partitionKey(ref));
  if (!o) throw new Error(`no offsets for ${partitionKey(ref)}`);
  const records: SourceRecord[] = [];
  let offset = options.from ?? o.logStart;
  let fetches = 0;
  while (offset < o.highWatermark) {
    const f = await reader.fetch(ref, offset, { maxBytes: options.maxBytes ?? 1 << 20, maxWaitMs: 100 });
    fetches++;
    if (fetches > 10_000) throw new Error(`no progress reading ${partitionKey(ref)} at ${offset}`);
    records.push(...f.records);
    if (f.records.length > 0) await options.onFetch?.(f.records);
    offset = f.nextOffset;
  }
  return { records, nextOffset: offset, fetches };
}

/**
 * Copies a source partition to the same partition on the target, one write per fetch, and checks
 * that every write's firstOffset is where the previous one ended (the target high watermark).
 */
async function copy(topic: string, partition: number, maxBytes?: number): Promise<{ writes: number }> {
  const ref = { topic, partition };
  let expected = (await writers.target.endOffsets([ref])).get(partitionKey(ref));
  let writes = 0;
  await readAll(readers.source, ref, {
    ...(maxBytes === undefined ? {} : { maxBytes }),
    onFetch: async (records) => {
      const { firstOffset } = await writers.target.write(ref, records);
      expect(firstOffset).toBe(expected);
      expected = firstOffset + BigInt(records.length);
      writes++;
    },
  });
  return { writes };
}

interface CopyBatches {
  /** The kind of every run, in order. */
  readonly kinds: FetchedRun['kind'][];
  /** Raw batches written with writeBatches. */
  readonly batches: number;
  /** Records written with write (decoded runs). */
  readonly records: number;
  readonly fetches: number;
}

/**
 * Copies a source partition to the same partition on the target through the batch pass-through
 * (fetchBatches → writeBatches / write), from the source log start to its high watermark (or
 * `upTo`), and checks that every write's firstOffset is where the previous one ended (at first:
 * the target high watermark) and that each fetch's last run ends at its nextOffset.
 */
async function copyBatches(
  topic: string,
  partition: number,
  options: { minBatchBytes?: number; maxBytes?: number; upTo?: bigint } = {},
): Promise<CopyBatches> {
  const ref = { topic, partition };
  const o = (await readers.source.offsets([ref])).get(partitionKey(ref));
  if (!o) throw new Error(`no offsets for ${partitionKey(ref)}`);
  const stop = options.upTo !== undefined && options.upTo < o.highWatermark ? options.upTo : o.highWatermark;
  let expected = (await writers.target.endOffsets([ref])).get(partitionKey(ref)) as bigint;
  const kinds: FetchedRun['kind'][] = [];
  let batches = 0;
  let records = 0;
  let fetches = 0;
  let offset = o.logStart;
  while (offset < stop) {
    const f = await readers.source.fetchBatches(ref, offset, {
      maxBytes: options.maxBytes ?? 1 << 20,
      maxWaitMs: 100,
      minBatchBytes: options.minBatchBytes ?? 0,
      upTo: options.upTo,
    });
    if (++fetches > 10_000) throw new Error(`no progress copying ${partitionKey(ref)} at ${offset}`);
    for (const run of f.runs) {
      kinds.push(run.kind);
      let count: number;
      let firstOffset: bigint;
      if (run.kind === 'batches') {
        ({ firstOffset } = await writers.target.writeBatches(ref, run.batches));
        count = run.batches.reduce((n, x) => n + x.count, 0);
        batches += run.batches.length;
      } else {
        ({ firstOffset } = await writers.target.write(ref, run.records));
        count = run.records.length;
        records += count;
      }
      expect(firstOffset).toBe(expected);
      expected = firstOffset + BigInt(count);
    }
    if (f.runs.length > 0) expect(f.runs.at(-1)?.end).toBe(f.nextOffset);
    expect(f.nextOffset).toBeGreaterThan(offset);
    offset = f.nextOffset;
  }
  return { kinds, batches, records, fetches };
}

/** Every batch of a partition as fetchBatches hands it out (minBatchBytes 0): all must pass through. */
async function rawBatches(reader: PlatformaticRecordReader, ref: PartitionRef): Promise<RawBatch[]> {
  const o = (await reader.offsets([ref])).get(partitionKey(ref));
  if (!o) throw new Error(`no offsets for ${partitionKey(ref)}`);
  const out: RawBatch[] = [];
  let offset = o.logStart;
  while (offset < o.highWatermark) {
    const f = await reader.fetchBatches(ref, offset, { maxBytes: 1 << 20, maxWaitMs: 100, minBatchBytes: 0 });
    for (const run of f.runs) {
      expect(run.kind).toBe('batches');
      if (run.kind === 'batches') out.push(...run.batches);
    }
    offset = f.nextOffset;
  }
  return out;
}

/** The v2 batch header fields of a raw batch (raw-batches.ts has the layout). */
function batchHeader(batch: RawBatch) {
  const dv = new DataView(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
  return {
    baseOffset: dv.getBigInt64(0),
    leaderEpoch: dv.getInt32(12),
    attributes: dv.getInt16(21),
    producerId: dv.getBigInt64(43),
    producerEpoch: dv.getInt16(51),
    baseSequence: dv.getInt32(53),
    count: dv.getInt32(57),
  };
}

/** Attribute bit 4 of a record batch: transactional. */
const TRANSACTIONAL = 0x10;

/**
 * Batch by batch, the target partition holds the source's batches (read_committed selection) with
 * only the producer fields rewritten: the records part (bytes 61…end) is identical, and so are
 * codec, timestamp type, last offset delta, timestamps and count (bytes 21…43 and 57…61, the
 * transactional bit aside); base offset, leader epoch, producer id and sequence are the target's.
 */
async function expectPassedThrough(topic: string): Promise<void> {
  const ref = { topic, partition: 0 };
  const source = await rawBatches(readers.source, ref);
  const target = await rawBatches(readers.target, ref);
  expect(source.length).toBeGreaterThan(0);
  expect(target.length).toBe(source.length);
  const targetOffsets = target.map((x) => x.baseOffset);
  let next = 0n;
  for (const count of target.map((x) => x.count)) {
    expect(targetOffsets.shift()).toBe(next);
    next += BigInt(count);
  }
  const targetProducer = batchHeader(target[0] as RawBatch).producerId;
  let sequence = 0;
  target.forEach((t, i) => {
    const s = source[i] as RawBatch;
    const th = batchHeader(t);
    const sh = batchHeader(s);
    expect(t.count).toBe(s.count);
    expect(bytes(t.bytes.subarray(61))).toBe(bytes(s.bytes.subarray(61)));
    expect(th.attributes).toBe(sh.attributes & ~TRANSACTIONAL);
    expect(bytes(t.bytes.subarray(23, 43))).toBe(bytes(s.bytes.subarray(23, 43)));
    expect(bytes(t.bytes.subarray(57, 61))).toBe(bytes(s.bytes.subarray(57, 61)));
    expect(th.baseOffset).toBe(t.baseOffset);
    expect(th.leaderEpoch).toBeGreaterThanOrEqual(0); // produced as -1, set by the target broker
    // one idempotent producer of the target per partition, its sequence running on from 0
    expect(th.producerId).not.toBe(sh.producerId);
    expect(th.producerId).toBe(targetProducer);
    expect(th.baseSequence).toBe(sequence);
    sequence += th.count;
  });
}

function bytes(x: Uint8Array | null): string | null {
  if (x === null) return null;
  const buf = Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return buf.length > 256
    ? `${buf.length} bytes sha256:${createHash('sha256').update(buf).digest('hex')}`
    : `hex:${buf.toString('hex')}`;
}

/** A comparable view of a record: every byte (hashed when long), header order, timestamp. */
function view(r: RecordToWrite & { offset?: bigint }, withOffset: boolean) {
  return {
    ...(withOffset ? { offset: r.offset } : {}),
    timestamp: r.timestamp,
    key: bytes(r.key),
    value: bytes(r.value),
    headers: r.headers.map(([k, v]) => [bytes(k), bytes(v)]),
  };
}

/** Byte-for-byte equality of records, with or without comparing offsets. */
function expectSameRecords(
  actual: readonly (RecordToWrite & { offset?: bigint })[],
  expected: readonly (RecordToWrite & { offset?: bigint })[],
  compare: { offsets: boolean },
) {
  expect(actual.length).toBe(expected.length);
  expect(actual.map((r) => view(r, compare.offsets))).toEqual(expected.map((r) => view(r, compare.offsets)));
}

async function expectRejected(p: Promise<unknown>): Promise<KraftMigrateError> {
  try {
    await p;
  } catch (e) {
    return e as KraftMigrateError;
  }
  throw new Error('expected a rejection');
}

/** The records of the edge-case test: nulls, empties, duplicate and null headers, old timestamps. */
const EDGE_RECORDS: RecordToWrite[] = [
  { timestamp: 946_684_800_000n, key: null, value: b('null key, year 2000'), headers: [] },
  { timestamp: 1_000_000_000_000n, key: b('tombstone'), value: null, headers: [] },
  { timestamp: 1_100_000_000_000n, key: b('empty value'), value: Buffer.alloc(0), headers: [] },
  { timestamp: 1_200_000_000_000n, key: Buffer.alloc(0), value: b('empty key'), headers: [] },
  {
    timestamp: 1_300_000_000_000n,
    key: b('headers'),
    value: b('a:1 a:2 b:null c:empty'),
    headers: [
      [b('a'), b('1')],
      [b('a'), b('2')],
      [b('b'), null],
      [b('c'), Buffer.alloc(0)],
    ],
  },
  {
    timestamp: 1_400_000_000_000n,
    key: b('interleaved'),
    value: b('a b a'),
    headers: [
      [b('a'), b('first')],
      [b('b'), b('middle')],
      [b('a'), b('last')],
    ],
  },
  {
    timestamp: 1n,
    key: b('binary'),
    value: Buffer.from([0, 255, 1, 254, 0]),
    headers: [[Buffer.from([0xff, 0x00]), Buffer.from([0x00])]],
  },
  { timestamp: 1_700_000_000_000n, key: null, value: null, headers: [[b('only'), null]] },
];

/**
 * Producer P writes commit, abort, commit, abort, commit (3 records each, one batch per
 * transaction); producer Q interleaves a committed and an aborted transaction of its own, and a
 * non-transactional producer one record in the middle.
 */
async function writeTransactions(topic: string): Promise<{ committed: string[] }> {
  const client = kafka('source');
  const open = async (id: string) => {
    const p = client.producer({
      transactionalId: `${topic}-${id}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await p.connect();
    return p;
  };
  const P = await open('P');
  const Q = await open('Q');
  const plainProducer = client.producer();
  await plainProducer.connect();
  const committed: string[] = [];
  const send = (tx: Transaction, names: string[]) =>
    tx.send({ topic, messages: names.map((value) => ({ partition: 0, key: value, value })) });
  const pTxn = async (name: string, commit: boolean) => {
    const tx = await P.transaction();
    const values = [0, 1, 2].map((i) => `P-${name}-${i}`);
    await send(tx, values);
    if (commit) {
      await tx.commit();
      committed.push(...values);
    } else {
      await tx.abort();
    }
  };
  try {
    const q1 = await Q.transaction();
    await send(q1, ['Q-1-0']);
    await pTxn('A', true);
    await send(q1, ['Q-1-1']);
    await pTxn('B', false);
    await plainProducer.send({ topic, messages: [{ partition: 0, key: 'plain', value: 'plain' }] });
    await q1.commit();
    committed.push('Q-1-0', 'Q-1-1', 'plain');
    const q2 = await Q.transaction();
    await send(q2, ['Q-2-0']);
    await pTxn('C', true);
    await pTxn('D', false);
    await send(q2, ['Q-2-1']);
    await q2.abort();
    await pTxn('E', true);
  } finally {
    await Promise.all([P.disconnect(), Q.disconnect(), plainProducer.disconnect()]);
  }
  return { committed };
}

// ---------------------------------------------------------------------------------------------

describe('records survive source → target byte for byte', () => {
  it('keeps null and empty keys and values, header order, duplicates, null headers and old CreateTime', async () => {
    // Arrange
    const topic = await topicOnBoth('it-dp-edge', 2);
    const written = await writers.source.write({ topic, partition: 1 }, EDGE_RECORDS);
    // Act
    const source = await readAll(readers.source, { topic, partition: 1 });
    const copied = await copy(topic, 1);
    const target = await readAll(readers.target, { topic, partition: 1 });
    // Assert
    expect(written.firstOffset).toBe(0n);
    const expected = EDGE_RECORDS.map((r, i) => ({ ...r, offset: BigInt(i) }));
    expectSameRecords(source.records, expected, { offsets: true });
    expect(source.records.every((r) => r.timestampType === 'CreateTime')).toBe(true);
    // records days apart go to separate batches; the broker may roll a segment per batch (time-based
    // rolling follows CreateTime) and a fetch never crosses a segment: several fetches and writes
    expect(copied.writes).toBeGreaterThanOrEqual(1);
    expectSameRecords(target.records, source.records, { offsets: true });
    expect((await readAll(readers.target, { topic, partition: 0 })).records).toEqual([]);
  });

  it('returns the target high watermark before the write as firstOffset, across split batches', async () => {
    // Arrange: 5 records already on the target partition, then 40 records of ~1 KiB through a
    // writer whose batches hold at most 8 KiB (several produce requests for one write)
    const topic = await topicOn('target', 'it-dp-first-offset');
    const ref = { topic, partition: 0 };
    await writers.target.write(ref, EDGE_RECORDS.slice(0, 5));
    const small = await PlatformaticRecordWriter.create(plain(STACK.target), { maxBatchBytes: 8192 });
    const records = Array.from({ length: 40 }, (_, i) => ({
      timestamp: 1_500_000_000_000n + BigInt(i),
      key: b(`k${i}`),
      value: Buffer.alloc(1000, i),
      headers: [[b('i'), b(String(i))]] as RecordHeader[],
    }));
    try {
      const before = (await small.endOffsets([ref])).get(partitionKey(ref));
      // Act
      const { firstOffset } = await small.write(ref, records);
      const after = (await small.endOffsets([ref])).get(partitionKey(ref));
      const empty = await small.write(ref, []);
      // Assert
      expect(before).toBe(5n);
      expect(firstOffset).toBe(before);
      expect(after).toBe(45n);
      expect(empty.firstOffset).toBe(45n);
      const read = await readAll(readers.target, ref, { from: 5n });
      expectSameRecords(
        read.records,
        records.map((r, i) => ({ ...r, offset: 5n + BigInt(i) })),
        { offsets: true },
      );
    } finally {
      await small.close();
    }
  });

  it('keeps concurrent writes to one partition in call order', async () => {
    // Arrange
    const topic = await topicOn('target', 'it-dp-order');
    const ref = { topic, partition: 0 };
    const calls = Array.from({ length: 5 }, (_, c) =>
      Array.from({ length: 20 }, (_, i) => ({
        timestamp: BigInt(c * 100 + i),
        key: b(`${c}-${i}`),
        value: Buffer.alloc(200, c),
        headers: [],
      })),
    );
    // Act
    const results = await Promise.all(calls.map((records) => writers.target.write(ref, records)));
    // Assert
    expect(results.map((r) => r.firstOffset)).toEqual([0n, 20n, 40n, 60n, 80n]);
    const read = await readAll(readers.target, ref);
    expectSameRecords(read.records, calls.flat(), { offsets: false });
  });

  it('copies a record near 1 MiB and batches of large records that exceed 1 MiB together', async () => {
    // Arrange: incompressible values; the broker default max.message.bytes is 1 MiB + 12
    const topic = await topicOnBoth('it-dp-large');
    const random = (n: number, seed: number) =>
      Buffer.concat(
        Array.from({ length: Math.ceil(n / 32) }, (_, i) =>
          createHash('sha256').update(`${seed}-${i}`).digest(),
        ),
      ).subarray(0, n);
    const records: RecordToWrite[] = [
      {
        timestamp: 1_650_000_000_000n,
        key: b('near-1MiB'),
        value: random(1_048_000, 1),
        headers: [[b('h'), b('1')]],
      },
      ...Array.from({ length: 4 }, (_, i) => ({
        timestamp: 1_650_000_000_001n + BigInt(i),
        key: b(`300k-${i}`),
        value: random(300_000, 10 + i),
        headers: [],
      })),
    ];
    // Act
    const written = await writers.source.write({ topic, partition: 0 }, records);
    const source = await readAll(readers.source, { topic, partition: 0 }, { maxBytes: 64 * 1024 });
    const copied = await copy(topic, 0, 64 * 1024);
    const target = await readAll(readers.target, { topic, partition: 0 });
    // Assert
    expect(written.firstOffset).toBe(0n);
    expectSameRecords(
      source.records,
      records.map((r, i) => ({ ...r, offset: BigInt(i) })),
      { offsets: true },
    );
    // the writer cut the write into [1 MB] [3 × 300 kB] [300 kB]; with max bytes 64 KiB every fetch
    // returns exactly one (whole, KIP-74) batch, so the copy takes one write per batch
    expect(source.fetches).toBe(3);
    expect(copied.writes).toBe(3);
    expectSameRecords(target.records, source.records, { offsets: true });
  });

  it('reports LogAppendTime timestamps of a LogAppendTime topic as such', async () => {
    // Arrange
    const topic = await topicOn('source', 'it-dp-logappend', 1, {
      'message.timestamp.type': 'LogAppendTime',
    });
    const before = BigInt(Date.now());
    await writers.source.write({ topic, partition: 0 }, [
      { timestamp: 1n, key: b('k'), value: b('v'), headers: [] },
    ]);
    // Act
    const [record] = (await readAll(readers.source, { topic, partition: 0 })).records;
    // Assert
    expect(record?.timestampType).toBe('LogAppendTime');
    expect(record?.timestamp).toBeGreaterThanOrEqual(before - 1000n);
  });
});

describe('transactions under read_committed', () => {
  it('returns exactly the committed records with their source offsets, however the fetches are cut', async () => {
    // Arrange
    const topic = await topicOnBoth('it-dp-txn');
    const ref = { topic, partition: 0 };
    const { committed } = await writeTransactions(topic);
    // Act
    const everything = await readAll(uncommittedSource, ref);
    const whole = await readAll(readers.source, ref);
    const batchByBatch = await readAll(readers.source, ref, { maxBytes: 1 });
    // Assert
    const offsets = (await readers.source.offsets([ref])).get(partitionKey(ref));
    const textOf = (r: SourceRecord) => Buffer.from(r.value ?? []).toString();
    expect(committed).toHaveLength(3 * 3 + 3);
    expect(everything.records.map(textOf).sort()).toEqual(
      [
        ...committed,
        ...['B', 'D'].flatMap((n) => [0, 1, 2].map((i) => `P-${n}-${i}`)),
        'Q-2-0',
        'Q-2-1',
      ].sort(),
    );
    const expected = everything.records.filter((r) => committed.includes(textOf(r)));
    expectSameRecords(whole.records, expected, { offsets: true });
    expect(whole.records.map(textOf).sort()).toEqual([...committed].sort());
    expectSameRecords(batchByBatch.records, expected, { offsets: true });
    expect(batchByBatch.fetches).toBeGreaterThan(10);
    // nextOffset skips the markers: it ends at the high watermark, one past the last marker
    expect(whole.nextOffset).toBe(offsets?.highWatermark);
    expect(offsets?.lastStable).toBe(offsets?.highWatermark);
    const last = whole.records.at(-1)?.offset ?? 0n;
    expect(whole.nextOffset).toBeGreaterThan(last + 1n);
  });

  it('copies only the committed records to the target, consecutively', async () => {
    // Arrange
    const topic = await topicOnBoth('it-dp-txn-copy');
    const { committed } = await writeTransactions(topic);
    const source = await readAll(readers.source, { topic, partition: 0 });
    // Act
    const copied = await copy(topic, 0, 1);
    const target = await readAll(readers.target, { topic, partition: 0 });
    // Assert
    expect(target.records.map((r) => r.offset)).toEqual(committed.map((_, i) => BigInt(i)));
    expectSameRecords(target.records, source.records, { offsets: false });
    expect(copied.writes).toBeGreaterThan(3);
  });
});

describe('an open transaction on the source', () => {
  it('stops at the last stable offset until the transaction ends', async () => {
    // Arrange: 2 committed plain records, then an open transaction, then 1 more plain record
    const topic = await topicOn('source', 'it-dp-open-txn');
    const ref = { topic, partition: 0 };
    const client = kafka('source');
    const txProducer = client.producer({
      transactionalId: `${topic}-T`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    const plainProducer = client.producer();
    await Promise.all([txProducer.connect(), plainProducer.connect()]);
    try {
      await plainProducer.send({ topic, messages: ['a', 'b'].map((value) => ({ partition: 0, value })) });
      const tx = await txProducer.transaction();
      await tx.send({ topic, messages: [{ partition: 0, value: 'open' }] });
      await plainProducer.send({ topic, messages: [{ partition: 0, value: 'after' }] });
      // Act
      const during = await readers.source.offsets([ref]);
      const fetched = await readers.source.fetch(ref, 0n, { maxBytes: 1 << 20, maxWaitMs: 50 });
      const atLso = await readers.source.fetch(ref, fetched.nextOffset, { maxBytes: 1 << 20, maxWaitMs: 50 });
      await tx.abort();
      const afterAbort = await readAll(readers.source, ref, { from: fetched.nextOffset });
      // Assert
      expect(during.get(partitionKey(ref))).toMatchObject({ lastStable: 2n, highWatermark: 4n });
      expect(fetched.records.map((r) => Buffer.from(r.value ?? []).toString())).toEqual(['a', 'b']);
      expect(fetched.nextOffset).toBe(2n);
      expect(fetched.lastStableOffset).toBe(2n);
      expect(atLso.records).toEqual([]);
      expect(atLso.nextOffset).toBe(2n);
      expect(afterAbort.records.map((r) => [r.offset, Buffer.from(r.value ?? []).toString()])).toEqual([
        [3n, 'after'],
      ]);
    } finally {
      await Promise.all([txProducer.disconnect(), plainProducer.disconnect()]);
    }
  });
});

/** The codecs the Java producer writes, with the id each batch stores in its attributes. */
const JAVA_CODECS = [
  ['gzip', 1],
  ['snappy', 2],
  ['lz4', 3],
  ['zstd', 4],
] as const;

/**
 * A fresh topic on both clusters whose source partition 0 holds `count` records of the Java
 * producer in `codec` batches: keys, headers `a=i,a=dup,z=last` (order, duplicates) and values
 * growing by `step` bytes. `lines` as javaProduce takes them (`headers|key|value`).
 */
async function javaCodecTopic(
  prefix: string,
  codec: (typeof JAVA_CODECS)[number][0],
  count: number,
  step: number,
): Promise<{ topic: string; lines: string[] }> {
  const topic = await topicOnBoth(`${prefix}-${codec}`);
  const lines = Array.from(
    { length: count },
    (_, i) => `a:${i},a:dup,z:last|key-${i}|${prefix}-${codec}-${i}-${'x'.repeat(i * step)}`,
  );
  javaProduce(topic, codec, lines, { keysAndHeaders: true });
  return { topic, lines };
}

describe('compressed source batches', () => {
  it('reads gzip, snappy, lz4 and zstd batches written by the Java producer and copies them exactly', async () => {
    for (const [codec, id] of JAVA_CODECS) {
      // Arrange: keys, headers (order, duplicates) and values of growing size in one batch
      const { topic, lines } = await javaCodecTopic('it-dp-java', codec, 50, 40);
      // Act
      const source = await readAll(readers.source, { topic, partition: 0 });
      await copy(topic, 0);
      const target = await readAll(readers.target, { topic, partition: 0 });
      // Assert
      expect(await storedCodecs(topic)).toEqual([id]);
      expect(
        source.records.map((r) => [
          Buffer.from(r.key ?? []).toString(),
          Buffer.from(r.value ?? []).toString(),
          r.headers.map(([k, v]) => `${Buffer.from(k)}=${Buffer.from(v ?? [])}`).join(','),
        ]),
      ).toEqual(
        lines.map((line, i) => {
          const [, key, value] = line.split('|');
          return [key, value, `a=${i},a=dup,z=last`];
        }),
      );
      expectSameRecords(target.records, source.records, { offsets: true });
    }
  });

  it('reads gzip, snappy and zstd batches written by kafkajs and lz4 batches written by the writer', async () => {
    registerCodecs();
    const producer = kafka('source').producer();
    await producer.connect();
    try {
      for (const [codec, id] of [
        ['gzip', kafkajs.CompressionTypes.GZIP],
        ['snappy', kafkajs.CompressionTypes.Snappy],
        ['zstd', kafkajs.CompressionTypes.ZSTD],
      ] as const) {
        // Arrange
        const topic = await topicOn('source', `it-dp-kafkajs-${codec}`);
        const values = Array.from({ length: 30 }, (_, i) => `kafkajs-${codec}-${i}-${'y'.repeat(i * 30)}`);
        await producer.send({
          topic,
          compression: id,
          messages: values.map((value, i) => ({ partition: 0, key: `k${i}`, value })),
        });
        // Act
        const read = await readAll(readers.source, { topic, partition: 0 });
        // Assert
        expect(await storedCodecs(topic)).toEqual([id]);
        expect(read.records.map((r) => Buffer.from(r.value ?? []).toString())).toEqual(values);
      }
    } finally {
      await producer.disconnect();
    }
    // Arrange: lz4 is the writer's default codec
    const topic = await topicOn('source', 'it-dp-writer-lz4');
    await writers.source.write({ topic, partition: 0 }, EDGE_RECORDS);
    // Act
    const read = await readAll(readers.source, { topic, partition: 0 });
    // Assert
    expect(await storedCodecs(topic)).toEqual([3]);
    expectSameRecords(read.records, EDGE_RECORDS, { offsets: false });
  });
});

describe('batch pass-through (fetchBatches → writeBatches)', () => {
  let uncommittedTarget: PlatformaticRecordReader;
  beforeAll(async () => {
    uncommittedTarget = await PlatformaticRecordReader.create(plain(STACK.target), {
      isolationLevel: 'read_uncommitted',
    });
  });
  afterAll(async () => {
    await uncommittedTarget?.close();
  });

  it('copies gzip, snappy, lz4 and zstd batches of the Java producer with their compressed bytes', async () => {
    for (const [codec, id] of JAVA_CODECS) {
      // Arrange
      const { topic, lines } = await javaCodecTopic('it-dp-pt', codec, 40, 30);
      const source = await readAll(readers.source, { topic, partition: 0 });
      // Act
      const copied = await copyBatches(topic, 0);
      const target = await readAll(readers.target, { topic, partition: 0 });
      // Assert
      expect(source.records).toHaveLength(lines.length);
      expectSameRecords(target.records, source.records, { offsets: true });
      expect(await storedCodecs(topic, 'target')).toEqual([id]);
      expect(copied.kinds.length).toBeGreaterThan(0);
      expect(new Set(copied.kinds)).toEqual(new Set(['batches']));
      expect(copied.records).toBe(0);
      await expectPassedThrough(topic);
    }
  });

  it('copies null and empty keys and values, duplicate and null headers and old timestamps', async () => {
    // Arrange
    const topic = await topicOnBoth('it-dp-pt-edge');
    await writers.source.write({ topic, partition: 0 }, EDGE_RECORDS);
    const source = await readAll(readers.source, { topic, partition: 0 });
    // Act
    const copied = await copyBatches(topic, 0);
    const target = await readAll(readers.target, { topic, partition: 0 });
    // Assert
    expectSameRecords(
      source.records,
      EDGE_RECORDS.map((r, i) => ({ ...r, offset: BigInt(i) })),
      { offsets: true },
    );
    expectSameRecords(target.records, source.records, { offsets: true });
    expect(target.records.every((r) => r.timestampType === 'CreateTime')).toBe(true);
    expect(new Set(copied.kinds)).toEqual(new Set(['batches']));
    await expectPassedThrough(topic);
  });

  it('copies only the committed transactional batches, as committed non-transactional data', async () => {
    // Arrange
    const topic = await topicOnBoth('it-dp-pt-txn');
    const ref = { topic, partition: 0 };
    const { committed } = await writeTransactions(topic);
    const source = await readAll(readers.source, ref);
    const sourceBatches = await rawBatches(readers.source, ref);
    // Act: one batch per fetch, so aborted and committed transactions are selected across fetches
    const copied = await copyBatches(topic, 0, { maxBytes: 1 });
    const committedRead = await readAll(readers.target, ref);
    const uncommittedRead = await readAll(uncommittedTarget, ref);
    // Assert
    expect(committedRead.records.map((r) => r.offset)).toEqual(committed.map((_, i) => BigInt(i)));
    expectSameRecords(committedRead.records, source.records, { offsets: false });
    expectSameRecords(uncommittedRead.records, committedRead.records, { offsets: true });
    expect(new Set(copied.kinds)).toEqual(new Set(['batches']));
    expect(sourceBatches.some((x) => (batchHeader(x).attributes & TRANSACTIONAL) !== 0)).toBe(true);
    const offsets = (await readers.target.offsets([ref])).get(partitionKey(ref));
    expect(offsets?.highWatermark).toBe(BigInt(committed.length));
    expect(offsets?.lastStable).toBe(offsets?.highWatermark);
    await expectPassedThrough(topic);
  });

  it('passes big batches through and decodes small ones below minBatchBytes', async () => {
    // Arrange: a single record, ~30 KB of incompressible records in one batch, two single records
    const topic = await topicOnBoth('it-dp-pt-mixed');
    const ref = { topic, partition: 0 };
    const now = BigInt(Date.now());
    const single = (i: number): RecordToWrite => ({
      timestamp: now + BigInt(i),
      key: b(`single-${i}`),
      value: b(`small ${i}`),
      headers: [[b('h'), b(String(i))]],
    });
    const big = Array.from({ length: 30 }, (_, i) => ({
      timestamp: now + 10n + BigInt(i),
      key: b(`big-${i}`),
      value: randomBytes(1000),
      headers: [],
    }));
    await writers.source.write(ref, [single(0)]);
    await writers.source.write(ref, big);
    await writers.source.write(ref, [single(1)]);
    await writers.source.write(ref, [single(2)]);
    const source = await readAll(readers.source, ref);
    // Act
    const copied = await copyBatches(topic, 0, { minBatchBytes: 16_384 });
    const target = await readAll(readers.target, ref);
    // Assert
    expect(source.records).toHaveLength(33);
    expectSameRecords(target.records, source.records, { offsets: true });
    expect(new Set(copied.kinds)).toEqual(new Set(['records', 'batches']));
    expect(copied.batches).toBe(1);
    expect(copied.records).toBe(3);
    expect(copied.kinds[0]).toBe('records');
  });

  it('cuts a batch that reaches upTo and returns nothing from upTo on', async () => {
    // Arrange: batches 0…2, 3…12 and 13…17; upTo 8 falls inside the second one
    const topic = await topicOnBoth('it-dp-pt-upto');
    const ref = { topic, partition: 0 };
    const now = BigInt(Date.now());
    const records = (from: number, n: number): RecordToWrite[] =>
      Array.from({ length: n }, (_, i) => ({
        timestamp: now + BigInt(from + i),
        key: b(`k${from + i}`),
        value: b(`v${from + i}`),
        headers: [],
      }));
    await writers.source.write(ref, records(0, 3));
    await writers.source.write(ref, records(3, 10));
    await writers.source.write(ref, records(13, 5));
    const source = await readAll(readers.source, ref);
    // Act
    const f = await readers.source.fetchBatches(ref, 0n, {
      maxBytes: 1 << 20,
      maxWaitMs: 100,
      minBatchBytes: 0,
      upTo: 8n,
    });
    const copied = await copyBatches(topic, 0, { upTo: 8n });
    const target = await readAll(readers.target, ref);
    // Assert
    expect(source.records).toHaveLength(18);
    expect(f.runs.map((r) => r.kind)).toEqual(['batches', 'records']);
    const [whole, cut] = f.runs;
    expect(whole?.kind === 'batches' && whole.batches.map((x) => [x.baseOffset, x.count])).toEqual([[0n, 3]]);
    expect(cut?.kind === 'records' && cut.records.map((r) => r.offset)).toEqual([3n, 4n, 5n, 6n, 7n]);
    expectSameRecords(cut?.kind === 'records' ? cut.records : [], source.records.slice(3, 8), {
      offsets: true,
    });
    expect(copied.kinds).toEqual(['batches', 'records']);
    expectSameRecords(target.records, source.records.slice(0, 8), { offsets: true });
  });

  it('decodes LogAppendTime batches instead of passing them through, and copies them exactly', async () => {
    // Arrange: LogAppendTime on the source only (the target topic keeps CreateTime)
    const topic = uniqueName('it-dp-pt-logappend');
    await createTopics('source', [
      { name: topic, configs: { 'retention.ms': '-1', 'message.timestamp.type': 'LogAppendTime' } },
    ]);
    await createTopics('target', [{ name: topic, configs: { 'retention.ms': '-1' } }]);
    const ref = { topic, partition: 0 };
    await writers.source.write(ref, EDGE_RECORDS);
    const source = await readAll(readers.source, ref);
    // Act
    const copied = await copyBatches(topic, 0);
    const target = await readAll(readers.target, ref);
    // Assert
    expect(source.records.every((r) => r.timestampType === 'LogAppendTime')).toBe(true);
    expect(new Set(copied.kinds)).toEqual(new Set(['records']));
    expect(copied.batches).toBe(0);
    // keys, values, headers, offsets and the source's (log append) timestamps, now as CreateTime
    expectSameRecords(target.records, source.records, { offsets: true });
    expect(target.records.every((r) => r.timestampType === 'CreateTime')).toBe(true);
  });

  it('names the topic and partition when a batch exceeds the target max.message.bytes', async () => {
    // Arrange: a ~50 KB incompressible batch on the source, max.message.bytes 2000 on the target
    const topic = uniqueName('it-dp-pt-too-large');
    await createTopics('source', [{ name: topic, configs: { 'retention.ms': '-1' } }]);
    await createTopics('target', [
      { name: topic, configs: { 'retention.ms': '-1', 'max.message.bytes': '2000' } },
    ]);
    const ref = { topic, partition: 0 };
    await writers.source.write(
      ref,
      Array.from({ length: 5 }, (_, i) => ({
        timestamp: BigInt(Date.now()),
        key: b(`k${i}`),
        value: randomBytes(10_000),
        headers: [],
      })),
    );
    const f = await readers.source.fetchBatches(ref, 0n, {
      maxBytes: 1 << 20,
      maxWaitMs: 100,
      minBatchBytes: 0,
    });
    const [run] = f.runs;
    // Act
    const error = await expectRejected(
      writers.target.writeBatches(ref, run?.kind === 'batches' ? run.batches : []),
    );
    // Assert
    expect(f.runs.map((r) => r.kind)).toEqual(['batches']);
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.code).toBe('KAFKA_MESSAGE_TOO_LARGE');
    expect(error.message).toContain(`${topic} partition 0`);
    expect(error.fix).toMatch(/max\.message\.bytes/);
    expect((await writers.target.endOffsets([ref])).get(partitionKey(ref))).toBe(0n);
  });

  it('writes a batch above the target max.message.bytes record by record when its records fit', async () => {
    // Arrange: one ~30 KB source batch of 30 records of 1 KB, max.message.bytes 8000 on the target
    const topic = uniqueName('it-dp-pt-split');
    await createTopics('source', [{ name: topic, configs: { 'retention.ms': '-1' } }]);
    await createTopics('target', [
      { name: topic, configs: { 'retention.ms': '-1', 'max.message.bytes': '8000' } },
    ]);
    const ref = { topic, partition: 0 };
    const records = Array.from({ length: 30 }, (_, i) => ({
      timestamp: 1_700_000_000_000n + BigInt(i),
      key: b(`k${i}`),
      value: randomBytes(1_000),
      headers: [[b('i'), b(String(i))]] as RecordHeader[],
    }));
    await writers.source.write(ref, records);
    await writers.source.write(ref, records.slice(0, 3)); // a second, small batch passes through after it
    const f = await readers.source.fetchBatches(ref, 0n, {
      maxBytes: 1 << 20,
      maxWaitMs: 100,
      minBatchBytes: 0,
    });
    const batches = f.runs.flatMap((r) => (r.kind === 'batches' ? r.batches : []));
    // Act
    const { firstOffset } = await writers.target.writeBatches(ref, batches);
    // Assert
    expect(batches.map((x) => x.count)).toEqual([30, 3]);
    expect(batches[0]!.bytes.byteLength).toBeGreaterThan(8000);
    expect(firstOffset).toBe(0n);
    const target = await readAll(readers.target, ref);
    expectSameRecords(target.records, [...records, ...records.slice(0, 3)], { offsets: false });
    expect(target.records.map((r) => r.offset)).toEqual(Array.from({ length: 33 }, (_, i) => BigInt(i)));
  });

  it('hands out compacted batches (offset gaps inside) decoded, and as they are for staging', async () => {
    // Arrange: small segments, 6 batches of 10 records whose even records are overwritten by later
    // rounds; the cleaner (log.cleaner.backoff.ms 1 s on the stack's source) removes those, leaving
    // batches with offset gaps inside
    const topic = uniqueName('it-dp-pt-compacted');
    await createTopics('source', [
      {
        name: topic,
        configs: {
          'cleanup.policy': 'compact',
          'segment.bytes': '2048', // Kafka 4 (the target) refuses segments under 1 MiB; 3.9 takes them
          'min.cleanable.dirty.ratio': '0.01',
          'min.compaction.lag.ms': '0',
        },
      },
    ]);
    await createTopics('target', [{ name: topic, configs: { 'cleanup.policy': 'compact' } }]);
    const ref = { topic, partition: 0 };
    for (let round = 0; round < 6; round++) {
      await writers.source.write(
        ref,
        Array.from({ length: 10 }, (_, k) => ({
          timestamp: 1_700_000_000_000n + BigInt(round * 10 + k),
          // even positions: a key every round rewrites; odd: a key of this round only (survives)
          key: b(k % 2 === 0 ? `shared-${k}` : `round-${round}-${k}`),
          value: randomBytes(150), // incompressible: every batch fills most of a 2 KiB segment
          headers: [],
        })),
      );
    }
    let f: Awaited<ReturnType<PlatformaticRecordReader['fetchBatches']>> | undefined;
    const deadline = Date.now() + 30_000;
    for (;;) {
      f = await readers.source.fetchBatches(ref, 0n, { maxBytes: 1 << 20, maxWaitMs: 100, minBatchBytes: 0 });
      if (
        f.runs.some((r) => r.kind === 'records' && r.sourceBatches?.some((x) => x.lastOffset !== undefined))
      )
        break;
      if (Date.now() > deadline) throw new Error('the source did not compact the topic within 30 s');
      await sleep(500);
    }
    // Act
    const staged = f.runs.flatMap((r) => (r.kind === 'records' ? (r.sourceBatches ?? []) : r.batches));
    const segment = decodeSegment(encodeBatchSegment(ref, staged));
    const copied = await copyBatches(topic, 0);
    // Assert
    const source = await readAll(readers.source, ref);
    const gapped = staged.filter((x) => x.lastOffset !== undefined);
    expect(gapped.length).toBeGreaterThan(0);
    for (const x of gapped) expect(x.lastOffset! - x.baseOffset + 1n).toBeGreaterThan(BigInt(x.count));
    expect(decodeRecordBatches(segment.batches).map((r) => view(r, true))).toEqual(
      source.records.slice(0, segment.recordCount).map((r) => view(r, true)),
    );
    expect(copied.kinds).toContain('records');
    const target = await readAll(readers.target, ref);
    expectSameRecords(target.records, source.records, { offsets: false });
  });

  it('refuses a source batch whose CRC does not match (corrupted on the source disk), not one past the boundary', async () => {
    // Arrange: two batches on the source, then one byte of the second one's records flipped in the
    // log segment file
    const topic = await topicOnBoth('it-dp-pt-crc');
    const ref = { topic, partition: 0 };
    const value = Buffer.alloc(2_000, 0x61);
    await writers.source.write(ref, [{ timestamp: 1n, key: b('k'), value, headers: [] }]);
    await writers.source.write(ref, [{ timestamp: 2n, key: b('k'), value, headers: [] }]);
    const log = join(REPO_ROOT, '.local/stack/source/data', `${topic}-0`, '00000000000000000000.log');
    const bytes = readFileSync(log);
    expect(bytes.length).toBeGreaterThan(100);
    const at = bytes.length - 10; // inside the (lz4) records, past the 61-byte header
    const fd = openSync(log, 'r+');
    try {
      writeSync(fd, Buffer.from([bytes[at]! ^ 0xff]), 0, 1, at);
    } finally {
      closeSync(fd);
    }
    const options = { maxBytes: 1 << 20, maxWaitMs: 100, minBatchBytes: 0 };
    // Act
    const error = await expectRejected(readers.source.fetchBatches(ref, 0n, options));
    const beforeBoundary = await readers.source.fetchBatches(ref, 0n, { ...options, upTo: 1n });
    // Assert
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.code).toBe('SOURCE_BATCH_CORRUPT');
    expect(error.message).toContain(`offset 1 of ${topic} partition 0`);
    expect(error.fix).toMatch(/kafka-dump-log/);
    // a seed whose boundary is 1 neither needs nor checks the corrupted batch
    expect(
      beforeBoundary.runs.flatMap((r) => (r.kind === 'batches' ? r.batches : [])).map((x) => x.baseOffset),
    ).toEqual([0n]);
  });
});

describe('log start, errors and concurrency', () => {
  it('reads from a log start above 0 and reports OFFSET_OUT_OF_RANGE below it', async () => {
    // Arrange
    const topic = await topicOn('source', 'it-dp-log-start');
    const ref = { topic, partition: 0 };
    const records = Array.from({ length: 10 }, (_, i) => ({
      timestamp: 1_600_000_000_000n + BigInt(i),
      key: b(`k${i}`),
      value: b(`v${i}`),
      headers: [],
    }));
    await writers.source.write(ref, records);
    await withAdmin('source', async (admin) => {
      await admin.fetchTopicMetadata({ topics: [topic] }); // kafkajs needs the topic's metadata loaded
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
    });
    // Act
    const offsets = (await readers.source.offsets([ref])).get(partitionKey(ref));
    const read = await readAll(readers.source, ref);
    const error = await expectRejected(readers.source.fetch(ref, 2n, { maxBytes: 1 << 20, maxWaitMs: 10 }));
    // Assert
    expect(offsets).toEqual({ topic, partition: 0, logStart: 4n, highWatermark: 10n, lastStable: 10n });
    expectSameRecords(
      read.records,
      records.slice(4).map((r, i) => ({ ...r, offset: 4n + BigInt(i) })),
      { offsets: true },
    );
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.code).toBe('OFFSET_OUT_OF_RANGE');
    expect(error.message).toMatch(/offset 2 .* below the log start 4/);
  });

  it('answers an empty partition with no records and nextOffset = the requested offset', async () => {
    // Arrange
    const topic = await topicOn('source', 'it-dp-empty');
    // Act
    const f = await readers.source.fetch({ topic, partition: 0 }, 0n, { maxBytes: 1 << 20, maxWaitMs: 50 });
    // Assert
    expect(f).toEqual({
      records: [],
      nextOffset: 0n,
      highWatermark: 0n,
      lastStableOffset: 0n,
      logStartOffset: 0n,
    });
  });

  it('names the topic, partition and record size when the target rejects a too large record', async () => {
    // Arrange
    const topic = await topicOn('target', 'it-dp-too-large', 1, { 'max.message.bytes': '100000' });
    const records: RecordToWrite[] = [
      { timestamp: 1n, key: b('small'), value: Buffer.alloc(1000, 1), headers: [] },
      { timestamp: 2n, key: b('big'), value: randomBytes(256_000), headers: [] }, // incompressible
    ];
    // Act
    const error = await expectRejected(writers.target.write({ topic, partition: 0 }, records));
    // Assert
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.code).toBe('KAFKA_MESSAGE_TOO_LARGE');
    expect(error.message).toContain(`${topic} partition 0`);
    expect(error.message).toMatch(/record of 2560\d\d bytes/);
    expect(error.fix).toMatch(/max\.message\.bytes/);
    // the small record went through on its own (the too-large batch was halved)
    expect((await writers.target.endOffsets([{ topic, partition: 0 }])).get(`${topic}/0`)).toBe(1n);
  });

  it('rejects writes queued behind a failed write to the same partition, then accepts new ones', async () => {
    // Arrange
    const topic = await topicOn('target', 'it-dp-queue', 1, { 'max.message.bytes': '100000' });
    const ref = { topic, partition: 0 };
    const tooLarge: RecordToWrite = {
      timestamp: 1n,
      key: b('big'),
      value: randomBytes(200_000),
      headers: [],
    };
    const fine: RecordToWrite = { timestamp: 2n, key: b('fine'), value: b('x'), headers: [] };
    // Act
    const failing = expectRejected(writers.target.write(ref, [tooLarge]));
    const queued = expectRejected(writers.target.write(ref, [fine]));
    const [first, second] = await Promise.all([failing, queued]);
    const later = await writers.target.write(ref, [fine]);
    // Assert
    expect(first.code).toBe('KAFKA_MESSAGE_TOO_LARGE');
    expect(second.name).toBe('TransientError');
    expect(second.code).toBe('KAFKA_WRITE_ABORTED');
    expect(later.firstOffset).toBe(0n);
  });

  it('refuses unknown topics and partitions with a PreconditionError', async () => {
    // Arrange
    const topic = await topicOn('target', 'it-dp-known');
    // Act
    const unknownRead = await expectRejected(
      readers.source.fetch({ topic: uniqueName('it-dp-missing'), partition: 0 }, 0n, {
        maxBytes: 1024,
        maxWaitMs: 10,
      }),
    );
    const unknownWrite = await expectRejected(writers.target.write({ topic, partition: 3 }, EDGE_RECORDS));
    // Assert
    expect(unknownRead).toBeInstanceOf(PreconditionError);
    expect(unknownRead.code).toBe('KAFKA_UNKNOWN_TOPIC');
    expect(unknownWrite).toBeInstanceOf(PreconditionError);
    expect(unknownWrite.message).toContain(`partition 3 of topic ${topic}`);
  });

  it('does not hold a partition with data behind long-polling fetches of idle partitions', async () => {
    // Arrange
    const topic = await topicOn('source', 'it-dp-concurrent', 4);
    const now = BigInt(Date.now());
    const records = EDGE_RECORDS.map((r, i) => ({ ...r, timestamp: now + BigInt(i) }));
    await writers.source.write({ topic, partition: 0 }, records);
    const options = { maxBytes: 1 << 20, maxWaitMs: 3000 };
    // Act
    const idle = [1, 2, 3].map((partition) => readers.source.fetch({ topic, partition }, 0n, options));
    const started = Date.now();
    const busy = await readers.source.fetch({ topic, partition: 0 }, 0n, options);
    const elapsed = Date.now() - started;
    const idleResults = await Promise.all(idle);
    // Assert
    expectSameRecords(busy.records, records, { offsets: false });
    expect(elapsed).toBeLessThan(1500);
    expect(idleResults.map((r) => r.records.length)).toEqual([0, 0, 0]);
  });
});
