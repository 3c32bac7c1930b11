/**
 * KafkaAdmin: kafkajs for the admin work it does (cluster/topic metadata, configs, topics, ACLs,
 * groups), and @platformatic/kafka connections and API functions for the calls kafkajs lacks or
 * makes costly: ApiVersions (features: metadata mode and version), DescribeLogDirs (sizes),
 * ListOffsets READ_UNCOMMITTED (real high watermarks), Fetch (batch attributes), FindCoordinator +
 * OffsetFetch (all of a group's offsets), IncrementalAlterConfigs. Both clients share one TLS/SASL
 * set-up (client.ts); every failure leaves as a catalogue error (errors.ts): unreachable →
 * TransientError, not allowed → PreconditionError KAFKA_AUTHORIZATION.
 */

import { setTimeout as delay } from 'node:timers/promises';
import {
  type API,
  apiVersionsV1,
  apiVersionsV3,
  type Connection,
  ConnectionPool,
  createTopicsV5,
  createTopicsV6,
  createTopicsV7,
  describeLogDirsV1,
  describeLogDirsV2,
  describeLogDirsV3,
  describeLogDirsV4,
  findCoordinatorV1,
  IncrementalAlterConfigOperationTypes,
  incrementalAlterConfigsV0,
  listOffsetsV2,
  offsetFetchV3,
  ConfigResourceTypes as PlatformaticConfigResourceTypes,
} from '@platformatic/kafka';
import kafkajs, {
  type Admin,
  type ConfigResourceTypes,
  type DescribeConfigResponse,
  type ITopicMetadata,
  type Kafka,
} from 'kafkajs';
import { mapWithConcurrency } from '../../domain/concurrency.ts';
import type { ClusterConfig } from '../../domain/config/schema.ts';
import { PreconditionError, TransientError } from '../../domain/errors.ts';
import {
  type ApiVersionRange,
  detectKafkaVersion,
  detectMetadataMode,
  finalizedMetadataVersion,
  type ModeEvidence,
  releaseOfApiVersions,
} from '../../domain/kafka-version.ts';
import { isInternalTopic } from '../../domain/selection.ts';
import {
  type AclBinding,
  type AclPatternType,
  type AclResourceType,
  type BrokerInfo,
  type ClusterInfo,
  type CommittedOffset,
  type ConfigEntryDetail,
  type CreateTopicOutcome,
  type GroupSummary,
  type KafkaAdmin,
  type NewTopic,
  type PartitionInfo,
  type PartitionOffsets,
  type PartitionRef,
  type PartitionSize,
  partitionKey,
  type TopicConfigChange,
  type TopicInfo,
  type TransactionalProbe,
} from '../../ports.ts';
import {
  type ClientDeps,
  type ConnectionSettings,
  createKafka,
  platformaticOptions,
  resolveConnectionSettings,
} from './client.ts';
import { type ApiSpec, pickVersion } from './data-client.ts';
import {
  AUTHORIZATION_ERROR_TYPES,
  authorizationError,
  type KafkaOperation,
  kafkaErrorCodeName,
  kafkaErrorName,
  kafkaProtocolError,
  NOT_CONTROLLER_MESSAGE,
  notControllerError,
  protocolErrorType,
  responseOfErrorCodes,
  toCatalogueError,
  unreachableError,
} from './errors.ts';
import { parseBatchHeaders } from './raw-batches.ts';
import { fetchRawRecords } from './reader.ts';

/**
 * Topics that are the cluster's own, never migrated: everything starting with `__` (Kafka's
 * __consumer_offsets, __transaction_state, __remote_log_metadata, __share_group_state,
 * __cluster_metadata; MSK's __amazon_msk_canary, __amazon_msk_canary_state,
 * __amazon_msk_connect_*), and Confluent platform internals `_confluent-*`. `_schemas` (Schema
 * Registry) is NOT internal: it is user data a registry on the target needs.
 */

/** Bounds of probeTransactional (see there). */
export interface ProbeLimits {
  /** Bytes asked for per partition and fetch (the broker may return one larger batch). */
  readonly bytesPerFetch: number;
  /** The tail window starts this many offsets before the high watermark. */
  readonly tailOffsets: bigint;
  /** Partitions looked at per topic (the first N by number). */
  readonly partitionsPerTopic: number;
  /** Total time budget; when spent, the topics found so far are returned. */
  readonly deadlineMs: number;
}

export const DEFAULT_PROBE_LIMITS: ProbeLimits = {
  bytesPerFetch: 256 * 1024,
  tailOffsets: 1_000n,
  partitionsPerTopic: 32,
  deadlineMs: 20_000,
};

export interface KafkajsAdminOptions {
  /** Give up connecting after this long (precheck must answer quickly). Default 15 s. */
  readonly connectDeadlineMs?: number;
  /** Extra attempts after kafkajs' own retries when DescribeConfigs hits NOT_CONTROLLER. Default 4. */
  readonly notControllerRetries?: number;
  readonly probe?: Partial<ProbeLimits>;
  readonly sleep?: (ms: number) => Promise<void>;
}

const DESCRIBE_CONFIGS_CHUNK = 50;
const DESCRIBE_CONFIGS_CONCURRENCY = 4;
const ALTER_CONFIGS_CHUNK = 50;
const CREATE_ACLS_CHUNK = 100;
/** Topics and partitions per CreateTopics request (a KRaft controller bounds the records of one operation). */
const CREATE_TOPICS_BATCH_TOPICS = 100;
const CREATE_TOPICS_BATCH_PARTITIONS = 2_000;
const CREATE_TOPICS_TIMEOUT_MS = 30_000;
const REQUEST_TIMED_OUT = 7;
/** CreateTopics codes worth another attempt: REQUEST_TIMED_OUT, NOT_CONTROLLER, THROTTLING_QUOTA_EXCEEDED. */
const CREATE_TOPICS_RETRY_CODES: ReadonlySet<number> = new Set([7, 41, 89]);
const TRANSIENT_CREATE_TOPICS_ERRORS: ReadonlySet<string> = new Set([
  'REQUEST_TIMED_OUT',
  'NOT_CONTROLLER',
  'THROTTLING_QUOTA_EXCEEDED',
]);
/** IncrementalAlterConfigs codes worth another attempt: REQUEST_TIMED_OUT, NOT_CONTROLLER, THROTTLING_QUOTA_EXCEEDED. */
const ALTER_CONFIGS_RETRY_CODES: ReadonlySet<number> = new Set([7, 41, 89]);
const DESCRIBE_GROUPS_CHUNK = 50;
/** Partitions per ListOffsets request (one request per leader broker and chunk). */
const LIST_OFFSETS_CHUNK = 1_000;
/** Fetches of the transactional-data probe in flight at once. */
const PROBE_CONCURRENCY = 8;
const PARTITION_RETRIES = 4;

