/**
 * decodeFetchedBatches (READ_COMMITTED filtering, timestamps, headers) and the produce batching of
 * the data path, on hand-built record batches: no broker. The layouts mirror what a Kafka broker
 * returns for a partition written by transactional producers: data batches with the
 * transactional bit, then one control batch per producer holding the COMMIT or ABORT marker, and
 * `aborted_transactions` = (producer id, first offset) of each aborted transaction overlapping the
 * response.
 */
import { createRecord } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import {
  type AbortedTransaction,
  BATCH_ATTRIBUTES,
  CONTROL_TYPE_ABORT,
  CONTROL_TYPE_COMMIT,
  decodeFetchedBatches,
  type FetchedBatch,
  type FetchedRecord,
  MAX_TIMESTAMP_DELTA,
  recordWireBytes,
  splitIntoBatches,
  UndecodableBatchError,
} from '../../../core/adapters/kafka/data-records.ts';
import type { RecordToWrite } from '../../../core/ports.ts';

const P1 = 1001n;
const P2 = 2002n;
const NO_PID = -1n;
const T0 = 1_600_000_000_000n;

interface BatchOptions {
  readonly producerId?: bigint;
  readonly transactional?: boolean;
  readonly logAppendTime?: boolean;
  readonly maxTimestamp?: bigint;
  readonly magic?: number;
  readonly headers?: FetchedRecord['headers'];
}

/** A data batch of `count` records from `first`, values "v<offset>", timestamps T0 + offset. */
function data(first: number, count: number, options: BatchOptions = {}): FetchedBatch {
  const records: FetchedRecord[] = Array.from({ length: count }, (_, i) => ({
    offsetDelta: i,
    timestampDelta: BigInt(i),
    key: Buffer.from(`k${first + i}`),
    value: Buffer.from(`v${first + i}`),
    headers: options.headers ?? [],
  }));
  let attributes = 0;
  if (options.transactional ?? options.producerId !== undefined) attributes |= BATCH_ATTRIBUTES.transactional;
  if (options.logAppendTime) attributes |= BATCH_ATTRIBUTES.logAppendTime;
  return {
    firstOffset: BigInt(first),
    lastOffsetDelta: count - 1,
    magic: options.magic ?? 2,
    attributes,
    firstTimestamp: T0 + BigInt(first),
    maxTimestamp: options.maxTimestamp ?? T0 + BigInt(first + count - 1),
    producerId: options.producerId ?? NO_PID,
    records,
  };
}

/** A control batch with one COMMIT or ABORT marker of `producerId` at `offset`. */
function marker(offset: number, producerId: bigint, type: 'commit' | 'abort'): FetchedBatch {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type === 'abort' ? CONTROL_TYPE_ABORT : CONTROL_TYPE_COMMIT, 2);
  return {
    firstOffset: BigInt(offset),
    lastOffsetDelta: 0,
    magic: 2,
    attributes: BATCH_ATTRIBUTES.control | BATCH_ATTRIBUTES.transactional,
    firstTimestamp: T0,
    maxTimestamp: T0,
    producerId,
    records: [{ offsetDelta: 0, timestampDelta: 0n, key, value: Buffer.alloc(6), headers: [] }],
  };
}

function committed(
  batches: FetchedBatch[],
  aborted: AbortedTransaction[],
  fetchOffset = 0n,
): { offsets: number[]; values: string[]; nextOffset: bigint; abortedRecords: number } {
  const out = decodeFetchedBatches(batches, {
    fetchOffset,
    isolationLevel: 'read_committed',
    abortedTransactions: aborted,
  });
  return {
    offsets: out.records.map((r) => Number(r.offset)),
    values: out.records.map((r) => Buffer.from(r.value ?? []).toString()),
    nextOffset: out.nextOffset,
    abortedRecords: out.abortedRecords,
  };
}

