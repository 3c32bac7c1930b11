/**
 * RecordReader on @platformatic/kafka: reads one partition from an explicit offset, without a
 * consumer group, with Kafka's own Fetch request and our own READ_COMMITTED filtering.
 *
 * Why not `Consumer.fetch()`: it (a) filters aborted transactions incorrectly
 * (`#filterUncommittedMessages` keeps one aborted range per producer and drops ranges whose abort
 * marker is not in the response: aborted records leak, see data-records.ts), and (b) keeps one
 * KIP-227 fetch session per broker, which concurrent fetches of different partitions would keep
 * invalidating. So this reader sends sessionless Fetch requests (session id 0, epoch -1) itself
 * through platformatic's Connection, lets platformatic decode and decompress the record batches
 * (gzip, snappy, lz4, zstd — no native modules), and filters with `decodeFetchedBatches`.
 *
 * Connections: a Kafka broker handles the requests of one connection strictly one after another
 * (it reads the next request only after answering the previous one), so concurrent fetches of
 * several partitions pipelined on one connection would serialize — and a long-polling fetch of an
 * idle partition (max wait) would hold up a busy one. Fetches therefore go over up to
 * `connectionsPerBroker` connections per broker: a fetch takes a connection with nothing in flight
 * to that broker, opening another one while fewer than the limit exist, and only then shares the
 * least busy one. Metadata and ListOffsets use one more platformatic client. With the default 4 and
 * `seed.max_concurrent_partitions` 4 no partition waits for another.
 *
 * Kafka versions: sources 2.8.2 and 3.9.2 are tested (README, precheck B18); the Fetch request
 * version is negotiated (v4…v17, topic ids from v13). Record batches must
 * be message format v2 (written by Kafka ≥ 0.11 clients); v0/v1 data raises a PreconditionError
 * (KAFKA_UNDECODABLE_BATCH) naming the offset rather than being copied inexactly.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Broker,
  type ClusterMetadata,
  type Connection,
  ConnectionPool,
  Consumer,
  fetchV4,
  fetchV5,
  fetchV6,
  fetchV7,
  fetchV8,
  fetchV9,
  fetchV10,
  fetchV11,
  fetchV12,
  fetchV13,
  fetchV14,
  fetchV15,
  fetchV16,
  fetchV17,
  Reader,
  readRecordsBatches,
} from '@platformatic/kafka';
import { mapWithConcurrency } from '../../domain/concurrency.ts';
import type { ClusterConfig } from '../../domain/config/schema.ts';
import { causeText, PreconditionError } from '../../domain/errors.ts';
import {
  asRuns,
  type BatchFetchOptions,
  type BatchFetchResult,
  type FetchedRun,
  type FetchResult,
  type IsolationLevel,
  type MultiPartitionFetchOptions,
  type PartitionOffsetsDetail,
  type PartitionRef,
  partitionKey,
  type RawBatch,
  type RecordReader,
  type RecordReaderOptions,
  type SourceRecord,
} from '../../ports.ts';
import {
  type ClientDeps,
  type ConnectionSettings,
  type PlatformaticConnectionOptions,
  platformaticOptions,
  resolveConnectionSettings,
} from './client.ts';
import { crc32c } from './crc32c.ts';
import {
  EARLIEST,
  LATEST,
  listPartitionOffsets,
  NegotiatedVersion,
  PLATFORMATIC_RETRY,
  requestCounts,
} from './data-client.ts';
import { decodeFetchedBatches, type FetchedBatch, UndecodableBatchError } from './data-records.ts';
import {
  hasKafkaError,
  isNetworkFailure,
  type KafkaOperation,
  kafkaProtocolError,
  responseOfErrorCodes,
  toCatalogueError,
} from './errors.ts';
import {
  type BatchHeader,
  canPassThrough,
  lastOffsetOfHeader,
  parseBatchHeaders,
  selectBatches,
  verifiedRecordsCrc,
} from './raw-batches.ts';

/** connectionsPerBroker: see the module comment. */
export interface PlatformaticReaderOptions extends RecordReaderOptions {
  /** Dependencies of resolveConnectionSettings (MSK API, secrets, IAM token minting). */
  readonly deps?: ClientDeps;
}

const FETCH_API_KEY = 1;
const MIN_FETCH_VERSION = 4;
const FETCH_VERSIONS = {
  4: fetchV4,
  5: fetchV5,
  6: fetchV6,
  7: fetchV7,
  8: fetchV8,
  9: fetchV9,
  10: fetchV10,
  11: fetchV11,
  12: fetchV12,
  13: fetchV13,
  14: fetchV14,
  15: fetchV15,
  16: fetchV16,
  17: fetchV17,
} as const;
type FetchVersion = keyof typeof FETCH_VERSIONS;
const MAX_FETCH_VERSION = 17;
/** Fetch v13 replaced topic names by topic ids. */
const FIRST_TOPIC_ID_VERSION = 13;
/** Fetch v12 is the first flexible version (tagged fields in the request and response headers). */
const FIRST_FLEXIBLE_VERSION = 12;
const NULL_TOPIC_ID = '00000000-0000-0000-0000-000000000000';
/** Longest broker-side wait: stays well below the client request timeout (CLIENT_TIMEOUTS). */
const MAX_WAIT_MS = 30_000;

