import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildBatchSegment,
  buildSegment,
  decodeSegment,
  encodeBatchSegment,
  encodeSegment,
  parseSegmentKey,
  segmentKey,
  segmentManifestEntrySchema,
} from '../../../../core/domain/copy/segment.ts';
import { InvariantError } from '../../../../core/domain/errors.ts';
import { segmentsPartitionPrefix } from '../../../../core/domain/plan/storage-layout.ts';
import type { PartitionRef, RawBatch, SourceRecord } from '../../../../core/ports.ts';
import { header, record, rng, thrown, utf8 } from './helpers.ts';

const ref: PartitionRef = { topic: 'orders.v2_eu-west', partition: 7 };

function expectInvariant(fn: () => unknown, code: string | RegExp): InvariantError {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(InvariantError);
  expect((e as InvariantError).code).toMatch(code);
  return e as InvariantError;
}

/** Incompressible-looking bytes, cheap to make (an LCG), reproducible from the seed. */
function randomBytes(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Records covering every shape the format must keep apart. */
const tricky: SourceRecord[] = [
  record(100, { key: null, value: null }), // tombstone without a key
  record(101, { key: utf8('k'), value: null }), // tombstone
  record(102, { key: new Uint8Array(), value: new Uint8Array() }), // empty, not null
  record(103, { headers: [header('dup', 'a'), header('dup', 'a'), header('dup', 'b')] }),
  record(104, { headers: [header('n', null), header('e', ''), header('', 'empty key')] }),
  record(106, { timestamp: -1n, timestampType: 'LogAppendTime' }), // 105 is a marker
  record(300, { value: randomBytes(1, 1000) }), // compaction gap: two-byte varint delta
  record(5_000_000_000, { key: utf8('ü€😀'), value: randomBytes(2, 200) }), // large delta
];

describe('segment encode/decode', () => {
  it('round-trips null and empty keys and values, duplicate and null headers, both timestamp types', () => {
    const decoded = decodeSegment(encodeSegment(ref, tricky));

    expect(decoded.ref).toEqual(ref);
    expect(decoded.firstOffset).toBe(100n);
    expect(decoded.lastOffset).toBe(5_000_000_000n);
    expect(decoded.records).toEqual(tricky);
    expect(decoded.records[0]!.key).toBeNull();
    expect(decoded.records[2]!.key).toEqual(new Uint8Array());
    expect(decoded.records[4]!.headers[0]![1]).toBeNull();
    expect(decoded.records[4]!.headers[1]![1]).toEqual(new Uint8Array());
  });

  it('round-trips big values (5 MiB) and many records', () => {
    const big = record(0, { value: randomBytes(3, 5 * 1024 * 1024), key: randomBytes(4, 70_000) });
    const many = Array.from({ length: 20_000 }, (_, i) =>
      record(i + 1, { headers: [header('i', String(i))] }),
    );

    const decoded = decodeSegment(encodeSegment(ref, [big, ...many])).records;

    expect(decoded).toHaveLength(20_001);
    expect(Buffer.from(decoded[0]!.value!).equals(big.value!)).toBe(true);
    expect(Buffer.from(decoded[0]!.key!).equals(big.key!)).toBe(true);
    expect(decoded.slice(1)).toEqual(many);
  });

  it('round-trips offsets near 2^63-1', () => {
    const max = (1n << 63n) - 1n;
    const records = [record(0), record(max - 1n, { timestamp: 1n }), record(max, { timestamp: 2n })];

    expect(decodeSegment(encodeSegment(ref, records)).records.map((r) => r.offset)).toEqual([
      0n,
      max - 1n,
      max,
    ]);
  });

  it('gzips the whole object on request and decodes either form', () => {
    const compressible = Array.from({ length: 500 }, (_, i) =>
      record(i, { value: new Uint8Array(1000).fill(65) }),
    );
    const plain = encodeSegment(ref, compressible);
    const gz = encodeSegment(ref, compressible, { gzip: true });
    const gz9 = encodeSegment(ref, compressible, { gzip: 9 });

    expect(gz[0]).toBe(0x1f);
    expect(gz[1]).toBe(0x8b);
    expect(gz.length).toBeLessThan(plain.length / 10);
    expect(new Uint8Array(gunzipSync(gz))).toEqual(plain);
    expect(decodeSegment(gz).records).toEqual(compressible);
    expect(decodeSegment(gz9).records).toEqual(compressible);
  });

  it('lays out the bytes as documented in docs/segment-format.md', () => {
    const one = record(10, { timestamp: 5n, key: utf8('k'), value: null, headers: [header('h', null)] });
    const bytes = Buffer.from(encodeSegment({ topic: 'ab', partition: 3 }, [one]));
    const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');
    const body = Buffer.concat([
      Buffer.from('KMSEG1', 'latin1'),
      hex('01'), // version
      hex('0002'),
      Buffer.from('ab'), // topic
      hex('00000003'), // partition
      hex('000000000000000a'), // first offset
      hex('000000000000000a'), // last offset
      hex('00000001'), // record count
      hex('00'), // offset delta (varint)
      hex('0000000000000005'), // timestamp
      hex('00'), // CreateTime
      hex('00000001'),
      Buffer.from('k'), // key
      hex('ffffffff'), // value null
      hex('00000001'), // header count
      hex('00000001'),
      Buffer.from('h'), // header key
      hex('ffffffff'), // header value null
    ]);

    expect(bytes.subarray(0, bytes.length - 32)).toEqual(body);
    expect(bytes.subarray(bytes.length - 32)).toEqual(createHash('sha256').update(body).digest());
  });

  it('writes offset deltas as LEB128 varints', () => {
    const bytes = Buffer.from(encodeSegment({ topic: 't', partition: 0 }, [record(0), record(300)]));
    const first = 6 + 1 + 2 + 1 + 4 + 8 + 8 + 4;
    const recordLength = 1 + 8 + 1 + (4 + 2) + (4 + 2) + 4; // k0 / v0

    expect(bytes[first]).toBe(0x00);
    expect([...bytes.subarray(first + recordLength, first + recordLength + 2)]).toEqual([0xac, 0x02]);
  });
});

describe('segment decode rejects damage', () => {
  const records = tricky.slice(0, 6);
  const good = encodeSegment(ref, records);

  it('rejects any single flipped byte', () => {
    const r = rng(7);
    const positions = [0, 5, 6, 8, 20, good.length - 40, good.length - 33, good.length - 1];
    for (let i = 0; i < 40; i++) positions.push(r.int(0, good.length - 1));
    for (const position of positions) {
      const damaged = new Uint8Array(good);
      damaged[position] = damaged[position]! ^ 0x01;
      expectInvariant(() => decodeSegment(damaged), /^SEGMENT_(CHECKSUM_MISMATCH|NOT_A_SEGMENT|TRUNCATED)$/);
    }
  });

  it('names a checksum mismatch in the payload', () => {
    const damaged = new Uint8Array(good);
    damaged[60] = damaged[60]! ^ 0xff;

    const e = expectInvariant(() => decodeSegment(damaged), 'SEGMENT_CHECKSUM_MISMATCH');
    expect(e.message).toContain('corrupt or truncated');
    expect(e.fix).toContain('re-run the seed');
  });

  it('rejects truncated input at every length', () => {
    for (let n = 0; n < good.length; n++) {
      expectInvariant(
        () => decodeSegment(good.subarray(0, n)),
        /^SEGMENT_(CHECKSUM_MISMATCH|NOT_A_SEGMENT|TRUNCATED)$/,
      );
    }
    expectInvariant(() => decodeSegment(good.subarray(0, 3)), 'SEGMENT_TRUNCATED');
  });

  it('rejects a damaged or truncated gzip object', () => {
    const gz = encodeSegment(ref, records, { gzip: true });

    expectInvariant(() => decodeSegment(gz.subarray(0, gz.length - 10)), 'SEGMENT_TRUNCATED');
    const damaged = new Uint8Array(gz);
    damaged[gz.length - 12] = damaged[gz.length - 12]! ^ 0xff;
    expectInvariant(() => decodeSegment(damaged), /^SEGMENT_/);
  });

  it('rejects something that is not a segment, an unknown version, and a magic not matching its version', () => {
    expectInvariant(() => decodeSegment(utf8('{"v":1,"runs":[]}')), 'SEGMENT_NOT_A_SEGMENT');
    const v9 = new Uint8Array(good);
    v9.set(utf8('KMSEG9'), 0);
    v9[6] = 9;
    expect(expectInvariant(() => decodeSegment(v9), 'SEGMENT_NOT_A_SEGMENT').message).toContain(
      'unsupported version: magic "KMSEG9", version byte 9',
    );
    const mixed = new Uint8Array(good);
    mixed[6] = 2; // KMSEG1 magic, version byte 2
    expect(expectInvariant(() => decodeSegment(mixed), 'SEGMENT_NOT_A_SEGMENT').message).toContain(
      'unsupported version: magic "KMSEG1", version byte 2',
    );
  });

  it('rejects a well-checksummed object whose header disagrees with its records', () => {
    // Rebuild a segment whose header claims a different last offset, with a valid checksum.
    const bytes = Buffer.from(encodeSegment({ topic: 't', partition: 0 }, [record(0), record(1)]));
    const body = Buffer.from(bytes.subarray(0, bytes.length - 32));
    body.writeBigInt64BE(5n, 6 + 1 + 2 + 1 + 4 + 8); // last offset
    const forged = Buffer.concat([body, createHash('sha256').update(body).digest()]);

    expectInvariant(() => decodeSegment(forged), 'SEGMENT_CORRUPT');
  });
});

describe('segment encode rejects bad input', () => {
  it('rejects an empty segment, descending or duplicate offsets, and bad refs', () => {
    expectInvariant(() => encodeSegment(ref, []), 'SEGMENT_EMPTY');
    expectInvariant(() => encodeSegment(ref, [record(2), record(1)]), 'SEGMENT_BAD_RECORD');
    expectInvariant(() => encodeSegment(ref, [record(2), record(2)]), 'SEGMENT_BAD_RECORD');
    expectInvariant(() => encodeSegment(ref, [record(-1)]), 'SEGMENT_BAD_RECORD');
    expectInvariant(() => encodeSegment(ref, [record(0, { timestamp: 1n << 63n })]), 'SEGMENT_BAD_RECORD');
    expectInvariant(
      () => encodeSegment(ref, [record(0, { value: 'text' as unknown as Uint8Array })]),
      'SEGMENT_BAD_RECORD',
    );
    expectInvariant(() => encodeSegment({ topic: 'a/b', partition: 0 }, [record(0)]), 'SEGMENT_BAD_TOPIC');
    expectInvariant(() => encodeSegment({ topic: '..', partition: 0 }, [record(0)]), 'SEGMENT_BAD_TOPIC');
    expectInvariant(() => encodeSegment({ topic: 't', partition: -1 }, [record(0)]), 'SEGMENT_BAD_PARTITION');
  });
});

describe('segment keys and manifest entries', () => {
  it('names an object <id>/topics/<topic>/partition=<p>/<first:20>-<last:20>.kmseg', () => {
    expect(segmentKey('mig-1', ref, 0n, 4_999n)).toBe(
      'mig-1/topics/orders.v2_eu-west/partition=7/00000000000000000000-00000000000000004999.kmseg',
    );
    expect(segmentKey('m', { topic: 't', partition: 0 }, (1n << 63n) - 1n, (1n << 63n) - 1n)).toBe(
      'm/topics/t/partition=0/09223372036854775807-09223372036854775807.kmseg',
    );
  });

  it('lies in the partition directory of the storage layout', () => {
    const key = segmentKey('mig-1', ref, 10n, 20n);
    const dir = segmentsPartitionPrefix('s3://bucket/staging/', 'mig-1', ref.topic, ref.partition);

    expect(`s3://bucket/staging/${key}`.startsWith(dir)).toBe(true);
    expect(`s3://bucket/staging/${key}`.slice(dir.length)).toBe(
      '00000000000000000010-00000000000000000020.kmseg',
    );
  });

  it('lists in offset order', () => {
    const keys = [
      [5n, 9n],
      [10n, 99n],
      [100n, 1_000n],
      [1_001n, 123_456_789_012n],
    ].map(([a, b]) => segmentKey('m', ref, a!, b!));

    expect([...keys].reverse().sort()).toEqual(keys);
  });

  it('parses its own keys back and refuses others', () => {
    const key = segmentKey('mig.2_x-y', ref, 10n, 20n);

    expect(parseSegmentKey(key)).toEqual({
      migrationId: 'mig.2_x-y',
      ref,
      firstOffset: 10n,
      lastOffset: 20n,
    });
    expect(parseSegmentKey(`${key}.tmp`)).toBeUndefined();
    expect(parseSegmentKey('m/topics/t/partition=0/checkpoint.json')).toBeUndefined();
    expect(
      parseSegmentKey('m/topics/t/partition=0/00000000000000000009-00000000000000000001.kmseg'),
    ).toBeUndefined();
    expect(
      parseSegmentKey('m/topics/t/partition=0/99999999999999999999-99999999999999999999.kmseg'),
    ).toBeUndefined();
  });

  it('rejects ids, topics and ranges that cannot make a key', () => {
    expectInvariant(() => segmentKey('a/b', ref, 0n, 0n), 'SEGMENT_BAD_MIGRATION_ID');
    expectInvariant(() => segmentKey('', ref, 0n, 0n), 'SEGMENT_BAD_MIGRATION_ID');
    expectInvariant(() => segmentKey('m', { topic: 'has space', partition: 0 }, 0n, 0n), 'SEGMENT_BAD_TOPIC');
    expectInvariant(() => segmentKey('m', ref, 5n, 4n), 'SEGMENT_BAD_RANGE');
    expectInvariant(() => segmentKey('m', ref, -1n, 4n), 'SEGMENT_BAD_RANGE');
  });

  it('builds the object, its key and a manifest entry with the SHA-256 of the stored bytes', () => {
    const built = buildSegment('mig-1', ref, tricky, { gzip: true });

    expect(built.key).toBe(segmentKey('mig-1', ref, 100n, 5_000_000_000n));
    expect(built.entry).toEqual({
      key: built.key,
      first_offset: '100',
      last_offset: '5000000000',
      records: tricky.length,
      bytes: built.body.length,
      sha256: createHash('sha256').update(built.body).digest('hex'),
    });
    expect(segmentManifestEntrySchema.parse(built.entry)).toEqual(built.entry);
    expect(decodeSegment(built.body).records).toEqual(tricky);
  });
});

/* ------------------------------------ version 2: raw Kafka batches ------------------------------------ */

/**
 * A syntactically valid Kafka record batch v2 header (baseOffset, batchLength, magic 2,
 * lastOffsetDelta, recordsCount; CRC and the rest zero) followed by `payload` pseudo-random bytes.
 */
function kafkaBatch(baseOffset: bigint | number, count: number, payload = 40, seed = 1): RawBatch {
  const bytes = new Uint8Array(61 + payload);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, BigInt(baseOffset));
  view.setInt32(8, bytes.length - 12);
  bytes[16] = 2;
  view.setInt32(23, count - 1);
  view.setInt32(57, count);
  bytes.set(randomBytes(seed, payload), 61);
  return { baseOffset: BigInt(baseOffset), count, bytes };
}

