import type { MigrationConfig } from '../config/schema.ts';
import { PreconditionError } from '../errors.ts';
import {
  classifyTopicConfig,
  planTopicConfigs,
  sameConfigValue,
  targetDefault,
} from '../plan/topic-configs.ts';

/**
 * Topology copy, topics (SPEC §6.1): what to do with each selected source topic on the target —
 * create, leave, or (on config drift) overwrite / keep / fail per topology.on_config_drift; fewer
 * target partitions is a blocker (B14). Pure: the caller reads both clusters, this decides, the
 * caller applies.
 *
 * The rules per topic, which configs are compared, and the migration window (timestamp bounds set
 * to unbounded while the migration runs, retention copied as it is): docs/topology.md.
 */

export const UNBOUNDED_MS = '9223372036854775807';

/** Timestamp bounds that would reject restored CreateTime records older than the bound. */
const MIGRATION_WINDOW_CONFIGS = [
  'message.timestamp.before.max.ms',
  'message.timestamp.difference.max.ms',
] as const;

export interface SourcePartition {
  readonly partition: number;
  /** Replica count of the partition on the source. */
  readonly replicas: number;
  /** Bytes on disk (leader replica), when known. */
  readonly bytes?: bigint | undefined;
}

export interface SourceTopic {
  readonly name: string;
  readonly partitions: readonly SourcePartition[];
  /** Effective configs as DescribeConfigs returns them (null: not readable). */
  readonly configs: Readonly<Record<string, string | null>>;
  /** Names set on the topic itself (not defaults). */
  readonly explicit: readonly string[];
}

export interface TargetTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Effective configs (null: not readable). */
  readonly configs: Readonly<Record<string, string | null>>;
}

export interface TargetCluster {
  readonly kafkaVersion: string | undefined;
  /** undefined when unknown. */
  readonly brokerCount: number | undefined;
  readonly brokerConfigs?: Readonly<Record<string, string | null>> | undefined;
  readonly tieredStorage: boolean;
  /** Target topics with the name of a selected source topic. */
  readonly topics: ReadonlyMap<string, TargetTopic>;
}

export interface ConfigDrift {
  readonly name: string;
  /** The value the copy wants (the source's, or unbounded for a migration-window config). */
  readonly source: string;
  readonly target: string | null;
}

export interface DeferredConfig {
  readonly name: string;
  /** Set on the target after the client switch (the value the source topic has). */
  readonly value: string;
  /** Set while the migration runs. */
  readonly during: string;
}

export type TopicAction = 'create' | 'alter' | 'unchanged' | 'keep-target';

export interface TopicDecision {
  readonly topic: string;
  readonly action: TopicAction;
  /** Source partition count: partitions 0..n-1 are copied. */
  readonly partitions: number;
  /** Partition count of the existing target topic; null when it is created. */
  readonly targetPartitions: number | null;
  /** create: the replication factor to create with; otherwise the target topic's. */
  readonly replicationFactor: number;
  /** create: every config set on the new topic; alter: the drifted configs set to the source values. */
  readonly configs: Readonly<Record<string, string>>;
  /** Configs that differ between source and target (alter: changed; keep-target: kept). */
  readonly drift: readonly ConfigDrift[];
  /** Migration-window configs (create/alter): applied after the client switch. */
  readonly deferred: readonly DeferredConfig[];
  /** Source configs not set on the target, with the reason (create only). */
  readonly skipped: readonly {
    readonly name: string;
    readonly value: string | null;
    readonly reason: string;
  }[];
  readonly warnings: readonly string[];
}

export type BlockerKind = 'config-drift' | 'fewer-partitions' | 'replication-factor' | 'min-insync-replicas';

export interface TopologyBlocker {
  readonly topic: string;
  readonly kind: BlockerKind;
  readonly message: string;
  readonly fix: string;
}

export interface TopicsInput {
  readonly source: readonly SourceTopic[];
  readonly target: TargetCluster;
  readonly topology: MigrationConfig['topology'];
}

export interface PartitionToCopy {
  readonly topic: string;
  readonly partition: number;
  readonly bytes?: bigint | undefined;
}

export interface TopicsPlan {
  readonly decisions: readonly TopicDecision[];
  /** Non-empty: nothing may be applied (the caller throws topologyBlockedError). */
  readonly blockers: readonly TopologyBlocker[];
  /** Every decision's warnings, prefixed with the topic name. */
  readonly warnings: readonly string[];
  /** Every partition of every selected topic, by topic then partition: what the seed shards. */
  readonly partitions: readonly PartitionToCopy[];
}

