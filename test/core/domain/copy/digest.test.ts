import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type DigestibleRecord,
  PartitionDigest,
  partitionDigest,
  recordDigest,
} from '../../../../core/domain/copy/digest.ts';
import type { RecordToWrite, SourceRecord } from '../../../../core/ports.ts';
import { header, record, utf8 } from './helpers.ts';

const base: RecordToWrite = {
  timestamp: 1_700_000_000_123n,
  key: utf8('k'),
  value: utf8('v'),
  headers: [header('h', 'x')],
};
const digestOf = (overrides: Partial<RecordToWrite>) => recordDigest({ ...base, ...overrides });

describe('recordDigest', () => {
  it('hashes the documented canonical encoding', () => {
    const int32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    const ts = Buffer.alloc(8);
    ts.writeBigInt64BE(1_700_000_000_123n);
    const encoding = Buffer.concat([
      Buffer.from('KMREC1\u0000', 'latin1'),
      ts,
      int32(1),
      Buffer.from('k'),
      int32(1),
      Buffer.from('v'),
      int32(1),
      int32(1),
      Buffer.from('h'),
      int32(1),
      Buffer.from('x'),
    ]);

    expect(recordDigest(base)).toBe(createHash('sha256').update(encoding).digest('hex'));
  });

  it('is the same for a source record and the record written to the target (offset and timestamp type ignored)', () => {
    const source: SourceRecord = { ...base, offset: 77n, timestampType: 'LogAppendTime' };
    const toWrite: RecordToWrite = {
      timestamp: base.timestamp,
      key: new Uint8Array(base.key!),
      value: new Uint8Array(base.value!),
      headers: [[new Uint8Array(utf8('h')), new Uint8Array(utf8('x'))]],
    };

    expect(recordDigest(source)).toBe(recordDigest(toWrite));
    expect(recordDigest(source)).toBe(recordDigest({ ...source, offset: 78n } as SourceRecord));
  });

  it('distinguishes a null key or value from an empty one (tombstones)', () => {
    const digests = [
      digestOf({ key: null }),
      digestOf({ key: new Uint8Array() }),
      digestOf({ value: null }),
      digestOf({ value: new Uint8Array() }),
      digestOf({ key: null, value: null }),
      digestOf({ key: new Uint8Array(), value: new Uint8Array() }),
    ];

    expect(new Set(digests).size).toBe(digests.length);
  });

  it('distinguishes a null header value from an empty one', () => {
    expect(digestOf({ headers: [header('h', null)] })).not.toBe(digestOf({ headers: [header('h', '')] }));
  });

  it('depends on header order and on duplicate headers', () => {
    const ab = digestOf({ headers: [header('a', '1'), header('b', '2')] });
    const ba = digestOf({ headers: [header('b', '2'), header('a', '1')] });
    const once = digestOf({ headers: [header('a', '1')] });
    const twice = digestOf({ headers: [header('a', '1'), header('a', '1')] });
    const none = digestOf({ headers: [] });

    expect(ab).not.toBe(ba);
    expect(once).not.toBe(twice);
    expect(none).not.toBe(once);
  });

  it('does not let bytes move between fields unnoticed', () => {
    const digests = [
      digestOf({ key: utf8('ab'), value: utf8('c') }),
      digestOf({ key: utf8('a'), value: utf8('bc') }),
      digestOf({ headers: [header('ab', 'c')] }),
      digestOf({ headers: [header('a', 'bc')] }),
      digestOf({ value: utf8('vh'), headers: [] }),
    ];

    expect(new Set(digests).size).toBe(digests.length);
  });

  it('depends on the timestamp unless told not to (LogAppendTime targets)', () => {
    const later = { ...base, timestamp: base.timestamp + 1n };

    expect(recordDigest(later)).not.toBe(recordDigest(base));
    expect(recordDigest(later, { includeTimestamp: false })).toBe(
      recordDigest(base, { includeTimestamp: false }),
    );
    expect(recordDigest(base, { includeTimestamp: false })).not.toBe(recordDigest(base));
  });

  it('accepts negative timestamps (-1 = none) and rejects ones outside int64', () => {
    expect(digestOf({ timestamp: -1n })).not.toBe(digestOf({ timestamp: 0n }));
    expect(() => digestOf({ timestamp: 1n << 63n })).toThrow(RangeError);
  });
});

describe('partitionDigest', () => {
  const records: DigestibleRecord[] = [0, 1, 2, 3].map((i) => record(i));

  it('equals the running PartitionDigest and counts the records', () => {
    const running = new PartitionDigest();
    for (const r of records) running.add(r);

    expect(partitionDigest(records)).toEqual({ digest: running.hex(), count: 4n });
  });

  it('is SHA-256 over the 32-byte record digests in order', () => {
    const expected = createHash('sha256');
    for (const r of records) expected.update(Buffer.from(recordDigest(r), 'hex'));

    expect(partitionDigest(records).digest).toBe(expected.digest('hex'));
  });

  it('depends on record order and detects a duplicate or a missing record', () => {
    const reference = partitionDigest(records).digest;

    expect(partitionDigest([records[1]!, records[0]!, records[2]!, records[3]!]).digest).not.toBe(reference);
    expect(partitionDigest([...records, records[3]!]).digest).not.toBe(reference);
    expect(partitionDigest(records.slice(0, 3)).digest).not.toBe(reference);
  });

  it('can be read midway and keep growing', () => {
    const running = new PartitionDigest();
    running.add(records[0]!).add(records[1]!);
    const midway = running.hex();
    running.add(records[2]!).add(records[3]!);

    expect(midway).toBe(partitionDigest(records.slice(0, 2)).digest);
    expect(running.hex()).toBe(partitionDigest(records).digest);
    expect(running.count).toBe(4n);
  });

  it('of no records is the SHA-256 of nothing', () => {
    expect(partitionDigest([])).toEqual({ digest: createHash('sha256').digest('hex'), count: 0n });
  });
});
