/**
 * FirstRecordTimestamps (core/ports.ts) on the data path's reader (reader.ts): for precheck W08,
 * the largest timestamp of the first record batch at each partition's log start.
 *
 * Why the first batch's LARGEST timestamp: for a CreateTime topic, Kafka's time retention deletes a
 * whole log segment once the largest timestamp in it is older than retention.ms (a segment is never
 * deleted while any record in it is younger). The copy restores records with their original
 * timestamps, and on the target the oldest ones can end up in a segment of their own (the target
 * rolls a new segment as soon as segment.ms has passed since the first record's timestamp, which
 * for old records is at once). The earliest such segment holds at least the first batch, so the
 * first moment the target can delete anything is when the first batch's largest timestamp ages
 * past retention.ms. The smallest timestamp would warn too early (the batch survives until its
 * newest record ages out); a later batch's would warn too late.
 *
 * How: one Fetch per partition at its log start with max bytes 1 — Kafka answers with at least the
 * whole first batch (KIP-74) and no more — read_uncommitted, without a consumer group. A first
 * batch without data records (a transaction marker) moves on to the next one, a few times at most.
 * Bounded concurrency (the reader keeps a few connections per broker) and one time budget for the
 * whole call: a partition not read by then is left out (unknown), never waited for.
 */
import type { ClusterConfig } from '../../domain/config/schema.ts';
import {
  type FirstRecordTimestamps,
  type PartitionAtLogStart,
  partitionKey,
  type RecordReader,
} from '../../ports.ts';
import { type PlatformaticReaderOptions, PlatformaticRecordReader } from './reader.ts';

/** Batches without data records (markers) skipped before a partition counts as unknown. */
const MAX_FETCHES_PER_PARTITION = 4;

export class FirstBatchTimestamps implements FirstRecordTimestamps {
  static async create(
    cluster: ClusterConfig,
    options: Omit<PlatformaticReaderOptions, 'isolationLevel'> = {},
  ): Promise<FirstBatchTimestamps> {
    const reader = await PlatformaticRecordReader.create(cluster, {
      retries: 1,
      ...options,
      isolationLevel: 'read_uncommitted',
    });
    return new FirstBatchTimestamps(reader);
  }

  private readonly reader: RecordReader;

  constructor(reader: RecordReader) {
    this.reader = reader;
  }

  async firstBatchMaxTimestamps(
    partitions: readonly PartitionAtLogStart[],
    options: { readonly timeoutMs: number; readonly concurrency: number },
  ): Promise<Map<string, bigint>> {
    const found = new Map<string, bigint>();
    const deadline = Date.now() + options.timeoutMs;
    let next = 0;
    const worker = async () => {
      while (next < partitions.length && Date.now() < deadline) {
        const p = partitions[next++] as PartitionAtLogStart;
        const ts = await this.firstBatch(p, deadline).catch(() => undefined);
        if (ts !== undefined && Date.now() <= deadline) found.set(partitionKey(p), ts);
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.timeoutMs);
    });
    const workers = Array.from(
      { length: Math.max(1, Math.min(options.concurrency, partitions.length)) },
      worker,
    );
    await Promise.race([Promise.all(workers), budget]);
    clearTimeout(timer);
    return new Map(found);
  }

  close(): Promise<void> {
    return this.reader.close();
  }

  private async firstBatch(p: PartitionAtLogStart, deadline: number): Promise<bigint | undefined> {
    let offset = p.logStart;
    for (let i = 0; i < MAX_FETCHES_PER_PARTITION && Date.now() < deadline; i++) {
      const f = await this.reader.fetch(p, offset, { maxBytes: 1, maxWaitMs: 0 });
      if (f.records.length > 0)
        return f.records.reduce((max, r) => (r.timestamp > max ? r.timestamp : max), -1n);
      if (f.nextOffset <= offset || f.nextOffset >= f.highWatermark) return undefined;
      offset = f.nextOffset;
    }
    return undefined;
  }
}
