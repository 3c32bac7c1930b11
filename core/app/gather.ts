import { mapWithConcurrency } from '../domain/concurrency.ts';
import type { MigrationConfig } from '../domain/config/schema.ts';
import { causeText, KraftMigrateError } from '../domain/errors.ts';
import { deletesByCreateTime, recordsIn } from '../domain/precheck/facts.ts';
import type {
  BucketSnapshot,
  ClusterSnapshot,
  GroupSnapshot,
  MskSnapshot,
  PermissionProblem,
  PrecheckOptions,
  PrecheckSnapshot,
  SigningKeySnapshot,
  TopicSnapshot,
} from '../domain/precheck/types.ts';
import { selectGroups, selectTopics } from '../domain/selection.ts';
import {
  type AclBinding,
  type FirstRecordTimestamps,
  type KafkaAdmin,
  type MskApi,
  type PartitionAtLogStart,
  type PartitionOffsets,
  partitionKey,
} from '../ports.ts';

/**
 * Gathers everything precheck and plan look at, through the ports only. Read-only apart from one
 * probe object per bucket (written and deleted to prove the bucket is writable). Every failure is
 * captured in the snapshot — the rules decide what it means; gathering itself never throws for a
 * cluster or bucket problem.
 */
export interface GatherDeps {
  readonly config: MigrationConfig;
  readonly options: PrecheckOptions;
  /** Builds an admin client for a cluster given its resolved bootstrap servers. */
  readonly kafkaAdmin: (role: 'source' | 'target', bootstrap: readonly string[]) => Promise<KafkaAdmin>;
  readonly msk?: MskApi | undefined;
  /** Probes a bucket (reachable, writable, Object Lock, KMS); never throws. */
  readonly probeBucket: (role: 'segments' | 'evidence') => Promise<BucketSnapshot>;
  readonly probeSigningKey: () => Promise<SigningKeySnapshot>;
  /** First-batch timestamps of the source (W08); without it they stay unknown. */
  readonly firstRecords?: (() => Promise<FirstRecordTimestamps>) | undefined;
  /** The clock of `gatheredAtMs`. @default Date.now */
  readonly now?: (() => number) | undefined;
  /** Called as each part is gathered, for progress output. */
  readonly onProgress?: (what: string) => void;
}

export interface GatheredState {
  readonly snapshot: PrecheckSnapshot;
  /** ACLs of the source (undefined: no authorizer or not readable). */
  readonly sourceAcls: AclBinding[] | undefined;
  /** Source topics selected for the migration. */
  readonly selectedTopics: readonly string[];
  /** Per source topic, the config names set on the topic itself (not defaults). */
  readonly explicitTopicConfigs: Readonly<Record<string, readonly string[]>>;
}

export async function gather(deps: GatherDeps): Promise<GatheredState> {
  const { config } = deps;
  const progress = deps.onProgress ?? (() => {});
  progress('source cluster');
  const source = await gatherCluster(deps, 'source', undefined);
  if (source.snapshot.reachable && deps.firstRecords) {
    progress('oldest source records');
    source.snapshot = {
      ...source.snapshot,
      topics: await withFirstBatchTimestamps(deps.firstRecords, source.snapshot.topics),
    };
  }
  const gatheredAtMs = (deps.now ?? Date.now)();
  progress('target cluster');
  const target = await gatherCluster(deps, 'target', source.selected);
  progress('buckets');
  const [segments, evidence] = await Promise.all([
    deps.probeBucket('segments'),
    deps.probeBucket('evidence'),
  ]);
  progress('signing key');
  const signingKey = await deps.probeSigningKey();
  return {
    snapshot: {
      config,
      options: deps.options,
      source: source.snapshot,
      target: target.snapshot,
      excludedInternalTopics: source.excludedInternal,
      segments,
      evidence,
      signingKey,
      gatheredAtMs,
    },
    sourceAcls: source.acls,
    selectedTopics: source.selected,
    explicitTopicConfigs: source.explicitConfigs,
  };
}

/** Budget and concurrency of the first-batch reads: precheck never waits long for W08. */
export const FIRST_RECORDS_TIMEOUT_MS = 10_000;
export const FIRST_RECORDS_CONCURRENCY = 8;
/** Groups whose committed offsets are read at once. */
const GROUP_OFFSETS_CONCURRENCY = 8;

/**
 * The first-batch timestamps of the partitions W08 looks at: delete-only CreateTime topics, partitions
 * holding records. A failure leaves them unknown (the rule then says so); it never fails the gathering.
 */
