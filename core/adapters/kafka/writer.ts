/**
 * RecordWriter on @platformatic/kafka's idempotent Producer: explicit partition, the record's own
 * timestamp (CreateTime), key/value kept null or empty as they are, headers as ordered pairs with
 * duplicates and null values, acks=all, lz4 by default. One request per partition at a time;
 * throughput from partitions in parallel over `producers` idempotent producers.
 *
 * How offsets of a write are checked, how batches are cut and halved on MESSAGE_TOO_LARGE, why
 * batches of one partition are not pipelined, and what the caller reconciles after a failed write:
 * docs/data-path.md, "Writing".
 */
import { Consumer, type MessageToProduce, Producer } from '@platformatic/kafka';
import type { ClusterConfig } from '../../domain/config/schema.ts';
import { InvariantError, PreconditionError, TransientError } from '../../domain/errors.ts';
import {
  type PartitionRef,
  partitionKey,
  type RawBatch,
  type RecordHeader,
  type RecordToWrite,
  type RecordWriter,
  type RecordWriterOptions,
  type WriterCompression,
} from '../../ports.ts';
import { BatchProducer, BatchRejectedError } from './batch-producer.ts';
import {
  type ClientDeps,
  type ConnectionSettings,
  type PlatformaticConnectionOptions,
  platformaticOptions,
  resolveConnectionSettings,
} from './client.ts';
import {
  LATEST,
  listPartitionOffsets,
  notConsecutiveError,
  PLATFORMATIC_RETRY,
  PRODUCE_TIMEOUT_MS,
  requestCounts,
  StickyLanes,
} from './data-client.ts';
import { recordWireBytes, splitIntoBatches } from './data-records.ts';
import { type KafkaOperation, kafkaErrorName, toCatalogueError } from './errors.ts';
import { decodeRecordBatches } from './reader.ts';

export interface PlatformaticWriterOptions extends RecordWriterOptions {
  readonly deps?: ClientDeps;
}

const DEFAULT_MAX_BATCH_BYTES = 1_000_000;
/**
 * Producers one topic's partitions are spread over (StickyLanes `perGroup`): each producer caches the
 * partition table of every topic it writes, so this bounds the copies of a wide topic's table (8
 * instead of the tail's 32), while a seed's partitions in flight (≤ 8 by default) still get a
 * producer each.
 */
const PRODUCERS_PER_TOPIC = 8;

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
/** Idempotence errors after which a fresh producer id (and a reconciliation) is all it takes. */
const PRODUCER_STATE_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'DUPLICATE_SEQUENCE_NUMBER',
  'INVALID_PRODUCER_EPOCH',
  'UNKNOWN_PRODUCER_ID',
  'PRODUCER_FENCED',
]);

interface PartitionQueue {
  tail: Promise<void>;
  failed: unknown;
  pending: number;
}

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer | null>;

/** A Buffer view of the bytes (no copy); always a new object, so Map keys never collide. */
function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toHeaderMap(headers: readonly RecordHeader[]): Map<Buffer, Buffer | null> {
  // platformatic writes a Map's entries in insertion order; distinct key objects keep duplicates.
  const map = new Map<Buffer, Buffer | null>();
  for (const [k, v] of headers) map.set(view(k), v === null ? null : view(v));
  return map;
}

export class PlatformaticRecordWriter implements RecordWriter {
  private readonly settings: ConnectionSettings;
  private readonly connection: PlatformaticConnectionOptions;
  private readonly compression: WriterCompression;
  private readonly maxBatchBytes: number;
  private readonly producerCount: number;
  private readonly retries: number;
  /** The partitions' producers: a partition keeps the one it got first. */
  private readonly producers: StickyLanes<Producer<Buffer, Buffer, Buffer, Buffer | null>>;
  private readonly queues = new Map<string, PartitionQueue>();
  /** Metadata checks and ListOffsets (never joins a group). */
  private readonly client: Consumer;
  private batchProducer: BatchProducer | undefined;
  /** Partitions found on the target (checkPartitions). */
  private readonly existing = new Set<string>();
  private closed = false;