const SOFTWARE = { name: 'kraft-migrate', version: '0.1.0' } as const;
/** Group-level codes that mean "find the coordinator again and retry". */
const COORDINATOR_RETRY_ERRORS: ReadonlySet<number> = new Set([7, 13, 14, 15, 16]);
/** Partition-level codes worth a metadata refresh and another try. */
const RETRIABLE_PARTITION_ERRORS: ReadonlySet<number> = new Set([3, 5, 6, 7, 13, 56, 74, 75, 78]);
const EARLIEST_TIMESTAMP = -2n;
const LATEST_TIMESTAMP = -1n;
const READ_UNCOMMITTED = 0;
const COORDINATOR_KEY_GROUP = 0;
/** Record batch attributes: isTransactional (0x10) and isControl (0x20). */
const TRANSACTIONAL_OR_CONTROL = 0x30;

/** The versions of the raw calls (every broker from 2.8 to 4.x serves them). */
const APIS = {
  ListOffsets: { key: 2, name: 'ListOffsets', min: 2, max: 2 },
  OffsetFetch: { key: 9, name: 'OffsetFetch', min: 3, max: 3 },
  FindCoordinator: { key: 10, name: 'FindCoordinator', min: 1, max: 1 },
  DescribeLogDirs: { key: 35, name: 'DescribeLogDirs', min: 1, max: 4 },
  IncrementalAlterConfigs: { key: 44, name: 'IncrementalAlterConfigs', min: 0, max: 0 },
  CreateTopics: { key: 19, name: 'CreateTopics', min: 5, max: 7 },
} as const satisfies Record<string, ApiSpec<number>>;
const CREATE_TOPICS = { 5: createTopicsV5.api, 6: createTopicsV6.api, 7: createTopicsV7.api } as const;
const DESCRIBE_LOG_DIRS = {
  1: describeLogDirsV1.api,
  2: describeLogDirsV2.api,
  3: describeLogDirsV3.api,
  4: describeLogDirsV4.api,
} as const;

/** What the bootstrap broker's ApiVersions says. */
interface BrokerApis {
  readonly apiKeys: readonly ApiVersionRange[];
  readonly finalizedFeatures: readonly { readonly name: string; readonly maxVersionLevel: number }[];
}

const defaultSleep = async (ms: number): Promise<void> => {
  await delay(ms);
};

export class KafkajsAdmin implements KafkaAdmin {
  private readonly admin: Admin;
  private readonly settings: ConnectionSettings;
  private readonly options: KafkajsAdminOptions;
  private readonly sleep: (ms: number) => Promise<void>;
  private connecting: Promise<void> | undefined;
  /** platformatic connections (one per broker) for the raw calls. */
  private readonly pool: ConnectionPool;
  private apis: Promise<BrokerApis> | undefined;
  private brokerCache: Map<number, BrokerInfo> | undefined;
  private controllerId: number | undefined;

