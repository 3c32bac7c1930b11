import { expect } from 'vitest';
import { type ConfigInput, configSchema } from '../../../../core/domain/config/schema.ts';
import { PRECHECK_CODES, type PrecheckCode } from '../../../../core/domain/precheck/codes.ts';
import type {
  BucketSnapshot,
  ClusterSnapshot,
  Finding,
  GroupSnapshot,
  MskSnapshot,
  PartitionSnapshot,
  PrecheckOptions,
  PrecheckRule,
  PrecheckSnapshot,
  SigningKeySnapshot,
  TopicSnapshot,
} from '../../../../core/domain/precheck/types.ts';

/**
 * Snapshot builders for precheck tests. `healthySnapshot()` is a migration that should pass:
 * a ZooKeeper-mode Kafka 3.9 source with three topics and an idle group, an empty KRaft Kafka 4.1
 * target, reachable writable buckets (evidence with Object Lock), no signing key. Its findings are
 * exactly W09 (demo key), I02 (__consumer_offsets excluded) and I03 (estimate).
 */

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export interface SnapshotOverrides {
  /** Merged deeply into the base config (arrays replace; `undefined` removes a key), then validated. */
  readonly config?: DeepPartial<ConfigInput>;
  readonly options?: Partial<PrecheckOptions>;
  readonly source?: Partial<ClusterSnapshot>;
  readonly target?: Partial<ClusterSnapshot>;
  readonly excludedInternalTopics?: readonly string[];
  readonly segments?: Partial<BucketSnapshot>;
  readonly evidence?: Partial<BucketSnapshot>;
  readonly signingKey?: Partial<SigningKeySnapshot>;
}

export const SOURCE_BOOTSTRAP = '127.0.0.1:19092';
export const TARGET_BOOTSTRAP = '127.0.0.1:29092';
export const SOURCE_ARN =
  'arn:aws:kafka:eu-west-2:111122223333:cluster/zk-prod/11111111-aaaa-bbbb-cccc-000000000001-3';
export const TARGET_ARN =
  'arn:aws:kafka:eu-west-2:111122223333:cluster/kraft-prod/22222222-aaaa-bbbb-cccc-000000000002-3';

const BASE_CONFIG: ConfigInput = {
  source: { bootstrap_servers: [SOURCE_BOOTSTRAP] },
  target: { bootstrap_servers: [TARGET_BOOTSTRAP] },
  storage: { segments: 's3://kraft-segments/migrations', evidence: 's3://kraft-evidence/migrations' },
};

/** Default topic configs: delete, unlimited retention, CreateTime, Kafka's default max.message.bytes. */
export const DEFAULT_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'delete',
  'retention.ms': '-1',
  'message.timestamp.type': 'CreateTime',
  'max.message.bytes': '1048588',
  'min.insync.replicas': '2',
};

export interface TopicOptions {
  readonly partitions?: number;
  readonly rf?: number;
  readonly logStart?: bigint;
  readonly end?: bigint;
  /** Bytes per partition; `null` = unknown (DescribeLogDirs gave no size). */
  readonly bytes?: bigint | null;
  /** Merged over DEFAULT_TOPIC_CONFIGS; `null` values are kept (unset); `configs: undefined` via `noConfigs`. */
  readonly configs?: Readonly<Record<string, string | null>>;
  readonly noConfigs?: boolean;
}

export function partition(
  p: number,
  o: Partial<PartitionSnapshot> & { rf?: number } = {},
): PartitionSnapshot {
  const rf = o.rf ?? 3;
  return {
    partition: p,
    leader: o.leader ?? 1,
    replicas: o.replicas ?? Array.from({ length: rf }, (_, i) => i + 1),
    logStart: o.logStart ?? 0n,
    end: o.end ?? 0n,
    bytes: o.bytes,
    firstBatchMaxTimestamp: o.firstBatchMaxTimestamp,
  };
}

export function topic(name: string, o: TopicOptions = {}): TopicSnapshot {
  const count = o.partitions ?? 3;
  return {
    name,
    partitions: Array.from({ length: count }, (_, p) =>
      partition(p, {
        rf: o.rf ?? 3,
        logStart: o.logStart ?? 0n,
        end: o.end ?? 1000n,
        bytes: o.bytes === null ? undefined : (o.bytes ?? 1_000_000n),
      }),
    ),
    configs: o.noConfigs ? undefined : { ...DEFAULT_TOPIC_CONFIGS, ...o.configs },
  };
}

