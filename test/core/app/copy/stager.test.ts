import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SegmentStager, type StagerOptions } from '../../../../core/app/copy/stager.ts';
import { decodeSegment, type SegmentManifestEntry, segmentKey } from '../../../../core/domain/copy/index.ts';
import { InvariantError } from '../../../../core/domain/errors.ts';
import type { ObjectBody, PartitionRef, PutOptions, RawBatch } from '../../../../core/ports.ts';
import { MemoryStore, sourceRecord } from './fakes.ts';

const REF: PartitionRef = { topic: 'orders', partition: 0 };
const OPTIONS: StagerOptions = {
  migrationId: 'm1',
  ref: REF,
  segmentMaxBytes: 250,
  maxUploadsInFlight: 2,
  gzipLevel: 1,
};

/**
 * A syntactically valid Kafka record batch v2 of `size` bytes: header fields baseOffset,
 * batchLength, magic 2, lastOffsetDelta, recordsCount; payload bytes derived from the offset.
 */
function kafkaBatch(baseOffset: number, count: number, size = 100): RawBatch {
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, BigInt(baseOffset));
  view.setInt32(8, size - 12);
  bytes[16] = 2;
  view.setInt32(23, count - 1);
  view.setInt32(57, count);
  for (let i = 61; i < size; i++) bytes[i] = (baseOffset * 31 + i) & 0xff;
  return { baseOffset: BigInt(baseOffset), count, bytes };
}

/** Consecutive batches of `count` records each, from `from`. */
function run(from: number, batches: number, count = 2, size = 100): RawBatch[] {
  return Array.from({ length: batches }, (_, i) => kafkaBatch(from + i * count, count, size));
}

function setup(from = 0n, options: Partial<StagerOptions> = {}, store = new MemoryStore()) {
  const staged: SegmentManifestEntry[] = [];
  const stager = new SegmentStager(store, from, { ...OPTIONS, ...options }, (e) => staged.push(e));
  /** The stored object of each reported segment, decoded, after checking it against its entry. */
  const decoded = () =>
    staged.map((entry) => {
      const body = store.objects.get(entry.key)!;
      expect(body.length).toBe(entry.bytes);
      expect(createHash('sha256').update(body).digest('hex')).toBe(entry.sha256);
      return decodeSegment(body);
    });
  return { store, stager, staged, decoded };
}

const range = (e: SegmentManifestEntry) => `${e.first_offset}-${e.last_offset}/${e.records}`;

