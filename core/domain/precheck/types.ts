import type { MigrationConfig } from '../config/schema.ts';

/**
 * Precheck is pure: adapters gather a PrecheckSnapshot, rules (one per file in ./rules) turn it
 * into findings. Everything a rule needs is here; nothing here does I/O. The shapes mirror
 * core/ports.ts but are plain data (offsets as bigint) so tests can build them by hand.
 */

export type Severity = 'blocker' | 'warning' | 'info';

export interface Finding {
  readonly code: string;
  readonly severity: Severity;
  /** What the finding is about: a cluster, a topic, a bucket, `topic/partition`, a group. */
  readonly subject: string;
  readonly message: string;
  readonly fix: string;
}

export interface PartitionSnapshot {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly logStart: bigint;
  readonly end: bigint;
  /** Bytes on disk of the leader replica, when DescribeLogDirs answered. */
  readonly bytes?: bigint | undefined;
  /**
   * Largest timestamp (ms since the epoch) of the first record batch at log start, when it was
   * read (delete-retention CreateTime topics with records only; W08, see docs/precheck-codes.md).
   */
  readonly firstBatchMaxTimestamp?: bigint | undefined;
}

export interface TopicSnapshot {
  readonly name: string;
  readonly partitions: readonly PartitionSnapshot[];
  /** Effective topic configs (including broker defaults), when DescribeConfigs answered. */
  readonly configs?: Readonly<Record<string, string | null>> | undefined;
}

export interface GroupSnapshot {
  readonly groupId: string;
  readonly state: string;
  readonly members: number;
  readonly offsets: readonly { topic: string; partition: number; offset: bigint }[];
}

export interface MskSnapshot {
  readonly arn: string;
  readonly state: string;
  readonly type: 'PROVISIONED' | 'SERVERLESS';
  readonly kafkaVersion: string | undefined;
  readonly brokerNodes: number | undefined;
  readonly zookeeperMode: boolean | undefined;
  readonly availabilityZones: number | undefined;
  readonly iamAuth: boolean;
}

/** An operation the gatherer tried and was refused (authorization errors → B15). */
export interface PermissionProblem {
  readonly operation: string;
  readonly resource: string;
  readonly error: string;
}

export interface ClusterSnapshot {
  readonly role: 'source' | 'target';
  /** bootstrap list or ARN, for messages */
  readonly identity: string;
  readonly reachable: boolean;
  /** Why the cluster could not be reached (connection refused, timeout, auth failure). */
  readonly unreachableReason?: string | undefined;
  readonly clusterId?: string | undefined;
  readonly metadataMode?: 'zookeeper' | 'kraft' | undefined;
  readonly kafkaVersion?: string | undefined;
  /** Lower bound of the brokers' release from their ApiVersions ranges (ClusterInfo.apiRelease). */
  readonly apiRelease?: string | undefined;
  readonly brokerCount: number;
  /** Configs of one broker (message.max.bytes, replica.fetch.max.bytes, auto.create.topics.enable, …). */
  readonly brokerConfigs?: Readonly<Record<string, string | null>> | undefined;
  readonly brokerConfigError?: string | undefined;
  /** Selected topics only (source) / same-named topics that exist (target). */
  readonly topics: readonly TopicSnapshot[];
  readonly groups: readonly GroupSnapshot[];
  readonly transactionalTopics: readonly string[];
  readonly permissionProblems: readonly PermissionProblem[];
  readonly msk?: MskSnapshot | undefined;
  /** An MSK lookup that failed: ARN not found, access denied. */
  readonly mskError?: string | undefined;
}

export interface BucketSnapshot {
  readonly role: 'segments' | 'evidence';
  readonly url: string;
  readonly reachable: boolean;
  readonly writable: boolean;
  readonly objectLockEnabled: boolean;
  readonly kmsKeyArn?: string | undefined;
  readonly error?: string | undefined;
}

export interface SigningKeySnapshot {
  /** none: the built-in demo key will be used. */
  readonly source: 'none' | 'path' | 'kms' | 'secret';
  readonly location?: string | undefined;
  readonly readable: boolean;
  /** e.g. 'ed25519', 'rsa', 'ec' when readable */
  readonly keyType?: string | undefined;
  readonly error?: string | undefined;
}

export interface PrecheckOptions {
  readonly allowKraftSource: boolean;
  /** Assumed copy throughput for the seed-duration estimate (I03, W05). */
  readonly assumedSeedBytesPerSecond: number;
}

export interface PrecheckSnapshot {
  readonly config: MigrationConfig;
  readonly options: PrecheckOptions;
  readonly source: ClusterSnapshot;
  readonly target: ClusterSnapshot;
  /** Source topics the selection excluded because they are internal. */
  readonly excludedInternalTopics: readonly string[];
  readonly segments: BucketSnapshot;
  readonly evidence: BucketSnapshot;
  readonly signingKey: SigningKeySnapshot;
  /** When the snapshot was gathered (ms since the epoch): the "now" of time-based rules (W08). */
  readonly gatheredAtMs?: number | undefined;
}

/** A rule: a pure function from the snapshot to findings. One per file. */
export interface PrecheckRule {
  /** The code(s) this rule can emit, for docs and the "every code has a rule" test. */
  readonly codes: readonly string[];
  readonly id: string;
  check(snapshot: PrecheckSnapshot): readonly Finding[];
}

export interface PrecheckResult {
  readonly overall: 'PASSED' | 'BLOCKED';
  readonly findings: readonly Finding[];
  readonly counts: { readonly blocker: number; readonly warning: number; readonly info: number };
}
