/**
 * Small in-memory fakes of the data-path ports, for the cases a real broker cannot produce on demand
 * (the log start moving between two fetches, a write landing at the wrong offset, a late append
 * during reconciliation). Everything else is tested against the real stack (test/it/copier).
 */
import { PreconditionError, TransientError } from '../../../../core/domain/errors.ts';
import type {
  BucketFacts,
  FetchResult,
  ObjectHead,
  ObjectStore,
  PartitionOffsetsDetail,
  PartitionRef,
  PutOptions,
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

/** A RecordReader over FakeLogs; `perFetch` records per fetch; `beforeFetch` may change the logs. */
export class FakeReader implements RecordReader {
  readonly logs = new Map<string, FakeLog>();
  perFetch = 10;
  fetches = 0;
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
  writes = 0;
  /** Called before a write is applied; may throw or return a firstOffset to report instead. */
  hook: ((ref: PartitionRef, records: readonly RecordToWrite[], n: number) => bigint | undefined) | undefined;

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

  async endOffsets(refs: readonly PartitionRef[]): Promise<Map<string, bigint>> {
    return new Map(refs.map((r) => [partitionKey(r), this.target.log(r).end]));
  }

  async close(): Promise<void> {}
}

export class MemoryStore implements ObjectStore {
  readonly url = 's3://memory/prefix';
  readonly objects = new Map<string, Uint8Array>();
  puts: { key: string; body: string | Uint8Array }[] = [];
  failPut: ((key: string) => boolean) | undefined;

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<void> {
    await Promise.resolve();
    if (this.failPut?.(key)) {
      throw new TransientError(`put ${key} failed`, { code: 'S3_TEST_FAILURE' });
    }
    this.puts.push({ key, body });
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }

  async list(prefix: string): Promise<ObjectHead[]> {
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
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
