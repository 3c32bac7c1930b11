/**
 * Ports: what the core needs from the outside world. Adapters in core/adapters implement them;
 * composition roots (cli/, lambdas/, fargate-copier/) wire them; tests may pass fakes here and
 * only here. Offsets are bigint.
 */

import type { MigrationConfig } from './domain/config/schema.ts';
import type { FreezeRequest, UnfreezeRequest } from './domain/freeze.ts';
import type { BucketSnapshot, SigningKeySnapshot } from './domain/precheck/types.ts';

export type MetadataMode = 'zookeeper' | 'kraft';

export interface BrokerInfo {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly rack?: string | undefined;
}

export interface ClusterInfo {
  /** Kafka's own cluster id (a UUID-like string, also on ZooKeeper clusters). */
  readonly clusterId: string;
  readonly controllerId: number | undefined;
  readonly brokers: readonly BrokerInfo[];
  /** Detected from the cluster itself (finalized metadata.version feature, broker configs). */
  readonly metadataMode: MetadataMode;
  /** e.g. "3.9" or "4.1"; undefined when the cluster does not reveal it. */
  readonly kafkaVersion: string | undefined;
  /**
   * A lower bound of the brokers' Kafka release from their ApiVersions ranges (what the software
   * speaks, whatever inter.broker.protocol.version says); undefined when ApiVersions failed.
   */
  readonly apiRelease?: string | undefined;
}

export interface PartitionInfo {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface TopicInfo {
  readonly name: string;
  readonly internal: boolean;
  readonly partitions: readonly PartitionInfo[];
}

export interface ConfigEntryDetail {
  readonly name: string;
  readonly value: string | null;
  readonly readOnly: boolean;
  readonly isDefault: boolean;
  readonly isSensitive: boolean;
}

export interface PartitionOffsets {
  readonly partition: number;
  readonly logStart: bigint;
  /** High watermark (the next offset to be written). */
  readonly end: bigint;
}

export interface GroupSummary {
  readonly groupId: string;
  /** Stable, Empty, Dead, PreparingRebalance, CompletingRebalance, Unknown */
  readonly state: string;
  readonly protocolType: string;
  readonly members: number;
}

export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly metadata?: string | null;
}

export type AclResourceType =
  | 'TOPIC'
  | 'GROUP'
  | 'CLUSTER'
  | 'TRANSACTIONAL_ID'
  | 'DELEGATION_TOKEN'
  | 'USER';
export type AclPatternType = 'LITERAL' | 'PREFIXED';

export interface AclBinding {
  readonly resourceType: AclResourceType;
  readonly resourceName: string;
  readonly patternType: AclPatternType;
  readonly principal: string;
  readonly host: string;
  /** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE, ALL */
  readonly operation: string;
  readonly permissionType: 'ALLOW' | 'DENY';
}

export interface PartitionSize {
  readonly topic: string;
  readonly partition: number;
  readonly bytes: bigint;
}

export interface TransactionalProbe {
  /** Topics in which at least one transactional batch or control record was seen. */
  readonly topics: readonly string[];
}

/** A topic for KafkaAdmin.createTopics. */
export interface NewTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Topic configs set at creation. */
  readonly configs: Readonly<Record<string, string>>;
}

/** Per topic: created now, or it already existed (nothing was changed then). */
export type CreateTopicOutcome = 'created' | 'exists';

/** An IncrementalAlterConfigs change of one topic: only the named configs change. */
export interface TopicConfigChange {
  readonly topic: string;
  /** SET name=value. */
  readonly set: Readonly<Record<string, string>>;
  /** DELETE (back to the cluster default). */
  readonly delete?: readonly string[];
}

/**
 * Administration of a Kafka cluster (kafkajs + a small raw-protocol client). The read side serves
 * plan, precheck and gathering; the write side (createTopics … waitForLeaders) is used on the
 * target by the topology copy only.
 */