/** Partition errors after which fresh metadata (a new leader) and another try can succeed. */
const RETRY_AFTER_METADATA: ReadonlySet<string> = new Set([
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNKNOWN_TOPIC_ID',
  'INCONSISTENT_TOPIC_ID',
  'REPLICA_NOT_AVAILABLE',
  'KAFKA_STORAGE_ERROR',
  'OFFSET_NOT_AVAILABLE',
  'NOT_ENOUGH_REPLICAS',
  'BROKER_NOT_AVAILABLE',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
]);

interface FetchPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
  records?: FetchedBatch[] | null;
  /** The partition's record bytes, undecoded (raw fetches). */
  rawRecords?: Uint8Array | null;
}

/** A partition's part of a multi-partition fetch, with what charges it to the buffer budget. */
interface FetchedPartition extends FetchPartitionResponse {
  charge?: ((bytes: number) => () => void) | undefined;
}

interface FetchResponseShape {
  errorCode?: number;
  responses: { topicId: string; partitions: FetchPartitionResponse[] }[];
}

/** A fetch to repeat as it is (the answer was stale). */
class RetryFetch extends Error {
  override readonly name = 'RetryFetch';
}

export class PlatformaticRecordReader implements RecordReader {
  private readonly settings: ConnectionSettings;
  private readonly connection: PlatformaticConnectionOptions;
  private readonly isolation: IsolationLevel;
  private readonly maxConnectionsPerBroker: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  /** Metadata, ApiVersions and ListOffsets. Never joins a group (no consume()/joinGroup()). */
  private readonly client: Consumer;
  /** Fetch connections: lane i holds at most one connection per broker. */
  private readonly lanes: ConnectionPool[] = [];
  private readonly inFlight = new Map<string, number>();
  private readonly fetchVersion: NegotiatedVersion<FetchVersion>;
  /** The wide tail's multi-partition Fetch (options.multiPartitionFetch). */
  private readonly multi: MultiPartitionFetcher | undefined;
  /** ListOffsets of partitions starting at once (seed lanes, the wide tail) in one round. */
  private readonly offsetRounds: OffsetsBatcher;
  private closed = false;

  static async create(
    cluster: ClusterConfig,
    options: PlatformaticReaderOptions = {},
  ): Promise<PlatformaticRecordReader> {
    const settings = await resolveConnectionSettings(cluster, {
      clientId: 'kraft-migrate-reader',
      ...options.deps,
    });
    return new PlatformaticRecordReader(settings, options);
  }

  constructor(settings: ConnectionSettings, options: PlatformaticReaderOptions = {}) {
    this.settings = settings;
    this.connection = platformaticOptions(settings);
    this.isolation = options.isolationLevel ?? 'read_committed';
    this.maxConnectionsPerBroker = Math.max(1, options.connectionsPerBroker ?? 4);
    this.retries = options.retries ?? 5;
    this.backoffMs = options.retryBackoffMs ?? 200;
    this.client = new Consumer({
      ...this.connection,
      ...PLATFORMATIC_RETRY,
      groupId: `${settings.clientId}-no-group`,
      isolationLevel: this.isolation === 'read_committed' ? 1 : 0,
    });
    this.fetchVersion = new NegotiatedVersion(
      this.client,
      { key: FETCH_API_KEY, name: 'Fetch', min: MIN_FETCH_VERSION, max: MAX_FETCH_VERSION },
      `the brokers ${settings.brokers.join(',')}`,
    );
    if (options.multiPartitionFetch) {
      this.multi = new MultiPartitionFetcher(
        options.multiPartitionFetch,
        this.maxConnectionsPerBroker,
        this.isolation,
        (node, broker, version, raw, args) => this.sendOnLane(node, broker, version, raw, args),
      );
    }
    this.offsetRounds = new OffsetsBatcher((refs) => this.listOffsets(refs));
  }

  async fetch(
    ref: PartitionRef,
    offset: bigint,
    options: { maxBytes: number; maxWaitMs: number },
  ): Promise<FetchResult> {
    const partition = await this.withRetries(ref, (refresh) =>
      this.fetchPartition(ref, offset, options, refresh, false),
    );
    const decoded = decodeFetchedBatches(partition.records ?? [], {
      fetchOffset: offset,
      isolationLevel: this.isolation,
      abortedTransactions: partition.abortedTransactions,
    });
    return { records: decoded.records, nextOffset: decoded.nextOffset, ...offsetsOf(partition) };
  }

