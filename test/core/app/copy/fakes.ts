/**
 * Small in-memory fakes of the data-path ports, for the cases a real broker cannot produce on demand
 * (the log start moving between two fetches, a write landing at the wrong offset, a late append
 * during reconciliation). Everything else is tested against the real stack (test/it/copier).
 *
 * Batch pass-through (ports.ts RawBatch) is opt-in: `FakeReader.enableBatches` gives the reader a
 * `fetchBatches`, `FakeWriter.enableBatches` the writer a `writeBatches`.
 */
import { PreconditionError, TransientError } from '../../../../core/domain/errors.ts';
import type {
  BatchFetchOptions,
  BatchFetchResult,
  BucketFacts,
  FetchedRun,
  FetchResult,
  ObjectBody,
  ObjectHead,
  ObjectStore,
  PartitionOffsetsDetail,
  PartitionRef,
  PutOptions,
  RawBatch,
  RecordReader,
  RecordToWrite,
  RecordWriter,
  SourceRecord,
} from '../../../../core/ports.ts';
import { partitionKey } from '../../../../core/ports.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);

export function sourceRecord(offset: number, tag = 'v'): SourceRecord {
  return {
    offset: BigInt(offset),
    timestamp: 1_000_000_000_000n + BigInt(offset),
    timestampType: 'CreateTime',
    key: utf8(`k${offset}`),
    value: utf8(`${tag}${offset}`),
    headers: [[utf8('h'), null]],
  };
}

/** One partition's log: records at their offsets (gaps = markers / aborted records), a log start, an end. */
export class FakeLog {
  records: SourceRecord[] = [];
  logStart = 0n;
  end = 0n;

  append(records: readonly RecordToWrite[]): bigint {
    const first = this.end;
    for (const r of records) {
      this.records.push({ ...r, offset: this.end, timestampType: 'CreateTime' });
      this.end++;
    }
    return first;
  }

  /** Source data: `count` records from offset `from`, with a marker (skipped offset) every `markerEvery`. */
  static source(count: number, markerEvery = 0): FakeLog {
    const log = new FakeLog();
    let offset = 0;
    for (let i = 0; i < count; i++) {
      if (markerEvery > 0 && i > 0 && i % markerEvery === 0) offset++; // a commit marker
      log.records.push(sourceRecord(offset++));
    }
    log.end = BigInt(offset);
    return log;
  }

  deleteBefore(offset: bigint): void {
    this.logStart = offset;
    this.records = this.records.filter((r) => r.offset >= offset);
  }
}

/**
 * A fake source batch: a syntactically valid Kafka record batch v2 header (base offset, batch length,
 * magic 2, last offset delta, record count — what encodeBatchSegment checks) with payload bytes
 * derived from the offset, and the records it stands for (so FakeWriter.writeBatches can append them).
 */
export interface FakeRawBatch extends RawBatch {
  readonly records: readonly SourceRecord[];
}

export function fakeBatch(records: readonly SourceRecord[], size: number): FakeRawBatch {
  const baseOffset = records[0]!.offset;
  const count = records.length;
  const bytes = new Uint8Array(Math.max(61, size));
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, baseOffset);
  view.setInt32(8, bytes.length - 12);
  view.setInt32(12, 5); // partition leader epoch
  bytes[16] = 2;
  view.setInt32(23, count - 1);
  view.setInt32(57, count);
  for (let i = 61; i < bytes.length; i++) bytes[i] = (Number(baseOffset % 251n) * 31 + i) & 0xff;
  return { baseOffset, count, bytes, records };
}

/** Base offset and record count from a batch's header bytes (e.g. of a KMSEG2 segment). */
export function batchHeaderOf(bytes: Uint8Array): { baseOffset: bigint; count: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { baseOffset: view.getBigInt64(0), count: view.getInt32(57) };
}