/** The same batches as views into one buffer at odd positions (like batches of a fetch response). */
function asViews(batches: readonly RawBatch[]): RawBatch[] {
  const total = batches.reduce((n, b) => n + b.bytes.length, 3);
  const shared = new Uint8Array(total);
  let at = 3;
  return batches.map((b) => {
    shared.set(b.bytes, at);
    const bytes = shared.subarray(at, at + b.bytes.length);
    at += b.bytes.length;
    return { ...b, bytes };
  });
}

/** Replaces the content of a v2 segment and writes a valid checksum: damage that the SHA-256 cannot see. */
function forge(segment: Uint8Array, change: (body: Buffer) => Buffer | undefined): Buffer {
  const body = Buffer.from(segment.subarray(0, segment.length - 32));
  const changed = change(body) ?? body;
  return Buffer.concat([changed, createHash('sha256').update(changed).digest()]);
}

const batches: RawBatch[] = [
  kafkaBatch(100, 5, 40, 1),
  kafkaBatch(106, 1, 0, 2), // 105 is a marker
  kafkaBatch(300, 200, 5000, 3), // compaction / marker gap
  kafkaBatch(5_000_000_000, 3, 17, 4),
];

/** Header length of a v2 segment of topic `t` (`ref` here), up to and including the batch count. */
const headerOf = (topic: string) => 6 + 1 + 2 + Buffer.byteLength(topic) + 4 + 8 + 8 + 4 + 4;