  /**
   * The batch pass-through fetch (ports.ts RawBatch): Fetch v11 with the partition's record bytes
   * left undecoded; batches are selected on their headers (read_committed), and only those that
   * cannot pass through (or are smaller than `minBatchBytes`) are decoded, each on its own.
   */
  async fetchBatches(
    ref: PartitionRef,
    offset: bigint,
    options: BatchFetchOptions,
  ): Promise<BatchFetchResult> {
    if ((await this.fetchVersion.get()) < RAW_FETCH_VERSION) {
      return asRuns(await this.fetch(ref, offset, options));
    }
    const partition = await this.withRetries(ref, (refresh) =>
      this.fetchPartition(ref, offset, options, refresh, true),
    );
    const release = partition.charge?.(partition.rawRecords?.byteLength ?? 0);
    try {
      const selected = selectBatches(parseBatchHeaders(partition.rawRecords ?? new Uint8Array(0)), {
        fetchOffset: offset,
        isolationLevel: this.isolation,
        abortedTransactions: partition.abortedTransactions,
      });
      const recordsCrcs = new Map<BatchHeader, number>();
      for (const h of selected.kept) {
        if (options.upTo !== undefined && h.baseOffset >= options.upTo) break; // not handed out (toRuns)
        // Copied as they are, batches get a new CRC: check the source's first (the target would
        // otherwise have been the one to notice).
        const recordsCrc = verifiedRecordsCrc(h.bytes, crc32c);
        if (recordsCrc === undefined) throw corruptBatch(ref, h.baseOffset);
        recordsCrcs.set(h, recordsCrc);
      }
      const runs = toRuns(selected.kept, selected.nextOffset, {
        fetchOffset: offset,
        ...options,
        recordsCrcs,
      });
      return { runs, nextOffset: selected.nextOffset, ...offsetsOf(partition), release };
    } catch (e) {
      release?.();
      throw toCatalogueError(e, this.settings.brokers, {
        operation: 'Fetch',
        resource: `partition ${partitionKey(ref)}`,
      });
    }
  }

  private async withRetries<T>(ref: PartitionRef, attemptOnce: (refresh: boolean) => Promise<T>): Promise<T> {
    const op: KafkaOperation = { operation: 'Fetch', resource: `partition ${partitionKey(ref)}` };
    for (let attempt = 0; ; attempt++) {
      try {
        return await attemptOnce(attempt > 0);
      } catch (e) {
        const again =
          !this.closed &&
          attempt < this.retries &&
          !(e instanceof UndecodableBatchError) &&
          (e instanceof RetryFetch || hasKafkaError(e, RETRY_AFTER_METADATA) || isNetworkFailure(e));
        if (!again) throw toCatalogueError(e, this.settings.brokers, op);
        await sleep(this.backoffMs * 2 ** attempt);
      }
    }
  }

  offsets(refs: readonly PartitionRef[]): Promise<Map<string, PartitionOffsetsDetail>> {
    return this.offsetRounds.get(refs);
  }