describe('SegmentStager.addBatches', () => {
  it('closes a segment once its batch bytes reach segmentMaxBytes, and the last one at finish', async () => {
    const s = setup();
    const batches = run(0, 7); // 7 × 100 bytes, 2 records each

    for (const b of batches) await s.stager.addBatches([b], b.baseOffset + 2n);
    expect(s.stager.next).toBe(14n);
    await s.stager.finish();

    expect(s.staged.map(range)).toEqual(['0-5/6', '6-11/6', '12-13/2']);
    expect(s.staged.map((e) => e.key)).toEqual([
      segmentKey('m1', REF, 0n, 5n),
      segmentKey('m1', REF, 6n, 11n),
      segmentKey('m1', REF, 12n, 13n),
    ]);
    const decoded = s.decoded();
    expect(decoded.map((d) => d.version)).toEqual([2, 2, 2]);
    expect(decoded.flatMap((d) => d.batches)).toEqual(batches.map((b) => b.bytes));
    expect(decoded.flatMap((d) => d.records)).toEqual([]);
  });

  it('stores the batches uncompressed, as encodeBatchSegment lays them out', async () => {
    const s = setup();
    const batches = run(10, 2, 3);

    await s.stager.addBatches(batches, 16n);
    await s.stager.finish();

    const body = s.store.objects.get(s.staged[0]!.key)!;
    expect(Buffer.from(body.subarray(0, 6)).toString('latin1')).toBe('KMSEG2');
    expect(s.staged.map(range)).toEqual(['10-15/6']);
    const d = s.decoded()[0]!;
    expect([d.firstOffset, d.lastOffset, d.recordCount]).toEqual([10n, 15n, 6]);
    expect(d.batches).toEqual(batches.map((b) => b.bytes));
  });

  it('closes the open segment when the kind switches between records and batches', async () => {
    const s = setup(0n, { segmentMaxBytes: 1 << 20 });
    const records = [sourceRecord(0), sourceRecord(1), sourceRecord(2)];
    const first = run(3, 2);
    const later = [sourceRecord(8), sourceRecord(10)];
    const last = run(11, 1);

    await s.stager.add(records, 3n);
    await s.stager.addBatches(first, 7n);
    await s.stager.addBatches([], 8n); // nothing to stage: no switch
    await s.stager.add(later, 11n);
    await s.stager.add([], 11n);
    await s.stager.addBatches(last, 13n);
    await s.stager.finish();

    expect(s.staged.map(range)).toEqual(['0-2/3', '3-6/4', '8-10/2', '11-12/2']);
    const decoded = s.decoded();
    expect(decoded.map((d) => d.version)).toEqual([1, 2, 1, 2]);
    expect(decoded[0]!.records).toEqual(records);
    expect(decoded[1]!.batches).toEqual(first.map((b) => b.bytes));
    expect(decoded[2]!.records).toEqual(later);
    expect(decoded[3]!.batches).toEqual(last.map((b) => b.bytes));
    // records segments are still gzipped, batch segments are not
    expect([...s.store.objects.get(s.staged[0]!.key)!.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(decodeSegment(gunzipSync(s.store.objects.get(s.staged[2]!.key)!)).records).toEqual(later);
  });

  it('reports segments in offset order when uploads finish out of order, at most maxUploadsInFlight at once', async () => {
    const store = new SlowStore((key) => (key.includes('00000000000000000000-') ? 30 : 1));
    const s = setup(0n, { segmentMaxBytes: 200, maxUploadsInFlight: 2 }, store);

    await s.stager.add([sourceRecord(0), sourceRecord(1)], 2n);
    await s.stager.addBatches(run(2, 2), 6n); // closes the records segment, then its own at 200 bytes
    await s.stager.addBatches(run(6, 2), 10n);
    await s.stager.add([sourceRecord(10)], 11n);
    await s.stager.finish();

    expect(s.staged.map(range)).toEqual(['0-1/2', '2-5/4', '6-9/4', '10-10/1']);
    expect(store.completed.indexOf(s.staged[0]!.key)).toBeGreaterThan(0); // the first finished later
    expect(store.maxInFlight).toBeLessThanOrEqual(2); // the bound; how many overlap depends on timing
    expect(s.decoded().map((d) => d.version)).toEqual([1, 2, 2, 1]);
  });

  it('ignores batches below next (staged before) and advances next to coveredUntil', async () => {
    const s = setup(10n);

    await s.stager.addBatches([kafkaBatch(0, 5), kafkaBatch(5, 5), kafkaBatch(10, 2)], 14n); // 12-13: markers
    expect(s.stager.next).toBe(14n);
    await s.stager.addBatches([kafkaBatch(10, 2), kafkaBatch(14, 1)], 15n); // a re-fetch
    await s.stager.finish();

    expect(s.staged.map(range)).toEqual(['10-14/3']);
    expect(s.decoded()[0]!.batches).toEqual([kafkaBatch(10, 2).bytes, kafkaBatch(14, 1).bytes]);
  });

  it('rejects a batch reaching next from below, overlapping batches and empty batches', async () => {
    const s = setup(10n);

    await expect(s.stager.addBatches([kafkaBatch(8, 5)], 13n)).rejects.toMatchObject({
      name: 'InvariantError',
      code: 'SEGMENT_BAD_RECORD',
    });
    await expect(s.stager.addBatches([kafkaBatch(10, 3), kafkaBatch(12, 2)], 14n)).rejects.toBeInstanceOf(
      InvariantError,
    );
    await expect(s.stager.addBatches([{ ...kafkaBatch(10, 1), count: 0 }], 11n)).rejects.toBeInstanceOf(
      InvariantError,
    );
    // nothing was buffered or skipped by the rejected calls
    expect(s.stager.next).toBe(10n);
    await s.stager.addBatches([kafkaBatch(10, 1)], 11n);
    await s.stager.finish();
    expect(s.staged.map(range)).toEqual(['10-10/1']);
  });

  it('keeps the batch bytes as given until the segment is encoded (no copy before)', async () => {
    const s = setup();
    const shared = new Uint8Array(300);
    const a = kafkaBatch(0, 1);
    const b = kafkaBatch(1, 1);
    shared.set(a.bytes, 0);
    shared.set(b.bytes, 100);
    const views = [
      { ...a, bytes: shared.subarray(0, 100) },
      { ...b, bytes: shared.subarray(100, 200) },
    ];

    await s.stager.addBatches(views, 2n);
    shared[150] = 0xee; // still buffered: the segment sees it
    await s.stager.finish();
    shared[160] = 0xdd; // encoded by now: the object does not

    const stored = s.decoded()[0]!.batches[1]!;
    expect(stored[50]).toBe(0xee);
    expect(stored[60]).toBe(b.bytes[60]);
  });

  it('stops reporting after a failed upload of a batch segment and throws it', async () => {
    const s = setup(0n, { segmentMaxBytes: 100 });
    s.store.failPut = (key) => key.includes('00000000000000000002-');

    await s.stager.addBatches(run(0, 1), 2n);
    await s.stager.addBatches(run(2, 1), 4n);
    await s.stager.addBatches(run(4, 1), 6n).catch(() => undefined); // may see the failure already
    await expect(s.stager.finish()).rejects.toMatchObject({ code: 'S3_TEST_FAILURE' });

    expect(s.staged.map(range)).toEqual(['0-1/2']);
  });
});

/** A MemoryStore whose puts take `delayMs(key)` milliseconds; records completion order and concurrency. */
class SlowStore extends MemoryStore {
  readonly completed: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly #delayMs: (key: string) => number;

  constructor(delayMs: (key: string) => number) {
    super();
    this.#delayMs = delayMs;
  }

  override async put(key: string, body: ObjectBody, options?: PutOptions): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await sleep(this.#delayMs(key));
    await super.put(key, body, options);
    this.completed.push(key);
    this.inFlight--;
  }
}