export interface FakeBatchOptions {
  /** At most this many records per source batch; a batch also ends at an offset gap (marker). */
  readonly recordsPerBatch: number;
  /** Size in bytes of the batch (≥ 61) at `baseOffset` with `count` records. @default 61 + 20 × count */
  readonly batchBytes?: (baseOffset: bigint, count: number) => number;
  /**
   * Like the Kafka reader: a `records` run also hands out `sourceBatches` (the batches its records were
   * decoded from) when every one of them lies wholly inside the range. @default false
   */
  readonly sourceBatches?: boolean;
}

/** A RecordReader over FakeLogs; `perFetch` records per fetch; `beforeFetch` may change the logs. */
export class FakeReader implements RecordReader {
  readonly logs = new Map<string, FakeLog>();
  perFetch = 10;
  /** Every fetch, `fetch` and `fetchBatches`. */
  fetches = 0;
  /** The `fetchBatches` calls among them, with their arguments. */
  batchFetches: { offset: bigint; options: BatchFetchOptions }[] = [];
  /** Set by `enableBatches`. */
  fetchBatches?: (ref: PartitionRef, offset: bigint, options: BatchFetchOptions) => Promise<BatchFetchResult>;
  #batchOptions: FakeBatchOptions | undefined;
  beforeFetch: ((ref: PartitionRef, offset: bigint, n: number) => void) | undefined;
  /** Replaces the answer of offsets() (e.g. an end offset that still moves). */
  offsetsHook: ((ref: PartitionRef, d: PartitionOffsetsDetail) => PartitionOffsetsDetail) | undefined;

  log(ref: PartitionRef): FakeLog {
    let log = this.logs.get(partitionKey(ref));
    if (!log) {
      log = new FakeLog();
      this.logs.set(partitionKey(ref), log);
    }
    return log;
  }

  async fetch(ref: PartitionRef, offset: bigint): Promise<FetchResult> {
    this.beforeFetch?.(ref, offset, this.fetches);
    this.fetches++;
    await Promise.resolve();
    const log = this.log(ref);
    if (offset < log.logStart) {
      throw new PreconditionError(`OFFSET_OUT_OF_RANGE: ${offset} below ${log.logStart}`, {
        code: 'OFFSET_OUT_OF_RANGE',
      });
    }
    const records = log.records.filter((r) => r.offset >= offset).slice(0, this.perFetch);
    const last = records[records.length - 1];
    const nextOffset = last ? last.offset + 1n : offset < log.end ? log.end : offset;
    return {
      records,
      nextOffset,
      highWatermark: log.end,
      lastStableOffset: log.end,
      logStartOffset: log.logStart,
    };
  }

  /**
   * Gives this reader `fetchBatches`: the log's records are grouped into source batches (from the
   * first record on: `recordsPerBatch` consecutive offsets at most, cut at offset gaps); a fetch
   * returns whole batches holding offsets from `offset` on, about `perFetch` records. A batch passes
   * through when it starts at or after `offset`, ends below `upTo` and has `minBatchBytes`; others
   * are "decoded" into records from `offset` on and below `upTo`; batches from `upTo` on are left out
   * — like the Kafka reader's toRuns.
   */
  enableBatches(options: FakeBatchOptions): this {
    this.#batchOptions = options;
    this.fetchBatches = (ref, offset, o) => this.#fetchBatches(ref, offset, o);
    return this;
  }

  /** The log's source batches (stable across fetches, like the batches a broker stores). */
  batchesOf(ref: PartitionRef): FakeRawBatch[] {
    const o = this.#batchOptions;
    if (o === undefined) throw new Error('enableBatches first');
    const size = o.batchBytes ?? ((_base: bigint, count: number) => 61 + 20 * count);
    const out: FakeRawBatch[] = [];
    let group: SourceRecord[] = [];
    const close = () => {
      if (group.length > 0) out.push(fakeBatch(group, size(group[0]!.offset, group.length)));
      group = [];
    };
    for (const r of this.log(ref).records) {
      const previous = group[group.length - 1];
      if (
        previous !== undefined &&
        (r.offset !== previous.offset + 1n || group.length >= o.recordsPerBatch)
      ) {
        close();
      }
      group.push(r);
    }
    close();
    return out;
  }