  private async listOffsets(refs: readonly PartitionRef[]): Promise<Map<string, PartitionOffsetsDetail>> {
    const op: KafkaOperation = {
      operation: 'ListOffsets',
      resource:
        refs.length === 1
          ? `partition ${partitionKey(refs[0] as PartitionRef)}`
          : `${refs.length} partitions`,
    };
    try {
      await this.partitionMetadata(refs, false);
      const [logStart, highWatermark, lastStable] = await Promise.all([
        listPartitionOffsets(this.client, refs, EARLIEST, 'read_uncommitted'),
        listPartitionOffsets(this.client, refs, LATEST, 'read_uncommitted'),
        listPartitionOffsets(this.client, refs, LATEST, 'read_committed'),
      ]);
      const out = new Map<string, PartitionOffsetsDetail>();
      for (const ref of refs) {
        const key = partitionKey(ref);
        out.set(key, {
          topic: ref.topic,
          partition: ref.partition,
          logStart: logStart.get(key) as bigint,
          highWatermark: highWatermark.get(key) as bigint,
          lastStable: lastStable.get(key) as bigint,
        });
      }
      return out;
    } catch (e) {
      throw toCatalogueError(e, this.settings.brokers, op);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.client.close(), ...this.lanes.map((lane) => lane.close())]);
  }

  // -------------------------------------------------------------------------------------------

  private async fetchPartition(
    ref: PartitionRef,
    offset: bigint,
    options: { maxBytes: number; maxWaitMs: number },
    refreshMetadata: boolean,
    raw: boolean,
  ): Promise<FetchedPartition> {
    const metadata = await this.partitionMetadata([ref], refreshMetadata);
    const topic = metadata.topics.get(ref.topic);
    const leader = topic?.partitions[ref.partition]?.leader ?? -1;
    const broker = metadata.brokers.get(leader);
    if (!topic || leader < 0 || !broker)
      throw kafkaProtocolError(5, `partition ${partitionKey(ref)} has no leader`);

    let version = raw ? RAW_FETCH_VERSION : await this.fetchVersion.get();
    const hasTopicId = typeof topic.id === 'string' && topic.id !== NULL_TOPIC_ID;
    if (!hasTopicId && version >= FIRST_TOPIC_ID_VERSION)
      version = (FIRST_TOPIC_ID_VERSION - 1) as FetchVersion;
    const useTopicId = version >= FIRST_TOPIC_ID_VERSION;

    const topicId = useTopicId ? topic.id : ref.topic;
    const maxWaitMs = Math.min(Math.max(0, options.maxWaitMs), MAX_WAIT_MS);
    let result: FetchedPartition | undefined;
    if (this.multi) {
      result = await this.multi.fetch(leader, broker, version, raw, {
        topicId,
        partition: ref.partition,
        offset,
        maxBytes: options.maxBytes,
        maxWaitMs,
      });
    } else {
      const response = await this.sendOnLane(leader, broker, version, raw, [
        maxWaitMs,
        1, // min bytes: answer as soon as there is anything
        options.maxBytes,
        this.isolation === 'read_committed' ? 1 : 0,
        0, // session id: no fetch session (KIP-227) …
        -1, // … session epoch FINAL_EPOCH: a full, sessionless fetch
        [
          {
            topicId,
            partitions: [
              {
                partition: ref.partition,
                currentLeaderEpoch: -1,
                fetchOffset: offset,
                lastFetchedEpoch: -1,
                partitionMaxBytes: options.maxBytes,
              },
            ],
          },
        ],
        [],
        '',
      ]);
      if (response.errorCode) throw kafkaProtocolError(response.errorCode, `Fetch of ${partitionKey(ref)}`);
      result = response.responses
        .flatMap((t) => t.partitions)
        .find((p) => p.partitionIndex === ref.partition);
    }
    if (!result) throw kafkaProtocolError(3, `Fetch response without ${partitionKey(ref)}`);
    if (result.errorCode === 1) return this.offsetOutOfRange(ref, offset);
    if (result.errorCode !== 0) throw kafkaProtocolError(result.errorCode, `Fetch of ${partitionKey(ref)}`);
    return result;
  }

  /**
   * OFFSET_OUT_OF_RANGE: the broker does not say where the log starts in that answer, so ask.
   * Below the log start → PreconditionError OFFSET_OUT_OF_RANGE (the caller records a gap); above
   * the high watermark → the same code (the source log was truncated); in range by now → retry.
   */
  private async offsetOutOfRange(ref: PartitionRef, offset: bigint): Promise<never> {
    const offsets = (await this.offsets([ref])).get(partitionKey(ref)) as PartitionOffsetsDetail;
    const where = `${ref.topic} partition ${ref.partition}`;
    if (offset < offsets.logStart) {
      throw new PreconditionError(
        `OFFSET_OUT_OF_RANGE: offset ${offset} of ${where} is below the log start ${offsets.logStart} — ` +
          `records ${offset}…${offsets.logStart - 1n} were deleted on the source (retention or DeleteRecords)`,
        {
          code: 'OFFSET_OUT_OF_RANGE',
          fix:
            `Record the gap and continue from ${offsets.logStart}. To avoid gaps, raise retention.ms / ` +
            'retention.bytes of the source topic for the duration of the migration.',
        },
      );
    }
    if (offset > offsets.highWatermark) {
      throw new PreconditionError(
        `OFFSET_OUT_OF_RANGE: offset ${offset} of ${where} is beyond the high watermark ${offsets.highWatermark} — ` +
          'the source log was truncated (e.g. after an unclean leader election)',
        {
          code: 'OFFSET_OUT_OF_RANGE',
          fix: 'Compare the copied range with the source and re-seed the partition; data on the source was lost.',
        },
      );
    }
    throw new RetryFetch(
      `Fetch of ${partitionKey(ref)} at ${offset}: OFFSET_OUT_OF_RANGE, but in range by now`,
    );
  }

  private async partitionMetadata(
    refs: readonly PartitionRef[],
    forceUpdate: boolean,
  ): Promise<ClusterMetadata> {
    const topics = [...new Set(refs.map((r) => r.topic))];
    const metadata = await this.client.metadata({ topics, forceUpdate });
    for (const ref of refs) {
      const topic = metadata.topics.get(ref.topic);
      if (!topic || ref.partition < 0 || ref.partition >= topic.partitionsCount) {
        throw kafkaProtocolError(3, `partition ${partitionKey(ref)} is not in the cluster metadata`);
      }
    }
    return metadata;
  }

  /** One Fetch request to `node` on a lane of its own (see acquireLane). */
  private async sendOnLane(
    node: number,
    broker: Broker,
    version: FetchVersion,
    raw: boolean,
    args: FetchArgs,
  ): Promise<FetchResponseShape> {
    const lane = this.acquireLane(node);
    try {
      const connection = await (this.lanes[lane] as ConnectionPool).get(broker);
      const first = args[6][0]?.partitions[0]?.fetchOffset ?? -1n;
      return await sendFetch(connection, version, raw, args, first);
    } finally {
      this.releaseLane(lane, node);
    }
  }

  /** A lane (connection pool) for a fetch from `node`: idle first, then a new one, then least busy. */
  private acquireLane(node: number): number {
    let best = -1;
    let bestCount = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.lanes.length; i++) {
      const n = this.inFlight.get(`${i}/${node}`) ?? 0;
      if (n < bestCount) {
        best = i;
        bestCount = n;
      }
    }
    if ((best < 0 || bestCount > 0) && this.lanes.length < this.maxConnectionsPerBroker) {
      this.lanes.push(new ConnectionPool(this.connection.clientId, this.connection));
      best = this.lanes.length - 1;
      bestCount = 0;
    }
    this.inFlight.set(`${best}/${node}`, bestCount + 1);
    return best;
  }

  private releaseLane(lane: number, node: number): void {
    const key = `${lane}/${node}`;
    this.inFlight.set(key, Math.max(0, (this.inFlight.get(key) ?? 1) - 1));
  }
}

