import { copierConfig } from '../domain/config/copier.ts';
import { parseDuration } from '../domain/config/duration.ts';
import type { MigrationConfig } from '../domain/config/schema.ts';
import type { CopyTopologyOutput } from '../domain/contracts.ts';
import {
  checkSeedPlan,
  type SeedPlan,
  seedPlan,
  seedPlanSummary,
  topologyReportKey,
} from '../domain/copy/seed-plan.ts';
import { causeText, TransientError } from '../domain/errors.ts';
import { currentState } from '../domain/journal/journal.ts';
import { parseS3Url, s3Url } from '../domain/plan/storage-layout.ts';
import { selectGroups, selectTopics } from '../domain/selection.ts';
import { accessMapKey, buildAccessMap } from '../domain/topology/access-map.ts';
import { type AclPlan, aclHandling, planAcls } from '../domain/topology/acls.ts';
import { topologyJournalMoves } from '../domain/topology/journal.ts';
import {
  planTopics,
  type SourceTopic,
  type TargetCluster,
  type TargetTopic,
  type TopicsPlan,
  topologyBlockedError,
} from '../domain/topology/topics.ts';
import {
  type AclBinding,
  type Adapters,
  type ConfigEntryDetail,
  type KafkaAdmin,
  partitionKey,
} from '../ports.ts';
import { writeSeedPlan } from './copy/seed-plan.ts';
import { recordTopicsToCreate } from './created-topics.ts';
import { transition } from './journal.ts';

/**
 * The CopyTopology step (SPEC §6.1): reads both clusters through the KafkaAdmin port, lets the
 * pure topology planner decide (core/domain/topology), and applies the decisions to the target —
 * create topics, set drifted configs, create ACLs or write access-map.json — then waits until
 * every partition to copy has a leader. Nothing is applied when the planner finds a blocker.
 *
 * Idempotent: a second run finds every topic, config and ACL in place, changes nothing and returns
 * the same plan. The seed plan (which copier task copies which partitions) goes to the segments
 * bucket (`<id>/plan/`, copy/seed-plan.ts); the output carries its shard ids. The journal goes
 * `prechecking -> copying_topology` before the target is touched and `-> seeding` at the end
 * (topology/journal.ts says when).
 */
export type TopologyAdapters = Pick<Adapters, 'kafkaAdmin' | 'objectStore' | 'journal' | 'msk'>;

export interface CopyTopologyOptions {
  /** How long to wait for every partition to have a leader. Default 60 s. */
  readonly leaderTimeoutMs?: number;
  readonly leaderPollMs?: number;
  readonly onProgress?: (what: string) => void;
  /**
   * An upper bound of `seed.copiers`' default (core/domain/copy/shards.ts copierCount): the local
   * runner's, whose copier tasks are processes sharing one machine (cli/runner/handlers.ts). An
   * explicit `seed.copiers` is not bounded by it.
   */
  readonly defaultCopierLimit?: number;
}

export const DEFAULT_LEADER_TIMEOUT_MS = 60_000;

interface SourceRead {
  readonly topics: SourceTopic[];
  readonly acls: AclBinding[] | undefined;
  readonly groups: string[];
}

interface TargetRead {
  readonly cluster: TargetCluster;
  readonly acls: AclBinding[] | undefined;
  readonly warnings: string[];
}