  async #fetchBatches(
    ref: PartitionRef,
    offset: bigint,
    options: BatchFetchOptions,
  ): Promise<BatchFetchResult> {
    this.beforeFetch?.(ref, offset, this.fetches);
    this.fetches++;
    this.batchFetches.push({ offset, options });
    await Promise.resolve();
    const log = this.log(ref);
    if (offset < log.logStart) {
      throw new PreconditionError(`OFFSET_OUT_OF_RANGE: ${offset} below ${log.logStart}`, {
        code: 'OFFSET_OUT_OF_RANGE',
      });
    }
    const fetched: FakeRawBatch[] = [];
    let records = 0;
    for (const b of this.batchesOf(ref)) {
      if (b.baseOffset + BigInt(b.count) <= offset) continue;
      if (records >= this.perFetch) break;
      fetched.push(b);
      records += b.count;
    }
    const lastBatch = fetched[fetched.length - 1];
    const nextOffset = lastBatch
      ? lastBatch.baseOffset + BigInt(lastBatch.count)
      : offset < log.end
        ? log.end
        : offset;
    const runs: FetchedRun[] = [];
    let batches: RawBatch[] = [];
    let decoded: SourceRecord[] = [];
    let sourceBatches: RawBatch[] | undefined = [];
    const close = (end: bigint) => {
      if (batches.length > 0) runs.push({ kind: 'batches', batches, end });
      if (decoded.length > 0) {
        runs.push({
          kind: 'records',
          records: decoded,
          end,
          ...(this.#batchOptions?.sourceBatches ? { sourceBatches } : {}),
        });
      }
      batches = [];
      decoded = [];
      sourceBatches = [];
    };
    const { upTo } = options;
    for (const b of fetched) {
      if (upTo !== undefined && b.baseOffset >= upTo) break;
      const last = b.baseOffset + BigInt(b.count) - 1n;
      const inside = b.baseOffset >= offset && (upTo === undefined || last < upTo);
      if (inside && b.bytes.length >= options.minBatchBytes) {
        if (decoded.length > 0) close(b.baseOffset);
        batches.push(b);
      } else {
        const part = b.records.filter((r) => r.offset >= offset && (upTo === undefined || r.offset < upTo));
        if (part.length === 0) continue;
        if (batches.length > 0) close(b.baseOffset);
        decoded.push(...part);
        if (inside) sourceBatches?.push(b);
        else sourceBatches = undefined;
      }
    }
    close(nextOffset);
    return {
      runs,
      nextOffset,
      highWatermark: log.end,
      lastStableOffset: log.end,
      logStartOffset: log.logStart,
    };
  }

  async offsets(refs: readonly PartitionRef[]): Promise<Map<string, PartitionOffsetsDetail>> {
    const out = new Map<string, PartitionOffsetsDetail>();
    for (const ref of refs) {
      const log = this.log(ref);
      let d: PartitionOffsetsDetail = {
        ...ref,
        logStart: log.logStart,
        highWatermark: log.end,
        lastStable: log.end,
      };
      if (this.offsetsHook) d = this.offsetsHook(ref, d);
      out.set(partitionKey(ref), d);
    }
    return out;
  }

  async close(): Promise<void> {}
}

/** A RecordWriter appending to the FakeReader's logs (so the target can be read back). */
export class FakeWriter implements RecordWriter {
  readonly target: FakeReader;
  /** Every write, `write` and `writeBatches` (the hook's `n`). */
  writes = 0;
  /** The `writeBatches` calls among them: the batches of each. */
  batchWrites: (readonly RawBatch[])[] = [];
  /**
   * Called before a write is applied (for `writeBatches` with the batches' records, `batches` set);
   * may throw or return a firstOffset to report instead.
   */
  hook:
    | ((
        ref: PartitionRef,
        records: readonly RecordToWrite[],
        n: number,
        batches?: readonly RawBatch[],
      ) => bigint | undefined)
    | undefined;
  /** Set by `enableBatches`. */
  writeBatches?: (ref: PartitionRef, batches: readonly RawBatch[]) => Promise<{ firstOffset: bigint }>;