type FetchArgs = [
  maxWaitMs: number,
  minBytes: number,
  maxBytes: number,
  isolationLevel: number,
  sessionId: number,
  sessionEpoch: number,
  topics: {
    topicId: string;
    partitions: {
      partition: number;
      currentLeaderEpoch: number;
      fetchOffset: bigint;
      lastFetchedEpoch: number;
      partitionMaxBytes: number;
    }[];
  }[],
  forgottenTopicsData: never[],
  rackId: string,
];

/**
 * One Fetch request on `connection`. platformatic's parser throws a ResponseError when any error
 * code is set; the parsed response travels on that error, and we want to read the partition's
 * error code ourselves (OFFSET_OUT_OF_RANGE, leadership), so it is unwrapped here.
 */
function sendFetch(
  connection: Connection,
  version: FetchVersion,
  raw: boolean,
  args: FetchArgs,
  fetchOffset: bigint,
): Promise<FetchResponseShape> {
  const api = FETCH_VERSIONS[version];
  const flexible = version >= FIRST_FLEXIBLE_VERSION;
  const createRequest = api.createRequest as (...a: FetchArgs) => ReturnType<typeof api.createRequest>;
  const parse = (correlationId: number, apiKey: number, apiVersion: number, reader: unknown) => {
    if (raw) return parseRawFetchV11(reader as Reader);
    try {
      return api.parseResponse(
        correlationId,
        apiKey,
        apiVersion,
        reader as never,
      ) as unknown as FetchResponseShape;
    } catch (e) {
      const response = responseOfErrorCodes(e);
      if (response) return response as FetchResponseShape;
      // A record batch platformatic cannot parse (e.g. message format v0/v1, which it reads as v2).
      throw new UndecodableBatchError(
        `the record batches fetched from offset ${fetchOffset} cannot be decoded (${causeText(e)}); ` +
          'data in message format v0/v1 (written before Kafka 0.11) is not supported',
        fetchOffset,
      );
    }
  };
  requestCounts.fetch++;
  for (const t of args[6]) requestCounts.fetchPartitions += t.partitions.length;
  return new Promise((resolve, reject) => {
    connection.send(
      FETCH_API_KEY,
      version,
      () => createRequest(...args),
      parse,
      flexible,
      flexible,
      (error: Error | null, response?: FetchResponseShape) => {
        if (error) reject(error);
        else resolve(response as FetchResponseShape);
      },
    );
  });
}

/**
 * One sessionless raw Fetch (READ_UNCOMMITTED, no wait) of one partition on `connection`: the
 * error code (the response's, else the partition's) and the record batches as bytes. For looks at
 * batch headers without decoding a record (the admin's transactional-data probe).
 */
export async function fetchRawRecords(
  connection: Connection,
  ref: PartitionRef,
  offset: bigint,
  maxBytes: number,
): Promise<{ errorCode: number; records: Uint8Array | null }> {
  const response = await sendFetch(
    connection,
    RAW_FETCH_VERSION,
    true,
    [
      0,
      0,
      maxBytes,
      0,
      0,
      -1,
      [
        {
          topicId: ref.topic,
          partitions: [
            {
              partition: ref.partition,
              currentLeaderEpoch: -1,
              fetchOffset: offset,
              lastFetchedEpoch: -1,
              partitionMaxBytes: maxBytes,
            },
          ],
        },
      ],
      [],
      '',
    ],
    offset,
  );
  const partition = response.responses
    .flatMap((t) => t.partitions)
    .find((p) => p.partitionIndex === ref.partition);
  return {
    errorCode: response.errorCode || (partition?.errorCode ?? 3),
    records: partition?.rawRecords ?? null,
  };
}

/** Fetch v11 is the newest version with topic names and no tagged fields: Kafka 2.3 … 4.x all serve it. */
const RAW_FETCH_VERSION = 11 as FetchVersion;

/**
 * Fetch v11 response (layout in @platformatic/kafka's fetch-v11.js), the records left as bytes.
 * Error codes are returned, not thrown: fetchPartition reads them.
 */