async function withFirstBatchTimestamps(
  open: () => Promise<FirstRecordTimestamps>,
  topics: readonly TopicSnapshot[],
): Promise<TopicSnapshot[]> {
  const wanted: PartitionAtLogStart[] = [];
  for (const t of topics) {
    if (!deletesByCreateTime(t)) continue;
    for (const p of t.partitions)
      if (recordsIn(p) > 0n) wanted.push({ topic: t.name, partition: p.partition, logStart: p.logStart });
  }
  if (wanted.length === 0) return [...topics];
  let found = new Map<string, bigint>();
  try {
    const reader = await open();
    try {
      found = await reader.firstBatchMaxTimestamps(wanted, {
        timeoutMs: FIRST_RECORDS_TIMEOUT_MS,
        concurrency: FIRST_RECORDS_CONCURRENCY,
      });
    } finally {
      await reader.close().catch(() => {});
    }
  } catch {
    // unknown: W08 reports the topics it could not look into
  }
  return topics.map((t) => ({
    ...t,
    partitions: t.partitions.map((p) => {
      const ts = found.get(partitionKey({ topic: t.name, partition: p.partition }));
      return ts === undefined ? p : { ...p, firstBatchMaxTimestamp: ts };
    }),
  }));
}

interface ClusterGathering {
  snapshot: ClusterSnapshot;
  selected: string[];
  excludedInternal: string[];
  acls: AclBinding[] | undefined;
  explicitConfigs: Record<string, string[]>;
}

function isAuthorization(e: unknown): boolean {
  return e instanceof KraftMigrateError && e.code === 'KAFKA_AUTHORIZATION';
}

/**
 * The offsets of every selected topic in one batched call. When the principal may not describe
 * some topic, the topics are asked one by one, so that each one refused is reported by name (B15)
 * and the others are still read.
 */
async function topicOffsets(
  admin: KafkaAdmin,
  role: 'source' | 'target',
  topics: readonly string[],
  problems: PermissionProblem[],
): Promise<Map<string, PartitionOffsets[]>> {
  if (topics.length === 0) return new Map();
  try {
    return await admin.fetchOffsets(topics);
  } catch (e) {
    if (!isAuthorization(e)) throw e;
  }
  const out = new Map<string, PartitionOffsets[]>();
  for (const name of topics) {
    try {
      out.set(name, (await admin.fetchOffsets([name])).get(name) ?? []);
    } catch (e) {
      if (!isAuthorization(e)) throw e;
      problems.push({ operation: 'DescribeTopic', resource: `${role} topic ${name}`, error: causeText(e) });
    }
  }
  return out;
}