  constructor(target: FakeReader) {
    this.target = target;
  }

  async write(ref: PartitionRef, records: readonly RecordToWrite[]): Promise<{ firstOffset: bigint }> {
    await Promise.resolve();
    const n = this.writes++;
    const reported = this.hook?.(ref, records, n);
    const first = this.target.log(ref).append(records);
    return { firstOffset: reported ?? first };
  }

  /**
   * Gives this writer `writeBatches`: each batch (a FakeRawBatch) appends its records; the batches
   * must be in order without overlap and their header bytes must agree with baseOffset and count.
   */
  enableBatches(): this {
    this.writeBatches = (ref, batches) => this.#writeBatches(ref, batches);
    return this;
  }

  async #writeBatches(ref: PartitionRef, batches: readonly RawBatch[]): Promise<{ firstOffset: bigint }> {
    await Promise.resolve();
    const records: SourceRecord[] = [];
    let previousEnd: bigint | undefined;
    for (const b of batches) {
      const fake = b as Partial<FakeRawBatch>;
      const h = batchHeaderOf(b.bytes);
      if (
        fake.records === undefined ||
        fake.records.length !== b.count ||
        h.baseOffset !== b.baseOffset ||
        h.count !== b.count ||
        (previousEnd !== undefined && b.baseOffset < previousEnd)
      ) {
        throw new Error(`FakeWriter.writeBatches: bad batch at ${b.baseOffset} (${b.count} records)`);
      }
      previousEnd = b.baseOffset + BigInt(b.count);
      records.push(...fake.records);
    }
    const n = this.writes++;
    this.batchWrites.push(batches);
    const reported = this.hook?.(ref, records, n, batches);
    const first = this.target.log(ref).append(records);
    return { firstOffset: reported ?? first };
  }

  async endOffsets(refs: readonly PartitionRef[]): Promise<Map<string, bigint>> {
    return new Map(refs.map((r) => [partitionKey(r), this.target.log(r).end]));
  }

  async close(): Promise<void> {}
}

export class MemoryStore implements ObjectStore {
  readonly url = 's3://memory/prefix';
  readonly objects = new Map<string, Uint8Array>();
  puts: { key: string; body: string | Uint8Array }[] = [];
  gets: string[] = [];
  failPut: ((key: string) => boolean) | undefined;

  async put(key: string, body: ObjectBody, _options?: PutOptions): Promise<void> {
    await Promise.resolve();
    if (this.failPut?.(key)) {
      throw new TransientError(`put ${key} failed`, { code: 'S3_TEST_FAILURE' });
    }
    const bytes =
      typeof body === 'string'
        ? new TextEncoder().encode(body)
        : body instanceof Uint8Array
          ? body
          : new Uint8Array(Buffer.concat(body.map((c) => Buffer.from(c)))); // a copy: the caller may reuse views
    this.puts.push({ key, body: typeof body === 'string' ? body : bytes });
    this.objects.set(key, bytes);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.gets.push(key);
    return this.objects.get(key);
  }

  async list(prefix: string, options: { readonly limit?: number } = {}): Promise<ObjectHead[]> {
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, options.limit ?? Number.POSITIVE_INFINITY)
      .map(([key, v]) => ({ key, bytes: v.length }));
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  async bucketFacts(): Promise<BucketFacts> {
    return { exists: true, objectLockEnabled: false, versioningEnabled: false, kmsKeyArn: undefined };
  }

  text(key: string): string | undefined {
    const v = this.objects.get(key);
    return v === undefined ? undefined : new TextDecoder().decode(v);
  }
}