function parseRawFetchV11(reader: Reader): FetchResponseShape {
  reader.readInt32(); // throttle_time_ms
  const errorCode = reader.readInt16();
  reader.readInt32(); // session_id
  const responses = reader.readArray(
    (r) => ({
      topicId: r.readString(false),
      partitions: r.readArray(
        (r) => ({
          partitionIndex: r.readInt32(),
          errorCode: r.readInt16(),
          highWatermark: r.readInt64(),
          lastStableOffset: r.readInt64(),
          logStartOffset: r.readInt64(),
          abortedTransactions: r.readNullableArray(
            (r) => ({ producerId: r.readInt64(), firstOffset: r.readInt64() }),
            false,
            false,
          ),
          preferredReadReplica: r.readInt32(),
          rawRecords: r.readNullableBytes(false),
        }),
        false,
        false,
      ),
    }),
    false,
    false,
  );
  return { errorCode, responses } as FetchResponseShape;
}

function offsetsOf(p: FetchPartitionResponse) {
  return {
    highWatermark: p.highWatermark,
    lastStableOffset: p.lastStableOffset,
    logStartOffset: p.logStartOffset,
  };
}

/**
 * The records of record batches (v2, any codec) given as bytes — e.g. the batches of a KMSEG2
 * segment object. Control batches are skipped; no transaction filtering (selected batches only).
 */
export function decodeRecordBatches(batches: readonly Uint8Array[], from = -1n): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (const b of batches) {
    const bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    const decoded = readRecordsBatches(Reader.from(bytes)) as unknown as FetchedBatch[];
    const { records } = decodeFetchedBatches(decoded, {
      fetchOffset: from,
      isolationLevel: 'read_uncommitted',
    });
    for (const r of records) out.push(r);
  }
  return out;
}

/** Decodes one batch (decompressing it) into its records from `from` on, below `upTo`. */
function decodeBatch(h: BatchHeader, from: bigint, upTo: bigint | undefined): SourceRecord[] {
  let records: SourceRecord[];
  try {
    // Control and aborted batches were removed on their headers already.
    records = decodeRecordBatches([h.bytes], from);
  } catch (e) {
    if (e instanceof UndecodableBatchError) throw e;
    throw new UndecodableBatchError(
      `the record batch at offset ${h.baseOffset} cannot be decoded (${causeText(e)})`,
      h.baseOffset,
    );
  }
  return upTo === undefined ? records : records.filter((r) => r.offset < upTo);
}

function corruptBatch(ref: PartitionRef, offset: bigint): PreconditionError {
  return new PreconditionError(
    `the record batch at offset ${offset} of ${ref.topic} partition ${ref.partition} fails its CRC-32C check: ` +
      'the source returned corrupted data',
    {
      code: 'SOURCE_BATCH_CORRUPT',
      fix:
        `Check the partition's log segments on its leader (kafka-dump-log.sh --deep-iteration --files <segment>.log ` +
        'names the invalid batch), move leadership to a healthy replica or restore the segment, then resume: ' +
        'the copy continues from its last checkpoint; nothing from this batch on was written.',
    },
  );
}

/**
 * The selected batches of one fetch as runs: consecutive pass-through batches form a `batches` run,
 * everything else is decoded into a `records` run. Batches from `upTo` on are left out (the caller
 * stops there). A run covers up to where the next one starts; the last one up to `nextOffset`.
 */
function toRuns(
  kept: readonly BatchHeader[],
  nextOffset: bigint,
  range: {
    fetchOffset: bigint;
    upTo?: bigint | undefined;
    minBatchBytes: number;
    recordsCrcs: ReadonlyMap<BatchHeader, number>;
  },
): FetchedRun[] {
  const runs: FetchedRun[] = [];
  let batches: RawBatch[] = [];
  let records: SourceRecord[] = [];
  /** The source batches of `records`, while every one of them could be staged as it is. */
  let sourceBatches: RawBatch[] | undefined = [];
  const close = (end: bigint) => {
    if (batches.length > 0) runs.push({ kind: 'batches', batches, end });
    if (records.length > 0) runs.push({ kind: 'records', records, end, sourceBatches });
    batches = [];
    records = [];
    sourceBatches = [];
  };
  for (const h of kept) {
    if (range.upTo !== undefined && h.baseOffset >= range.upTo) break;
    if (canPassThrough(h, range)) {
      if (records.length > 0) close(h.baseOffset);
      batches.push({
        baseOffset: h.baseOffset,
        count: h.count,
        bytes: h.bytes,
        recordsCrc: range.recordsCrcs.get(h),
      });
    } else {
      const decoded = decodeBatch(h, range.fetchOffset, range.upTo);
      if (decoded.length === 0) continue;
      if (batches.length > 0) close(h.baseOffset);
      for (const r of decoded) records.push(r);
      // Staged as it is when the whole batch is wanted (its records decoded here are all of it).
      const last = lastOffsetOfHeader(h);
      if (
        decoded.length === h.count &&
        h.baseOffset >= range.fetchOffset &&
        (range.upTo === undefined || last < range.upTo)
      ) {
        const consecutive = last === h.baseOffset + BigInt(h.count) - 1n;
        sourceBatches?.push({
          baseOffset: h.baseOffset,
          count: h.count,
          bytes: h.bytes,
          ...(consecutive ? {} : { lastOffset: last }),
        });
      } else {
        sourceBatches = undefined;
      }
    }
  }
  close(nextOffset);
  return runs;
}

