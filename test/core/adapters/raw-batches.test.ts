/**
 * raw-batches.ts (the batch pass-through's pure half) on real Kafka record batches v2 built by hand
 * here — header, records with zigzag varints, a correct CRC-32C — and checked against
 * @platformatic/kafka's decoder and data-records.ts' decodeFetchedBatches on the same bytes.
 */
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { Reader, readRecordsBatches } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { crc32cAppend, crc32cAppendJs, crc32cCombine } from '../../../core/adapters/kafka/crc32c.ts';
import {
  type AbortedTransaction,
  BATCH_ATTRIBUTES,
  CONTROL_TYPE_ABORT,
  CONTROL_TYPE_COMMIT,
  decodeFetchedBatches,
  type FetchedBatch,
  UndecodableBatchError,
} from '../../../core/adapters/kafka/data-records.ts';
import {
  type BatchHeader,
  canPassThrough,
  firstControlType,
  nextSequence,
  type PassThroughRange,
  parseBatchHeaders,
  rewriteHeaderForProduce,
  selectBatches,
  verifiedRecordsCrc,
} from '../../../core/adapters/kafka/raw-batches.ts';
import { InvariantError } from '../../../core/domain/errors.ts';
import { BATCH_HEADER_BYTES } from '../../../core/domain/record-batch.ts';

const crc32c = (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: (d: Uint8Array) => number })
  .crc32c;

const P1 = 1001n;
const P2 = 2002n;
const NO_PID = -1n;
const T0 = 1_600_000_000_000n;
const DELETE_HORIZON = 0x40;

/* ------------------------------------- building batches ------------------------------------- */

/** Kafka's zigzag varint (int32) / varlong (int64): LEB128 of the zigzag-encoded value. */
function varlong(n: bigint): number[] {
  let z = n >= 0n ? n * 2n : -n * 2n - 1n;
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return out;
}
const varint = (n: number): number[] => varlong(BigInt(n));

/** A varint-length-prefixed byte string (-1 = null). */
function bytesField(b: Uint8Array | null): number[] {
  return b === null ? varint(-1) : [...varint(b.length), ...b];
}

interface RecordSpec {
  readonly key?: Uint8Array | null;
  readonly value?: Uint8Array | null;
  readonly headers?: readonly (readonly [Uint8Array, Uint8Array | null])[];
  readonly timestampDelta?: number;
}

/** One record of a v2 batch: length varint, then attributes … headers. */
function encodeRecord(r: RecordSpec, offsetDelta: number): number[] {
  const body = [
    0, // attributes int8
    ...varlong(BigInt(r.timestampDelta ?? offsetDelta)),
    ...varint(offsetDelta),
    ...bytesField(r.key === undefined ? null : r.key),
    ...bytesField(r.value === undefined ? null : r.value),
    ...varint(r.headers?.length ?? 0),
  ];
  for (const [k, v] of r.headers ?? []) body.push(...bytesField(k), ...bytesField(v));
  return [...varint(body.length), ...body];
}

interface BatchSpec {
  readonly baseOffset: number | bigint;
  readonly records: readonly RecordSpec[];
  readonly attributes?: number;
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly leaderEpoch?: number;
  readonly firstTimestamp?: bigint;
  /** Defaults to records − 1 (consecutive offsets); compaction leaves batches where it is larger. */
  readonly lastOffsetDelta?: number;
  /** Defaults to the number of records. */
  readonly count?: number;
  /** gzip the records (attributes codec 1). */
  readonly gzip?: boolean;
}