export interface KafkaAdmin {
  describeCluster(): Promise<ClusterInfo>;
  listTopics(): Promise<TopicInfo[]>;
  describeTopicConfigs(topics: readonly string[]): Promise<Map<string, ConfigEntryDetail[]>>;
  describeBrokerConfigs(brokerId: number): Promise<ConfigEntryDetail[]>;
  /**
   * Log start and high watermark of every partition of `topics` (batched: one Metadata request,
   * then per leader broker one ListOffsets per bound — not one per topic); partitions in order.
   */
  fetchOffsets(topics: readonly string[]): Promise<Map<string, PartitionOffsets[]>>;
  listGroups(): Promise<GroupSummary[]>;
  fetchCommittedOffsets(groupId: string): Promise<CommittedOffset[]>;
  /** undefined when the cluster has no authorizer (SECURITY_DISABLED). */
  describeAcls(): Promise<AclBinding[] | undefined>;
  /** Bytes on disk per partition (DescribeLogDirs), leader replicas only. */
  describeLogDirs(topics: readonly string[]): Promise<PartitionSize[]>;
  /** Looks at the data of the given partitions for transactional batches / control records. */
  probeTransactional(topics: readonly string[]): Promise<TransactionalProbe>;

  // write side (target, topology copy)
  /** CreateTopics; a topic that already exists is reported as 'exists', any other failure throws. */
  createTopics(topics: readonly NewTopic[]): Promise<Map<string, CreateTopicOutcome>>;
  /** IncrementalAlterConfigs on topics: only the named configs change, the others stay as they are. */
  alterTopicConfigs(changes: readonly TopicConfigChange[]): Promise<void>;
  /** CreateAcls (idempotent in Kafka: an existing binding stays as it is). */
  createAcls(bindings: readonly AclBinding[]): Promise<void>;
  /** DeleteTopics (`rollback --delete-target-topics`); a topic that does not exist is not an error. */
  deleteTopics(topics: readonly string[]): Promise<void>;
  /**
   * Polls metadata until every given partition has a leader or `timeoutMs` has passed; returns the
   * partitions still without one (empty: all led).
   */
  waitForLeaders(
    partitions: readonly { readonly topic: string; readonly partition: number }[],
    options: { readonly timeoutMs: number; readonly pollMs?: number },
  ): Promise<{ topic: string; partition: number }[]>;
  close(): Promise<void>;
}

export interface ObjectHead {
  readonly key: string;
  readonly bytes: number;
  readonly etag?: string | undefined;
}

export interface PutOptions {
  /** Fail with a ConditionalWriteConflict when the key already exists (If-None-Match: *). */
  readonly ifNoneMatch?: boolean;
  readonly contentType?: string;
  /** Object Lock COMPLIANCE retention until this instant. */
  readonly retainUntil?: Date;
  /** SHA-256 of the body (lowercase hex) when the caller has it: sent as the checksum instead of hashing again. */
  readonly sha256?: string;
}

export interface BucketFacts {
  readonly exists: boolean;
  readonly objectLockEnabled: boolean;
  readonly versioningEnabled: boolean;
  readonly kmsKeyArn: string | undefined;
}

export type ObjectBody = Uint8Array | string | readonly Uint8Array[];