/** One partition's wish in a multi-partition Fetch. */
interface FetchWish {
  /** The topic as the request names it: its name (Fetch < v13) or its id. */
  readonly topicId: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly maxBytes: number;
  readonly maxWaitMs: number;
}

interface QueuedWish extends FetchWish {
  /** performance.now() until which an empty answer is asked again rather than handed back. */
  readonly holdUntil: number;
  readonly resolve: (p: FetchedPartition) => void;
  readonly reject: (e: unknown) => void;
}

/** The wishes for one broker at one Fetch version and form (raw or decoded). */
interface WishGroup {
  readonly node: number;
  readonly broker: Broker;
  readonly version: FetchVersion;
  readonly raw: boolean;
  queue: QueuedWish[];
  inFlight: number;
}

type SendFetch = (
  node: number,
  broker: Broker,
  version: FetchVersion,
  raw: boolean,
  args: FetchArgs,
) => Promise<FetchResponseShape>;

/** Whether a partition's part of a Fetch answer carries record bytes (raw or decoded). */
function hasRecords(p: FetchPartitionResponse): boolean {
  return (p.rawRecords?.byteLength ?? 0) > 0 || (p.records?.length ?? 0) > 0;
}

/**
 * The wide tail's Fetch (RecordReaderOptions.multiPartitionFetch): the fetches of many partitions
 * waiting at the same moment are sent as one Fetch request per leader broker — at most
 * `maxPartitionsPerRequest` partitions and `maxRequestBytes` of response each, at most `lanes`
 * requests in flight per broker — and each caller gets its partition's part of the answer, with its
 * own error code (the reader handles it as for a single-partition fetch: OFFSET_OUT_OF_RANGE,
 * leadership, retries of that partition alone). A failed request fails each of its partitions'
 * fetches (each retried by the reader on its own). Waiting wishes form a FIFO queue, so a partition
 * answered goes behind the others (no partition starves behind the response size limit). The
 * record bytes of pass-through fetches (`fetchBatches`, the tail's path) count against `bufferBytes`
 * until the caller releases them; no request goes out while that much is held, so memory follows
 * the options, not the number of partitions. Decoded fetches (`fetch`: a restart's adoption, or
 * pass-through switched off) are not counted: each is bounded by its request's `maxRequestBytes`.
 */
export class MultiPartitionFetcher {
  readonly #options: Required<MultiPartitionFetchOptions>;
  readonly #lanes: number;
  readonly #isolation: number;
  readonly #send: SendFetch;
  readonly #groups = new Map<string, WishGroup>();
  #held = 0;
  #scheduled = false;

