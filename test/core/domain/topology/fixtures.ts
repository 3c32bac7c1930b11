import type { MigrationConfig } from '../../../../core/domain/config/schema.ts';
import type {
  SourceTopic,
  TargetCluster,
  TargetTopic,
  TopicDecision,
} from '../../../../core/domain/topology/topics.ts';
import { defaultTopicConfigs39 } from '../plan/fixtures.ts';

export const LONG_MAX = '9223372036854775807';

export function topology(overrides: Partial<MigrationConfig['topology']> = {}): MigrationConfig['topology'] {
  return { on_config_drift: 'overwrite_with_source', acls: 'merge', ...overrides };
}

/** A 3.9 source topic: Kafka's effective defaults plus `configs`, which count as explicitly set. */
export function sourceTopic(
  name: string,
  configs: Record<string, string> = {},
  options: { partitions?: number; replicas?: number; bytes?: bigint[] } = {},
): SourceTopic {
  const count = options.partitions ?? 3;
  return {
    name,
    partitions: Array.from({ length: count }, (_, i) => ({
      partition: i,
      replicas: options.replicas ?? 3,
      bytes: options.bytes?.[i],
    })),
    configs: { ...defaultTopicConfigs39(), ...configs },
    explicit: Object.keys(configs),
  };
}

/** What a Kafka 4.1 topic reports when nothing is set on it. */
export function defaultTopicConfigs41(): Record<string, string> {
  const c: Record<string, string> = { ...defaultTopicConfigs39() };
  delete c['message.downconversion.enable'];
  delete c['message.format.version'];
  delete c['message.timestamp.difference.max.ms'];
  c['message.timestamp.after.max.ms'] = '3600000';
  return c;
}

export function targetTopic(
  name: string,
  configs: Record<string, string> = {},
  options: { partitions?: number; replicationFactor?: number } = {},
): TargetTopic {
  return {
    name,
    partitions: options.partitions ?? 3,
    replicationFactor: options.replicationFactor ?? 3,
    configs: { ...defaultTopicConfigs41(), ...configs },
  };
}

/** The target topic a `create` decision leads to. */
export function createdFrom(d: TopicDecision): TargetTopic {
  return targetTopic(
    d.topic,
    { ...d.configs },
    { partitions: d.partitions, replicationFactor: d.replicationFactor },
  );
}

export function targetCluster(
  options: {
    version?: string | undefined;
    brokers?: number | undefined;
    brokerConfigs?: Record<string, string | null>;
    topics?: readonly TargetTopic[];
  } = {},
): TargetCluster {
  return {
    kafkaVersion: 'version' in options ? options.version : '4.1',
    brokerCount: 'brokers' in options ? options.brokers : 3,
    brokerConfigs: options.brokerConfigs,
    tieredStorage: false,
    topics: new Map((options.topics ?? []).map((t) => [t.name, t])),
  };
}
