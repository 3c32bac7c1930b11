import type { PrecheckSnapshot } from '../precheck/types.ts';

/**
 * The plan (SPEC §2 `plan`): what the migration will do, computed from the same gathered
 * PrecheckSnapshot the precheck rules see. Pure data and JSON-able as is: bigints are decimal
 * strings, a missing value is `null` (never `undefined`), so `JSON.parse(JSON.stringify(plan))`
 * deep-equals the plan.
 */

export const PLAN_SCHEMA_VERSION = 1;

/**
 * One ACL binding as DescribeAcls returns it. Structurally the same as `AclBinding` in
 * core/ports.ts (any AclBinding is assignable), kept local so core/domain imports nothing else.
 */
export interface PlanAclBinding {
  readonly resourceType: string;
  readonly resourceName: string;
  readonly patternType: string;
  readonly principal: string;
  readonly host: string;
  readonly operation: string;
  readonly permissionType: string;
}

/**
 * What buildPlan reads: the precheck snapshot plus what the snapshot does not carry (yet).
 * A plain PrecheckSnapshot is a valid PlanInput.
 */
export interface PlanInput extends PrecheckSnapshot {
  /** Source ACLs (DescribeAcls). undefined = not gathered; [] = none (or no authorizer). */
  readonly acls?: readonly PlanAclBinding[] | undefined;
  /**
   * Per source topic, the config names explicitly set on the topic (DescribeConfigs entries with
   * isDefault=false). When given, an explicitly set copyable config is copied even if its value
   * equals the target's default. See planTopicConfigs for the full rule.
   */
  readonly explicitTopicConfigs?: Readonly<Record<string, readonly string[]>> | undefined;
  /**
   * Whether the target has tiered storage enabled. Default: the target broker config
   * `remote.log.storage.system.enable` is "true".
   */
  readonly targetTieredStorage?: boolean | undefined;
}

export type ClusterMode = 'zookeeper' | 'kraft' | 'unknown';

export interface PlanCluster {
  readonly role: 'source' | 'target';
  /** ARN when configured, else the bootstrap list joined with commas. */
  readonly identity: string;
  readonly clusterArn: string | null;
  readonly bootstrapServers: readonly string[] | null;
  /** Kafka's own cluster id (not the MSK cluster UUID). */
  readonly clusterId: string | null;
  readonly authMode: string;
  readonly mode: ClusterMode;
  readonly kafkaVersion: string | null;
  /** null when neither the cluster nor MSK told us. */
  readonly brokerCount: number | null;
  readonly reachable: boolean;
}

export interface SkippedTopicConfig {
  readonly name: string;
  readonly value: string | null;
  readonly reason: string;
}

export interface PlanTopicConfigs {
  /** Configs that will be set on the target topic, sorted by name. */
  readonly copy: Readonly<Record<string, string>>;
  /** Configs set (non-default) on the source that will NOT be set on the target, with why. */
  readonly skipped: readonly SkippedTopicConfig[];
  /** How many source configs were left out because they equal what the target applies anyway. */
  readonly defaultsOmitted: number;
}

export type TargetTopicState = 'none' | 'exists-empty' | 'exists-with-data';

export interface PlanTopic {
  readonly name: string;
  readonly partitions: number;
  readonly sourceReplicationFactor: number;
  readonly targetReplicationFactor: number;
  readonly replicationFactorFrom: 'config' | 'source-and-target-brokers';
  readonly configs: PlanTopicConfigs;
  /** Sum over partitions of (end - logStart): an upper bound for compacted/transactional topics. */
  readonly records: string;
  /** Sum of the partition sizes that were reported (DescribeLogDirs). */
  readonly bytes: string;
  /** false when at least one partition's size was not reported: `bytes` is then a lower bound. */
  readonly bytesComplete: boolean;
  readonly compacted: boolean;
  readonly transactional: boolean;
  readonly target: {
    readonly state: TargetTopicState;
    readonly partitions: number | null;
    readonly records: string | null;
  };
  /** `<segments>/<id>/topics/<topic>/` — partitions live under `partition=<p>/`. */
  readonly segmentsPrefix: string;
  readonly warnings: readonly string[];
}

export interface PlanGroup {
  readonly groupId: string;
  readonly state: string;
  readonly members: number;
  /** Partitions of planned topics with a committed offset: what TranslateOffsets will commit. */
  readonly partitions: number;
  readonly topics: readonly string[];
  /** Committed offsets on topics this plan does not copy (they are not translated). */
  readonly offsetsOnUncopiedTopics: number;
}

export type AclHandling = 'merge' | 'skip' | 'access-map';