  constructor(
    options: MultiPartitionFetchOptions,
    lanes: number,
    isolation: IsolationLevel,
    send: SendFetch,
  ) {
    this.#options = {
      maxRequestBytes: Math.max(1, options.maxRequestBytes),
      maxPartitionsPerRequest: Math.max(1, options.maxPartitionsPerRequest ?? 1000),
      bufferBytes: Math.max(1, options.bufferBytes),
      idleHoldMs: Math.max(0, options.idleHoldMs ?? 0),
    };
    this.#lanes = Math.max(1, lanes);
    this.#isolation = isolation === 'read_committed' ? 1 : 0;
    this.#send = send;
  }

  fetch(
    node: number,
    broker: Broker,
    version: FetchVersion,
    raw: boolean,
    wish: FetchWish,
  ): Promise<FetchedPartition> {
    const key = `${node}/${version}/${raw ? 'raw' : 'decoded'}`;
    let group = this.#groups.get(key);
    if (!group) {
      group = { node, broker, version, raw, queue: [], inFlight: 0 };
      this.#groups.set(key, group);
    }
    const g = group;
    return new Promise<FetchedPartition>((resolve, reject) => {
      g.queue.push({ ...wish, holdUntil: performance.now() + this.#options.idleHoldMs, resolve, reject });
      this.#schedule();
    });
  }

  /** Dispatches on the next turn of the event loop, so the fetches of one turn share requests. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      for (const g of this.#groups.values()) this.#dispatch(g);
    });
  }

  #dispatch(g: WishGroup): void {
    while (g.queue.length > 0 && g.inFlight < this.#lanes && this.#held < this.#options.bufferBytes) {
      const taken: QueuedWish[] = [];
      const rest: QueuedWish[] = [];
      const seen = new Set<string>();
      for (const w of g.queue) {
        const k = `${w.topicId}/${w.partition}`;
        // A partition once per request (a second wish for it waits for the next one).
        if (taken.length >= this.#options.maxPartitionsPerRequest || seen.has(k)) rest.push(w);
        else {
          seen.add(k);
          taken.push(w);
        }
      }
      g.queue = rest;
      g.inFlight++;
      void this.#request(g, taken).finally(() => {
        g.inFlight--;
        this.#schedule();
      });
    }
  }

  async #request(g: WishGroup, wishes: readonly QueuedWish[]): Promise<void> {
    const topics: FetchArgs[6] = [];
    const byTopic = new Map<string, FetchArgs[6][number]>();
    let maxWaitMs = MAX_WAIT_MS;
    for (const w of wishes) {
      if (w.maxWaitMs < maxWaitMs) maxWaitMs = w.maxWaitMs;
      let t = byTopic.get(w.topicId);
      if (!t) {
        t = { topicId: w.topicId, partitions: [] };
        byTopic.set(w.topicId, t);
        topics.push(t);
      }
      t.partitions.push({
        partition: w.partition,
        currentLeaderEpoch: -1,
        fetchOffset: w.offset,
        lastFetchedEpoch: -1,
        partitionMaxBytes: w.maxBytes,
      });
    }
    let response: FetchResponseShape;
    try {
      response = await this.#send(g.node, g.broker, g.version, g.raw, [
        maxWaitMs,
        1, // min bytes: answer as soon as any partition has something
        this.#options.maxRequestBytes,
        this.#isolation,
        0, // sessionless (see fetchPartition)
        -1,
        topics,
        [],
        '',
      ]);
    } catch (e) {
      for (const w of wishes) w.reject(e);
      return;
    }
    if (response.errorCode) {
      const error = kafkaProtocolError(response.errorCode, `Fetch of ${wishes.length} partition(s)`);
      for (const w of wishes) w.reject(error);
      return;
    }
    const answers = new Map<string, FetchPartitionResponse>();
    for (const t of response.responses)
      for (const p of t.partitions) answers.set(`${t.topicId}/${p.partitionIndex}`, p);
    const now = performance.now();
    for (const w of wishes) {
      const p = answers.get(`${w.topicId}/${w.partition}`);
      if (!p) {
        w.reject(kafkaProtocolError(3, `Fetch response without ${w.topicId}/${w.partition}`));
        continue;
      }
      if (p.errorCode === 0 && now < w.holdUntil && !hasRecords(p)) {
        g.queue.push(w); // idle: asked again by the next request (dispatched when this one ends)
        continue;
      }
      w.resolve({ ...p, charge: (bytes) => this.#charge(bytes) });
    }
  }

  /** Counts `bytes` as held until the returned function is called (once; later calls do nothing). */
  #charge(bytes: number): () => void {
    this.#held += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held -= bytes;
      this.#schedule();
    };
  }
}

/**
 * ListOffsets: the `offsets` calls of one turn of the event loop (the partitions a seed starts
 * together, thousands of tail partitions starting or reconciling at once) become one round for all
 * their partitions. When the round fails, each call is asked on its own, so an error names the
 * partitions of the call that has it.
 */
class OffsetsBatcher {
  readonly #list: (refs: readonly PartitionRef[]) => Promise<Map<string, PartitionOffsetsDetail>>;
  #waiting: {
    refs: readonly PartitionRef[];
    resolve: (m: Map<string, PartitionOffsetsDetail>) => void;
    reject: (e: unknown) => void;
  }[] = [];

  constructor(list: (refs: readonly PartitionRef[]) => Promise<Map<string, PartitionOffsetsDetail>>) {
    this.#list = list;
  }

  get(refs: readonly PartitionRef[]): Promise<Map<string, PartitionOffsetsDetail>> {
    return new Promise((resolve, reject) => {
      if (this.#waiting.length === 0) setImmediate(() => void this.#flush());
      this.#waiting.push({ refs, resolve, reject });
    });
  }

  async #flush(): Promise<void> {
    const calls = this.#waiting;
    this.#waiting = [];
    if (calls.length === 1) {
      const c = calls[0]!;
      return this.#list(c.refs).then(c.resolve, c.reject);
    }
    const all = new Map<string, PartitionRef>();
    for (const c of calls) for (const r of c.refs) all.set(partitionKey(r), r);
    let listed: Map<string, PartitionOffsetsDetail>;
    try {
      listed = await this.#list([...all.values()]);
    } catch {
      // The combined round failed: each caller's own round, a few at once (thousands wait in a wide tail).
      await mapWithConcurrency(calls, 8, (c) => this.#list(c.refs).then(c.resolve, c.reject));
      return;
    }
    for (const c of calls) {
      const out = new Map<string, PartitionOffsetsDetail>();
      for (const r of c.refs) {
        const k = partitionKey(r);
        out.set(k, listed.get(k)!);
      }
      c.resolve(out);
    }
  }
}
