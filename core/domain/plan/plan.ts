import { parseDuration } from '../config/duration.ts';
import type { MigrationConfig } from '../config/schema.ts';
import { InvalidInputError } from '../errors.ts';
import { formatBytes, formatHumanDuration } from '../format.ts';
import { estimateSeed } from '../precheck/estimate.ts';
import type { ClusterSnapshot, TopicSnapshot } from '../precheck/types.ts';
import { aclHandling, selectAcls } from '../topology/acls.ts';
import { targetReplicationFactor } from '../topology/topics.ts';
import { WORKFLOW_STEPS } from './steps.ts';
import {
  evidenceObjectUrl,
  journalPrefixUrl,
  parseS3Url,
  segmentsMigrationPrefix,
  segmentsTopicPrefix,
} from './storage-layout.ts';
import { planTopicConfigs, targetDefault } from './topic-configs.ts';
import {
  type ClusterMode,
  type MigrationPlan,
  PLAN_SCHEMA_VERSION,
  type PlanAcls,
  type PlanCluster,
  type PlanCutover,
  type PlanGroup,
  type PlanInput,
  type PlanSeedEstimate,
  type PlanTopic,
  type StorageLayout,
  type TargetTopicState,
} from './types.ts';

/**
 * Builds the read-only migration plan (SPEC §2 `plan`) from the gathered snapshot. Pure and
 * deterministic: the same snapshot, id and fingerprint give the same plan (no clock).
 */
export function buildPlan(snapshot: PlanInput, migrationId: string, fingerprint: string): MigrationPlan {
  if (migrationId.trim() === '') {
    throw new InvalidInputError('buildPlan: migration id is empty', {
      code: 'PLAN_NO_MIGRATION_ID',
      fix: 'Set migration_id in the config or derive the default id before planning.',
    });
  }
  const { config } = snapshot;
  const source = planCluster(snapshot.source, config.source);
  const target = planCluster(snapshot.target, config.target);
  const tieredStorage =
    snapshot.targetTieredStorage ??
    snapshot.target.brokerConfigs?.['remote.log.storage.system.enable'] === 'true';

  const topics = [...snapshot.source.topics]
    .sort((a, b) => cmp(a.name, b.name))
    .map((t) => planTopic(t, snapshot, migrationId, target, tieredStorage));
  const planned = new Set(topics.map((t) => t.name));
  const groups = planGroups(snapshot, planned);
  const acls = planAcls(snapshot);

  let records = 0n;
  let bytes = 0n;
  let bytesComplete = true;
  let partitions = 0;
  let configsCopied = 0;
  let configsSkipped = 0;
  for (const t of topics) {
    records += BigInt(t.records);
    bytes += BigInt(t.bytes);
    bytesComplete &&= t.bytesComplete;
    partitions += t.partitions;
    configsCopied += Object.keys(t.configs.copy).length;
    configsSkipped += t.configs.skipped.length;
  }
  const estimate = seedEstimate(snapshot);

  const warnings: string[] = [];
  if (config.migration_id === undefined) {
    warnings.push(
      `migration_id is not set in the config: this plan uses ${migrationId}, but execute may derive a new default id (it contains a timestamp); pin migration_id so every command addresses the same migration`,
    );
  }
  if (target.brokerCount === null) {
    warnings.push(
      'target broker count unknown: default replication factors fall back to the source replication factor',
    );
  }
  if (!acls.gathered && acls.handling !== 'skip')
    warnings.push('source ACLs were not gathered: the ACL count is unknown');
  if (snapshot.signingKey.source === 'none') {
    warnings.push(
      'no evidence signing key configured: evidence will be signed with the built-in demo key (W09)',
    );
  }
  for (const t of topics) for (const w of t.warnings) warnings.push(`${t.name}: ${w}`);
  for (const g of groups) {
    if (g.members > 0) {
      warnings.push(
        `group ${g.groupId}: ${g.members} active member(s) on the source keep committing until they are stopped (W02)`,
      );
    }
  }

  return {
    kind: 'kraft-migrate.plan',
    schemaVersion: PLAN_SCHEMA_VERSION,
    migrationId,
    migrationIdSource: config.migration_id === undefined ? 'generated' : 'config',
    fingerprint,
    source,
    target,
    topics,
    excludedInternalTopics: [...snapshot.excludedInternalTopics].sort(cmp),
    groups,
    acls,
    totals: {
      topics: topics.length,
      partitions,
      records: records.toString(),
      bytes: bytes.toString(),
      bytesComplete,
      groups: groups.length,
      groupPartitions: groups.reduce((n, g) => n + g.partitions, 0),
      acls: acls.count,
      configsCopied,
      configsSkipped,
    },
    seed: {
      maxConcurrentPartitions: config.seed.max_concurrent_partitions,
      segmentMaxBytes: config.seed.segment_max_bytes,
      isolationLevel: config.seed.isolation_level,
      estimate,
    },
    cutover: planCutover(config),
    validation: {
      countTolerance: config.validation.count_tolerance,
      spotCheckRecordsPerPartition: config.validation.spot_check_records_per_partition,
      spotCheckSamples: partitions * config.validation.spot_check_records_per_partition,
    },
    evidence: {
      signing: snapshot.signingKey.source === 'none' ? 'demo-key' : snapshot.signingKey.source,
      retention: config.evidence.retention ?? null,
    },
    storage: storageLayout(snapshot, migrationId),
    steps: WORKFLOW_STEPS,
    warnings,
  };
}