describe('segment version 2 (Kafka batches as they are)', () => {
  it('round-trips the batches byte for byte, as views into the object', () => {
    const encoded = encodeBatchSegment(ref, asViews(batches));
    const decoded = decodeSegment(encoded);

    expect(decoded.version).toBe(2);
    expect(decoded.ref).toEqual(ref);
    expect(decoded.firstOffset).toBe(100n);
    expect(decoded.lastOffset).toBe(5_000_000_002n);
    expect(decoded.recordCount).toBe(209);
    expect(decoded.records).toEqual([]);
    expect(decoded.batches).toHaveLength(batches.length);
    decoded.batches.forEach((b, i) => {
      expect(Buffer.from(b).equals(batches[i]!.bytes)).toBe(true);
      expect(b.buffer).toBe(encoded.buffer);
    });
  });

  it('round-trips one batch, big batches and offsets near 2^63-1', () => {
    const max = (1n << 63n) - 1n;
    const big = [kafkaBatch(0, 70_000, 5 * 1024 * 1024, 5), kafkaBatch(max - 1n, 2, 10, 6)];
    const decoded = decodeSegment(encodeBatchSegment(ref, big));

    expect(decoded.lastOffset).toBe(max);
    expect(decoded.recordCount).toBe(70_002);
    expect(decoded.batches.map((b, i) => Buffer.from(b).equals(big[i]!.bytes))).toEqual([true, true]);
    expect(decodeSegment(encodeBatchSegment(ref, [batches[1]!])).batches).toEqual([batches[1]!.bytes]);
  });

  it('lays out the bytes as documented in docs/segment-format.md, uncompressed', () => {
    const two = [kafkaBatch(10, 2, 3, 7), kafkaBatch(13, 1, 0, 8)];
    const bytes = Buffer.from(encodeBatchSegment({ topic: 'ab', partition: 3 }, two));
    const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');
    const body = Buffer.concat([
      Buffer.from('KMSEG2', 'latin1'),
      hex('02'), // version
      hex('0002'),
      Buffer.from('ab'), // topic
      hex('00000003'), // partition
      hex('000000000000000a'), // first offset
      hex('000000000000000d'), // last offset
      hex('00000003'), // record count
      hex('00000002'), // batch count
      two[0]!.bytes,
      two[1]!.bytes,
    ]);

    expect(bytes.subarray(0, bytes.length - 32)).toEqual(body);
    expect(bytes.subarray(bytes.length - 32)).toEqual(createHash('sha256').update(body).digest());
  });

  it('leaves v1 objects without batches', () => {
    const decoded = decodeSegment(encodeSegment(ref, tricky));

    expect(decoded.version).toBe(1);
    expect(decoded.recordCount).toBe(tricky.length);
    expect(decoded.batches).toEqual([]);
  });

  it('builds the object, its key and a manifest entry', () => {
    const built = buildBatchSegment('mig-1', ref, batches);

    expect(built.key).toBe(segmentKey('mig-1', ref, 100n, 5_000_000_002n));
    expect(built.body).toEqual(encodeBatchSegment(ref, batches));
    expect(built.entry).toEqual({
      key: built.key,
      first_offset: '100',
      last_offset: '5000000002',
      records: 209,
      bytes: built.body.length,
      sha256: createHash('sha256').update(built.body).digest('hex'),
    });
    expect(segmentManifestEntrySchema.parse(built.entry)).toEqual(built.entry);
    expect(parseSegmentKey(built.key)).toMatchObject({ firstOffset: 100n, lastOffset: 5_000_000_002n });
  });
});

