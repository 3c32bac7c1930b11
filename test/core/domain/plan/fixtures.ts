import { type ConfigInput, configSchema } from '../../../../core/domain/config/schema.ts';
import type { PlanInput } from '../../../../core/domain/plan/types.ts';
import type {
  ClusterSnapshot,
  GroupSnapshot,
  PartitionSnapshot,
  TopicSnapshot,
} from '../../../../core/domain/precheck/types.ts';

/**
 * Small builders for plan inputs. Independent of the precheck fixtures on purpose: the plan's
 * tests must not break when the precheck's fixtures change.
 */

export const SOURCE_ARN =
  'arn:aws:kafka:eu-west-2:111122223333:cluster/legacy-zk/d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3';
export const TARGET_ARN =
  'arn:aws:kafka:eu-west-2:111122223333:cluster/new-kraft/efffc490-733e-46c4-9d0b-57418c0a3906-3';

export function config(overrides: Partial<ConfigInput> = {}) {
  return configSchema.parse({
    source: { cluster_arn: SOURCE_ARN },
    target: { cluster_arn: TARGET_ARN },
    storage: { segments: 's3://seg-bucket/seeds', evidence: 's3://evidence-bucket/audit' },
    ...overrides,
  });
}

/** Partitions 0..n-1 with `replicas` replicas each and `records` records from log-start 10. */
export function partitions(
  n: number,
  opts: { replicas?: number; records?: bigint; bytes?: bigint | undefined } = {},
): PartitionSnapshot[] {
  const rf = opts.replicas ?? 3;
  const records = opts.records ?? 100n;
  return Array.from({ length: n }, (_, p) => ({
    partition: p,
    leader: 1,
    replicas: Array.from({ length: rf }, (_, i) => i + 1),
    logStart: 10n,
    end: 10n + records,
    ...('bytes' in opts ? { bytes: opts.bytes } : { bytes: records * 1000n }),
  }));
}

export function topic(
  name: string,
  parts: PartitionSnapshot[],
  configs?: Record<string, string | null>,
): TopicSnapshot {
  return { name, partitions: parts, ...(configs ? { configs } : {}) };
}

export function group(
  groupId: string,
  offsets: GroupSnapshot['offsets'],
  members = 0,
  state = 'Empty',
): GroupSnapshot {
  return { groupId, state, members, offsets };
}

export function cluster(
  role: 'source' | 'target',
  overrides: Partial<ClusterSnapshot> = {},
): ClusterSnapshot {
  return {
    role,
    identity: role === 'source' ? SOURCE_ARN : TARGET_ARN,
    reachable: true,
    clusterId: role === 'source' ? 'src-kafka-id' : 'tgt-kafka-id',
    metadataMode: role === 'source' ? 'zookeeper' : 'kraft',
    kafkaVersion: role === 'source' ? '3.9.x' : '4.1.x',
    brokerCount: 3,
    brokerConfigs: {},
    topics: [],
    groups: [],
    transactionalTopics: [],
    permissionProblems: [],
    ...overrides,
  };
}

/** Effective configs of a plain 3.9 topic: every value at its Kafka default. */
export function defaultTopicConfigs39(): Record<string, string> {
  return {
    'cleanup.policy': 'delete',
    'compression.gzip.level': '-1',
    'compression.lz4.level': '9',
    'compression.type': 'producer',
    'compression.zstd.level': '3',
    'delete.retention.ms': '86400000',
    'file.delete.delay.ms': '60000',
    'flush.messages': '9223372036854775807',
    'flush.ms': '9223372036854775807',
    'follower.replication.throttled.replicas': '',
    'index.interval.bytes': '4096',
    'leader.replication.throttled.replicas': '',
    'local.retention.bytes': '-2',
    'local.retention.ms': '-2',
    'max.compaction.lag.ms': '9223372036854775807',
    'max.message.bytes': '1048588',
    'message.downconversion.enable': 'true',
    'message.format.version': '3.0-IV1',
    'message.timestamp.after.max.ms': '9223372036854775807',
    'message.timestamp.before.max.ms': '9223372036854775807',
    'message.timestamp.difference.max.ms': '9223372036854775807',
    'message.timestamp.type': 'CreateTime',
    'min.cleanable.dirty.ratio': '0.5',
    'min.compaction.lag.ms': '0',
    'min.insync.replicas': '1',
    preallocate: 'false',
    'remote.log.copy.disable': 'false',
    'remote.log.delete.on.disable': 'false',
    'remote.storage.enable': 'false',
    'retention.bytes': '-1',
    'retention.ms': '604800000',
    'segment.bytes': '1073741824',
    'segment.index.bytes': '10485760',
    'segment.jitter.ms': '0',
    'segment.ms': '604800000',
    'unclean.leader.election.enable': 'false',
  };
}

/**
 * A 3.9 ZooKeeper source with two topics and two groups, a 4.1 KRaft target with 3 brokers.
 * orders: 3 partitions RF 3, retention 3 days, zstd. customers: 2 partitions RF 2, compacted.
 */
export function snapshot(overrides: Partial<PlanInput> = {}): PlanInput {
  const orders = topic('orders', partitions(3, { replicas: 3, records: 1_000n }), {
    ...defaultTopicConfigs39(),
    'retention.ms': '259200000',
    'compression.type': 'zstd',
  });
  const customers = topic('customers', partitions(2, { replicas: 2, records: 50n }), {
    ...defaultTopicConfigs39(),
    'cleanup.policy': 'compact',
    'min.insync.replicas': '2',
  });
  return {
    config: config(),
    options: { allowKraftSource: false, assumedSeedBytesPerSecond: 1_000_000 },
    source: cluster('source', {
      topics: [orders, customers],
      groups: [
        group('billing', [
          { topic: 'orders', partition: 0, offset: 500n },
          { topic: 'orders', partition: 1, offset: 400n },
          { topic: 'not-copied', partition: 0, offset: 1n },
        ]),
        group('crm', [{ topic: 'customers', partition: 0, offset: 20n }], 2, 'Stable'),
      ],
      transactionalTopics: ['orders'],
    }),
    target: cluster('target'),
    excludedInternalTopics: ['__consumer_offsets'],
    segments: {
      role: 'segments',
      url: 's3://seg-bucket/seeds',
      reachable: true,
      writable: true,
      objectLockEnabled: false,
    },
    evidence: {
      role: 'evidence',
      url: 's3://evidence-bucket/audit',
      reachable: true,
      writable: true,
      objectLockEnabled: true,
    },
    signingKey: { source: 'path', location: '/keys/ed25519.pem', readable: true, keyType: 'ed25519' },
    ...overrides,
  };
}