/** A Kafka record batch v2 exactly as a broker stores it, CRC-32C included. */
function batch(spec: BatchSpec): Uint8Array {
  let records: Uint8Array = Uint8Array.from(spec.records.flatMap((r, i) => encodeRecord(r, i)));
  let attributes = spec.attributes ?? 0;
  if (spec.gzip) {
    records = new Uint8Array(gzipSync(records));
    attributes |= 1;
  }
  const out = new Uint8Array(BATCH_HEADER_BYTES + records.length);
  const dv = new DataView(out.buffer);
  const first = spec.firstTimestamp ?? T0 + BigInt(spec.baseOffset);
  const lastOffsetDelta = spec.lastOffsetDelta ?? spec.records.length - 1;
  dv.setBigInt64(0, BigInt(spec.baseOffset));
  dv.setInt32(8, out.length - 12);
  dv.setInt32(12, spec.leaderEpoch ?? 7);
  dv.setInt8(16, 2);
  dv.setInt16(21, attributes);
  dv.setInt32(23, lastOffsetDelta);
  dv.setBigInt64(27, first);
  dv.setBigInt64(35, first + BigInt(Math.max(0, lastOffsetDelta)));
  dv.setBigInt64(43, spec.producerId ?? NO_PID);
  dv.setInt16(51, spec.producerEpoch ?? (spec.producerId === undefined ? -1 : 3));
  dv.setInt32(53, spec.baseSequence ?? (spec.producerId === undefined ? -1 : 0));
  dv.setInt32(57, spec.count ?? spec.records.length);
  out.set(records, BATCH_HEADER_BYTES);
  dv.setUint32(17, crc32c(out.subarray(21)) >>> 0);
  return out;
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** `count` data records whose keys and values name their offset. */
function dataRecords(first: number, count: number): RecordSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    key: utf8(`k${first + i}`),
    value: utf8(`v${first + i}`),
    headers: [[utf8('h'), null]] as const,
  }));
}

/** A data batch; a producer id makes it transactional unless `transactional: false`. */
function data(
  first: number,
  count: number,
  options: { producerId?: bigint; transactional?: boolean; attributes?: number } = {},
): Uint8Array {
  let attributes = options.attributes ?? 0;
  if (options.transactional ?? options.producerId !== undefined) attributes |= BATCH_ATTRIBUTES.transactional;
  return batch({
    baseOffset: first,
    records: dataRecords(first, count),
    attributes,
    ...(options.producerId === undefined ? {} : { producerId: options.producerId }),
  });
}

/** A control batch: one COMMIT or ABORT marker of `producerId` (key int16 version 0, int16 type). */
function marker(offset: number, producerId: bigint, type: 'commit' | 'abort'): Uint8Array {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type === 'abort' ? CONTROL_TYPE_ABORT : CONTROL_TYPE_COMMIT, 2);
  const value = Buffer.alloc(6); // int16 version, int32 coordinator epoch
  return batch({
    baseOffset: offset,
    records: [{ key, value }],
    attributes: BATCH_ATTRIBUTES.control | BATCH_ATTRIBUTES.transactional,
    producerId,
  });
}