  constructor(kafka: Kafka, settings: ConnectionSettings, options: KafkajsAdminOptions = {}) {
    this.admin = kafka.admin();
    this.settings = settings;
    const connection = platformaticOptions(settings);
    this.pool = new ConnectionPool(connection.clientId, connection);
    this.options = options;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /** Resolves bootstrap and credentials for `cluster` and builds the admin (not yet connected). */
  static async create(
    cluster: ClusterConfig,
    deps: ClientDeps = {},
    options: KafkajsAdminOptions = {},
  ): Promise<KafkajsAdmin> {
    const settings = await resolveConnectionSettings(cluster, deps);
    return new KafkajsAdmin(createKafka(settings), settings, options);
  }

  get bootstrap(): readonly string[] {
    return this.settings.brokers;
  }

  // -------------------------------------------------------------------------------------------
  // Cluster

  async describeCluster(): Promise<ClusterInfo> {
    const c = await this.run({ operation: 'DescribeCluster', resource: 'cluster' }, () =>
      this.admin.describeCluster(),
    );
    const brokers = c.brokers
      .map((b) => ({ id: b.nodeId, host: b.host, port: b.port }))
      .sort((a, b) => a.id - b.id);
    this.brokerCache = new Map(brokers.map((b) => [b.id, b]));
    const evidence = await this.modeEvidence(brokers[0]?.id);
    const metadataMode = detectMetadataMode(evidence);
    if (metadataMode === undefined) {
      throw new TransientError(
        `cannot tell whether ${this.bootstrap.join(',')} runs in ZooKeeper or KRaft mode: ` +
          'neither ApiVersions features nor broker configs were readable',
        {
          code: 'KAFKA_MODE_UNKNOWN',
          fix: 'Allow DescribeConfigs on the cluster (and broker) for the migration principal, then run again.',
        },
      );
    }
    return {
      clusterId: c.clusterId,
      controllerId: c.controller ?? undefined,
      brokers,
      metadataMode,
      kafkaVersion: detectKafkaVersion(metadataMode, evidence),
      apiRelease: evidence.apiRelease,
    };
  }

  /** Features from ApiVersions (platformatic) and broker configs (kafkajs); either may be missing. */
  private async modeEvidence(
    brokerId: number | undefined,
  ): Promise<ModeEvidence & { apiRelease: string | undefined }> {
    const features = await this.brokerApis().catch(() => undefined);
    const configs =
      brokerId === undefined ? undefined : await this.describeBrokerConfigs(brokerId).catch(() => undefined);
    const value = (name: string) => configs?.find((e) => e.name === name)?.value;
    return {
      featuresKnown: features !== undefined,
      metadataVersionLevel: features ? finalizedMetadataVersion(features.finalizedFeatures) : undefined,
      apiRelease: features ? releaseOfApiVersions(features.apiKeys) : undefined,
      processRoles: value('process.roles'),
      zookeeperConnect: value('zookeeper.connect'),
      interBrokerProtocolVersion: value('inter.broker.protocol.version'),
    };
  }

  /**
   * ApiVersions v3 of a bootstrap broker (api ranges and finalized features), asked once; a broker
   * older than 2.4 answers UNSUPPORTED_VERSION and is asked v1 (no features).
   */
  private brokerApis(): Promise<BrokerApis> {
    this.apis ??= (async () => {
      const conn = await this.anyBrokerConnection();
      try {
        const r = await apiVersionsV3.api.async(conn, SOFTWARE.name, SOFTWARE.version);
        return { apiKeys: r.apiKeys, finalizedFeatures: r.finalizedFeatures ?? [] };
      } catch (e) {
        if (kafkaErrorName(e) !== 'UNSUPPORTED_VERSION') throw e;
        const r = await apiVersionsV1.api.async(conn, SOFTWARE.name, SOFTWARE.version);
        return { apiKeys: r.apiKeys, finalizedFeatures: [] };
      }
    })();
    this.apis.catch(() => {
      this.apis = undefined;
    });
    return this.apis;
  }

  /** The version of `api` to use (PreconditionError KAFKA_UNSUPPORTED_VERSION when there is none). */
  private async versionOf<V extends number>(api: ApiSpec<V>): Promise<V> {
    return pickVersion((await this.brokerApis()).apiKeys, api, this.bootstrap.join(','));
  }

  /** A connection to the first bootstrap server that answers. */
  private anyBrokerConnection(): Promise<Connection> {
    return this.pool.getFirstAvailable(this.bootstrap.map(splitHostPort));
  }

  // -------------------------------------------------------------------------------------------
  // Topics and configs

  async listTopics(): Promise<TopicInfo[]> {
    const op = { operation: 'Metadata', resource: 'all topics' };
    const names = await this.run(op, () => this.admin.listTopics());
    if (names.length === 0) return [];
    const metadata = await this.topicMetadata(names);
    return metadata
      .map((t) => ({ name: t.name, internal: isInternalTopic(t.name), partitions: partitionInfos(t) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** DescribeConfigs of DESCRIBE_CONFIGS_CHUNK topics per request, DESCRIBE_CONFIGS_CONCURRENCY requests at once. */
  async describeTopicConfigs(topics: readonly string[]): Promise<Map<string, ConfigEntryDetail[]>> {
    const out = new Map<string, ConfigEntryDetail[]>();
    const answers = await mapWithConcurrency(
      chunks(topics, DESCRIBE_CONFIGS_CHUNK),
      DESCRIBE_CONFIGS_CONCURRENCY,
      (batch) =>
        this.describeConfigs(
          { operation: 'DescribeConfigs', resource: `topic ${batch.join(', ')}` },
          batch.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name })),
        ),
    );
    for (const answer of answers)
      for (const r of answer.resources) out.set(r.resourceName, r.configEntries.map(configEntry));
    return out;
  }

  async describeBrokerConfigs(brokerId: number): Promise<ConfigEntryDetail[]> {
    const op = { operation: 'DescribeConfigs', resource: `broker ${brokerId}` };
    const answer = await this.describeConfigs(op, [
      { type: kafkajs.ConfigResourceTypes.BROKER, name: String(brokerId) },
    ]);
    return (answer.resources[0]?.configEntries ?? []).map(configEntry);
  }

  /** DescribeConfigs with NOT_CONTROLLER retried (with backoff) beyond kafkajs' own retries. */
  private async describeConfigs(
    op: KafkaOperation,
    resources: { type: ConfigResourceTypes; name: string }[],
  ): Promise<DescribeConfigResponse> {
    const extra = this.options.notControllerRetries ?? 4;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.run(op, () => this.admin.describeConfigs({ resources, includeSynonyms: false }));
      } catch (e) {
        if (!(e instanceof TransientError) || e.message !== NOT_CONTROLLER_MESSAGE) throw e;
        if (attempt >= extra) throw notControllerError(e.cause);
        await this.sleep(Math.min(500 * 2 ** attempt, 5_000));
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Offsets

  /**
   * Log start and high watermark of every partition of `topics`: one Metadata request for all of
   * them, then per leader broker one ListOffsets for the log starts and one for the high watermarks
   * (at most LIST_OFFSETS_CHUNK partitions each), the brokers asked at once.
   */
  async fetchOffsets(topics: readonly string[]): Promise<Map<string, PartitionOffsets[]>> {
    const out = new Map<string, PartitionOffsets[]>();
    if (topics.length === 0) return out;
    const metadata = await this.topicMetadata(topics);
    const refs = metadata.flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionId })),
    );
    const [logStart, end] = await Promise.all([
      this.listOffsets(refs, EARLIEST_TIMESTAMP, metadata),
      this.listOffsets(refs, LATEST_TIMESTAMP, metadata),
    ]);
    for (const topic of topics) out.set(topic, []);
    for (const r of refs) {
      const key = partitionKey(r);
      out
        .get(r.topic)
        ?.push({ partition: r.partition, logStart: logStart.get(key) ?? 0n, end: end.get(key) ?? 0n });
    }
    for (const offsets of out.values()) offsets.sort((a, b) => a.partition - b.partition);
    return out;
  }

  /**
   * ListOffsets v2, READ_UNCOMMITTED, to each partition leader: earliest (-2) gives the log start,
   * latest (-1) the high watermark. kafkajs' admin asks READ_COMMITTED, i.e. the last stable offset,
   * which is lower than the high watermark while a transaction is open.
   */
  private async listOffsets(
    refs: readonly PartitionRef[],
    timestamp: bigint,
    metadata: readonly ITopicMetadata[],
  ): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    await this.perLeader(refs, 'ListOffsets', metadata, async (conn, ps) => {
      await this.versionOf(APIS.ListOffsets);
      const answer = await call(
        listOffsetsV2.api,
        conn,
        -1,
        READ_UNCOMMITTED,
        [...groupByTopic(ps)].map(([name, partitions]) => ({
          name,
          partitions: partitions.map((partitionIndex) => ({
            partitionIndex,
            currentLeaderEpoch: -1,
            timestamp,
          })),
        })),
      );
      const failed: { ref: PartitionRef; code: number }[] = [];
      for (const t of answer.topics) {
        for (const r of t.partitions) {
          const ref = { topic: t.name, partition: r.partitionIndex };
          if (r.errorCode === 0) out.set(partitionKey(ref), r.offset);
          else failed.push({ ref, code: r.errorCode });
        }
      }
      return failed;
    });
    return out;
  }

  /**
   * Runs `action` per leader broker (the brokers at once) with the partitions it leads, at most
   * LIST_OFFSETS_CHUNK per call; partitions that come back with a retriable error (leader moved,
   * not yet available) are retried after fresh metadata. `metadata` serves the first attempt.
   */
  private async perLeader(
    refs: readonly PartitionRef[],
    operation: string,
    metadata: readonly ITopicMetadata[],
    action: (conn: Connection, refs: PartitionRef[]) => Promise<{ ref: PartitionRef; code: number }[]>,
  ): Promise<void> {
    let pending = [...refs];
    let lastCode = 0;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > PARTITION_RETRIES) {
        throw new TransientError(
          `${operation} on ${partitionsText(pending)} failed: ${kafkaErrorCodeName(lastCode)}`,
          {
            code: 'KAFKA_PARTITION_UNAVAILABLE',
            fix: 'Partition leaders are moving or offline; retry shortly.',
          },
        );
      }
      if (attempt > 0) await this.sleep(Math.min(300 * 2 ** attempt, 3_000));
      if (attempt > 0) this.brokerCache = undefined;
      const leaders = byLeader(
        pending,
        attempt === 0 ? metadata : await this.topicMetadata(topicsOf(pending)),
      );
      const next: PartitionRef[] = [];
      const leaderless = leaders.get(-1);
      if (leaderless) {
        next.push(...leaderless);
        lastCode = 5;
        leaders.delete(-1);
      }
      const answers = await Promise.all(
        [...leaders].map(async ([leader, ps]) => {
          const failed: { ref: PartitionRef; code: number }[] = [];
          for (const chunk of chunks(ps, LIST_OFFSETS_CHUNK)) {
            const op = { operation, resource: topicsText(chunk) };
            failed.push(
              ...(await this.run(op, async () => action(await this.brokerConnection(leader), chunk))),
            );
          }
          return failed;
        }),
      );
      for (const f of answers.flat()) {
        if (!RETRIABLE_PARTITION_ERRORS.has(f.code))
          throw toCatalogueError(
            kafkaProtocolError(f.code, `${operation} ${f.ref.topic}-${f.ref.partition}`),
            this.bootstrap,
            { operation, resource: `topic ${f.ref.topic}` },
          );
        next.push(f.ref);
        lastCode = f.code;
      }
      pending = next;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Groups

  async listGroups(): Promise<GroupSummary[]> {
    const listed = await this.run({ operation: 'ListGroups', resource: 'cluster' }, () =>
      this.admin.listGroups(),
    );
    const ids = [...new Set(listed.groups.map((g) => g.groupId))].sort();
    const protocolTypes = new Map(listed.groups.map((g) => [g.groupId, g.protocolType]));
    const out: GroupSummary[] = [];
    for (const batch of chunks(ids, DESCRIBE_GROUPS_CHUNK)) {
      const op = { operation: 'DescribeGroups', resource: `group ${batch.join(', ')}` };
      const described = await this.run(op, () => this.admin.describeGroups(batch));
      for (const g of described.groups) {
        out.push({
          groupId: g.groupId,
          state: g.state || 'Unknown',
          protocolType: g.protocolType || protocolTypes.get(g.groupId) || '',
          members: g.members.length,
        });
      }
    }
    return out;
  }

  /**
   * Every committed offset of the group, asked of its coordinator (FindCoordinator, then
   * OffsetFetch v3 with topics = null). Partitions without a commit (-1) are left out.
   */
  async fetchCommittedOffsets(groupId: string): Promise<CommittedOffset[]> {
    const op = { operation: 'OffsetFetch', resource: `group ${groupId}` };
    for (let attempt = 0; ; attempt++) {
      const answer = await this.run(op, () => this.offsetFetchAll(groupId));
      if (answer.errorCode === 0) {
        return answer.partitions
          .filter((p) => p.errorCode === 0 && p.offset >= 0n)
          .map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset, metadata: p.metadata }))
          .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
      }
      const error = kafkaProtocolError(answer.errorCode, `OffsetFetch for group ${groupId}`);
      if (!COORDINATOR_RETRY_ERRORS.has(answer.errorCode) || attempt >= PARTITION_RETRIES) {
        throw toCatalogueError(error, this.bootstrap, op);
      }
      await this.sleep(Math.min(300 * 2 ** attempt, 3_000));
    }
  }

  /** OffsetFetch at the coordinator; a coordinator lookup failure comes back as the group error. */
  private async offsetFetchAll(groupId: string) {
    await this.versionOf(APIS.FindCoordinator);
    const found = await call(findCoordinatorV1.api, await this.anyBrokerConnection(), COORDINATOR_KEY_GROUP, [
      groupId,
    ]);
    const coordinator = found.coordinators[0];
    if (coordinator?.errorCode !== 0) {
      return { errorCode: coordinator?.errorCode ?? 15, partitions: [] };
    }
    await this.versionOf(APIS.OffsetFetch);
    const conn = await this.pool.get({ host: coordinator.host, port: coordinator.port });
    // topics = null: every topic the group has committed offsets for (OffsetFetch v2+).
    const answer = await call(offsetFetchV3.api, conn, [{ groupId, topics: null }], false);
    return {
      errorCode: answer.errorCode,
      partitions: answer.topics.flatMap((t) =>
        t.partitions.map((p) => ({
          topic: t.name,
          partition: p.partitionIndex,
          offset: p.committedOffset,
          metadata: p.metadata,
          errorCode: p.errorCode,
        })),
      ),
    };
  }

  // -------------------------------------------------------------------------------------------
  // ACLs

  async describeAcls(): Promise<AclBinding[] | undefined> {
    const op = { operation: 'DescribeAcls', resource: 'cluster' };
    let answer: Awaited<ReturnType<Admin['describeAcls']>>;
    try {
      answer = await this.run(op, () =>
        this.admin.describeAcls({
          resourceType: ACL_ANY,
          resourcePatternType: ACL_ANY,
          operation: ACL_ANY,
          permissionType: ACL_ANY,
        } as unknown as Parameters<Admin['describeAcls']>[0]),
      );
    } catch (e) {
      if (protocolErrorType(e) === 'SECURITY_DISABLED') return undefined;
      throw e;
    }
    return answer.resources.flatMap((r) =>
      r.acls.map((a) => ({
        resourceType: ACL_RESOURCE_TYPES[r.resourceType] ?? 'TOPIC',
        resourceName: r.resourceName,
        patternType: ACL_PATTERN_TYPES[r.resourcePatternType] ?? 'LITERAL',
        principal: a.principal,
        host: a.host,
        operation: ACL_OPERATIONS[a.operation] ?? `UNKNOWN(${a.operation})`,
        permissionType: a.permissionType === 2 ? ('DENY' as const) : ('ALLOW' as const),
      })),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Log dirs

  async describeLogDirs(topics: readonly string[]): Promise<PartitionSize[]> {
    if (topics.length === 0) return [];
    const metadata = await this.topicMetadata(topics);
    const byLeader = new Map<number, Map<string, number[]>>();
    for (const t of metadata) {
      for (const p of t.partitions) {
        if (p.leader < 0) continue;
        const perTopic = byLeader.get(p.leader) ?? new Map<string, number[]>();
        perTopic.set(t.name, [...(perTopic.get(t.name) ?? []), p.partitionId]);
        byLeader.set(p.leader, perTopic);
      }
    }
    const out: PartitionSize[] = [];
    for (const [leader, perTopic] of byLeader) {
      const op = { operation: 'DescribeLogDirs', resource: `broker ${leader}` };
      const sizes = await this.run(op, () => this.logDirSizes(leader, perTopic));
      out.push(...sizes);
    }
    return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  }

  private async logDirSizes(brokerId: number, wanted: Map<string, number[]>): Promise<PartitionSize[]> {
    const version = await this.versionOf(APIS.DescribeLogDirs);
    const conn = await this.brokerConnection(brokerId);
    const request = [...wanted].map(([name, partitions]) => ({ name, partitions }));
    const answer = await call(DESCRIBE_LOG_DIRS[version], conn, request);
    if (answer.errorCode !== 0) {
      throw kafkaProtocolError(answer.errorCode, `DescribeLogDirs on broker ${brokerId}`);
    }
    const out: PartitionSize[] = [];
    for (const dir of answer.results) {
      if (dir.errorCode !== 0) continue;
      for (const t of dir.topics) {
        for (const p of t.partitions) {
          if (!p.isFutureKey && wanted.get(t.name)?.includes(p.partitionIndex)) {
            out.push({ topic: t.name, partition: p.partitionIndex, bytes: p.partitionSize });
          }
        }
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Transactions

  /**
   * Looks for transactional data without decompressing or decoding a single record: a raw Fetch
   * (READ_UNCOMMITTED, records left as bytes; reader.ts' fetchRawRecords) to each partition leader, reading only the record-batch headers, whose
   * attributes carry the isTransactional (0x10) and isControl (0x20) bits. Per partition it reads
   * one window at the log start and, when the log is longer, one window `tailOffsets` before the
   * high watermark (transactional producers that started late are still seen). Bounded by
   * `bytesPerFetch` per window, `partitionsPerTopic` and a total `deadlineMs`; when the deadline is
   * spent it returns what it has found (best effort, never an exception for running out of time).
   */
  async probeTransactional(topics: readonly string[]): Promise<TransactionalProbe> {
    const limits = { ...DEFAULT_PROBE_LIMITS, ...this.options.probe };
    const deadline = Date.now() + limits.deadlineMs;
    if (topics.length === 0) return { topics: [] };
    // The offsets and leaders of every topic at once; then the windows, a few fetches in flight.
    const metadata = await this.topicMetadata(topics);
    const offsets = await this.fetchOffsets(topics);
    const leaderOf = new Map(
      metadata.flatMap((t) =>
        t.partitions.map((p) => [partitionKey({ topic: t.name, partition: p.partitionId }), p.leader]),
      ),
    );
    const windows: { topic: string; partition: number; leader: number; from: bigint }[] = [];
    for (const topic of topics) {
      for (const o of (offsets.get(topic) ?? []).slice(0, limits.partitionsPerTopic)) {
        const leader = leaderOf.get(partitionKey({ topic, partition: o.partition })) ?? -1;
        if (o.end <= o.logStart || leader < 0) continue;
        windows.push({ topic, partition: o.partition, leader, from: o.logStart });
        const tail = o.end - limits.tailOffsets;
        if (tail > o.logStart) windows.push({ topic, partition: o.partition, leader, from: tail });
      }
    }
    const found = new Set<string>();
    await mapWithConcurrency(windows, PROBE_CONCURRENCY, async (w) => {
      if (found.has(w.topic) || Date.now() >= deadline) return;
      const op = { operation: 'Fetch', resource: `topic ${w.topic}` };
      const fetching = this.run(op, () =>
        this.windowHasTransactions(w.leader, w.topic, w.partition, w.from, limits),
      );
      if ((await beforeDeadline(fetching, deadline)) === true) found.add(w.topic);
    });
    return { topics: topics.filter((t) => found.has(t)) };
  }

  private async windowHasTransactions(
    leader: number,
    topic: string,
    partition: number,
    fetchOffset: bigint,
    limits: ProbeLimits,
  ): Promise<boolean> {
    const conn = await this.brokerConnection(leader);
    const answer = await fetchRawRecords(conn, { topic, partition }, fetchOffset, limits.bytesPerFetch);
    if (answer.errorCode !== 0 || !answer.records) return false;
    return hasTransactionalBatch(answer.records);
  }

  // -------------------------------------------------------------------------------------------
  // Write side (the target, during the topology copy)

  /**
   * CreateTopics in batches (CREATE_TOPICS_BATCH_TOPICS topics and at most
   * CREATE_TOPICS_BATCH_PARTITIONS partitions per request), to the controller, every topic's outcome
   * read from its own error code. All or nothing where the brokers can tell in advance: every batch
   * is first sent with validateOnly, and when any topic is refused (a config value, a policy, the
   * replication factor, authorization) nothing is created and the error names every refused topic.
   * Transient codes (REQUEST_TIMED_OUT, NOT_CONTROLLER, THROTTLING_QUOTA_EXCEEDED) are retried for
   * the topics that got them; a topic that timed out and then exists counts as created. Leaders are
   * not awaited here (waitForLeaders, once for all).
   */
  async createTopics(topics: readonly NewTopic[]): Promise<Map<string, CreateTopicOutcome>> {
    const batches = topicBatches(topics);
    const refused: { topic: NewTopic; type: string; message: string | null }[] = [];
    for (const batch of batches) {
      for (const [topic, r] of await this.createTopicsBatch(batch, true)) {
        if (r.type !== undefined && r.type !== 'TOPIC_ALREADY_EXISTS')
          refused.push({ topic, type: r.type, message: r.message });
      }
    }
    if (refused.length > 0) throw createTopicsRefused(refused, topics.length);
    const outcomes = new Map<string, CreateTopicOutcome>();
    for (const batch of batches) {
      const failed: { topic: NewTopic; type: string; message: string | null }[] = [];
      for (const [topic, r] of await this.createTopicsBatch(batch, false)) {
        if (r.type === undefined) outcomes.set(topic.name, 'created');
        else if (r.type === 'TOPIC_ALREADY_EXISTS')
          outcomes.set(topic.name, r.timedOutBefore ? 'created' : 'exists');
        else failed.push({ topic, type: r.type, message: r.message });
      }
      if (failed.length > 0) throw createTopicsRefused(failed, topics.length, outcomes.size);
    }
    return outcomes;
  }

  /**
   * One batch of CreateTopics (validateOnly or for real) with the transient per-topic codes retried;
   * the error type of each topic (undefined: accepted), Kafka's message, and whether an earlier
   * attempt timed out (the topic may have been created by it).
   */
  private async createTopicsBatch(
    batch: readonly NewTopic[],
    validateOnly: boolean,
  ): Promise<Map<NewTopic, { type: string | undefined; message: string | null; timedOutBefore: boolean }>> {
    const out = new Map<
      NewTopic,
      { type: string | undefined; message: string | null; timedOutBefore: boolean }
    >();
    const timedOut = new Set<string>();
    let pending = [...batch];
    for (let attempt = 0; pending.length > 0; attempt++) {
      const names = pending.map((t) => t.name);
      const op = {
        operation: 'CreateTopics',
        resource: pending.length === 1 ? newTopicText(pending[0] as NewTopic) : `topics ${names.join(', ')}`,
      };
      const answer = await this.run(op, async () => {
        const version = await this.versionOf(APIS.CreateTopics);
        const controller = await this.controllerConnection(attempt > 0);
        const request = pending.map((t) => ({
          name: t.name,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor,
          assignments: [],
          configs: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
        }));
        return call(CREATE_TOPICS[version], controller, request, CREATE_TOPICS_TIMEOUT_MS, validateOnly);
      });
      const retry: NewTopic[] = [];
      for (const t of pending) {
        const r = answer.topics.find((x) => x.name === t.name);
        if (!r) {
          // No answer for the topic is no evidence it was created: asked again, then refused.
          if (attempt < PARTITION_RETRIES) retry.push(t);
          else
            out.set(t, {
              type: 'UNKNOWN_SERVER_ERROR',
              message: 'the CreateTopics response did not name the topic',
              timedOutBefore: timedOut.has(t.name),
            });
          continue;
        }
        const code = r.errorCode;
        if (code === REQUEST_TIMED_OUT) timedOut.add(t.name);
        if (CREATE_TOPICS_RETRY_CODES.has(code) && attempt < PARTITION_RETRIES) {
          retry.push(t);
          continue;
        }
        const type = code !== 0 ? kafkaErrorCodeName(code) : undefined;
        if (type !== undefined && AUTHORIZATION_ERROR_TYPES.has(type))
          throw authorizationError(type, { operation: 'CreateTopics', resource: newTopicText(t) });
        out.set(t, { type, message: r.errorMessage ?? null, timedOutBefore: timedOut.has(t.name) });
      }
      pending = retry;
      if (pending.length > 0) await this.sleep(Math.min(300 * 2 ** attempt, 3_000));
    }
    return out;
  }

  /** A connection to the controller (KRaft brokers forward; ZooKeeper-mode brokers need the controller). */
  private async controllerConnection(refresh: boolean): Promise<Connection> {
    if (refresh || this.controllerId === undefined) {
      const c = await this.admin.describeCluster();
      this.brokerCache = new Map(
        c.brokers.map((b) => [b.nodeId, { id: b.nodeId, host: b.host, port: b.port }]),
      );
      this.controllerId = c.controller ?? c.brokers[0]?.nodeId;
    }
    if (this.controllerId === undefined)
      throw unreachableError(this.bootstrap, new Error('the cluster metadata names no broker'));
    return this.brokerConnection(this.controllerId);
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    const existing = new Set((await this.listTopics()).map((t) => t.name));
    const present = topics.filter((t) => existing.has(t));
    if (present.length === 0) return;
    await this.run({ operation: 'DeleteTopics', resource: `topics ${present.join(', ')}` }, () =>
      this.admin.deleteTopics({ topics: [...present], timeout: 30_000 }),
    );
  }

  /** IncrementalAlterConfigs v0 (platformatic) to any broker: the controller applies topic configs. */
  async alterTopicConfigs(changes: readonly TopicConfigChange[]): Promise<void> {
    const resources = changes
      .map((c) => ({
        resourceType: PlatformaticConfigResourceTypes.TOPIC,
        resourceName: c.topic,
        configs: [
          ...Object.entries(c.set).map(([name, value]) => ({
            name,
            configOperation: IncrementalAlterConfigOperationTypes.SET,
            value: value as string | null,
          })),
          ...(c.delete ?? []).map((name) => ({
            name,
            configOperation: IncrementalAlterConfigOperationTypes.DELETE,
            value: null,
          })),
        ],
      }))
      .filter((r) => r.configs.length > 0);
    for (const batch of chunks(resources, ALTER_CONFIGS_CHUNK)) {
      let pending = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        const op = {
          operation: 'IncrementalAlterConfigs',
          resource: `topic ${pending.map((r) => r.resourceName).join(', ')}`,
        };
        const answer = await this.run(op, async () => {
          await this.versionOf(APIS.IncrementalAlterConfigs);
          return call(incrementalAlterConfigsV0.api, await this.anyBrokerConnection(), pending, false);
        });
        const retry: typeof pending = [];
        for (const r of answer.responses) {
          if (r.errorCode === 0) continue;
          const resource = pending.find((x) => x.resourceName === r.resourceName);
          const type = kafkaErrorCodeName(r.errorCode);
          const what = {
            operation: 'IncrementalAlterConfigs',
            resource: `topic ${r.resourceName} (${(resource?.configs ?? [])
              .map((c) => (c.value === null ? `delete ${c.name}` : `${c.name}=${c.value}`))
              .join(',')})`,
          };
          if (AUTHORIZATION_ERROR_TYPES.has(type)) throw authorizationError(type, what);
          if (ALTER_CONFIGS_RETRY_CODES.has(r.errorCode) && resource) {
            if (attempt >= PARTITION_RETRIES) {
              throw new TransientError(`${what.operation} on ${what.resource} failed: ${type}`, {
                code: 'KAFKA_REQUEST_FAILED',
                fix: 'A transient broker condition; the step is retried automatically. If it persists, check broker health.',
              });
            }
            retry.push(resource);
            continue;
          }
          throw new PreconditionError(
            `${what.operation} on ${what.resource} failed: ${type}${r.errorMessage ? ` (${r.errorMessage})` : ''}`,
            {
              code: 'KAFKA_REQUEST_FAILED',
              fix: 'The target refused the topic config: check the value is valid for its Kafka version and allowed by its policies, or set topology.on_config_drift: keep_target.',
            },
          );
        }
        pending = retry;
        if (pending.length > 0) await this.sleep(Math.min(300 * 2 ** attempt, 3_000));
      }
    }
  }

  async createAcls(bindings: readonly AclBinding[]): Promise<void> {
    for (const batch of chunks(bindings, CREATE_ACLS_CHUNK)) {
      const acl = batch.map(toKafkajsAcl);
      const op = { operation: 'CreateAcls', resource: `${batch.length} ACL binding(s)` };
      await this.run(op, () =>
        this.admin.createAcls({ acl: acl as Parameters<Admin['createAcls']>[0]['acl'] }),
      );
    }
  }

  async waitForLeaders(
    partitions: readonly { readonly topic: string; readonly partition: number }[],
    options: { readonly timeoutMs: number; readonly pollMs?: number },
  ): Promise<{ topic: string; partition: number }[]> {
    const deadline = Date.now() + options.timeoutMs;
    let pending = partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
    for (;;) {
      if (pending.length === 0) return [];
      const topics = [...new Set(pending.map((p) => p.topic))];
      let led: Set<string>;
      try {
        const meta = await this.topicMetadata(topics);
        led = new Set(
          meta.flatMap((t) =>
            t.partitions.filter((p) => p.leader >= 0).map((p) => `${t.name}/${p.partitionId}`),
          ),
        );
      } catch (e) {
        const type = protocolErrorType(e);
        if (type !== 'LEADER_NOT_AVAILABLE' && type !== 'UNKNOWN_TOPIC_OR_PARTITION' && !isNoLeaderError(e))
          throw e;
        led = new Set();
      }
      pending = pending.filter((p) => !led.has(`${p.topic}/${p.partition}`));
      if (pending.length === 0 || Date.now() >= deadline) return pending;
      await this.sleep(Math.min(options.pollMs ?? 250, Math.max(0, deadline - Date.now())));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing

  async close(): Promise<void> {
    this.apis = undefined;
    await this.pool.close().catch(() => {});
    await this.admin.disconnect().catch(() => {});
    this.connecting = undefined;
  }

  /** Connects once (within the deadline) and maps any failure to the catalogue. */
  private async run<T>(op: KafkaOperation, fn: () => Promise<T>): Promise<T> {
    try {
      await this.connect();
      return await fn();
    } catch (e) {
      throw toCatalogueError(e, this.bootstrap, op);
    }
  }

  private connect(): Promise<void> {
    if (!this.connecting) {
      const deadlineMs = this.options.connectDeadlineMs ?? 15_000;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(unreachableError(this.bootstrap, new Error(`no connection within ${deadlineMs} ms`))),
          deadlineMs,
        );
      });
      this.connecting = Promise.race([this.admin.connect(), timeout])
        .catch((e: unknown) => {
          this.connecting = undefined;
          this.admin.disconnect().catch(() => {});
          throw toCatalogueError(e, this.bootstrap, { operation: 'connect', resource: 'cluster' });
        })
        .finally(() => clearTimeout(timer));
    }
    return this.connecting;
  }

  private async topicMetadata(topics: readonly string[]): Promise<ITopicMetadata[]> {
    const op = {
      operation: 'Metadata',
      resource: `topic ${topics.length === 1 ? topics[0] : `(${topics.length} topics)`}`,
    };
    const answer = await this.run(op, () => this.admin.fetchTopicMetadata({ topics: [...topics] }));
    return answer.topics;
  }

  private async brokerConnection(brokerId: number): Promise<Connection> {
    let broker = this.brokerCache?.get(brokerId);
    if (!broker) {
      const c = await this.run({ operation: 'DescribeCluster', resource: 'cluster' }, () =>
        this.admin.describeCluster(),
      );
      this.brokerCache = new Map(
        c.brokers.map((b) => [b.nodeId, { id: b.nodeId, host: b.host, port: b.port }]),
      );
      broker = this.brokerCache.get(brokerId);
    }
    if (!broker)
      throw unreachableError(this.bootstrap, new Error(`broker ${brokerId} is not in the cluster metadata`));
    return this.pool.get({ host: broker.host, port: broker.port });
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

/** A topic whose metadata failed because a partition has no leader yet (wrapped by the catalogue). */
function isNoLeaderError(e: unknown): boolean {
  return e instanceof Error && /LEADER_NOT_AVAILABLE|UNKNOWN_TOPIC_OR_PARTITION/.test(e.message);
}

/** Our binding as kafkajs' CreateAcls wants it (protocol enum codes, which kafkajs' enums equal). */
function toKafkajsAcl(b: AclBinding) {
  const code = (table: Readonly<Record<number, string>>, name: string, what: string): number => {
    const found = Object.entries(table).find(([, v]) => v === name);
    if (!found) {
      throw new PreconditionError(`cannot create an ACL with ${what} ${name}`, {
        code: 'KAFKA_ACL_UNSUPPORTED',
        fix: 'Create this binding on the target by hand (kafka-acls.sh), or leave it out of the migration.',
      });
    }
    return Number(found[0]);
  };
  return {
    resourceType: code(ACL_RESOURCE_TYPES, b.resourceType, 'resource type'),
    resourceName: b.resourceName,
    resourcePatternType: code(ACL_PATTERN_TYPES, b.patternType, 'pattern type'),
    principal: b.principal,
    host: b.host,
    operation: code(ACL_OPERATIONS, b.operation, 'operation'),
    permissionType: b.permissionType === 'DENY' ? 2 : 3,
  };
}

function partitionInfos(t: ITopicMetadata): PartitionInfo[] {
  return t.partitions
    .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] }))
    .sort((a, b) => a.partition - b.partition);
}