describe('decodeFetchedBatches under read_committed', () => {
  it('drops both aborted transactions of the same producer, keeping the commits between them', () => {
    // Arrange: P1 commits A, aborts B, commits C, aborts D, commits E (3 records each + marker)
    const batches = [
      data(0, 3, { producerId: P1 }),
      marker(3, P1, 'commit'),
      data(4, 3, { producerId: P1 }),
      marker(7, P1, 'abort'),
      data(8, 3, { producerId: P1 }),
      marker(11, P1, 'commit'),
      data(12, 3, { producerId: P1 }),
      marker(15, P1, 'abort'),
      data(16, 3, { producerId: P1 }),
      marker(19, P1, 'commit'),
    ];
    const aborted = [
      { producerId: P1, firstOffset: 4n },
      { producerId: P1, firstOffset: 12n },
    ];
    // Act
    const got = committed(batches, aborted);
    // Assert
    expect(got.offsets).toEqual([0, 1, 2, 8, 9, 10, 16, 17, 18]);
    expect(got.values).toEqual(['v0', 'v1', 'v2', 'v8', 'v9', 'v10', 'v16', 'v17', 'v18']);
    expect(got.nextOffset).toBe(20n);
    expect(got.abortedRecords).toBe(6);
  });

  it('tells interleaved producers apart: one aborts while the other commits', () => {
    // Arrange: P1 (aborts) and P2 (commits) write alternately, plus a non-transactional producer
    const batches = [
      data(0, 2, { producerId: P1 }),
      data(2, 2, { producerId: P2 }),
      data(4, 1),
      data(5, 2, { producerId: P1 }),
      data(7, 2, { producerId: P2 }),
      marker(9, P1, 'abort'),
      data(10, 1, { producerId: P2 }),
      marker(11, P2, 'commit'),
      data(12, 2, { producerId: P1 }),
      marker(14, P1, 'commit'),
    ];
    // Act
    const got = committed(batches, [{ producerId: P1, firstOffset: 0n }]);
    // Assert
    expect(got.offsets).toEqual([2, 3, 4, 7, 8, 10, 12, 13]);
    expect(got.nextOffset).toBe(15n);
  });

  it('drops two producers aborting concurrently and releases each at its own marker', () => {
    // Arrange
    const batches = [
      data(0, 1, { producerId: P1 }),
      data(1, 1, { producerId: P2 }),
      marker(2, P1, 'abort'),
      data(3, 1, { producerId: P1 }),
      data(4, 1, { producerId: P2 }),
      marker(5, P2, 'abort'),
      marker(6, P1, 'commit'),
      data(7, 1, { producerId: P2 }),
      marker(8, P2, 'commit'),
    ];
    const aborted = [
      { producerId: P2, firstOffset: 1n },
      { producerId: P1, firstOffset: 0n },
    ];
    // Act
    const got = committed(batches, aborted);
    // Assert
    expect(got.offsets).toEqual([3, 7]);
    expect(got.nextOffset).toBe(9n);
  });

  it('returns no control record and moves nextOffset past markers', () => {
    // Arrange
    const batches = [marker(10, P1, 'commit'), marker(11, P2, 'abort')];
    // Act
    const got = committed(batches, [], 10n);
    // Assert
    expect(got.offsets).toEqual([]);
    expect(got.nextOffset).toBe(12n);
  });

  it('keeps an aborted range open when its marker is not in the response', () => {
    // Arrange: the response was cut (max bytes) before P1's abort marker
    const first = [
      data(0, 3, { producerId: P1 }),
      data(3, 2, { producerId: P2 }),
      data(5, 3, { producerId: P1 }),
    ];
    // Act
    const got = committed(first, [{ producerId: P1, firstOffset: 0n }]);
    // Assert
    expect(got.offsets).toEqual([3, 4]);
    expect(got.nextOffset).toBe(8n);
  });

  it('applies an aborted transaction that began before the fetch offset', () => {
    // Arrange: the next fetch starts inside P1's aborted transaction; the broker lists it again
    const batches = [
      data(8, 2, { producerId: P1 }),
      marker(10, P1, 'abort'),
      data(11, 2, { producerId: P1 }),
    ];
    // Act
    const got = committed(batches, [{ producerId: P1, firstOffset: 0n }], 8n);
    // Assert
    expect(got.offsets).toEqual([11, 12]);
    expect(got.nextOffset).toBe(13n);
  });

  it('does not apply an aborted transaction before the batches reach its first offset', () => {
    // Arrange: P1 commits first, then aborts a second transaction (listed in the same response)
    const batches = [data(0, 2, { producerId: P1 }), marker(2, P1, 'commit'), data(3, 2, { producerId: P1 })];
    // Act
    const got = committed(batches, [{ producerId: P1, firstOffset: 3n }]);
    // Assert
    expect(got.offsets).toEqual([0, 1]);
    expect(got.nextOffset).toBe(5n);
  });

  it('keeps idempotent (non-transactional) batches of a producer id that is listed as aborted', () => {
    // Arrange
    const batches = [data(0, 2, { producerId: P1, transactional: false })];
    // Act
    const got = committed(batches, [{ producerId: P1, firstOffset: 0n }]);
    // Assert
    expect(got.offsets).toEqual([0, 1]);
  });

  it('skips the records of the first batch below the fetch offset', () => {
    // Arrange: a compressed batch is returned whole even when the fetch starts in its middle
    const batches = [data(0, 10), data(10, 2)];
    // Act
    const got = committed(batches, [], 4n);
    // Assert
    expect(got.offsets).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(got.nextOffset).toBe(12n);
  });

  it('returns the fetch offset as nextOffset when nothing came back', () => {
    expect(committed([], [], 42n).nextOffset).toBe(42n);
  });

  it('moves past an empty batch left by compaction (offsets missing, lastOffsetDelta kept)', () => {
    // Arrange
    const empty: FetchedBatch = { ...data(20, 1), lastOffsetDelta: 4, records: [] };
    // Act
    const got = committed([data(18, 2), empty], [], 18n);
    // Assert
    expect(got.offsets).toEqual([18, 19]);
    expect(got.nextOffset).toBe(25n);
  });
});