export function planTopics(input: TopicsInput): TopicsPlan {
  const decisions: TopicDecision[] = [];
  const blockers: TopologyBlocker[] = [];
  const partitions: PartitionToCopy[] = [];
  for (const source of [...input.source].sort((a, b) => cmp(a.name, b.name))) {
    const d = decideTopic(source, input.target.topics.get(source.name), input.target, input.topology);
    decisions.push(d.decision);
    blockers.push(...d.blockers);
    for (const p of [...source.partitions].sort((a, b) => a.partition - b.partition)) {
      partitions.push(
        p.bytes === undefined
          ? { topic: source.name, partition: p.partition }
          : { topic: source.name, partition: p.partition, bytes: p.bytes },
      );
    }
  }
  return {
    decisions,
    blockers,
    warnings: decisions.flatMap((d) => d.warnings.map((w) => `${d.topic}: ${w}`)),
    partitions,
  };
}

/** The replication factor of a created topic (the same rule as `plan`). */
export function targetReplicationFactor(
  sourceRf: number,
  targetBrokers: number | undefined,
  configured: number | undefined,
): number {
  if (configured !== undefined) return configured;
  const known = targetBrokers !== undefined && targetBrokers > 0 ? targetBrokers : undefined;
  return Math.max(1, known === undefined ? sourceRf : Math.min(sourceRf, known));
}

interface Desired {
  /** Set on a created topic. */
  readonly create: Record<string, string>;
  /** Every compared config → the value the target must have. */
  readonly compare: Record<string, string>;
  readonly deferred: DeferredConfig[];
  readonly skipped: TopicDecision['skipped'];
}

function desiredConfigs(source: SourceTopic, target: TargetCluster): Desired {
  const version = target.kafkaVersion;
  const features = { tieredStorage: target.tieredStorage };
  const plan = planTopicConfigs({
    configs: source.configs,
    explicit: source.explicit,
    targetVersion: version,
    targetBrokerConfigs: target.brokerConfigs,
    target: features,
  });
  const create: Record<string, string> = { ...plan.copy };
  const compare: Record<string, string> = {};
  for (const name of Object.keys(source.configs).sort()) {
    const value = source.configs[name];
    if (value === null || value === undefined) continue;
    if (classifyTopicConfig(name, value, version, features).copy) compare[name] = value;
  }
  const deferred: DeferredConfig[] = [];
  if (!isLogAppendTime(source.configs)) {
    for (const name of MIGRATION_WINDOW_CONFIGS) {
      if (!classifyTopicConfig(name, UNBOUNDED_MS, version, features).copy) continue;
      const effective = create[name] ?? targetDefault(name, version, target.brokerConfigs);
      if (effective === undefined || sameConfigValue(effective, UNBOUNDED_MS)) continue;
      create[name] = UNBOUNDED_MS;
      compare[name] = UNBOUNDED_MS;
      deferred.push({ name, value: effective, during: UNBOUNDED_MS });
    }
  }
  return { create, compare, deferred, skipped: plan.skipped };
}