interface KafkajsConfigEntry {
  configName: string;
  configValue: string | null;
  readOnly: boolean;
  isDefault: boolean;
  isSensitive: boolean;
}

function configEntry(e: KafkajsConfigEntry): ConfigEntryDetail {
  return {
    name: e.configName,
    value: e.isSensitive ? null : (e.configValue ?? null),
    readOnly: e.readOnly,
    isDefault: e.isDefault,
    isSensitive: e.isSensitive,
  };
}

/** The promise's value, or undefined once `deadline` (epoch ms) has passed. */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  promise.catch(() => {}); // a late failure after the deadline must not become an unhandled rejection
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** "topic orders (3 partitions, replication factor 3, configs retention.ms=1)" for messages. */
function newTopicText(t: NewTopic): string {
  const configs = Object.entries(t.configs);
  return (
    `topic ${t.name} (${t.partitions} partitions, replication factor ${t.replicationFactor}` +
    `${configs.length ? `, configs ${configs.map(([k, v]) => `${k}=${v}`).join(',')}` : ''})`
  );
}

/** The topics in request-sized batches, in order. */
function topicBatches(topics: readonly NewTopic[]): NewTopic[][] {
  const out: NewTopic[][] = [];
  let batch: NewTopic[] = [];
  let partitions = 0;
  for (const t of topics) {
    if (
      batch.length > 0 &&
      (batch.length >= CREATE_TOPICS_BATCH_TOPICS ||
        partitions + t.partitions > CREATE_TOPICS_BATCH_PARTITIONS)
    ) {
      out.push(batch);
      batch = [];
      partitions = 0;
    }
    batch.push(t);
    partitions += t.partitions;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/**
 * The target refused to create some topics: each one named with Kafka's error and message. Before
 * any topic was created (the validateOnly pass) the message says nothing was created.
 */
function createTopicsRefused(
  refused: readonly { topic: NewTopic; type: string; message: string | null }[],
  total: number,
  created?: number,
): PreconditionError | TransientError {
  const each = refused
    .map(
      (r) =>
        `CreateTopics on ${newTopicText(r.topic)} failed: ${r.type}${r.message ? ` (${r.message})` : ''}`,
    )
    .join('; ');
  const state =
    created === undefined
      ? `nothing was created (${refused.length} of ${total} topic(s) refused)`
      : `${created} of ${total} topic(s) were created before this`;
  if (refused.every((r) => TRANSIENT_CREATE_TOPICS_ERRORS.has(r.type))) {
    return new TransientError(`${each}; ${state}`, {
      code: 'KAFKA_REQUEST_FAILED',
      fix: 'A transient broker condition (controller moving, quota, timeout); the step is retried automatically and creates nothing twice. If it persists, check broker health.',
    });
  }
  return new PreconditionError(`${each}; ${state}`, {
    code: 'KAFKA_REQUEST_FAILED',
    fix:
      'The target refused these topics: check each named config value and the replication factor are valid for ' +
      'the target (its Kafka version, broker count and create-topic policy), change the config (topology.*) or ' +
      'leave the topic out (topics.exclude), and run again; topics already created are kept and not created twice.',
  });
}

/** The refs grouped by topic, in first-seen order (one request entry per topic). */
function groupByTopic(refs: readonly PartitionRef[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of refs) {
    const ps = out.get(r.topic);
    if (ps) ps.push(r.partition);
    else out.set(r.topic, [r.partition]);
  }
  return out;
}

function topicsOf(refs: readonly PartitionRef[]): string[] {
  return [...groupByTopic(refs).keys()];
}

/** The refs by leader broker id (-1: no leader, or a partition the metadata does not have). */
function byLeader(
  refs: readonly PartitionRef[],
  metadata: readonly ITopicMetadata[],
): Map<number, PartitionRef[]> {
  const leaderOf = new Map(
    metadata.flatMap((t) =>
      t.partitions.map((p) => [partitionKey({ topic: t.name, partition: p.partitionId }), p.leader]),
    ),
  );
  const out = new Map<number, PartitionRef[]>();
  for (const r of refs) {
    const leader = leaderOf.get(partitionKey(r)) ?? -1;
    const ps = out.get(leader);
    if (ps) ps.push(r);
    else out.set(leader, [r]);
  }
  return out;
}

/** "topic orders" or "topics orders, payments" (at most 5 named) for messages. */
function topicsText(refs: readonly PartitionRef[]): string {
  const topics = topicsOf(refs);
  if (topics.length === 1) return `topic ${topics[0]}`;
  return `topics ${topics.slice(0, 5).join(', ')}${topics.length > 5 ? `, … (${topics.length})` : ''}`;
}

/** "topic orders partitions 0,3; topic payments partitions 1" for messages. */
function partitionsText(refs: readonly PartitionRef[]): string {
  return [...groupByTopic(refs)].map(([t, ps]) => `topic ${t} partitions ${ps.join(',')}`).join('; ');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

/**
 * One platformatic API call. platformatic throws when a response carries any error code, with the
 * parsed response attached; the callers here read the codes per partition/resource themselves.
 */
async function call<A extends unknown[], R>(api: API<A, R>, conn: Connection, ...args: A): Promise<R> {
  try {
    return await api.async(conn, ...args);
  } catch (e) {
    const response = responseOfErrorCodes(e);
    if (response) return response as R;
    throw e;
  }
}

/** Whether any record batch in `records` is transactional or a control batch (headers only). */
function hasTransactionalBatch(records: Uint8Array): boolean {
  let headers: ReturnType<typeof parseBatchHeaders>;
  try {
    headers = parseBatchHeaders(records);
  } catch {
    return false; // message format v0/v1 (before Kafka 0.11): cannot be transactional
  }
  return headers.some((b) => (b.attributes & TRANSACTIONAL_OR_CONTROL) !== 0);
}

// Kafka protocol enums (AclResourceType, PatternType, AclOperation): stable numeric codes.
const ACL_ANY = 1;
const ACL_RESOURCE_TYPES: Readonly<Record<number, AclResourceType>> = {
  2: 'TOPIC',
  3: 'GROUP',
  4: 'CLUSTER',
  5: 'TRANSACTIONAL_ID',
  6: 'DELEGATION_TOKEN',
  7: 'USER',
};
const ACL_PATTERN_TYPES: Readonly<Record<number, AclPatternType>> = { 3: 'LITERAL', 4: 'PREFIXED' };
const ACL_OPERATIONS: Readonly<Record<number, string>> = {
  2: 'ALL',
  3: 'READ',
  4: 'WRITE',
  5: 'CREATE',
  6: 'DELETE',
  7: 'ALTER',
  8: 'DESCRIBE',
  9: 'CLUSTER_ACTION',
  10: 'DESCRIBE_CONFIGS',
  11: 'ALTER_CONFIGS',
  12: 'IDEMPOTENT_WRITE',
  13: 'CREATE_TOKENS',
  14: 'DESCRIBE_TOKENS',
};