export async function copyTopology(
  config: MigrationConfig,
  adapters: TopologyAdapters,
  migrationId: string,
  options: CopyTopologyOptions = {},
): Promise<CopyTopologyOutput> {
  const progress = options.onProgress ?? (() => {});
  const journal = adapters.journal(migrationId);
  const moves = topologyJournalMoves((await journal.load()).entries);
  if (moves.enter) {
    await transition(journal, 'copying_topology', 'topology copy started', { migration_id: migrationId });
  }

  const handling = aclHandling(config);
  progress('source topology');
  const source = await withAdmin(adapters, 'source', (admin) =>
    readSource(admin, config, handling !== 'skip'),
  );
  const selected = source.topics.map((t) => t.name);

  const target = await withAdmin(adapters, 'target', async (admin) => {
    progress('target topology');
    const read = await readTarget(admin, config, adapters, selected, handling === 'merge');
    const topics = planTopics({ source: source.topics, target: read.cluster, topology: config.topology });
    const acls = planAcls({
      handling,
      source: source.acls,
      target: read.acls,
      scope: { selectedTopics: selected, groups: config.groups, sourceGroups: source.groups },
    });
    if (topics.blockers.length > 0) throw topologyBlockedError(topics.blockers);
    // The execution must fit AWS's limits (the config in every copier task's environment, the
    // history's events): refused here, before the target changes, rather than in the middle.
    const seed = seedPlan(migrationId, topics.partitions, config.seed.copiers, options.defaultCopierLimit);
    checkSeedPlan(
      seed,
      JSON.stringify(copierConfig(config)).length,
      (parseDuration(config.cutover.drain_timeout)?.ms ?? 0) / 1000,
    );

    progress('applying');
    // Recorded first, for `rollback --delete-target-topics` (it deletes only what this created).
    await recordTopicsToCreate(
      adapters,
      migrationId,
      topics.decisions.filter((d) => d.action === 'create').map((d) => d.topic),
    );
    await apply(admin, topics, acls);
    progress('waiting for partition leaders');
    const missing = await admin.waitForLeaders(topics.partitions, {
      timeoutMs: options.leaderTimeoutMs ?? DEFAULT_LEADER_TIMEOUT_MS,
      ...(options.leaderPollMs === undefined ? {} : { pollMs: options.leaderPollMs }),
    });
    if (missing.length > 0) {
      const shown = missing
        .slice(0, 10)
        .map((p) => `${p.topic}/${p.partition}`)
        .join(', ');
      throw new TransientError(
        `${missing.length} target partition(s) have no leader after ${Math.round((options.leaderTimeoutMs ?? DEFAULT_LEADER_TIMEOUT_MS) / 1000)} s: ${shown}${missing.length > 10 ? ', …' : ''}`,
        {
          code: 'TOPOLOGY_LEADERS_TIMEOUT',
          fix: 'The target brokers are still electing leaders or some are offline: check broker health; the step is retried and creates nothing twice.',
        },
      );
    }
    return { topics, acls, warnings: read.warnings, seed };
  });

  progress('writing the seed plan');
  await writeSeedPlan(adapters.objectStore('segments'), target.seed);

  let accessMap: { key: string; url: string } | undefined;
  if (target.acls.handling === 'access-map') {
    const key = accessMapKey(migrationId);
    const map = buildAccessMap({
      migrationId,
      targetClusterArn: config.target.cluster_arn,
      bindings: target.acls.relevant,
    });
    await adapters
      .objectStore('evidence')
      .put(key, `${JSON.stringify(map, null, 2)}\n`, { contentType: 'application/json' });
    accessMap = { key, url: s3Url(parseS3Url(config.storage.evidence), key) };
  }

  const output = summarize(
    migrationId,
    target.topics,
    target.acls,
    accessMap,
    [...target.warnings, ...target.topics.warnings, ...target.acls.warnings],
    target.seed,
  );
  if (moves.leave) {
    await transition(journal, 'seeding', 'topology copied; seeding', {
      created: output.created.length,
      altered: output.altered.length,
      acls_created: output.acls_created,
      partitions: output.partition_count,
      shards: output.seed_shard_ids.length,
    });
  }
  const state = currentState((await journal.load()).entries) ?? 'copying_topology';
  const result = { ...output, state };
  await adapters
    .objectStore('segments')
    .put(output.report_key, `${JSON.stringify(result, null, 2)}\n`, { contentType: 'application/json' });
  return result;
}

async function withAdmin<T>(
  adapters: TopologyAdapters,
  role: 'source' | 'target',
  fn: (admin: KafkaAdmin) => Promise<T>,
): Promise<T> {
  const admin = await adapters.kafkaAdmin(role);
  try {
    return await fn(admin);
  } finally {
    await admin.close().catch(() => {});
  }
}

async function readSource(
  admin: KafkaAdmin,
  config: MigrationConfig,
  withAcls: boolean,
): Promise<SourceRead> {
  const all = await admin.listTopics();
  const { selected } = selectTopics(
    all.map((t) => t.name),
    config.topics,
  );
  const configs: Map<string, ConfigEntryDetail[]> = selected.length
    ? await admin.describeTopicConfigs(selected)
    : new Map();
  const sizes = selected.length ? await admin.describeLogDirs(selected).catch(() => []) : [];
  const byName = new Map(all.map((t) => [t.name, t]));
  const sizeOf = new Map(sizes.map((s) => [partitionKey(s), s.bytes]));
  const topics: SourceTopic[] = selected.map((name) => {
    const entries = configs.get(name) ?? [];
    return {
      name,
      partitions: (byName.get(name)?.partitions ?? []).map((p) => ({
        partition: p.partition,
        replicas: p.replicas.length,
        bytes: sizeOf.get(partitionKey({ topic: name, partition: p.partition })),
      })),
      configs: Object.fromEntries(entries.map((e) => [e.name, e.value])),
      explicit: entries.filter((e) => !e.isDefault && !e.readOnly).map((e) => e.name),
    };
  });
  let acls: AclBinding[] | undefined;
  let groups: string[] = [];
  if (withAcls) {
    acls = await admin.describeAcls();
    groups = selectGroups(
      (await admin.listGroups()).map((g) => g.groupId),
      config.groups,
    );
  }
  return { topics, acls, groups };
}