export interface PlanAcls {
  readonly gathered: boolean;
  /** Source bindings of the selection (docs/configuration.md, "Which ACLs are copied"): the ones copied. */
  readonly count: number | null;
  /** Source bindings outside the selection: not copied, not counted above. */
  readonly outsideSelection: number | null;
  readonly byResourceType: Readonly<Record<string, number>>;
  readonly principals: number | null;
  /** merge: created on the target; access-map: IAM target, written to access-map.json; skip: topology.acls=skip. */
  readonly handling: AclHandling;
}

export interface PlanTotals {
  readonly topics: number;
  readonly partitions: number;
  readonly records: string;
  readonly bytes: string;
  readonly bytesComplete: boolean;
  readonly groups: number;
  readonly groupPartitions: number;
  readonly acls: number | null;
  readonly configsCopied: number;
  readonly configsSkipped: number;
}

/**
 * The seed estimate, the same numbers as precheck I03 (core/domain/precheck/estimate.ts): bytes
 * on disk where DescribeLogDirs answered, records × average record size elsewhere, divided by
 * options.assumedSeedBytesPerSecond. Partition concurrency is not modelled.
 */
export interface PlanSeedEstimate {
  /** null when the assumed throughput is not a positive number. */
  readonly seconds: number | null;
  readonly text: string;
  /** Bytes the estimate is based on (measured + estimated from offsets). */
  readonly bytes: string;
  readonly assumedBytesPerSecond: number;
  /** Partitions whose size was estimated from their offset span. */
  readonly partitionsEstimatedFromOffsets: number;
  readonly basis: string;
}

export interface StorageLayout {
  readonly segments: {
    readonly url: string;
    readonly bucket: string;
    readonly prefix: string;
    /** `<segments>/<id>/` */
    readonly migrationPrefix: string;
    /** `<segments>/<id>/topics/<topic>/partition=<p>/` with `<topic>` and `<p>` left literal. */
    readonly partitionPrefixTemplate: string;
    readonly kmsKeyArn: string | null;
    readonly bucketKmsKeyArn: string | null;
  };
  readonly evidence: {
    readonly url: string;
    readonly bucket: string;
    readonly prefix: string;
    /** `<evidence>/migrations/<id>/evidence.json` */
    readonly evidenceKey: string;
    /** `<evidence>/migrations/<id>/journal/` */
    readonly journalPrefix: string;
    readonly bucketKmsKeyArn: string | null;
    readonly objectLockEnabled: boolean;
    readonly retention: string | null;
  };
}

export type WorkflowStepKind = 'validate' | 'lambda' | 'fargate' | 'poll' | 'task-token';

export interface WorkflowStep {
  readonly step: string;
  /** The journal state the migration is in while this step runs. */
  readonly state: string;
  readonly kind: WorkflowStepKind;
  readonly description: string;
  /** The command that moves the workflow past this step, when it waits for a person. */
  readonly operatorCommand: string | null;
}

export interface PlanCutover {
  readonly autoApprove: boolean;
  readonly freezeMechanism: 'webhook' | 'interactive-prompt';
  /** Webhook URL without user info, query or fragment. */
  readonly webhook: string | null;
  readonly webhookSigned: boolean;
  readonly maxProducerFreeze: string;
  readonly maxProducerFreezeSeconds: number;
  readonly drainTimeout: string;
  readonly drainMaxPartitionLag: number;
  readonly drainStableWindow: string;
}

export interface MigrationPlan {
  readonly kind: 'kraft-migrate.plan';
  readonly schemaVersion: typeof PLAN_SCHEMA_VERSION;
  readonly migrationId: string;
  /** config: pinned by `migration_id`; generated: a default id that `execute` may generate anew. */
  readonly migrationIdSource: 'config' | 'generated';
  readonly fingerprint: string;
  readonly source: PlanCluster;
  readonly target: PlanCluster;
  readonly topics: readonly PlanTopic[];
  readonly excludedInternalTopics: readonly string[];
  readonly groups: readonly PlanGroup[];
  readonly acls: PlanAcls;
  readonly totals: PlanTotals;
  readonly seed: {
    readonly maxConcurrentPartitions: number;
    readonly segmentMaxBytes: number;
    readonly isolationLevel: string;
    readonly estimate: PlanSeedEstimate;
  };
  readonly cutover: PlanCutover;
  readonly validation: {
    readonly countTolerance: number;
    readonly spotCheckRecordsPerPartition: number;
    readonly spotCheckSamples: number;
  };
  readonly evidence: {
    readonly signing: 'path' | 'kms' | 'secret' | 'demo-key';
    readonly retention: string | null;
  };
  readonly storage: StorageLayout;
  readonly steps: readonly WorkflowStep[];
  /** Plan-wide warnings (topic warnings repeated with the topic name). Precheck stays authoritative. */
  readonly warnings: readonly string[];
}