  static async create(
    cluster: ClusterConfig,
    options: PlatformaticWriterOptions = {},
  ): Promise<PlatformaticRecordWriter> {
    const settings = await resolveConnectionSettings(cluster, {
      clientId: 'kraft-migrate-writer',
      ...options.deps,
    });
    return new PlatformaticRecordWriter(settings, options);
  }

  constructor(settings: ConnectionSettings, options: PlatformaticWriterOptions = {}) {
    this.settings = settings;
    this.connection = platformaticOptions(settings);
    this.compression = options.compression ?? 'lz4';
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.producerCount = Math.max(1, options.producers ?? 4);
    this.retries = options.retries ?? 5;
    this.producers = new StickyLanes(
      this.producerCount,
      () =>
        new Producer<Buffer, Buffer, Buffer, Buffer | null>({
          ...this.connection,
          retries: this.retries,
          retryDelay: PLATFORMATIC_RETRY.retryDelay,
          idempotent: true,
          acks: -1,
          compression: this.compression,
          timeout: PRODUCE_TIMEOUT_MS,
          autocreateTopics: false,
          repeatOnStaleMetadata: true,
        }),
      { perGroup: PRODUCERS_PER_TOPIC },
    );
    if (!Number.isInteger(this.maxBatchBytes) || this.maxBatchBytes < 1024) {
      throw new InvariantError(`maxBatchBytes must be an integer ≥ 1024, got ${options.maxBatchBytes}`);
    }
    this.client = new Consumer({
      ...this.connection,
      ...PLATFORMATIC_RETRY,
      groupId: `${settings.clientId}-no-group`,
    });
  }

  write(ref: PartitionRef, records: readonly RecordToWrite[]): Promise<{ firstOffset: bigint }> {
    return this.enqueue(ref, () => this.writeNow(ref, records));
  }

  /** Source batches as they are (ports.ts RawBatch), through the BatchProducer; same queue as `write`. */
  writeBatches(ref: PartitionRef, batches: readonly RawBatch[]): Promise<{ firstOffset: bigint }> {
    return this.enqueue(ref, () => this.writeBatchesNow(ref, batches));
  }

  private async writeBatchesNow(
    ref: PartitionRef,
    batches: readonly RawBatch[],
  ): Promise<{ firstOffset: bigint }> {
    if (batches.length === 0)
      return { firstOffset: (await this.endOffsets([ref])).get(partitionKey(ref)) as bigint };
    try {
      await this.checkPartitions([ref]);
    } catch (e) {
      throw toCatalogueError(e, this.settings.brokers, this.produceOp(ref));
    }
    this.batchProducer ??= new BatchProducer(this.client, this.connection, { lanes: this.producerCount });
    try {
      return { firstOffset: await this.batchProducer.produce(ref, batches) };
    } catch (e) {
      const name = kafkaErrorName(e);
      if (name !== undefined && TOO_LARGE.has(name) && e instanceof BatchRejectedError) {
        if (e.index === 0) return this.writeTooLargeBatch(ref, batches);
        // Batches before it landed: the caller reconciles and sends it first next time (above).
        throw new TransientError(
          `${name} for a batch of ${partitionKey(ref)} behind ${e.index} written ones`,
          {
            code: 'KAFKA_BATCH_TOO_LARGE',
            fix: 'Nothing to do: the copy reconciles and writes that batch record by record.',
            cause: e,
          },
        );
      }
      if (name !== undefined && PRODUCER_STATE_ERRORS.has(name)) {
        // The broker lost or doubts the partition's producer state (expired after
        // producer.id.expiration.ms of idleness, or a batch before failed): the producer id was
        // dropped, the caller reconciles and writes again under a new one.
        throw new TransientError(`${name} for ${partitionKey(ref)}: the producer id is replaced`, {
          code: 'KAFKA_PRODUCER_STATE_RESET',
          fix: 'Nothing to do: the copy reconciles with the target end offset and continues with a new producer id.',
          cause: e,
        });
      }
      throw toCatalogueError(e, this.settings.brokers, this.produceOp(ref));
    }
  }