function planCluster(snap: ClusterSnapshot, cfg: MigrationConfig['source']): PlanCluster {
  const bootstrap = cfg.bootstrap_servers ?? null;
  return {
    role: snap.role,
    identity: cfg.cluster_arn ?? bootstrap?.join(',') ?? snap.identity,
    clusterArn: cfg.cluster_arn ?? null,
    bootstrapServers: bootstrap ? [...bootstrap] : null,
    clusterId: snap.clusterId ?? null,
    authMode: cfg.auth.mode,
    mode: clusterMode(snap),
    kafkaVersion: snap.kafkaVersion ?? snap.msk?.kafkaVersion ?? null,
    brokerCount: snap.brokerCount > 0 ? snap.brokerCount : (snap.msk?.brokerNodes ?? null),
    reachable: snap.reachable,
  };
}

function clusterMode(snap: ClusterSnapshot): ClusterMode {
  if (snap.metadataMode) return snap.metadataMode;
  if (snap.msk?.zookeeperMode === true) return 'zookeeper';
  if (snap.msk?.zookeeperMode === false) return 'kraft';
  return 'unknown';
}

function planTopic(
  t: TopicSnapshot,
  snapshot: PlanInput,
  migrationId: string,
  target: PlanCluster,
  tieredStorage: boolean,
): PlanTopic {
  const { config } = snapshot;
  const warnings: string[] = [];

  const sourceRf = t.partitions.reduce((m, p) => Math.max(m, p.replicas.length), 0);
  const rfs = new Set(t.partitions.map((p) => p.replicas.length));
  if (rfs.size > 1) {
    warnings.push(
      `partitions have different replica counts (${[...rfs].sort().join(', ')}); the largest, ${sourceRf}, is used`,
    );
  }
  const configuredRf = config.topology.replication_factor;
  const brokers = target.brokerCount;
  const targetRf = targetReplicationFactor(sourceRf, brokers ?? undefined, configuredRf);
  if (configuredRf !== undefined) {
    if (brokers !== null && configuredRf > brokers) {
      warnings.push(
        `topology.replication_factor=${configuredRf} exceeds the target's ${brokers} broker(s): topic creation would fail (INVALID_REPLICATION_FACTOR)`,
      );
    }
  } else {
    if (targetRf < sourceRf) {
      warnings.push(
        `replication factor reduced from ${sourceRf} to ${targetRf}: the target has ${brokers} broker(s) (W01)`,
      );
    }
  }

  const configs = planTopicConfigs({
    configs: t.configs ?? {},
    explicit: snapshot.explicitTopicConfigs?.[t.name],
    targetVersion: target.kafkaVersion,
    targetBrokerConfigs: snapshot.target.brokerConfigs,
    target: { tieredStorage },
  });
  if (t.configs === undefined) warnings.push('source topic configs were not read: no config will be copied');

  const minIsr = Number(
    configs.copy['min.insync.replicas'] ??
      targetDefault('min.insync.replicas', target.kafkaVersion, snapshot.target.brokerConfigs) ??
      '1',
  );
  if (minIsr > targetRf) {
    warnings.push(
      `min.insync.replicas=${minIsr} is larger than the target replication factor ${targetRf}: writes with acks=all (the copier's) would fail with NOT_ENOUGH_REPLICAS`,
    );
  }
  const tsType = t.configs?.['message.timestamp.type'];
  if (tsType === 'LogAppendTime') {
    warnings.push(
      'message.timestamp.type=LogAppendTime: the target stamps restored records with their append time, so original timestamps are not kept',
    );
  } else {
    for (const bound of ['message.timestamp.before.max.ms', 'message.timestamp.difference.max.ms']) {
      const v = configs.copy[bound];
      if (v !== undefined) {
        warnings.push(
          `${bound}=${v}: while set on the target, restored records older than ${v} ms are rejected (CreateTime is kept) — apply it after the seed or raise it for the migration`,
        );
      }
    }
  }

  let records = 0n;
  let bytes = 0n;
  let bytesComplete = true;
  for (const p of t.partitions) {
    records += p.end > p.logStart ? p.end - p.logStart : 0n;
    if (p.bytes === undefined) bytesComplete = false;
    else bytes += p.bytes;
  }

  const existing = snapshot.target.topics.find((x) => x.name === t.name);
  let state: TargetTopicState = 'none';
  let targetRecords: bigint | null = null;
  if (existing) {
    targetRecords = existing.partitions.reduce(
      (n, p) => n + (p.end > p.logStart ? p.end - p.logStart : 0n),
      0n,
    );
    state = targetRecords > 0n ? 'exists-with-data' : 'exists-empty';
    if (state === 'exists-with-data')
      warnings.push(`the target topic already holds ${targetRecords} record(s) (B13)`);
    if (existing.partitions.length < t.partitions.length) {
      warnings.push(
        `the target topic exists with ${existing.partitions.length} partition(s), fewer than the source's ${t.partitions.length} (B14)`,
      );
    }
  }

  const cleanup = t.configs?.['cleanup.policy'] ?? '';
  return {
    name: t.name,
    partitions: t.partitions.length,
    sourceReplicationFactor: sourceRf,
    targetReplicationFactor: targetRf,
    replicationFactorFrom: configuredRf !== undefined ? 'config' : 'source-and-target-brokers',
    configs,
    records: records.toString(),
    bytes: bytes.toString(),
    bytesComplete,
    compacted: cleanup
      .replace(/[[\]]/g, '')
      .split(',')
      .some((p) => p.trim().toLowerCase() === 'compact'),
    transactional: snapshot.source.transactionalTopics.includes(t.name),
    target: {
      state,
      partitions: existing ? existing.partitions.length : null,
      records: targetRecords === null ? null : targetRecords.toString(),
    },
    segmentsPrefix: segmentsTopicPrefix(config.storage.segments, migrationId, t.name),
    warnings,
  };
}