/** A magic 1 message set entry (offset, size, crc, magic, attributes, timestamp, key, value). */
function legacyMessage(offset: number, value: string): Uint8Array {
  const v = utf8(value);
  const size = 4 + 1 + 1 + 8 + 4 + 4 + v.length;
  const out = Buffer.alloc(12 + size);
  out.writeBigInt64BE(BigInt(offset), 0);
  out.writeInt32BE(size, 8);
  out.writeInt8(1, 16); // magic
  out.writeBigInt64BE(T0, 18);
  out.writeInt32BE(-1, 26); // null key
  out.writeInt32BE(v.length, 30);
  v.copy(out, 34);
  return out;
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** The same bytes decoded the way reader.ts does (platformatic), for decodeFetchedBatches. */
function decoded(bytes: Uint8Array): FetchedBatch[] {
  return readRecordsBatches(Reader.from(Buffer.from(bytes))) as unknown as FetchedBatch[];
}

const offsets = (kept: readonly BatchHeader[]) =>
  kept.flatMap((h) => Array.from({ length: h.count }, (_, i) => h.baseOffset + BigInt(i)));

function header(bytes: Uint8Array): BatchHeader {
  const [h] = parseBatchHeaders(bytes);
  return h!;
}

/* ------------------------------------------ tests ------------------------------------------ */

describe('the hand-built batches (test helper)', () => {
  it('are record batches v2 that @platformatic/kafka decodes, with a valid CRC-32C', () => {
    // Arrange
    const bytes = batch({
      baseOffset: 40,
      records: [
        { key: utf8('a'), value: null, headers: [[utf8('x'), utf8('1')]] },
        { key: null, value: utf8('b'.repeat(300)), timestampDelta: -5 },
      ],
      producerId: P1,
    });

    // Act
    const [b] = decoded(bytes) as unknown as (FetchedBatch & { crc: number })[];

    // Assert
    expect(crc32c(utf8('123456789'))).toBe(0xe3069283); // the CRC-32C check value
    expect(b!.crc).toBe(crc32c(bytes.subarray(21)));
    expect(b!.firstOffset).toBe(40n);
    expect(b!.producerId).toBe(P1);
    expect(b!.records).toHaveLength(2);
    expect(b!.records[1]!.timestampDelta).toBe(-5n);
    expect(Buffer.from(b!.records[1]!.value!).toString()).toBe('b'.repeat(300));
    expect(b!.records[0]!.value).toBeNull();
  });
});

describe('parseBatchHeaders', () => {
  it('returns each batch of the buffer with its header fields and a view of exactly its bytes', () => {
    // Arrange
    const a = data(0, 3);
    const b = data(3, 2, { producerId: P1 });
    const c = marker(5, P1, 'commit');
    const buffer = concat(a, b, c);

    // Act
    const headers = parseBatchHeaders(buffer);

    // Assert
    expect(headers.map((h) => [h.baseOffset, h.count, h.lastOffsetDelta, h.producerId])).toEqual([
      [0n, 3, 2, NO_PID],
      [3n, 2, 1, P1],
      [5n, 1, 0, P1],
    ]);
    expect(headers.every((h) => h.magic === 2)).toBe(true);
    expect(headers[1]!.attributes).toBe(BATCH_ATTRIBUTES.transactional);
    expect(headers[2]!.attributes & BATCH_ATTRIBUTES.control).not.toBe(0);
    expect(headers[0]!.firstTimestamp).toBe(T0);
    expect(headers[0]!.maxTimestamp).toBe(T0 + 2n);
    expect(headers.map((h) => Buffer.from(h.bytes))).toEqual([a, b, c].map((x) => Buffer.from(x)));
    expect(headers[1]!.bytes.buffer).toBe(buffer.buffer); // a view, not a copy
    expect(headers[1]!.bytes.byteOffset).toBe(buffer.byteOffset + a.length);
  });

  it('reads a buffer that is a view at an offset of a larger one', () => {
    // Arrange
    const inner = concat(data(10, 2), data(12, 1));
    const outer = new Uint8Array(inner.length + 9);
    outer.set(inner, 5);

    // Act
    const headers = parseBatchHeaders(outer.subarray(5, 5 + inner.length));

    // Assert
    expect(headers.map((h) => h.baseOffset)).toEqual([10n, 12n]);
  });

  it('leaves out a truncated trailing batch (the broker cuts at max bytes)', () => {
    // Arrange
    const whole = concat(data(0, 2), data(2, 2));
    const last = data(4, 5);

    // Act
    const cutInRecords = parseBatchHeaders(concat(whole, last.subarray(0, last.length - 1)));
    const cutInHeader = parseBatchHeaders(concat(whole, last.subarray(0, 20)));
    const cutInLength = parseBatchHeaders(concat(whole, last.subarray(0, 10)));

    // Assert
    for (const headers of [cutInRecords, cutInHeader, cutInLength]) {
      expect(headers.map((h) => h.baseOffset)).toEqual([0n, 2n]);
    }
  });

  it('throws an UndecodableBatchError naming the offset for a magic 0/1 message set', () => {
    // Arrange
    const legacy = concat(data(0, 2), legacyMessage(42, 'old'));
    const magic0 = legacyMessage(7, 'older');
    magic0[16] = 0;

    // Act
    const thrown = (() => {
      try {
        parseBatchHeaders(legacy);
      } catch (e) {
        return e;
      }
      return undefined;
    })();

    // Assert
    expect(thrown).toBeInstanceOf(UndecodableBatchError);
    expect((thrown as UndecodableBatchError).offset).toBe(42n);
    expect((thrown as UndecodableBatchError).message).toContain('42');
    expect((thrown as UndecodableBatchError).message).toContain('magic 1');
    expect(() => parseBatchHeaders(magic0)).toThrow(/offset 7 .*magic 0/);
  });

  it('returns nothing for an empty buffer', () => {
    // Arrange
    const empty = new Uint8Array(0);

    // Act
    const headers = parseBatchHeaders(empty);

    // Assert
    expect(headers).toEqual([]);
  });
});

describe('control batches', () => {
  it('marks an ABORT marker batch as abortMarker, a COMMIT marker batch not', () => {
    // Arrange
    const buffer = concat(marker(10, P1, 'abort'), marker(11, P2, 'commit'), data(12, 1, { producerId: P1 }));

    // Act
    const [abort, commit, dataBatch] = parseBatchHeaders(buffer);

    // Assert
    expect(abort!.abortMarker).toBe(true);
    expect(commit!.abortMarker).toBe(false);
    expect(dataBatch!.abortMarker).toBe(false);
    expect(firstControlType(abort!.bytes)).toBe(CONTROL_TYPE_ABORT);
    expect(firstControlType(commit!.bytes)).toBe(CONTROL_TYPE_COMMIT);
  });

  it('does not take a data batch whose key happens to read as type 0 for an abort marker', () => {
    // Arrange: not a control batch, first key 00 00 00 00
    const bytes = batch({
      baseOffset: 0,
      records: [{ key: new Uint8Array(4), value: null }],
      producerId: P1,
    });

    // Act
    const h = header(bytes);

    // Assert
    expect(firstControlType(bytes)).toBe(CONTROL_TYPE_ABORT);
    expect(h.abortMarker).toBe(false);
  });

  it('firstControlType is undefined for malformed control records', () => {
    // Arrange
    const good = marker(0, P1, 'abort');
    const noRecords = good.subarray(0, BATCH_HEADER_BYTES);
    const cutInKey = good.subarray(0, good.length - 10); // header count, value and its length, 2 key bytes gone
    const nullKey = batch({
      baseOffset: 0,
      records: [{ key: null, value: null }],
      attributes: BATCH_ATTRIBUTES.control | BATCH_ATTRIBUTES.transactional,
      producerId: P1,
    });
    const shortKey = batch({
      baseOffset: 0,
      records: [{ key: new Uint8Array(2), value: null }],
      attributes: BATCH_ATTRIBUTES.control | BATCH_ATTRIBUTES.transactional,
      producerId: P1,
    });
    const compressed = batch({
      baseOffset: 0,
      records: [{ key: new Uint8Array(4), value: null }], // would read as ABORT if taken as uncompressed
      attributes: BATCH_ATTRIBUTES.control | BATCH_ATTRIBUTES.transactional | 1, // says gzip
      producerId: P1,
    });
    const endlessVarint = new Uint8Array(BATCH_HEADER_BYTES + 4).fill(0xff, BATCH_HEADER_BYTES);
    endlessVarint[22] = 0; // attributes: uncompressed

    // Act
    const types = [noRecords, cutInKey, nullKey, shortKey, compressed, endlessVarint].map(firstControlType);

    // Assert
    expect(types).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('selectBatches', () => {
  /** selectBatches and decodeFetchedBatches on the same bytes: the same records, nextOffset and count. */
  function bothWays(
    bytes: Uint8Array,
    options: {
      fetchOffset: bigint;
      isolationLevel: 'read_committed' | 'read_uncommitted';
      abortedTransactions?: AbortedTransaction[];
    },
  ) {
    const selected = selectBatches(parseBatchHeaders(bytes), options);
    const reference = decodeFetchedBatches(decoded(bytes), options);
    return { selected, reference };
  }

  it('under read_committed drops aborted transactional batches and markers, keeps committed ones', () => {
    // Arrange: P1 aborts 0–2, P2 commits 3–4, P1 commits 7–8
    const bytes = concat(
      data(0, 3, { producerId: P1 }),
      marker(3, P1, 'abort'),
      data(4, 2, { producerId: P2 }),
      marker(6, P2, 'commit'),
      data(7, 2, { producerId: P1 }),
      marker(9, P1, 'commit'),
    );
    const aborted = [{ producerId: P1, firstOffset: 0n }];

    // Act
    const { selected, reference } = bothWays(bytes, {
      fetchOffset: 0n,
      isolationLevel: 'read_committed',
      abortedTransactions: aborted,
    });

    // Assert
    expect(selected.kept.map((h) => h.baseOffset)).toEqual([4n, 7n]);
    expect(offsets(selected.kept)).toEqual([4n, 5n, 7n, 8n]);
    expect(selected.abortedRecords).toBe(3);
    expect(selected.nextOffset).toBe(10n);
    expect(offsets(selected.kept)).toEqual(reference.records.map((r) => r.offset));
    expect(selected.nextOffset).toBe(reference.nextOffset);
    expect(selected.abortedRecords).toBe(reference.abortedRecords);
  });

  it('handles two aborts of the same producer in one fetch, with a commit between them', () => {
    // Arrange: P1 aborts 0–1, commits 3–4, aborts 6–8
    const bytes = concat(
      data(0, 2, { producerId: P1 }),
      marker(2, P1, 'abort'),
      data(3, 2, { producerId: P1 }),
      marker(5, P1, 'commit'),
      data(6, 3, { producerId: P1 }),
      marker(9, P1, 'abort'),
      data(10, 1),
    );
    const aborted = [
      { producerId: P1, firstOffset: 6n }, // unsorted on purpose
      { producerId: P1, firstOffset: 0n },
    ];

    // Act
    const { selected, reference } = bothWays(bytes, {
      fetchOffset: 0n,
      isolationLevel: 'read_committed',
      abortedTransactions: aborted,
    });

    // Assert
    expect(offsets(selected.kept)).toEqual([3n, 4n, 10n]);
    expect(selected.abortedRecords).toBe(5);
    expect(selected.nextOffset).toBe(11n);
    expect(offsets(selected.kept)).toEqual(reference.records.map((r) => r.offset));
    expect(selected.abortedRecords).toBe(reference.abortedRecords);
  });

  it('handles interleaved producers, one aborting and one committing, and an abort whose marker is not in the fetch', () => {
    // Arrange: P1 and P2 interleave; P1 aborts (marker at 6), P2 commits (marker at 7); P2 then aborts 8–9
    // whose marker lies beyond this fetch
    const bytes = concat(
      data(0, 2, { producerId: P1 }),
      data(2, 2, { producerId: P2 }),
      data(4, 1, { producerId: P1 }),
      data(5, 1, { producerId: P2 }),
      marker(6, P1, 'abort'),
      marker(7, P2, 'commit'),
      data(8, 2, { producerId: P2 }),
      data(10, 1), // non-transactional, never aborted
    );
    const aborted = [
      { producerId: P1, firstOffset: 0n },
      { producerId: P2, firstOffset: 8n },
    ];

    // Act
    const { selected, reference } = bothWays(bytes, {
      fetchOffset: 0n,
      isolationLevel: 'read_committed',
      abortedTransactions: aborted,
    });

    // Assert
    expect(offsets(selected.kept)).toEqual([2n, 3n, 5n, 10n]);
    expect(selected.abortedRecords).toBe(5);
    expect(selected.nextOffset).toBe(11n);
    expect(offsets(selected.kept)).toEqual(reference.records.map((r) => r.offset));
    expect(selected.abortedRecords).toBe(reference.abortedRecords);
    expect(selected.nextOffset).toBe(reference.nextOffset);
  });

  it('under read_uncommitted keeps aborted data batches (drops only the markers)', () => {
    // Arrange
    const bytes = concat(data(0, 3, { producerId: P1 }), marker(3, P1, 'abort'), data(4, 1));

    // Act
    const { selected, reference } = bothWays(bytes, {
      fetchOffset: 0n,
      isolationLevel: 'read_uncommitted',
      abortedTransactions: [{ producerId: P1, firstOffset: 0n }],
    });

    // Assert
    expect(offsets(selected.kept)).toEqual([0n, 1n, 2n, 4n]);
    expect(selected.abortedRecords).toBe(0);
    expect(selected.nextOffset).toBe(5n);
    expect(offsets(selected.kept)).toEqual(reference.records.map((r) => r.offset));
  });

  it('drops batches wholly below the fetch offset and keeps one that reaches it', () => {
    // Arrange: the broker returns from the batch holding the fetch offset 6, and here even one before
    const bytes = concat(data(0, 3), data(3, 4), data(7, 2));

    // Act
    const selected = selectBatches(parseBatchHeaders(bytes), {
      fetchOffset: 5n,
      isolationLevel: 'read_committed',
    });
    const reference = decodeFetchedBatches(decoded(bytes), {
      fetchOffset: 5n,
      isolationLevel: 'read_committed',
    });

    // Assert
    expect(selected.kept.map((h) => h.baseOffset)).toEqual([3n, 7n]); // the caller cuts 3–4 (canPassThrough)
    expect(selected.nextOffset).toBe(9n);
    expect(reference.records.map((r) => r.offset)).toEqual([5n, 6n, 7n, 8n]);
    expect(reference.nextOffset).toBe(9n);
  });

  it('sets nextOffset one past the last batch, markers included, and to the fetch offset when empty', () => {
    // Arrange
    const endsWithMarker = concat(data(20, 2, { producerId: P1 }), marker(22, P1, 'commit'));

    // Act
    const withMarker = selectBatches(parseBatchHeaders(endsWithMarker), {
      fetchOffset: 20n,
      isolationLevel: 'read_committed',
    });
    const empty = selectBatches([], { fetchOffset: 33n, isolationLevel: 'read_committed' });

    // Assert
    expect(withMarker.kept.map((h) => h.baseOffset)).toEqual([20n]);
    expect(withMarker.nextOffset).toBe(23n);
    expect(empty).toEqual({ kept: [], nextOffset: 33n, abortedRecords: 0 });
  });
});

describe('canPassThrough', () => {
  const RANGE: PassThroughRange = { fetchOffset: 0n, minBatchBytes: 0 };

  it('is true for a plain data batch inside the range (compressed or not, transactional or not)', () => {
    // Arrange
    const plain = header(data(10, 5));
    const gzipped = header(batch({ baseOffset: 10, records: dataRecords(10, 5), gzip: true }));
    const committed = header(data(10, 5, { producerId: P1 }));

    // Act
    const results = [plain, gzipped, committed].map((h) =>
      canPassThrough(h, { fetchOffset: 10n, upTo: 15n, minBatchBytes: BATCH_HEADER_BYTES }),
    );

    // Assert
    expect(results).toEqual([true, true, true]);
  });

  it('is false for control, LogAppendTime, delete-horizon and compacted batches', () => {
    // Arrange
    const control = header(marker(0, P1, 'commit'));
    const logAppendTime = header(data(0, 3, { attributes: BATCH_ATTRIBUTES.logAppendTime }));
    const deleteHorizon = header(data(0, 3, { attributes: DELETE_HORIZON }));
    const compacted = header(batch({ baseOffset: 0, records: dataRecords(0, 3), lastOffsetDelta: 5 }));

    // Act
    const results = [control, logAppendTime, deleteHorizon, compacted].map((h) => canPassThrough(h, RANGE));

    // Assert
    expect(results).toEqual([false, false, false, false]);
  });

  it('is false for a batch starting below the fetch offset or reaching upTo', () => {
    // Arrange
    const h = header(data(10, 5)); // offsets 10–14

    // Act
    const below = canPassThrough(h, { fetchOffset: 11n, minBatchBytes: 0 });
    const atStart = canPassThrough(h, { fetchOffset: 10n, minBatchBytes: 0 });
    const lastAtUpTo = canPassThrough(h, { fetchOffset: 10n, upTo: 14n, minBatchBytes: 0 });
    const lastBelowUpTo = canPassThrough(h, { fetchOffset: 10n, upTo: 15n, minBatchBytes: 0 });

    // Assert
    expect([below, atStart, lastAtUpTo, lastBelowUpTo]).toEqual([false, true, false, true]);
  });

  it('is false for a batch smaller than minBatchBytes, and for one without records', () => {
    // Arrange
    const h = header(data(0, 2));
    const empty = header(batch({ baseOffset: 0, records: [], lastOffsetDelta: -1 }));

    // Act
    const tooSmall = canPassThrough(h, { fetchOffset: 0n, minBatchBytes: h.bytes.length + 1 });
    const justEnough = canPassThrough(h, { fetchOffset: 0n, minBatchBytes: h.bytes.length });
    const noRecords = canPassThrough(empty, RANGE);

    // Assert
    expect(empty.count).toBe(0);
    expect([tooSmall, justEnough, noRecords]).toEqual([false, true, false]);
  });
});

/** What a Produce request carries for `source`: the rewritten header, then the untouched records. */
function produced(source: Uint8Array, fields: Parameters<typeof rewriteHeaderForProduce>[1]): Buffer {
  return Buffer.concat([
    rewriteHeaderForProduce(source, fields, crc32cAppend),
    source.subarray(BATCH_HEADER_BYTES),
  ]);
}

describe('rewriteHeaderForProduce (header + untouched records = the produced batch)', () => {
  const FIELDS = { producerId: 77_000_000_001n, producerEpoch: 4, baseSequence: 123_456 };

  it('sets the producer fields, base offset 0, leader epoch -1, clears only the transactional bit, recomputes the CRC', () => {
    // Arrange
    const source = batch({
      baseOffset: 5000,
      records: dataRecords(5000, 20),
      producerId: P1,
      producerEpoch: 9,
      baseSequence: 42,
      leaderEpoch: 12,
      attributes: BATCH_ATTRIBUTES.transactional,
      gzip: true,
    });
    const before = Buffer.from(source);

    // Act
    const out = produced(source, FIELDS);

    // Assert
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    expect(out.length).toBe(source.length);
    expect(dv.getBigInt64(0)).toBe(0n);
    expect(dv.getInt32(8)).toBe(source.length - 12);
    expect(dv.getInt32(12)).toBe(-1);
    expect(out[16]).toBe(2);
    expect(dv.getInt16(21)).toBe(1); // gzip kept, transactional gone
    expect(dv.getBigInt64(43)).toBe(FIELDS.producerId);
    expect(dv.getInt16(51)).toBe(FIELDS.producerEpoch);
    expect(dv.getInt32(53)).toBe(FIELDS.baseSequence);
    expect(dv.getUint32(17)).toBe(crc32c(out.subarray(21)));
    expect(Buffer.from(out.subarray(23, 43))).toEqual(before.subarray(23, 43)); // deltas, timestamps
    expect(Buffer.from(out.subarray(57))).toEqual(before.subarray(57)); // count and records
    expect(Buffer.from(source)).toEqual(before); // the input is not modified
    const [again] = decoded(out);
    expect(again!.records.map((r) => Buffer.from(r.value!).toString())).toEqual(
      dataRecords(5000, 20).map((r) => Buffer.from(r.value!).toString()),
    );
  });

  it('keeps the LogAppendTime and delete-horizon bits and a non-transactional batch as it is', () => {
    // Arrange
    const attributes = BATCH_ATTRIBUTES.logAppendTime | DELETE_HORIZON | 3;
    const source = data(0, 2, { attributes });

    // Act
    const out = produced(source, FIELDS);

    // Assert
    expect(new DataView(out.buffer, out.byteOffset).getInt16(21)).toBe(attributes);
    expect(new DataView(out.buffer, out.byteOffset).getUint32(17)).toBe(crc32c(out.subarray(21)));
  });

  it('reads a batch that is a view into a larger fetched buffer', () => {
    // Arrange
    const fetched = concat(data(0, 2), data(2, 3, { producerId: P2 }), data(5, 1));
    const middle = parseBatchHeaders(fetched)[1]!.bytes;
    const before = Buffer.from(fetched);

    // Act
    const out = produced(middle, FIELDS);

    // Assert
    expect(out.length).toBe(middle.length);
    expect(Buffer.from(out.subarray(57))).toEqual(Buffer.from(middle.subarray(57)));
    expect(new DataView(out.buffer, out.byteOffset).getUint32(17)).toBe(crc32c(out.subarray(21)));
    expect(Buffer.from(fetched)).toEqual(before);
  });

  it('throws an InvariantError for anything but a record batch v2', () => {
    // Arrange
    const legacy = legacyMessage(0, 'a-longer-value-to-pass-the-size-check-of-61-bytes');
    const short = data(0, 1).subarray(0, 40);

    // Act & Assert
    expect(legacy.length).toBeGreaterThanOrEqual(BATCH_HEADER_BYTES);
    expect(() => rewriteHeaderForProduce(legacy, FIELDS, crc32cAppend)).toThrow(InvariantError);
    expect(() => rewriteHeaderForProduce(short, FIELDS, crc32cAppend)).toThrow(InvariantError);
  });
});

describe('nextSequence', () => {
  it('adds the record count and wraps after 2^31 − 1 to 0, like Kafka', () => {
    // Arrange
    const max = 0x7fffffff;

    // Act & Assert
    expect(nextSequence(0, 5)).toBe(5);
    expect(nextSequence(max - 5, 5)).toBe(max);
    expect(nextSequence(max, 1)).toBe(0);
    expect(nextSequence(max - 1, 10)).toBe(8);
    expect(nextSequence(max - 7, 10)).toBe(2);
  });
});

describe('verifiedRecordsCrc', () => {
  it("gives the records' CRC of a batch as a broker stores it, and none after any byte of the CRC range changes", () => {
    // Arrange
    const good = batch({ baseOffset: 10, records: dataRecords(10, 3), gzip: true });
    const flipped = (at: number) => {
      const copy = Uint8Array.from(good);
      copy[at] = copy[at]! ^ 0x01;
      return copy;
    };

    // Act & Assert
    expect(verifiedRecordsCrc(good, crc32c)).toBe(crc32c(good.subarray(BATCH_HEADER_BYTES)));
    expect(verifiedRecordsCrc(flipped(good.length - 1), crc32c)).toBeUndefined(); // compressed records
    expect(verifiedRecordsCrc(flipped(BATCH_HEADER_BYTES), crc32c)).toBeUndefined(); // first record byte
    expect(verifiedRecordsCrc(flipped(60), crc32c)).toBeUndefined(); // last header byte (record count)
    expect(verifiedRecordsCrc(flipped(21), crc32c)).toBeUndefined(); // attributes: first byte the CRC covers
    expect(verifiedRecordsCrc(flipped(17), crc32c)).toBeUndefined(); // the stored CRC itself
    expect(verifiedRecordsCrc(flipped(12), crc32c)).toBeDefined(); // leader epoch: not covered (the broker sets it)
    expect(verifiedRecordsCrc(good.subarray(0, 40), crc32c)).toBeUndefined(); // shorter than a header
  });
});

describe('crc32cCombine', () => {
  it('gives the CRC-32C of A then B from the CRCs of A and B and the length of B', () => {
    // Arrange: lengths around the bit boundaries of the length, empty parts, a batch-sized B
    const lengths = [
      [0, 0],
      [0, 1],
      [1, 0],
      [40, 1],
      [40, 2],
      [40, 3],
      [7, 255],
      [40, 256],
      [13, 65_537],
      [40, 262_144],
      [40, 1_048_573],
    ];
    const bytes = (n: number, seed: number) =>
      Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 17) & 0xff);

    // Act
    const results = lengths.map(([a, b], i) => {
      const partA = bytes(a!, i);
      const partB = bytes(b!, i + 100);
      return {
        combined: crc32cCombine(crc32c(partA), crc32c(partB), b!),
        whole: crc32c(Buffer.concat([partA, partB])) >>> 0,
      };
    });

    // Assert
    for (const r of results) expect(r.combined).toBe(r.whole);
  });
});

describe('rewriteHeaderForProduce CRC', () => {
  it('equals a whole-batch rewrite with a whole-batch CRC, natively and in the JavaScript fallback', () => {
    // Arrange
    const source = batch({ baseOffset: 500, records: dataRecords(500, 7), gzip: true, producerId: P1 });
    const fields = { producerId: 77n, producerEpoch: 2, baseSequence: 1234 };

    // Act
    const whole = Buffer.from(source); // the reference: patch a full copy, CRC over all of it
    const dv = new DataView(whole.buffer, whole.byteOffset, whole.byteLength);
    dv.setBigInt64(0, 0n);
    dv.setInt32(12, -1);
    dv.setInt16(21, dv.getInt16(21) & ~BATCH_ATTRIBUTES.transactional);
    dv.setBigInt64(43, fields.producerId);
    dv.setInt16(51, fields.producerEpoch);
    dv.setInt32(53, fields.baseSequence);
    dv.setUint32(17, crc32c(whole.subarray(21)));
    const native = rewriteHeaderForProduce(source, fields, crc32cAppend);
    const js = rewriteHeaderForProduce(source, fields, crc32cAppendJs);
    const known = verifiedRecordsCrc(source, crc32c);
    const fromKnown = rewriteHeaderForProduce(source, fields, crc32cAppendJs, known);

    // Assert
    expect(native.length).toBe(BATCH_HEADER_BYTES);
    expect(Buffer.concat([native, source.subarray(BATCH_HEADER_BYTES)])).toEqual(whole);
    expect(js).toEqual(native);
    expect(known).toBeDefined();
    expect(fromKnown).toEqual(native); // the records' CRC from the source check, combined
    expect(
      verifiedRecordsCrc(Buffer.concat([js, source.subarray(BATCH_HEADER_BYTES)]), crc32c),
    ).toBeDefined();
  });
});
