import { parseKafkaVersion } from '../kafka-version.ts';
import type { ClusterSnapshot, PartitionSnapshot, PrecheckSnapshot, TopicSnapshot } from './types.ts';

/**
 * Facts derived from a snapshot, shared by several rules. Pure functions; "undefined" always
 * means "not known from this snapshot" so that rules can skip instead of guessing.
 */

type Configs = Readonly<Record<string, string | null>> | undefined;

/** Kafka's default retention.ms (log.retention.hours=168). */
const KAFKA_DEFAULT_RETENTION_MS = 604_800_000;

/**
 * LOG_OVERHEAD_BYTES: offset (8) + size (4) bytes in front of every batch in the log.
 * message.max.bytes counts them, replica.fetch.max.bytes does not: Kafka's own defaults differ by
 * exactly this much.
 */
export { LOG_OVERHEAD_BYTES } from '../record-batch.ts';

/** A config value, trimmed; null, missing and empty are all "not set". */
export function configValue(configs: Configs, key: string): string | undefined {
  const v = configs?.[key];
  if (v === null || v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

/** An integer config value; undefined when not set or not an integer. */
export function intConfig(configs: Configs, key: string): number | undefined {
  const v = configValue(configs, key);
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** cleanup.policy as a list (`compact,delete` → ['compact','delete']); unset → Kafka's default ['delete']. */
export function cleanupPolicies(topic: TopicSnapshot): readonly string[] | undefined {
  if (topic.configs === undefined) return undefined;
  const raw = configValue(topic.configs, 'cleanup.policy') ?? 'delete';
  return raw
    .replace(/[[\]]/g, '')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p !== '');
}

export function isCompacted(topic: TopicSnapshot): boolean {
  return cleanupPolicies(topic)?.includes('compact') ?? false;
}

/**
 * The topic's retention.ms when it is finite; undefined when unlimited (-1), unknown (no configs)
 * or not a number. Unset → Kafka's default of 7 days.
 */
export function finiteRetentionMs(topic: TopicSnapshot): number | undefined {
  if (topic.configs === undefined) return undefined;
  if (configValue(topic.configs, 'retention.ms') === undefined) return KAFKA_DEFAULT_RETENTION_MS;
  const ms = intConfig(topic.configs, 'retention.ms');
  return ms !== undefined && ms > 0 ? ms : undefined;
}

/** message.timestamp.type; unset → CreateTime (Kafka's default). */
export function timestampType(topic: TopicSnapshot): string {
  return configValue(topic.configs, 'message.timestamp.type') ?? 'CreateTime';
}

/**
 * Deletes by time against the records' own CreateTime: cleanup.policy delete without compact and
 * message.timestamp.type CreateTime (the topics W08 looks at). False when the configs are unknown.
 */
export function deletesByCreateTime(topic: TopicSnapshot): boolean {
  const policies = cleanupPolicies(topic);
  if (policies === undefined || !policies.includes('delete') || policies.includes('compact')) return false;
  return timestampType(topic).toLowerCase() === 'createtime';
}

/** The topic's replication factor: the longest replica list among its partitions. */
export function replicationFactor(topic: TopicSnapshot): number {
  return topic.partitions.reduce((max, p) => Math.max(max, p.replicas.length), 0);
}

/** Records between log-start and end (0 when the partition is empty). */
export function recordsIn(p: PartitionSnapshot): bigint {
  return p.end > p.logStart ? p.end - p.logStart : 0n;
}

/** The Kafka version: what the brokers said (when reachable), else what MSK said. */
export function kafkaVersionOf(c: ClusterSnapshot): string | undefined {
  return (c.reachable ? c.kafkaVersion : undefined) ?? c.msk?.kafkaVersion;
}

/**
 * ZooKeeper or KRaft: what the gatherer observed on the brokers, else MSK's answer, else the broker
 * configs (process.roles only exists in KRaft, zookeeper.connect only in ZooKeeper mode), else
 * Kafka 4+ (which has no ZooKeeper mode). Facts from Kafka are used only when the cluster was reachable.
 */
export function metadataModeOf(c: ClusterSnapshot): 'zookeeper' | 'kraft' | undefined {
  if (c.reachable && c.metadataMode !== undefined) return c.metadataMode;
  if (c.msk?.zookeeperMode === true) return 'zookeeper';
  if (c.msk?.zookeeperMode === false) return 'kraft';
  if (c.reachable) {
    if (configValue(c.brokerConfigs, 'process.roles') !== undefined) return 'kraft';
    if (configValue(c.brokerConfigs, 'zookeeper.connect') !== undefined) return 'zookeeper';
  }
  const v = parseKafkaVersion(kafkaVersionOf(c));
  if (v !== undefined && v.major >= 4) return 'kraft';
  return undefined;
}

/** Broker count: from the brokers when reachable, else from MSK; undefined when unknown. */
export function brokerCountOf(c: ClusterSnapshot): number | undefined {
  if (c.reachable && c.brokerCount > 0) return c.brokerCount;
  return c.msk?.brokerNodes;
}

/** The name a cluster finding is about: the ARN when there is one, else the identity (bootstrap list). */
export function clusterSubject(s: PrecheckSnapshot, c: ClusterSnapshot): string {
  return s.config[c.role].cluster_arn ?? c.msk?.arn ?? c.identity;
}

/** The target's broker configs, or undefined when they could not be read. */
export function readableBrokerConfigs(c: ClusterSnapshot): Configs {
  if (!c.reachable || c.brokerConfigError !== undefined) return undefined;
  return c.brokerConfigs;
}

/** The largest message a source topic accepts: its max.message.bytes, else the broker's message.max.bytes. */
export function sourceTopicMessageBytes(topic: TopicSnapshot, source: ClusterSnapshot): number | undefined {
  return (
    intConfig(topic.configs, 'max.message.bytes') ?? intConfig(source.brokerConfigs, 'message.max.bytes')
  );
}

export interface LargestMessage {
  readonly bytes: number;
  /** The topic with that limit. */
  readonly topic: string;
  /** Where the figure came from. */
  readonly from: 'max.message.bytes' | 'message.max.bytes';
}

/** The largest message size among the selected source topics; undefined when unknown or nothing selected. */
export function largestSourceMessage(source: ClusterSnapshot): LargestMessage | undefined {
  if (!source.reachable) return undefined;
  let largest: LargestMessage | undefined;
  for (const topic of source.topics) {
    const own = intConfig(topic.configs, 'max.message.bytes');
    const bytes = own ?? intConfig(source.brokerConfigs, 'message.max.bytes');
    if (bytes === undefined) continue;
    if (largest === undefined || bytes > largest.bytes) {
      largest = {
        bytes,
        topic: topic.name,
        from: own !== undefined ? 'max.message.bytes' : 'message.max.bytes',
      };
    }
  }
  return largest;
}

/** Topics of both clusters with the same name: [source topic, target topic]. */
export function sameNamedTopics(s: PrecheckSnapshot): readonly (readonly [TopicSnapshot, TopicSnapshot])[] {
  const byName = new Map(s.source.topics.map((t) => [t.name, t] as const));
  const pairs: (readonly [TopicSnapshot, TopicSnapshot])[] = [];
  for (const t of s.target.topics) {
    const src = byName.get(t.name);
    if (src !== undefined) pairs.push([src, t]);
  }
  return pairs;
}