/** An S3 bucket + prefix, addressed by `s3://bucket/prefix` URLs. Keys are relative to the prefix. */
export interface ObjectStore {
  readonly url: string;
  /**
   * `body` as chunks: the object is their concatenation, sent without joining them (a segment of
   * fetched batch views is never copied into one buffer).
   */
  put(key: string, body: ObjectBody, options?: PutOptions): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Every object under `prefix`, in key order. `limit`: stop once at least that many are listed (a
   * listing's page may go beyond it); a result that long may be incomplete.
   */
  list(prefix: string, options?: { readonly limit?: number }): Promise<ObjectHead[]>;
  delete(key: string): Promise<void>;
  bucketFacts(): Promise<BucketFacts>;
}

export interface MskClusterFacts {
  readonly arn: string;
  readonly name: string;
  readonly state: string;
  readonly type: 'PROVISIONED' | 'SERVERLESS';
  readonly kafkaVersion: string | undefined;
  readonly brokerNodes: number | undefined;
  readonly zookeeperMode: boolean | undefined;
  readonly availabilityZones: number | undefined;
  readonly iamAuth: boolean;
  readonly scramAuth: boolean;
  readonly tlsAuth: boolean;
}

export interface MskApi {
  bootstrapBrokers(arn: string, authMode: string): Promise<string[]>;
  describeCluster(arn: string): Promise<MskClusterFacts>;
}

export interface Clock {
  now(): Date;
}

/**
 * `code` of the PreconditionError an ObjectStore put with `ifNoneMatch` throws when the key already
 * exists (S3 412 PreconditionFailed). Not transient: retrying the same write can never succeed.
 */
export const CONDITIONAL_WRITE_CONFLICT = 'CONDITIONAL_WRITE_CONFLICT';

/** `code` of the PreconditionError JournalStore.append throws when the entry's seq is already taken. */
export const JOURNAL_SEQ_CONFLICT = 'JOURNAL_SEQ_CONFLICT';

export interface JournalLoad {
  /** Verified entries in seq order (seq N at index N-1). */
  readonly entries: readonly import('./domain/journal/entry.ts').JournalEntry[];
  /** Recoverable problems, e.g. a torn last line that was dropped. */
  readonly warnings: readonly string[];
}

/**
 * The migration journal (SPEC §4): local `<journal-dir>/journal.jsonl` or S3
 * `<evidence>/migrations/<id>/journal/<seq>.json`. Two writers can never both append seq N:
 * the loser gets a PreconditionError with code JOURNAL_SEQ_CONFLICT and must reload.
 */
export interface JournalStore {
  /** Where the journal lives, for messages: a file path or an s3:// URL. */
  readonly location: string;
  load(): Promise<JournalLoad>;
  append(entry: import('./domain/journal/entry.ts').JournalEntry): Promise<void>;
}

/* ---------------------------------------------------------------------------------------------
 * Data path (seed and tail). Records are copied byte for byte: key, value (null = tombstone),
 * headers in order with duplicates (null distinct from empty), CreateTime timestamp, same partition.
 * ------------------------------------------------------------------------------------------- */

/** One header as it is on the wire: order and duplicates matter; a null value is not an empty one. */
export type RecordHeader = readonly [key: Uint8Array, value: Uint8Array | null];

export interface SourceRecord {
  readonly offset: bigint;
  /** Milliseconds since the epoch: CreateTime of the record (or LogAppendTime when the topic uses it). */
  readonly timestamp: bigint;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
}

export interface FetchResult {
  /** Data records only (control records and aborted transactional records removed under read_committed). */
  readonly records: readonly SourceRecord[];
  /** The offset to fetch next: one past the last offset covered by this fetch, gaps included. */
  readonly nextOffset: bigint;
  readonly highWatermark: bigint;
  /** Last stable offset (read_committed upper bound). */
  readonly lastStableOffset: bigint;
  readonly logStartOffset: bigint;
  /**
   * Readers with a fetch buffer budget (RecordReaderOptions.multiPartitionFetch) count the bytes of
   * a `fetchBatches` result against it until the caller calls this (once it has written them); a
   * second call does nothing.
   */
  readonly release?: (() => void) | undefined;
}

export interface PartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/**
 * A source record batch copied as it is — the seed's and the tail's fast path (docs/performance.md,
 * "Batch pass-through"): a Kafka record batch v2, header and (possibly compressed) records, exactly
 * the bytes the source stores. Only batches that can be written unchanged apart from the producer
 * fields are handed out this way: no control batch, no aborted transactional batch, consecutive
 * offsets (`count` records at `baseOffset`, `baseOffset + 1`, …), CreateTime, no compaction delete
 * horizon, wholly inside the range the caller asked for. The writer rewrites the producer id,
 * epoch, sequence, transactional flag and CRC; keys, values, headers and timestamps stay untouched.
 */
export interface RawBatch {
  readonly baseOffset: bigint;
  /** Records in the batch (their offsets are `baseOffset … baseOffset + count − 1`). */
  readonly count: number;
  /**
   * Only on batches handed out for staging (`FetchedRun.sourceBatches`), which may come from a
   * compacted log: the offset of the batch's last record when the `count` records do not have
   * consecutive offsets. Absent: `baseOffset + count − 1`. Never set on batches to write.
   */
  readonly lastOffset?: bigint | undefined;
  /** The whole batch as on the source (a view; the writer must not change these bytes in place). */
  readonly bytes: Uint8Array;
  /**
   * CRC-32C of the batch's records (bytes 61…end), when the reader has already computed it while
   * checking the source CRC: the writer then does not read the records again for the new CRC.
   */
  readonly recordsCrc?: number | undefined;
}

/**
 * A stretch of one fetch, in offset order: decoded records (batches that cannot pass through as they
 * are, or that are smaller than `minBatchBytes`) or raw batches. `end` is one past the last source
 * offset the run covers — markers and aborted records after it up to the next run included.
 */
export type FetchedRun =
  | {
      readonly kind: 'records';
      readonly records: readonly SourceRecord[];
      readonly end: bigint;
      /**
       * The source batches these records were decoded from, when every one of them lies wholly inside
       * the wanted range (small batches the writer merges, compacted or LogAppendTime batches): staging
       * keeps them byte for byte, like a `batches` run (compacted ones carry `lastOffset`).
       */
      readonly sourceBatches?: readonly RawBatch[] | undefined;
    }
  | { readonly kind: 'batches'; readonly batches: readonly RawBatch[]; readonly end: bigint };

export interface BatchFetchResult extends Omit<FetchResult, 'records'> {
  /** Consecutive runs; the last run's `end` is `nextOffset` (an empty list: nothing to copy). */
  readonly runs: readonly FetchedRun[];
}

/** A plain fetch as a batch fetch: its records as one `records` run (none when it has none). */
export function asRuns(f: FetchResult): BatchFetchResult {
  const { records, ...rest } = f;
  return { ...rest, runs: records.length > 0 ? [{ kind: 'records', records, end: f.nextOffset }] : [] };
}

export interface BatchFetchOptions {
  readonly maxBytes: number;
  readonly maxWaitMs: number;
  /** Offsets from here on are not wanted (the seed boundary): a batch reaching it is decoded and cut. */
  readonly upTo?: bigint | undefined;
  /** Batches smaller than this are decoded (and re-batched by the writer) instead of passed through. */
  readonly minBatchBytes: number;
}

/** Reads one partition at a time from explicit offsets, without a consumer group. */
export interface RecordReader {
  /**
   * Records from `offset` on (at most about `maxBytes`), waiting up to `maxWaitMs` for data.
   * Throws a PreconditionError with code `OFFSET_OUT_OF_RANGE` when `offset` is below the log start
   * (the data aged out) — the caller records a gap.
   */
  fetch(
    ref: PartitionRef,
    offset: bigint,
    options: { maxBytes: number; maxWaitMs: number },
  ): Promise<FetchResult>;
  /**
   * Like `fetch`, but hands out the batches that can be copied as they are (see RawBatch) undecoded.
   * Optional: a reader without it is used through `fetch` only.
   */
  fetchBatches?(ref: PartitionRef, offset: bigint, options: BatchFetchOptions): Promise<BatchFetchResult>;
  /** Log start, high watermark and last stable offset of each partition. */
  offsets(refs: readonly PartitionRef[]): Promise<Map<string, PartitionOffsetsDetail>>;
  close(): Promise<void>;
}

/** A partition and its log start, for FirstRecordTimestamps. */
export interface PartitionAtLogStart extends PartitionRef {
  readonly logStart: bigint;
}

/**
 * The timestamps of the first records of partitions (precheck W08): for each partition, the
 * largest timestamp of the first record batch at its log start.
 */
export interface FirstRecordTimestamps {
  /**
   * Per partitionKey, the largest timestamp (ms since the epoch) of the first batch with data
   * records at `logStart`. A partition is absent when it holds no data records there, or was not
   * read before `timeoutMs` (the whole call's budget) or failed: absent means unknown.
   */
  firstBatchMaxTimestamps(
    partitions: readonly PartitionAtLogStart[],
    options: { readonly timeoutMs: number; readonly concurrency: number },
  ): Promise<Map<string, bigint>>;
  close(): Promise<void>;
}

export interface PartitionOffsetsDetail extends PartitionRef {
  readonly logStart: bigint;
  readonly highWatermark: bigint;
  readonly lastStable: bigint;
}

export interface RecordToWrite {
  readonly timestamp: bigint;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
}

/** Writes to explicit partitions with an idempotent producer, acks=all, compressed batches. */
export interface RecordWriter {
  /**
   * Appends `records` to the partition in order as one or more batches and resolves once all are
   * acknowledged, with the target offset of the first record. Records of one call are consecutive
   * on the target (nobody else writes these partitions).
   */
  write(ref: PartitionRef, records: readonly RecordToWrite[]): Promise<{ firstOffset: bigint }>;
  /**
   * Appends source batches unchanged apart from their producer fields (RawBatch), in order, one
   * produce batch each, and resolves once all are acknowledged with the target offset of the first
   * record. Same contract as `write` otherwise. Optional: used only when the reader has `fetchBatches`.
   */
  writeBatches?(ref: PartitionRef, batches: readonly RawBatch[]): Promise<{ firstOffset: bigint }>;
  /** High watermark of each partition (used to reconcile after a crash). */
  endOffsets(refs: readonly PartitionRef[]): Promise<Map<string, bigint>>;
  close(): Promise<void>;
}

export type IsolationLevel = 'read_committed' | 'read_uncommitted';

/** How a data-path reader fetches (Adapters.recordReader). */
export interface RecordReaderOptions {
  /** @default 'read_committed' */
  readonly isolationLevel?: IsolationLevel;
  /** Fetch connections per broker. @default 4 */
  readonly connectionsPerBroker?: number;
  /** Attempts after a leadership change, metadata change or network error before a TransientError. @default 5 */
  readonly retries?: number;
  /** First backoff between those attempts, doubled each time. @default 200 */
  readonly retryBackoffMs?: number;
  /**
   * The wide tail: concurrent fetches of partitions led by one broker are sent as one multi-partition
   * Fetch request (at most `connectionsPerBroker` of them in flight per broker), and concurrent
   * `offsets` calls as one ListOffsets round. Unset: one request per fetch.
   */
  readonly multiPartitionFetch?: MultiPartitionFetchOptions | undefined;
}

export interface MultiPartitionFetchOptions {
  /** Response size limit of one Fetch request (Kafka's request-level max_bytes). */
  readonly maxRequestBytes: number;
  /** Partitions in one Fetch request at most. @default 1000 */
  readonly maxPartitionsPerRequest?: number;
  /**
   * Fetched record bytes the callers may hold (not yet `release`d): no Fetch request is sent while
   * they hold this much. Memory ≈ this + brokers × connectionsPerBroker × maxRequestBytes.
   */
  readonly bufferBytes: number;
  /**
   * An answer without records and without error is not handed back but asked again in the next
   * request, until the caller's fetch is this old (then the empty answer is returned, with the latest
   * high watermark): an idle partition of a wide tail costs an entry in a Fetch request per poll,
   * not a turn of its copy loop. Records that arrive are answered as soon as a request brings them.
   * @default 0 (every answer handed back)
   */
  readonly idleHoldMs?: number;
}

export type WriterCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** How the data-path writer produces (Adapters.recordWriter). */
export interface RecordWriterOptions {
  /** @default 'lz4' */
  readonly compression?: WriterCompression;
  /** Uncompressed record bytes per produce batch. @default 1_000_000 */
  readonly maxBatchBytes?: number;
  /** Idempotent producers (connections per broker) the partitions are spread over. @default 4 */
  readonly producers?: number;
  /** Attempts of one produce request on retriable errors (same sequence numbers). @default 5 */
  readonly retries?: number;
}

/**
 * The adapters of one migration config (core/adapters/factory.ts createAdapters builds them), as
 * core/app and the composition roots use them. Clients are created lazily and reused.
 */
export interface Adapters {
  readonly msk: MskApi;
  kafkaAdmin(role: 'source' | 'target', bootstrap?: readonly string[]): Promise<KafkaAdmin>;
  /**
   * Data-path reader of one cluster. Isolation: `seed.isolation_level` on the source,
   * read_uncommitted on the target (only the copier writes there, never transactionally).
   */
  recordReader(role: 'source' | 'target', options?: RecordReaderOptions): Promise<RecordReader>;
  /** First-batch timestamps at log start (precheck W08). */
  firstRecords(role: 'source' | 'target'): Promise<FirstRecordTimestamps>;
  /** Data-path writer (idempotent, acks=all) to the target; to the source only for the cutover sentinels. */
  recordWriter(options?: RecordWriterOptions, role?: 'source' | 'target'): Promise<RecordWriter>;
  /** Consumer-group offsets at the coordinators of one cluster (cutover). */
  groupAdmin(role: 'source' | 'target'): Promise<GroupOffsetsAdmin>;
  objectStore(role: 'segments' | 'evidence'): ObjectStore;
  probeBucket(role: 'segments' | 'evidence'): Promise<BucketSnapshot>;
  probeSigningKey(): Promise<SigningKeySnapshot>;
  /** `--journal-dir` when given, else the evidence bucket. */
  journal(migrationId: string): JournalStore;
}

/** Map key of a partition in the Maps above: `topic/partition`. */
export function partitionKey(ref: PartitionRef): string {
  return `${ref.topic}/${ref.partition}`;
}

/**
 * Signs evidence (SPEC §6.6): Ed25519 over the exact bytes given, 64 raw bytes back. Loaded from a
 * PEM file, a Secrets Manager secret, KMS, or the built-in demo key (core/adapters/signing-key.ts).
 */
export interface EvidenceSigner {
  readonly source: 'path' | 'secret' | 'kms' | 'demo';
  /** The PEM path, secret ARN, KMS key ARN, or `built-in demo key`. */
  readonly keyId: string;
  /** SPKI PEM of the public key (written as evidence-public-key.pem). */
  readonly publicKeyPem: string;
  /**
   * The largest message it signs (KMS: 4096 bytes of RAW message); undefined = any size. Larger
   * evidence is published under a signed envelope (core/app/evidence.ts signEvidence).
   */
  readonly maxMessageBytes?: number;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/* ---------------------------------------------------------------------------------------------
 * Cutover: consumer-group offsets at the group coordinator (read on the source, commit on the target).
 * ------------------------------------------------------------------------------------------- */

export interface GroupState {
  /** As the coordinator reports it (Stable, Empty, Dead for a group it does not know, …). */
  readonly state: string;
  readonly members: number;
}

export interface GroupOffsetsAdmin {
  /** State and member count of each group. */
  describeGroups(groupIds: readonly string[]): Promise<Map<string, GroupState>>;
  /** Every committed offset of the group (partitions without a commit left out), topic/partition order. */
  committedOffsets(groupId: string): Promise<CommittedOffset[]>;
  /**
   * `committedOffsets` of many groups, batched (a few groups per coordinator request, not one
   * request per group); every asked group is a key ([] when it has no commit).
   */
  committedOffsetsOf(groupIds: readonly string[]): Promise<Map<string, CommittedOffset[]>>;
  /** The ids of every group of the cluster (ListGroups at every broker), sorted; nothing described. */
  listGroupIds(): Promise<string[]>;
  /**
   * An admin OffsetCommit at the group's coordinator (generation −1, leader epoch −1), coordinator
   * errors retried; a group with live members → PreconditionError CUTOVER_GROUP_ACTIVE_ON_TARGET.
   */
  commitOffsets(
    groupId: string,
    offsets: readonly (PartitionRef & { readonly offset: bigint })[],
  ): Promise<void>;
  close(): Promise<void>;
}

// --- cutover ---------------------------------------------------------------------------------------

/** What a freeze system answered to `{action:"freeze"}`: 200 = frozen now, 202 = it answers the token later. */
export type FreezeAnswer = 'frozen' | 'accepted';

/** The producer-freeze system (core/adapters/freeze-webhook.ts: the HTTP webhook of cutover.producer_freeze_webhook). */
export interface FreezeService {
  /** Throws PreconditionError with the troubleshooting page's text on non-2xx or no answer in time. */
  freeze(request: FreezeRequest, timeoutMs: number): Promise<FreezeAnswer>;
  /** Best effort: never throws; the outcome as one line (`HTTP 200`, `failed: …`). */
  unfreeze(request: UnfreezeRequest, timeoutMs: number): Promise<string>;
}

/** Answers a `.waitForTaskToken` task: SendTaskSuccess in AWS, the local runner's broker locally. */
export interface TaskTokens {
  sendSuccess(token: string, output: unknown): Promise<void>;
  sendFailure(token: string, error: string, cause: string): Promise<void>;
}

/**
 * The cutover steps after the verified freeze (core/app/cutover/index.ts): sentinels, final drain,
 * offset translation + commit, log-start guard. Each returns a small JSON-serialisable summary
 * (counts, S3 keys), never per-partition lists. The Lambda handlers take them as a dependency.
 */
export interface CutoverSteps {
  placeSentinels(config: MigrationConfig, adapters: Adapters, migrationId: string): Promise<object>;
  /** Throws TransientError while not drained yet (the ASL retries it). */
  finalDrain(config: MigrationConfig, adapters: Adapters, migrationId: string): Promise<object>;
  /** Translate + commit + read back; idempotent. */
  translateOffsets(
    config: MigrationConfig,
    adapters: Adapters,
    migrationId: string,
    round: 'cutover' | 'ack',
  ): Promise<object>;
  /** Throws PreconditionError naming the partitions when the client switch must be blocked. */
  logStartGuard(config: MigrationConfig, adapters: Adapters, migrationId: string): Promise<object>;
}