describe('segment version 2 decode rejects damage', () => {
  const few = [kafkaBatch(10, 2, 30, 9), kafkaBatch(12, 3, 20, 10), kafkaBatch(20, 1, 10, 11)];
  const good = encodeBatchSegment(ref, few);
  const h = headerOf(ref.topic);

  it('rejects any single flipped byte', () => {
    const r = rng(11);
    const positions = [0, 5, 6, 8, h - 4, h - 1, h, h + 8, h + 16, good.length - 33, good.length - 1];
    for (let i = 0; i < 60; i++) positions.push(r.int(0, good.length - 1));
    for (const position of positions) {
      const damaged = new Uint8Array(good);
      damaged[position] = damaged[position]! ^ 0x01;
      expectInvariant(() => decodeSegment(damaged), /^SEGMENT_(CHECKSUM_MISMATCH|NOT_A_SEGMENT|TRUNCATED)$/);
    }
  });

  it('rejects truncated input at every length', () => {
    for (let n = 0; n < good.length; n++) {
      expectInvariant(
        () => decodeSegment(good.subarray(0, n)),
        /^SEGMENT_(CHECKSUM_MISMATCH|NOT_A_SEGMENT|TRUNCATED)$/,
      );
    }
    expectInvariant(() => decodeSegment(good.subarray(0, 7)), 'SEGMENT_TRUNCATED');
  });

  it('rejects a well-checksummed object whose header disagrees with its batches', () => {
    const at = {
      last: h - 16,
      count: h - 8,
      batches: h - 4,
      firstBatch: h,
      secondBatch: h + few[0]!.bytes.length,
    };
    const cases: [string, (b: Buffer) => Buffer | undefined, string | RegExp][] = [
      ['last offset', (b) => void b.writeBigInt64BE(21n, at.last), 'SEGMENT_CORRUPT'],
      ['record count', (b) => void b.writeUInt32BE(5, at.count), 'SEGMENT_CORRUPT'],
      ['record count 0', (b) => void b.writeUInt32BE(0, at.count), 'SEGMENT_CORRUPT'],
      ['more batches', (b) => void b.writeUInt32BE(4, at.batches), 'SEGMENT_TRUNCATED'],
      ['fewer batches', (b) => void b.writeUInt32BE(2, at.batches), 'SEGMENT_CORRUPT'],
      ['no batches', (b) => void b.writeUInt32BE(0, at.batches), 'SEGMENT_CORRUPT'],
      ['first base offset', (b) => void b.writeBigInt64BE(11n, at.firstBatch), 'SEGMENT_CORRUPT'],
      ['overlap', (b) => void b.writeBigInt64BE(11n, at.secondBatch), 'SEGMENT_CORRUPT'],
      [
        'batch length longer',
        (b) => void b.writeInt32BE(few[0]!.bytes.length - 11, at.firstBatch + 8),
        /^SEGMENT_(CORRUPT|TRUNCATED)$/,
      ],
      ['batch length tiny', (b) => void b.writeInt32BE(10, at.firstBatch + 8), 'SEGMENT_CORRUPT'],
      ['batch magic', (b) => void b.writeInt8(1, at.firstBatch + 16), 'SEGMENT_CORRUPT'],
      ['records count', (b) => void b.writeInt32BE(3, at.firstBatch + 57), 'SEGMENT_CORRUPT'],
      ['bytes left over', (b) => Buffer.concat([b, Buffer.from([0])]), 'SEGMENT_CORRUPT'],
    ];
    for (const [name, change, code] of cases) {
      const e = thrown(() => decodeSegment(forge(good, change)));
      expect({ name, error: e instanceof InvariantError ? e.code : String(e) }).toEqual({
        name,
        error: expect.stringMatching(code),
      });
    }
    expect(decodeSegment(forge(good, () => undefined)).batches).toHaveLength(3); // forge itself is sound
  });
});