describe('decodeFetchedBatches under read_uncommitted', () => {
  it('returns aborted records but still no control records', () => {
    // Arrange
    const batches = [data(0, 2, { producerId: P1 }), marker(2, P1, 'abort'), data(3, 1)];
    // Act
    const out = decodeFetchedBatches(batches, {
      fetchOffset: 0n,
      isolationLevel: 'read_uncommitted',
      abortedTransactions: [{ producerId: P1, firstOffset: 0n }],
    });
    // Assert
    expect(out.records.map((r) => r.offset)).toEqual([0n, 1n, 3n]);
    expect(out.nextOffset).toBe(4n);
  });
});

describe('decodeFetchedBatches record fields', () => {
  it('computes CreateTime timestamps from the batch base timestamp and each delta', () => {
    const out = decodeFetchedBatches([data(100, 3)], { fetchOffset: 100n, isolationLevel: 'read_committed' });
    expect(out.records.map((r) => [r.timestamp, r.timestampType])).toEqual([
      [T0 + 100n, 'CreateTime'],
      [T0 + 101n, 'CreateTime'],
      [T0 + 102n, 'CreateTime'],
    ]);
  });

  it('uses the batch max timestamp for every record of a LogAppendTime batch', () => {
    const batch = data(0, 2, { logAppendTime: true, maxTimestamp: 1_700_000_000_000n });
    const out = decodeFetchedBatches([batch], { fetchOffset: 0n, isolationLevel: 'read_committed' });
    expect(out.records.map((r) => [r.timestamp, r.timestampType])).toEqual([
      [1_700_000_000_000n, 'LogAppendTime'],
      [1_700_000_000_000n, 'LogAppendTime'],
    ]);
  });

  it('keeps headers in wire order with duplicates, null values and empty values', () => {
    // Arrange
    const b = (s: string) => Buffer.from(s);
    const headers = [
      [b('a'), b('1')],
      [b('a'), b('2')],
      [b('b'), null],
      [b('c'), b('')],
      [b('a'), b('3')],
    ] as const;
    // Act
    const [record] = decodeFetchedBatches([data(0, 1, { headers })], {
      fetchOffset: 0n,
      isolationLevel: 'read_committed',
    }).records;
    // Assert
    expect(
      record?.headers.map(([k, v]) => [
        Buffer.from(k).toString(),
        v === null ? null : Buffer.from(v).toString(),
      ]),
    ).toEqual([
      ['a', '1'],
      ['a', '2'],
      ['b', null],
      ['c', ''],
      ['a', '3'],
    ]);
  });

  it('keeps null and empty keys and values apart', () => {
    // Arrange
    const batch: FetchedBatch = {
      ...data(0, 2),
      records: [
        { offsetDelta: 0, timestampDelta: 0n, key: null, value: null, headers: [] },
        { offsetDelta: 1, timestampDelta: 0n, key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [] },
      ],
    };
    // Act
    const out = decodeFetchedBatches([batch], { fetchOffset: 0n, isolationLevel: 'read_committed' });
    // Assert
    expect(out.records[0]?.key).toBeNull();
    expect(out.records[0]?.value).toBeNull();
    expect(out.records[1]?.key).toEqual(Buffer.alloc(0));
    expect(out.records[1]?.value).toEqual(Buffer.alloc(0));
  });

  it('refuses message format v0/v1 batches instead of copying them inexactly', () => {
    const decode = () =>
      decodeFetchedBatches([data(7, 1, { magic: 1 })], { fetchOffset: 7n, isolationLevel: 'read_committed' });
    expect(decode).toThrow(UndecodableBatchError);
    expect(decode).toThrow(/offset 7 has message format v1/);
  });

  it('refuses a header with a null key', () => {
    const decode = () =>
      decodeFetchedBatches([data(0, 1, { headers: [[null, Buffer.from('x')]] })], {
        fetchOffset: 0n,
        isolationLevel: 'read_committed',
      });
    expect(decode).toThrow(/null key/);
  });
});