function planGroups(snapshot: PlanInput, planned: ReadonlySet<string>): PlanGroup[] {
  return [...snapshot.source.groups]
    .sort((a, b) => cmp(a.groupId, b.groupId))
    .map((g) => {
      const mine = g.offsets.filter((o) => planned.has(o.topic));
      const partitions = new Set(mine.map((o) => `${o.topic}\u0000${o.partition}`));
      return {
        groupId: g.groupId,
        state: g.state,
        members: g.members,
        partitions: partitions.size,
        topics: [...new Set(mine.map((o) => o.topic))].sort(cmp),
        offsetsOnUncopiedTopics: g.offsets.length - mine.length,
      };
    });
}

/** The ACLs of the selection only (topology/acls.ts selectAcls, the rule the topology copy applies). */
function planAcls(snapshot: PlanInput): PlanAcls {
  const { config } = snapshot;
  const handling = aclHandling(config);
  if (snapshot.acls === undefined) {
    return {
      gathered: false,
      count: null,
      outsideSelection: null,
      byResourceType: {},
      principals: null,
      handling,
    };
  }
  const { relevant, ignored } = selectAcls(snapshot.acls, {
    selectedTopics: snapshot.source.topics.map((t) => t.name),
    groups: config.groups,
    sourceGroups: snapshot.source.groups.map((g) => g.groupId),
  });
  const byResourceType: Record<string, number> = {};
  for (const a of relevant) byResourceType[a.resourceType] = (byResourceType[a.resourceType] ?? 0) + 1;
  return {
    gathered: true,
    count: relevant.length,
    outsideSelection: ignored.length,
    byResourceType: Object.fromEntries(Object.entries(byResourceType).sort(([a], [b]) => cmp(a, b))),
    principals: new Set(relevant.map((a) => a.principal)).size,
    handling,
  };
}