async function gatherCluster(
  deps: GatherDeps,
  role: 'source' | 'target',
  sourceSelected: readonly string[] | undefined,
): Promise<ClusterGathering> {
  const cfg = deps.config[role];
  const identity = cfg.cluster_arn ?? (cfg.bootstrap_servers ?? []).join(',');
  const empty = (extra: Partial<ClusterSnapshot>): ClusterGathering => ({
    snapshot: {
      role,
      identity,
      reachable: false,
      brokerCount: 0,
      topics: [],
      groups: [],
      transactionalTopics: [],
      permissionProblems: [],
      ...extra,
    },
    selected: [],
    excludedInternal: [],
    acls: undefined,
    explicitConfigs: {},
  });

  let msk: MskSnapshot | undefined;
  let mskError: string | undefined;
  let bootstrap = cfg.bootstrap_servers ?? [];
  if (cfg.cluster_arn) {
    if (!deps.msk) {
      mskError = 'no MSK API client available to look up the cluster ARN';
    } else {
      try {
        msk = await deps.msk.describeCluster(cfg.cluster_arn);
        if (bootstrap.length === 0)
          bootstrap = await deps.msk.bootstrapBrokers(cfg.cluster_arn, cfg.auth.mode);
      } catch (e) {
        mskError = causeText(e);
      }
    }
  }
  if (bootstrap.length === 0) {
    return empty({ unreachableReason: mskError ?? 'no bootstrap servers', msk, mskError });
  }

  let admin: KafkaAdmin;
  try {
    admin = await deps.kafkaAdmin(role, bootstrap);
  } catch (e) {
    return empty({ unreachableReason: causeText(e), msk, mskError });
  }
  try {
    let info: Awaited<ReturnType<KafkaAdmin['describeCluster']>>;
    try {
      info = await admin.describeCluster();
    } catch (e) {
      return empty({ unreachableReason: causeText(e), msk, mskError });
    }
    const problems: PermissionProblem[] = [];
    const attempt = async <T>(
      operation: string,
      resource: string,
      fn: () => Promise<T>,
    ): Promise<T | undefined> => {
      try {
        return await fn();
      } catch (e) {
        if (isAuthorization(e)) {
          problems.push({ operation, resource, error: causeText(e) });
          return undefined;
        }
        throw e;
      }
    };

    const allTopics = (await attempt('DescribeTopic', `${role} topics`, () => admin.listTopics())) ?? [];
    let selected: string[];
    let excludedInternal: string[] = [];
    if (sourceSelected === undefined) {
      const sel = selectTopics(
        allTopics.map((t) => t.name),
        deps.config.topics,
      );
      selected = sel.selected;
      excludedInternal = sel.excludedInternal;
    } else {
      const existing = new Set(allTopics.map((t) => t.name));
      selected = sourceSelected.filter((t) => existing.has(t));
    }

    let brokerConfigs: Record<string, string | null> | undefined;
    let brokerConfigError: string | undefined;
    const brokerId = info.brokers[0]?.id;
    if (brokerId !== undefined) {
      try {
        const entries = await admin.describeBrokerConfigs(brokerId);
        brokerConfigs = Object.fromEntries(entries.map((e) => [e.name, e.value]));
      } catch (e) {
        brokerConfigError = causeText(e);
        if (isAuthorization(e))
          problems.push({
            operation: 'DescribeConfigs',
            resource: `${role} broker ${brokerId}`,
            error: causeText(e),
          });
      }
    }

    const topicConfigs = selected.length
      ? await attempt('DescribeConfigs', `${role} topics`, () => admin.describeTopicConfigs(selected)).catch(
          () => undefined,
        )
      : undefined;
    const sizes = selected.length ? await admin.describeLogDirs(selected).catch(() => []) : [];
    const sizeOf = new Map(sizes.map((s) => [partitionKey(s), s.bytes]));
    const offsetsOf = await topicOffsets(admin, role, selected, problems);
    const byName = new Map(allTopics.map((t) => [t.name, t]));
    const topics: TopicSnapshot[] = [];
    const explicitConfigs: Record<string, string[]> = {};
    for (const name of selected) {
      const offsets = new Map((offsetsOf.get(name) ?? []).map((o) => [o.partition, o]));
      const meta = byName.get(name);
      const configs = topicConfigs?.get(name);
      if (configs)
        explicitConfigs[name] = configs.filter((c) => !c.isDefault && !c.readOnly).map((c) => c.name);
      topics.push({
        name,
        partitions: (meta?.partitions ?? []).map((p) => {
          const o = offsets.get(p.partition);
          return {
            partition: p.partition,
            leader: p.leader,
            replicas: p.replicas,
            logStart: o?.logStart ?? 0n,
            end: o?.end ?? 0n,
            bytes: sizeOf.get(partitionKey({ topic: name, partition: p.partition })),
          };
        }),
        configs: configs ? Object.fromEntries(configs.map((c) => [c.name, c.value])) : undefined,
      });
    }

    let groups: GroupSnapshot[] = [];
    let transactionalTopics: readonly string[] = [];
    let acls: AclBinding[] | undefined;
    if (role === 'source') {
      groups = await gatherGroups(deps, admin, selected, attempt, problems);
      transactionalTopics = selected.length ? (await admin.probeTransactional(selected)).topics : [];
      acls = await attempt('DescribeAcls', 'source cluster', () => admin.describeAcls());
    }

    return {
      snapshot: {
        role,
        identity,
        reachable: true,
        clusterId: info.clusterId,
        metadataMode: info.metadataMode,
        kafkaVersion: info.kafkaVersion ?? msk?.kafkaVersion,
        apiRelease: info.apiRelease,
        brokerCount: info.brokers.length,
        brokerConfigs,
        brokerConfigError,
        topics,
        groups,
        transactionalTopics,
        permissionProblems: problems,
        msk,
        mskError,
      },
      selected,
      excludedInternal,
      acls,
      explicitConfigs,
    };
  } finally {
    await admin.close().catch(() => {});
  }
}

async function gatherGroups(
  deps: GatherDeps,
  admin: KafkaAdmin,
  selectedTopics: readonly string[],
  attempt: <T>(op: string, res: string, fn: () => Promise<T>) => Promise<T | undefined>,
  problems: PermissionProblem[],
): Promise<GroupSnapshot[]> {
  const summaries = (await attempt('DescribeGroup', 'source groups', () => admin.listGroups())) ?? [];
  const wanted = new Set(
    selectGroups(
      summaries.map((g) => g.groupId),
      deps.config.groups,
    ),
  );
  const topicSet = new Set(selectedTopics);
  // One OffsetFetch per group (after FindCoordinator), a few groups at once; B15 problems in group order.
  const read = await mapWithConcurrency(
    summaries.filter((g) => wanted.has(g.groupId)),
    GROUP_OFFSETS_CONCURRENCY,
    async (g) => {
      try {
        return { g, offsets: await admin.fetchCommittedOffsets(g.groupId), problem: undefined };
      } catch (e) {
        if (!isAuthorization(e)) throw e;
        const problem = {
          operation: 'DescribeGroup',
          resource: `source group ${g.groupId}`,
          error: causeText(e),
        };
        return { g, offsets: [], problem };
      }
    },
  );
  const groups: GroupSnapshot[] = [];
  for (const { g, offsets, problem } of read) {
    if (problem) problems.push(problem);
    groups.push({
      groupId: g.groupId,
      state: g.state,
      members: g.members,
      offsets: offsets
        .filter((o) => topicSet.has(o.topic))
        .map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
    });
  }
  return groups.sort((a, b) => a.groupId.localeCompare(b.groupId));
}