describe('produce batching', () => {
  const b = (n: number) => Buffer.alloc(n, 0x61);
  const rec = (valueBytes: number, headers: RecordToWrite['headers'] = []): RecordToWrite => ({
    timestamp: T0,
    key: b(8),
    value: b(valueBytes),
    headers,
  });

  it('estimates a record at least as large as its encoding in a v2 batch', () => {
    // Arrange
    const samples: RecordToWrite[] = [
      rec(0),
      rec(100, [
        [b(1), b(1)],
        [b(1), null],
        [b(2), b(0)],
      ]),
      { timestamp: T0, key: null, value: null, headers: [] },
      rec(1 << 20),
    ];
    for (const r of samples) {
      // Act
      const encoded = createRecord(
        {
          topic: 't',
          key: r.key as Buffer,
          value: r.value as Buffer,
          timestamp: r.timestamp,
          headers: new Map(r.headers.map(([k, v]) => [Buffer.from(k), v as Buffer])),
        },
        0,
        r.timestamp,
      ).length;
      const estimate = recordWireBytes(r);
      // Assert
      expect(estimate).toBeGreaterThanOrEqual(encoded);
      expect(estimate - encoded).toBeLessThanOrEqual(16);
    }
  });

  it('cuts records into consecutive batches within the byte budget, in order', () => {
    // Arrange
    const records = Array.from({ length: 100 }, (_, i) => ({ ...rec(1000), timestamp: BigInt(i) }));
    // Act
    const batches = splitIntoBatches(records, 10_000);
    // Assert
    expect(batches.flat()).toEqual(records);
    for (const batch of batches) {
      expect(batch.reduce((n, r) => n + recordWireBytes(r), 0)).toBeLessThanOrEqual(10_000);
    }
    expect(batches.length).toBe(Math.ceil(100 / Math.floor(10_000 / recordWireBytes(rec(1000)))));
  });

  it('starts a new batch when a timestamp is more than 2^31-1 ms from the batch first one', () => {
    // Arrange: platformatic mis-encodes record timestamp deltas beyond 32-bit zigzag range
    const at = (timestamp: bigint): RecordToWrite => ({ ...rec(10), timestamp });
    const records = [
      at(T0),
      at(T0 + MAX_TIMESTAMP_DELTA),
      at(T0 + MAX_TIMESTAMP_DELTA + 1n),
      at(T0 + 1n),
      at(946_684_800_000n),
      at(946_684_800_000n - MAX_TIMESTAMP_DELTA),
      at(1n),
    ];
    // Act
    const batches = splitIntoBatches(records, 1 << 20);
    // Assert
    expect(batches.map((x) => x.length)).toEqual([2, 2, 2, 1]);
    for (const batch of batches) {
      const first = (batch[0] as RecordToWrite).timestamp;
      for (const r of batch) {
        expect(r.timestamp - first <= MAX_TIMESTAMP_DELTA && first - r.timestamp <= MAX_TIMESTAMP_DELTA).toBe(
          true,
        );
      }
    }
  });

  it('puts a record larger than the budget in a batch of its own', () => {
    // Arrange
    const records = [rec(10), rec(50_000), rec(10)];
    // Act
    const batches = splitIntoBatches(records, 10_000);
    // Assert
    expect(batches.map((x) => x.length)).toEqual([1, 1, 1]);
    expect(batches[1]?.[0]).toBe(records[1]);
  });
});