/** An empty target topic (as the target shows a same-named topic). */
export function emptyTopic(
  name: string,
  partitions = 3,
  configs?: Readonly<Record<string, string | null>>,
): TopicSnapshot {
  return topic(name, { partitions, end: 0n, bytes: 0n, configs });
}

export function group(groupId: string, members = 0): GroupSnapshot {
  return {
    groupId,
    state: members > 0 ? 'Stable' : 'Empty',
    members,
    offsets: [{ topic: 'orders', partition: 0, offset: 500n }],
  };
}

export function msk(o: Partial<MskSnapshot> = {}): MskSnapshot {
  return {
    arn: SOURCE_ARN,
    state: 'ACTIVE',
    type: 'PROVISIONED',
    kafkaVersion: '3.9.x',
    brokerNodes: 3,
    zookeeperMode: true,
    availabilityZones: 3,
    iamAuth: false,
    ...o,
  };
}

export function healthySource(): ClusterSnapshot {
  return {
    role: 'source',
    identity: SOURCE_BOOTSTRAP,
    reachable: true,
    clusterId: 'source-cluster-id',
    metadataMode: 'zookeeper',
    kafkaVersion: '3.9.1',
    brokerCount: 3,
    brokerConfigs: {
      'message.max.bytes': '1048588',
      'replica.fetch.max.bytes': '1048576',
      'auto.create.topics.enable': 'false',
      'zookeeper.connect': '127.0.0.1:12181',
    },
    topics: [
      topic('orders', { partitions: 3, end: 1000n, bytes: 1_000_000n }),
      topic('payments', {
        partitions: 2,
        logStart: 100n,
        end: 600n,
        bytes: 500_000n,
        configs: { 'retention.ms': '604800000', 'message.timestamp.type': 'LogAppendTime' },
      }),
      topic('audit-log', { partitions: 1, end: 200n, bytes: null }),
    ],
    groups: [group('billing', 0)],
    transactionalTopics: [],
    permissionProblems: [],
  };
}

export function healthyTarget(): ClusterSnapshot {
  return {
    role: 'target',
    identity: TARGET_BOOTSTRAP,
    reachable: true,
    clusterId: 'target-cluster-id',
    metadataMode: 'kraft',
    kafkaVersion: '4.1.0',
    brokerCount: 3,
    brokerConfigs: {
      'message.max.bytes': '1048588',
      'replica.fetch.max.bytes': '1048576',
      'auto.create.topics.enable': 'false',
      'process.roles': 'broker,controller',
    },
    topics: [],
    groups: [],
    transactionalTopics: [],
    permissionProblems: [],
  };
}

export function healthySnapshot(o: SnapshotOverrides = {}): PrecheckSnapshot {
  const config = configSchema.parse(deepMerge(BASE_CONFIG, o.config ?? {}));
  return {
    config,
    options: { allowKraftSource: false, assumedSeedBytesPerSecond: 50 * 1024 * 1024, ...o.options },
    source: { ...healthySource(), ...o.source },
    target: { ...healthyTarget(), ...o.target },
    excludedInternalTopics: o.excludedInternalTopics ?? ['__consumer_offsets'],
    segments: {
      role: 'segments',
      url: 's3://kraft-segments/migrations',
      reachable: true,
      writable: true,
      objectLockEnabled: false,
      ...o.segments,
    },
    evidence: {
      role: 'evidence',
      url: 's3://kraft-evidence/migrations',
      reachable: true,
      writable: true,
      objectLockEnabled: true,
      ...o.evidence,
    },
    signingKey: { source: 'none', readable: true, ...o.signingKey },
  };
}

/**
 * Runs one rule and checks the contract every finding must keep: a code the rule declares,
 * the catalogue's severity for it, and non-empty subject, message and fix.
 */
export function check(rule: PrecheckRule, snapshot: PrecheckSnapshot): readonly Finding[] {
  const findings = rule.check(snapshot);
  for (const f of findings) {
    expect(rule.codes, `${rule.id} emitted undeclared code ${f.code}`).toContain(f.code);
    expect(f.severity).toBe(PRECHECK_CODES[f.code as PrecheckCode].severity);
    expect(f.subject).not.toBe('');
    expect(f.message).not.toBe('');
    expect(f.fix).not.toBe('');
  }
  return findings;
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else out[k] = k in base ? deepMerge(base[k], v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