describe('segment version 2 encode rejects bad input', () => {
  const withHeader = (b: RawBatch, change: (view: DataView) => void): RawBatch => {
    const bytes = new Uint8Array(b.bytes);
    change(new DataView(bytes.buffer));
    return { ...b, bytes };
  };
  const a = kafkaBatch(10, 3);
  const b = kafkaBatch(13, 2);

  it('rejects an empty list, offsets out of order or overlapping, and bad counts', () => {
    expectInvariant(() => encodeBatchSegment(ref, []), 'SEGMENT_EMPTY');
    expectInvariant(() => encodeBatchSegment(ref, [b, a]), 'SEGMENT_BAD_RECORD');
    expectInvariant(() => encodeBatchSegment(ref, [a, a]), 'SEGMENT_BAD_RECORD');
    expectInvariant(() => encodeBatchSegment(ref, [a, kafkaBatch(12, 2)]), 'SEGMENT_BAD_RECORD');
    expectInvariant(() => encodeBatchSegment(ref, [kafkaBatch(-1, 1)]), 'SEGMENT_BAD_RECORD');
    expectInvariant(() => encodeBatchSegment(ref, [{ ...a, count: 0 }]), 'SEGMENT_BAD_RECORD');
    expectInvariant(() => encodeBatchSegment(ref, [{ ...a, count: 1.5 }]), 'SEGMENT_BAD_RECORD');
    expectInvariant(() => encodeBatchSegment(ref, [kafkaBatch((1n << 63n) - 1n, 2)]), 'SEGMENT_BAD_RECORD');
    expect(encodeBatchSegment(ref, [a, b])).toBeInstanceOf(Uint8Array); // adjacent is fine
  });

  it('rejects bytes that are not the Kafka batch they claim to be', () => {
    expectInvariant(
      () => encodeBatchSegment(ref, [{ ...a, bytes: a.bytes.subarray(0, 60) }]),
      'SEGMENT_BAD_RECORD',
    );
    expectInvariant(
      () => encodeBatchSegment(ref, [{ ...a, bytes: a.bytes.subarray(0, a.bytes.length - 1) }]),
      'SEGMENT_BAD_RECORD',
    );
    expectInvariant(
      () => encodeBatchSegment(ref, [withHeader(a, (v) => v.setInt32(8, 0))]),
      'SEGMENT_BAD_RECORD',
    );
    const magic1 = expectInvariant(
      () => encodeBatchSegment(ref, [a, withHeader(b, (v) => v.setInt8(16, 1))]),
      'SEGMENT_BAD_RECORD',
    );
    expect(magic1.message).toContain('batch #1');
    expectInvariant(
      () => encodeBatchSegment(ref, [withHeader(a, (v) => v.setBigInt64(0, 9n))]),
      'SEGMENT_BAD_RECORD',
    );
    expectInvariant(
      () => encodeBatchSegment(ref, [withHeader(a, (v) => v.setInt32(23, 3))]),
      'SEGMENT_BAD_RECORD',
    );
    expectInvariant(
      () => encodeBatchSegment(ref, [withHeader(a, (v) => v.setInt32(57, 2))]),
      'SEGMENT_BAD_RECORD',
    );
    expectInvariant(
      () => encodeBatchSegment(ref, [{ ...a, bytes: 'text' as unknown as Uint8Array }]),
      'SEGMENT_BAD_RECORD',
    );
  });

  it('rejects bad refs and ids', () => {
    expectInvariant(() => encodeBatchSegment({ topic: 'a/b', partition: 0 }, [a]), 'SEGMENT_BAD_TOPIC');
    expectInvariant(() => encodeBatchSegment({ topic: 't', partition: -1 }, [a]), 'SEGMENT_BAD_PARTITION');
    expectInvariant(() => buildBatchSegment('a/b', ref, [a]), 'SEGMENT_BAD_MIGRATION_ID');
    expectInvariant(() => buildBatchSegment('m', ref, []), 'SEGMENT_EMPTY');
  });
});