async function readTarget(
  admin: KafkaAdmin,
  config: MigrationConfig,
  adapters: TopologyAdapters,
  selected: readonly string[],
  withAcls: boolean,
): Promise<TargetRead> {
  const warnings: string[] = [];
  const info = await admin.describeCluster();
  let kafkaVersion = info.kafkaVersion;
  if (kafkaVersion === undefined && config.target.cluster_arn) {
    kafkaVersion = (await adapters.msk.describeCluster(config.target.cluster_arn)).kafkaVersion;
  }
  if (kafkaVersion === undefined) {
    warnings.push(
      'the target Kafka version is unknown: configs that depend on it are not copied (see the skipped configs)',
    );
  }
  let brokerConfigs: Record<string, string | null> | undefined;
  const brokerId = info.brokers[0]?.id;
  if (brokerId !== undefined) {
    try {
      const entries = await admin.describeBrokerConfigs(brokerId);
      brokerConfigs = Object.fromEntries(entries.map((e) => [e.name, e.value]));
    } catch (e) {
      warnings.push(
        `the target broker configs are not readable (${causeText(e)}): Kafka's defaults are assumed where a copied config is compared with the target's default`,
      );
    }
  }
  const wanted = new Set(selected);
  const existing = (await admin.listTopics()).filter((t) => wanted.has(t.name));
  const configs: Map<string, ConfigEntryDetail[]> = existing.length
    ? await admin.describeTopicConfigs(existing.map((t) => t.name))
    : new Map();
  const topics = new Map<string, TargetTopic>(
    existing.map((t) => [
      t.name,
      {
        name: t.name,
        partitions: t.partitions.length,
        replicationFactor: t.partitions.reduce((m, p) => Math.max(m, p.replicas.length), 0),
        configs: Object.fromEntries((configs.get(t.name) ?? []).map((e) => [e.name, e.value])),
      },
    ]),
  );
  const acls = withAcls ? await admin.describeAcls() : undefined;
  return {
    cluster: {
      kafkaVersion,
      brokerCount: info.brokers.length > 0 ? info.brokers.length : undefined,
      brokerConfigs,
      tieredStorage: brokerConfigs?.['remote.log.storage.system.enable'] === 'true',
      topics,
    },
    acls,
    warnings,
  };
}

async function apply(admin: KafkaAdmin, topics: TopicsPlan, acls: AclPlan): Promise<void> {
  const creates = topics.decisions.filter((d) => d.action === 'create');
  if (creates.length > 0) {
    const outcomes = await admin.createTopics(
      creates.map((d) => ({
        name: d.topic,
        partitions: d.partitions,
        replicationFactor: d.replicationFactor,
        configs: d.configs,
      })),
    );
    const raced = creates.filter((d) => outcomes.get(d.topic) !== 'created').map((d) => d.topic);
    if (raced.length > 0) {
      throw new TransientError(
        `target topic(s) ${raced.join(', ')} appeared while the topology copy ran (created by someone else)`,
        {
          code: 'TOPOLOGY_RACE',
          fix: 'The step is retried and then compares the existing topics with the source; make sure no other process creates these topics.',
        },
      );
    }
  }
  const alters = topics.decisions.filter((d) => d.action === 'alter');
  if (alters.length > 0)
    await admin.alterTopicConfigs(alters.map((d) => ({ topic: d.topic, set: d.configs })));
  if (acls.toCreate.length > 0) await admin.createAcls(acls.toCreate);
}

function summarize(
  migrationId: string,
  topics: TopicsPlan,
  acls: AclPlan,
  accessMap: { key: string; url: string } | undefined,
  warnings: readonly string[],
  plan: SeedPlan,
): Omit<CopyTopologyOutput, 'state'> {
  const d = topics.decisions;
  const created = d
    .filter((x) => x.action === 'create')
    .map((x) => ({
      topic: x.topic,
      partitions: x.partitions,
      replication_factor: x.replicationFactor,
      configs: { ...x.configs },
    }));
  const altered = d
    .filter((x) => x.action === 'alter')
    .map((x) => ({ topic: x.topic, configs: x.drift.map((c) => ({ ...c })) }));
  const kept = d
    .filter((x) => x.action === 'keep-target')
    .map((x) => ({ topic: x.topic, configs: x.drift.map((c) => ({ ...c })) }));
  const unchanged = d.filter((x) => x.action === 'unchanged').map((x) => x.topic);
  const aclsCreated = acls.toCreate.length;
  const aclText =
    acls.handling === 'skip'
      ? 'ACLs skipped'
      : acls.handling === 'access-map'
        ? `${acls.relevant.length} ACL(s) written to access-map.json`
        : `${aclsCreated} ACL(s) created, ${acls.present} already present`;
  return {
    migration_id: migrationId,
    created,
    altered,
    unchanged,
    kept,
    deferred_configs: d.flatMap((x) => x.deferred.map((c) => ({ topic: x.topic, ...c }))),
    acls: {
      handling: acls.handling,
      source: acls.sourceCount ?? null,
      relevant: acls.relevant.length,
      created: aclsCreated,
      already_present: acls.present,
    },
    acls_created: aclsCreated,
    ...(accessMap ? { access_map_key: accessMap.key, access_map_url: accessMap.url } : {}),
    warnings: [...warnings],
    ...seedPlanSummary(plan),
    report_key: topologyReportKey(migrationId),
    summary:
      `topology: ${created.length} topic(s) created, ${altered.length} altered, ${unchanged.length} unchanged` +
      `${kept.length ? `, ${kept.length} kept with drift` : ''}; ${aclText}; ` +
      `${plan.index.partition_count} partition(s) in ${plan.index.shards.length} shard(s)`,
  };
}