  /**
   * The target refused the first batch as too large (its max.message.bytes is below the source's):
   * its records go through the record path, which cuts them into batches the target takes (and names
   * a single record that is too large on its own), then the rest passes through again.
   */
  private async writeTooLargeBatch(
    ref: PartitionRef,
    batches: readonly RawBatch[],
  ): Promise<{ firstOffset: bigint }> {
    const [first, ...rest] = batches as [RawBatch, ...RawBatch[]];
    const records = decodeRecordBatches([first.bytes]);
    if (records.length !== first.count) {
      throw new InvariantError(
        `the batch from source offset ${first.baseOffset} decodes to ${records.length} records, its header says ${first.count}`,
        { code: 'KAFKA_UNDECODABLE_BATCH', fix: 'Report this with the copier log.' },
      );
    }
    const { firstOffset } = await this.writeNow(ref, records);
    if (rest.length > 0) {
      const next = await this.writeBatchesNow(ref, rest);
      const expected = firstOffset + BigInt(first.count);
      if (next.firstOffset !== expected) throw notConsecutiveError(ref, expected, next.firstOffset);
    }
    return { firstOffset };
  }

  /** Writes to one partition run one after another; after a failure the queued ones are rejected. */
  private enqueue(
    ref: PartitionRef,
    job: () => Promise<{ firstOffset: bigint }>,
  ): Promise<{ firstOffset: bigint }> {
    const key = partitionKey(ref);
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { tail: Promise.resolve(), failed: undefined, pending: 0 };
      this.queues.set(key, queue);
    }
    const q = queue;
    q.pending++;
    const run = q.tail.then(() => {
      if (q.failed !== undefined) {
        throw new TransientError(
          `write to ${key} not attempted: an earlier write to the same partition, issued before it, failed`,
          {
            code: 'KAFKA_WRITE_ABORTED',
            fix: 'Reconcile with the target end offset (endOffsets) and write again from there.',
            cause: q.failed,
          },
        );
      }
      return job();
    });
    q.tail = run.then(
      () => undefined,
      (e: unknown) => {
        q.failed ??= e;
      },
    );
    const settle = () => {
      q.pending--;
      if (q.pending === 0 && this.queues.get(key) === q) this.queues.delete(key);
    };
    run.then(settle, settle);
    return run;
  }

  async endOffsets(refs: readonly PartitionRef[]): Promise<Map<string, bigint>> {
    const op: KafkaOperation = {
      operation: 'ListOffsets',
      resource:
        refs.length === 1
          ? `partition ${partitionKey(refs[0] as PartitionRef)}`
          : `${refs.length} partitions`,
    };
    try {
      await this.checkPartitions(refs);
      return await listPartitionOffsets(this.client, refs, LATEST, 'read_uncommitted');
    } catch (e) {
      throw toCatalogueError(e, this.settings.brokers, op);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([
      this.client.close(),
      ...this.producers.lanes.map((p) => p.close()),
      this.batchProducer?.close(),
    ]);
  }

  // -------------------------------------------------------------------------------------------

  private async writeNow(
    ref: PartitionRef,
    records: readonly RecordToWrite[],
  ): Promise<{ firstOffset: bigint }> {
    if (records.length === 0) {
      // Nothing to append: the offset the first record would have had.
      return { firstOffset: (await this.endOffsets([ref])).get(partitionKey(ref)) as bigint };
    }
    try {
      await this.checkPartitions([ref]);
    } catch (e) {
      throw toCatalogueError(e, this.settings.brokers, this.produceOp(ref));
    }
    let first: bigint | undefined;
    let expected: bigint | undefined;
    for (const batch of splitIntoBatches(records, this.maxBatchBytes)) {
      const base = await this.sendBatch(ref, batch);
      if (expected !== undefined && base !== expected) throw notConsecutiveError(ref, expected, base);
      first ??= base;
      expected = base + BigInt(batch.length);
    }
    return { firstOffset: first as bigint };
  }

  /** Sends one batch; halves it on MESSAGE_TOO_LARGE. Resolves with the base offset. */
  private async sendBatch(ref: PartitionRef, batch: readonly RecordToWrite[]): Promise<bigint> {
    try {
      return await this.produce(ref, batch);
    } catch (e) {
      const name = kafkaErrorName(e);
      if (name === undefined || !TOO_LARGE.has(name))
        throw toCatalogueError(e, this.settings.brokers, this.produceOp(ref));
      if (batch.length === 1) throw this.tooLarge(ref, batch[0] as RecordToWrite, name, e);
      const half = Math.ceil(batch.length / 2);
      const base = await this.sendBatch(ref, batch.slice(0, half));
      const second = await this.sendBatch(ref, batch.slice(half));
      if (second !== base + BigInt(half)) throw notConsecutiveError(ref, base + BigInt(half), second);
      return base;
    }
  }

  private async produce(ref: PartitionRef, batch: readonly RecordToWrite[]): Promise<bigint> {
    const messages: Message[] = batch.map((r) => ({
      topic: ref.topic,
      partition: ref.partition,
      // null is written as length -1 (a null key / tombstone value), an empty buffer as length 0.
      key: (r.key === null ? null : view(r.key)) as Buffer,
      value: (r.value === null ? null : view(r.value)) as Buffer,
      timestamp: r.timestamp,
      headers: toHeaderMap(r.headers),
    }));
    requestCounts.produce++;
    const result = await this.producers.of(partitionKey(ref), ref.topic).send({ messages });
    const base = result.offsets?.find((o) => o.topic === ref.topic && o.partition === ref.partition)?.offset;
    if (base === undefined || base < 0n) {
      throw new InvariantError(
        `Produce to ${partitionKey(ref)} was acknowledged without a base offset (${String(base)})`,
        { code: 'KAFKA_NO_BASE_OFFSET', fix: 'Check the target broker version (Kafka ≥ 3.5 expected).' },
      );
    }
    return base;
  }

  /**
   * The partition must exist: platformatic takes an explicit partition modulo the partition count,
   * so writing to a partition the target lacks would silently land in another one. Checked once per
   * partition (every write calls this; a partition does not go away during a copy).
   */
  private async checkPartitions(refs: readonly PartitionRef[]): Promise<void> {
    const unchecked = refs.filter((r) => !this.existing.has(partitionKey(r)));
    if (unchecked.length === 0) return;
    const metadata = await this.client.metadata({ topics: [...new Set(unchecked.map((r) => r.topic))] });
    for (const ref of unchecked) {
      const count = metadata.topics.get(ref.topic)?.partitionsCount ?? 0;
      if (ref.partition < 0 || ref.partition >= count) {
        throw new PreconditionError(
          `partition ${ref.partition} of topic ${ref.topic} does not exist on the target (${count} partitions)`,
          {
            code: 'KAFKA_UNKNOWN_TOPIC',
            fix: 'Run the topology step first: the target topic needs the source partition count.',
          },
        );
      }
      this.existing.add(partitionKey(ref));
    }
  }

  private produceOp(ref: PartitionRef): KafkaOperation {
    return { operation: 'Produce', resource: `partition ${partitionKey(ref)}` };
  }

  private tooLarge(
    ref: PartitionRef,
    record: RecordToWrite,
    name: string,
    cause: unknown,
  ): PreconditionError {
    const bytes = recordWireBytes(record);
    return new PreconditionError(
      `${name}: the target rejected a record of ${bytes} bytes for ${ref.topic} partition ${ref.partition}`,
      {
        code: 'KAFKA_MESSAGE_TOO_LARGE',
        fix:
          `Raise max.message.bytes of topic ${ref.topic} on the target (or the broker's message.max.bytes) to at ` +
          `least ${bytes + 100} — the source accepted this record, so its limit was higher — then resume.`,
        cause,
      },
    );
  }
}