describe('segment version 2 with compacted batches (offset gaps inside a batch)', () => {
  /** A batch of `count` records spread over offsets base … last (what the log cleaner leaves). */
  function compacted(base: number, last: number, count: number): RawBatch {
    const b = kafkaBatch(base, count);
    new DataView(b.bytes.buffer, b.bytes.byteOffset).setInt32(23, last - base);
    return { ...b, lastOffset: BigInt(last) };
  }

  it('stores them as they are; the key and the header end at the last offset, not base + count − 1', () => {
    // Arrange
    const batches = [kafkaBatch(0, 4), compacted(4, 19, 3), kafkaBatch(20, 2)];

    // Act
    const built = buildBatchSegment('mig-1', ref, batches);
    const decoded = decodeSegment(built.body);

    // Assert
    expect(built.entry.first_offset).toBe('0');
    expect(built.entry.last_offset).toBe('21');
    expect(built.entry.records).toBe(9);
    expect(decoded.lastOffset).toBe(21n);
    expect(decoded.recordCount).toBe(9);
    expect(decoded.batches).toEqual(batches.map((b) => b.bytes));
    const tail = buildBatchSegment('mig-1', ref, [compacted(30, 39, 2)]);
    expect(tail.key).toMatch(/00000000000000000030-00000000000000000039\.kmseg$/);
  });

  it('refuses a lastOffset that disagrees with the header, or more records than offsets', () => {
    // Arrange
    const wrongLast = { ...compacted(4, 19, 3), lastOffset: 18n };
    const tooMany = compacted(4, 5, 3);

    // Act & Assert
    expect(() => encodeBatchSegment(ref, [wrongLast])).toThrow(/offset delta 15/);
    expect(() => encodeBatchSegment(ref, [tooMany])).toThrow(/do not fit/);
  });
});
