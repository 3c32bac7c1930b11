import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildSegment,
  decodeSegment,
  encodeSegment,
  parseSegmentKey,
  segmentKey,
  segmentManifestEntrySchema,
} from '../../../../core/domain/copy/segment.ts';
import { InvariantError } from '../../../../core/domain/errors.ts';
import { segmentsPartitionPrefix } from '../../../../core/domain/plan/storage-layout.ts';
import type { PartitionRef, SourceRecord } from '../../../../core/ports.ts';
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

  it('rejects something that is not a segment, and an unknown version', () => {
    expectInvariant(() => decodeSegment(utf8('{"v":1,"runs":[]}')), 'SEGMENT_NOT_A_SEGMENT');
    const v2 = new Uint8Array(good);
    v2[6] = 2;
    expect((expectInvariant(() => decodeSegment(v2), 'SEGMENT_NOT_A_SEGMENT') as Error).message).toContain(
      'unsupported version 2',
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