function decideTopic(
  source: SourceTopic,
  existing: TargetTopic | undefined,
  target: TargetCluster,
  topology: MigrationConfig['topology'],
): { decision: TopicDecision; blockers: TopologyBlocker[] } {
  const desired = desiredConfigs(source, target);
  const sourceRf = source.partitions.reduce((m, p) => Math.max(m, p.replicas), 0);
  const count = source.partitions.length;
  const warnings: string[] = [];
  const blockers: TopologyBlocker[] = [];
  const block = (kind: BlockerKind, message: string, fix: string) =>
    blockers.push({ topic: source.name, kind, message, fix });

  if (existing === undefined) {
    const rf = targetReplicationFactor(sourceRf, target.brokerCount, topology.replication_factor);
    if (topology.replication_factor !== undefined) {
      if (target.brokerCount !== undefined && rf > target.brokerCount) {
        block(
          'replication-factor',
          `topic ${source.name} cannot be created with topology.replication_factor=${rf}: the target has ${target.brokerCount} broker(s)`,
          `Set topology.replication_factor to at most ${target.brokerCount}, or remove it (default: min(source replication factor, target brokers)).`,
        );
      }
    } else if (rf < sourceRf) {
      warnings.push(
        `replication factor reduced from ${sourceRf} to ${rf}: the target has ${target.brokerCount} broker(s) (W01)`,
      );
    }
    const minIsr = minInsyncReplicas(desired.create, target);
    if (minIsr !== undefined && minIsr > rf) {
      block(
        'min-insync-replicas',
        `topic ${source.name} would be created with min.insync.replicas=${minIsr} above its replication factor ${rf}: every acks=all write (the copier's) would fail with NOT_ENOUGH_REPLICAS`,
        `Set topology.replication_factor to at least ${minIsr} (the target needs that many brokers), or create ${source.name} on the target yourself with a smaller min.insync.replicas and set topology.on_config_drift: keep_target.`,
      );
    }
    warnings.push(...configWarnings(source, desired.deferred));
    return {
      decision: {
        topic: source.name,
        action: 'create',
        partitions: count,
        targetPartitions: null,
        replicationFactor: rf,
        configs: sortedRecord(desired.create),
        drift: [],
        deferred: desired.deferred,
        skipped: desired.skipped,
        warnings,
      },
      blockers,
    };
  }

  if (existing.partitions < count) {
    block(
      'fewer-partitions',
      `target topic ${source.name} has ${existing.partitions} partition(s), the source topic has ${count} (B14)`,
      `Records are copied to the same partition number, so the target needs at least ${count}. Increase the ` +
        `partitions (kafka-topics.sh --alter --topic ${source.name} --partitions ${count}) or delete the target ` +
        'topic so that the topology copy creates it.',
    );
  } else if (existing.partitions > count) {
    warnings.push(
      `the target topic has ${existing.partitions} partitions, the source ${count}: records keep their partition numbers ` +
        `and partitions ${count}..${existing.partitions - 1} stay empty, but producers that partition by key hash send ` +
        'keys to different partitions after the switch than on the source (per-key order across the switch is not kept), ' +
        'and consumers start the extra partitions per auto.offset.reset',
    );
  }

  const drift: ConfigDrift[] = [];
  for (const [name, want] of Object.entries(desired.compare)) {
    const have = existing.configs[name];
    if (have === undefined || have === null) continue; // the target does not report it: nothing to compare
    if (!sameConfigValue(want, have)) drift.push({ name, source: want, target: have });
  }
  const base = {
    topic: source.name,
    partitions: count,
    targetPartitions: existing.partitions,
    replicationFactor: existing.replicationFactor,
    skipped: [],
  };
  if (drift.length === 0) {
    warnings.push(...configWarnings(source, desired.deferred));
    return {
      decision: { ...base, action: 'unchanged', configs: {}, drift, deferred: desired.deferred, warnings },
      blockers,
    };
  }

  const mode = topology.on_config_drift;
  if (mode === 'fail') {
    block(
      'config-drift',
      `target topic ${source.name} differs from the source: ${drift.map(describeDrift).join('; ')}`,
      'Set topology.on_config_drift to overwrite_with_source (set the source values on the target topic) or ' +
        "keep_target (keep the target's values), or align the configs yourself " +
        `(kafka-configs.sh --alter --entity-type topics --entity-name ${source.name} --add-config ` +
        `${drift.map((d) => `${d.name}=${d.source}`).join(',')}), then run again.`,
    );
    // never applied: the blocker stops the whole copy; the decision only records the drift
    return {
      decision: { ...base, action: 'keep-target', configs: {}, drift, deferred: [], warnings },
      blockers,
    };
  }
  if (mode === 'keep_target') {
    warnings.push(
      `configs differ from the source and are kept (topology.on_config_drift=keep_target): ${drift.map(describeDrift).join('; ')}`,
    );
    for (const d of drift) {
      const risk = keptDriftRisk(d);
      if (risk) warnings.push(risk);
    }
    return {
      decision: { ...base, action: 'keep-target', configs: {}, drift, deferred: [], warnings },
      blockers,
    };
  }

  const set = Object.fromEntries(drift.map((d) => [d.name, d.source]));
  const minIsr = set['min.insync.replicas'] === undefined ? undefined : Number(set['min.insync.replicas']);
  if (minIsr !== undefined && minIsr > existing.replicationFactor) {
    block(
      'min-insync-replicas',
      `overwriting min.insync.replicas of target topic ${source.name} with the source's ${minIsr} would exceed its replication factor ${existing.replicationFactor}: every acks=all write would fail with NOT_ENOUGH_REPLICAS`,
      "Increase the target topic's replication factor (kafka-reassign-partitions.sh), or set topology.on_config_drift: keep_target.",
    );
  }
  warnings.push(...configWarnings(source, desired.deferred));
  return {
    decision: {
      ...base,
      action: 'alter',
      configs: sortedRecord(set),
      drift,
      deferred: desired.deferred,
      warnings,
    },
    blockers,
  };
}