/**
 * Total bytes / options.assumedSeedBytesPerSecond, computed by the precheck's estimateSeed so
 * that the plan and I03 show the same numbers. Deliberately simple: partition concurrency,
 * compression ratios and target ingest limits are not modelled; the basis says so.
 */
function seedEstimate(snapshot: PlanInput): PlanSeedEstimate {
  const rate = snapshot.options.assumedSeedBytesPerSecond;
  const e = estimateSeed(snapshot.source, rate);
  const seconds = e.durationMs === undefined ? null : Math.ceil(e.durationMs / 1000);
  const guessed =
    e.partitionsEstimatedFromOffsets > 0
      ? `; ${e.partitionsEstimatedFromOffsets} partition(s) without a reported size counted as records × ${e.averageRecordBytes} bytes`
      : '';
  return {
    seconds,
    text: seconds === null ? 'unknown' : formatHumanDuration(seconds * 1000),
    bytes: e.bytes.toString(),
    assumedBytesPerSecond: rate,
    partitionsEstimatedFromOffsets: e.partitionsEstimatedFromOffsets,
    basis:
      seconds === null
        ? `no estimate: the assumed seed throughput (${rate}) is not a positive number`
        : `total bytes ${formatBytes(e.bytes)} / assumed throughput ${formatBytes(rate)}/s; partition concurrency, compression and target ingest limits are not modelled${guessed}`,
  };
}

function planCutover(config: MigrationConfig): PlanCutover {
  const c = config.cutover;
  const freezeMs = parseDuration(c.max_producer_freeze)?.ms ?? 0;
  return {
    autoApprove: c.auto_approve,
    freezeMechanism: c.producer_freeze_webhook ? 'webhook' : 'interactive-prompt',
    webhook: c.producer_freeze_webhook ? redactUrl(c.producer_freeze_webhook) : null,
    webhookSigned:
      c.producer_freeze_webhook_secret !== undefined || c.producer_freeze_webhook_secret_arn !== undefined,
    maxProducerFreeze: c.max_producer_freeze,
    maxProducerFreezeSeconds: freezeMs / 1000,
    drainTimeout: c.drain_timeout,
    drainMaxPartitionLag: c.drain_max_partition_lag,
    drainStableWindow: c.drain_stable_window,
  };
}

/** Drops user info, query and fragment: a webhook URL may carry a token. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** The storage layout of a migration (SPEC §4, §6.2, §6.6). */
export function storageLayout(
  snapshot: Pick<PlanInput, 'config' | 'segments' | 'evidence'>,
  migrationId: string,
): StorageLayout {
  const { storage, evidence } = snapshot.config;
  const seg = parseS3Url(storage.segments);
  const ev = parseS3Url(storage.evidence);
  return {
    segments: {
      url: storage.segments,
      bucket: seg.bucket,
      prefix: seg.prefix,
      migrationPrefix: segmentsMigrationPrefix(storage.segments, migrationId),
      partitionPrefixTemplate: `${segmentsMigrationPrefix(storage.segments, migrationId)}topics/<topic>/partition=<p>/`,
      kmsKeyArn: storage.kms_key_arn ?? null,
      bucketKmsKeyArn: snapshot.segments.kmsKeyArn ?? null,
    },
    evidence: {
      url: storage.evidence,
      bucket: ev.bucket,
      prefix: ev.prefix,
      evidenceKey: evidenceObjectUrl(storage.evidence, migrationId),
      journalPrefix: journalPrefixUrl(storage.evidence, migrationId),
      bucketKmsKeyArn: snapshot.evidence.kmsKeyArn ?? null,
      objectLockEnabled: snapshot.evidence.objectLockEnabled,
      retention: evidence.retention ?? null,
    },
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