function describeDrift(d: ConfigDrift): string {
  const window =
    (MIGRATION_WINDOW_CONFIGS as readonly string[]).includes(d.name) && d.source === UNBOUNDED_MS;
  return `${d.name} source=${d.source}${window ? ' (unbounded while the migration runs)' : ''} target=${d.target}`;
}

/** What a kept drifted config does to the copy, for the configs where it matters. */
function keptDriftRisk(d: ConfigDrift): string | undefined {
  if ((MIGRATION_WINDOW_CONFIGS as readonly string[]).includes(d.name)) {
    return `${d.name}=${d.target} on the target rejects restored records older than ${d.target} ms (INVALID_TIMESTAMP): the seed fails on them`;
  }
  if (d.name === 'max.message.bytes' && bigger(d.source, d.target)) {
    return `max.message.bytes=${d.target} on the target is smaller than the source's ${d.source}: larger batches fail with MESSAGE_TOO_LARGE (B11)`;
  }
  if ((d.name === 'retention.ms' || d.name === 'retention.bytes') && shorterRetention(d.source, d.target)) {
    return `${d.name}=${d.target} on the target keeps less than the source's ${d.source}: restored records may be deleted before the client switch`;
  }
  if (d.name === 'cleanup.policy') {
    return `cleanup.policy=${d.target} on the target differs from the source's ${d.source}: the target may delete or compact records the source keeps`;
  }
  return undefined;
}

function configWarnings(source: SourceTopic, deferred: readonly DeferredConfig[]): string[] {
  const out: string[] = [];
  if (isLogAppendTime(source.configs)) {
    out.push(
      'message.timestamp.type=LogAppendTime is copied: the target stamps restored records with their append time, so the original timestamps are not kept',
    );
  }
  for (const d of deferred) {
    out.push(
      `${d.name} is set to ${d.during} while the migration runs (the restored records keep their original, older ` +
        `timestamps and ${d.name}=${d.value} would reject them); set it to ${d.value} on the target after the client switch`,
    );
  }
  return out;
}

function minInsyncReplicas(
  configs: Readonly<Record<string, string>>,
  target: TargetCluster,
): number | undefined {
  const raw =
    configs['min.insync.replicas'] ??
    targetDefault('min.insync.replicas', target.kafkaVersion, target.brokerConfigs);
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw);
}

function isLogAppendTime(configs: Readonly<Record<string, string | null>>): boolean {
  return (configs['message.timestamp.type'] ?? '').trim().toLowerCase() === 'logappendtime';
}

function bigger(a: string, b: string | null): boolean {
  return b !== null && /^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(a) > BigInt(b);
}

/** Retention values where -1 means unlimited. */
function shorterRetention(source: string, target: string | null): boolean {
  if (target === null || !/^-?\d+$/.test(source) || !/^-?\d+$/.test(target)) return false;
  const s = BigInt(source);
  const t = BigInt(target);
  if (t < 0n) return false;
  return s < 0n || t < s;
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => cmp(a, b)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const FIX_ORDER: readonly BlockerKind[] = [
  'fewer-partitions',
  'config-drift',
  'replication-factor',
  'min-insync-replicas',
];

const CODES: Readonly<Record<BlockerKind, string>> = {
  'fewer-partitions': 'TOPOLOGY_TARGET_PARTITIONS',
  'config-drift': 'TOPOLOGY_CONFIG_DRIFT',
  'replication-factor': 'TOPOLOGY_REPLICATION_FACTOR',
  'min-insync-replicas': 'TOPOLOGY_MIN_INSYNC_REPLICAS',
};

/**
 * One PreconditionError for every blocker (nothing is applied when there is one): the message lists
 * each problem, the fix each distinct remedy. The code names the kind when all blockers share it.
 */
export function topologyBlockedError(blockers: readonly TopologyBlocker[]): PreconditionError {
  const kinds = [...new Set(blockers.map((b) => b.kind))].sort(
    (a, b) => FIX_ORDER.indexOf(a) - FIX_ORDER.indexOf(b),
  );
  const only = kinds.length === 1 ? kinds[0] : undefined;
  const fixes = [...new Set(blockers.map((b) => b.fix))];
  return new PreconditionError(
    `topology copy refused, nothing was changed on the target: ${blockers.map((b) => b.message).join(' | ')}`,
    { code: only ? CODES[only] : 'TOPOLOGY_BLOCKED', fix: fixes.join(' ') },
  );
}
