import type { MigrationConfig } from '../config/schema.ts';
import { parseS3Url } from './storage-layout.ts';
import type { MigrationPlan } from './types.ts';

/**
 * Least-privilege IAM for the migration runner role (SPEC §2 `plan --format iam-policy`, §8).
 *
 * One source of truth: `iamStatements` returns a flat list of {sid, actions, resources,
 * conditions?} free of CDK types; `plan --format iam-policy` renders it as policy documents and
 * the CDK stack builds its role from the same list, so the two cannot drift.
 *
 * Two variants:
 *  - templated: every account-specific name is a `${Name}` placeholder (partition, each
 *    cluster's region / account / name / UUID, bucket names, KMS key and secret ARNs), topics
 *    and groups are `*`; key prefixes stay as configured. `parameters` holds the values this
 *    config gives for the placeholders.
 *  - concrete: the ARNs of these clusters, buckets, keys and secrets and the exact topic and
 *    group names of the plan. A cluster configured without `cluster_arn` keeps the placeholders
 *    (and its statements say `PlaceholderNoClusterArn` in the Sid).
 *
 * S3 statements are scoped to the configured prefixes, not to `<prefix>/<migration id>/`: the
 * default migration id is generated at execute time and need not equal the planned one.
 */

export interface IamContext {
  /** Account for clusters configured without an ARN. */
  readonly account?: string | undefined;
  /** Region for clusters configured without an ARN. */
  readonly region?: string | undefined;
  /** AWS partition (aws, aws-cn, aws-us-gov). Default: from a cluster ARN, else `aws`. */
  readonly partition?: string | undefined;
  /**
   * Only when the runner writes with transactions: the transactional-id prefix it uses on the
   * target. Default: none (the copier uses an idempotent, non-transactional producer).
   */
  readonly transactionalIdPrefix?: string | undefined;
  /** Only when the runner's readers join consumer groups on the source: their group-id prefix. */
  readonly runnerGroupIdPrefix?: string | undefined;
}

export type IamConditions = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

export interface IamStatement {
  /** Alphanumeric only (IAM rule). Unique within a policy. */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: IamConditions | undefined;
}

export interface IamPolicyStatementJson {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: IamConditions;
}

export interface IamPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly IamPolicyStatementJson[];
}

export type IamVariant = 'templated' | 'concrete';

export interface IamPolicies {
  /** Written as iam-policy-templated.json. */
  readonly templated: IamPolicyDocument;
  /** Written as iam-policy-concrete.json. */
  readonly concrete: IamPolicyDocument;
  /** Placeholder name → the value this config gives it (only the known ones). */
  readonly parameters: Readonly<Record<string, string>>;
  /** What the policies cannot express or the reader should check. */
  readonly notes: readonly string[];
}

/** IAM counts policy size without whitespace; managed policies allow 6,144 characters. */
export const MANAGED_POLICY_MAX_CHARS = 6_144;

export const MSK_CONTROL_PLANE_ACTIONS = [
  'kafka:DescribeCluster',
  'kafka:DescribeClusterV2',
  'kafka:GetBootstrapBrokers',
] as const;
export const S3_OBJECT_ACTIONS = ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'] as const;

type Role = 'source' | 'target';

interface ClusterRef {
  readonly base: string; // arn:<partition>:kafka:<region>:<account>
  readonly name: string;
  readonly uuid: string;
  readonly clusterArn: string;
  /** Concrete variant without an ARN: placeholders stand in. */
  readonly placeholder: boolean;
}

const ARN_RE = /^arn:(aws[a-z-]*):kafka:([a-z0-9-]+):(\d{12}):cluster\/([^/]+)\/([^/]+)$/;

const ph = (name: string) => `\${${name}}`;
const cap = (r: Role) => (r === 'source' ? 'Source' : 'Target');

function partitionOf(config: MigrationConfig, context: IamContext): string {
  if (context.partition) return context.partition;
  for (const arn of [config.source.cluster_arn, config.target.cluster_arn]) {
    const m = arn ? ARN_RE.exec(arn) : null;
    if (m) return m[1]!;
  }
  return 'aws';
}

function clusterRef(
  config: MigrationConfig,
  role: Role,
  context: IamContext,
  variant: IamVariant,
): ClusterRef {
  const C = cap(role);
  const partition = variant === 'templated' ? ph('Partition') : partitionOf(config, context);
  const m = variant === 'concrete' ? ARN_RE.exec(config[role].cluster_arn ?? '') : null;
  const region = m ? m[2]! : variant === 'concrete' && context.region ? context.region : ph(`${C}Region`);
  const account = m ? m[3]! : variant === 'concrete' && context.account ? context.account : ph(`${C}Account`);
  const name = m ? m[4]! : ph(`${C}ClusterName`);
  const uuid = m ? m[5]! : ph(`${C}ClusterUuid`);
  const base = `arn:${partition}:kafka:${region}:${account}`;
  return {
    base,
    name,
    uuid,
    clusterArn: `${base}:cluster/${name}/${uuid}`,
    placeholder: variant === 'concrete' && !m,
  };
}

/** The statements of the runner role. `plan` undefined: topics and groups are wildcards. */
export function iamStatements(
  config: MigrationConfig,
  plan: MigrationPlan | undefined,
  context: IamContext,
  variant: IamVariant,
): IamStatement[] {
  const out: IamStatement[] = [];
  const topicNames = variant === 'concrete' && plan ? plan.topics.map((t) => t.name) : ['*'];
  const groupIds = variant === 'concrete' && plan ? plan.groups.map((g) => g.groupId) : ['*'];

  for (const role of ['source', 'target'] as const) {
    const ref = clusterRef(config, role, context, variant);
    const C = cap(role);
    const suffix = ref.placeholder ? 'PlaceholderNoClusterArn' : '';
    out.push({
      sid: `Msk${C}ControlPlane${suffix}`,
      actions: [...MSK_CONTROL_PLANE_ACTIONS],
      resources: [ref.clusterArn],
    });
    if (config[role].auth.mode !== 'iam') continue;

    const topics = topicNames.map((t) => `${ref.base}:topic/${ref.name}/${ref.uuid}/${t}`);
    const groups = groupIds.map((g) => `${ref.base}:group/${ref.name}/${ref.uuid}/${g}`);
    const add = (sid: string, actions: readonly string[], resources: readonly string[]) => {
      if (resources.length > 0)
        out.push({ sid: `Kafka${C}${sid}${suffix}`, actions: [...actions].sort(), resources });
    };
    if (role === 'source') {
      add(
        'Cluster',
        [
          'kafka-cluster:Connect',
          'kafka-cluster:DescribeCluster',
          'kafka-cluster:DescribeClusterDynamicConfiguration',
          // The cutover writes one sentinel record per source partition, possibly idempotently.
          'kafka-cluster:WriteDataIdempotently',
        ],
        [ref.clusterArn],
      );
      add(
        'ReadTopics',
        [
          'kafka-cluster:DescribeTopic',
          'kafka-cluster:DescribeTopicDynamicConfiguration',
          'kafka-cluster:ReadData',
        ],
        topics,
      );
      add('WriteSentinels', ['kafka-cluster:WriteData'], topics);
      add('DescribeGroups', ['kafka-cluster:DescribeGroup'], groups);
      if (context.runnerGroupIdPrefix) {
        add(
          'RunnerGroups',
          ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
          [`${ref.base}:group/${ref.name}/${ref.uuid}/${context.runnerGroupIdPrefix}*`],
        );
      }
    } else {
      add(
        'Cluster',
        [
          'kafka-cluster:Connect',
          'kafka-cluster:DescribeCluster',
          'kafka-cluster:DescribeClusterDynamicConfiguration',
          'kafka-cluster:WriteDataIdempotently',
        ],
        [ref.clusterArn],
      );
      add(
        'Topics',
        [
          'kafka-cluster:AlterTopicDynamicConfiguration',
          'kafka-cluster:CreateTopic',
          'kafka-cluster:DescribeTopic',
          'kafka-cluster:DescribeTopicDynamicConfiguration',
          // Validation reads records back; committing translated offsets needs READ on the topic.
          'kafka-cluster:ReadData',
          'kafka-cluster:WriteData',
        ],
        topics,
      );
      add('RollbackDeleteTopics', ['kafka-cluster:DeleteTopic'], topics);
      add('Groups', ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'], groups);
      if (context.transactionalIdPrefix) {
        add(
          'TransactionalIds',
          ['kafka-cluster:AlterTransactionalId', 'kafka-cluster:DescribeTransactionalId'],
          [`${ref.base}:transactional-id/${ref.name}/${ref.uuid}/${context.transactionalIdPrefix}*`],
        );
      }
    }
  }

  const s3Partition = variant === 'templated' ? ph('Partition') : partitionOf(config, context);
  for (const role of ['segments', 'evidence'] as const) {
    const R = role === 'segments' ? 'Segments' : 'Evidence';
    const loc = parseS3Url(config.storage[role]);
    const bucket = variant === 'templated' ? ph(`${R}Bucket`) : loc.bucket;
    const bucketArn = `arn:${s3Partition}:s3:::${bucket}`;
    const objectsArn = loc.prefix ? `${bucketArn}/${loc.prefix}/*` : `${bucketArn}/*`;
    out.push({
      sid: `S3${R}List`,
      actions: ['s3:ListBucket'],
      resources: [bucketArn],
      ...(loc.prefix ? { conditions: { StringLike: { 's3:prefix': [loc.prefix, `${loc.prefix}/*`] } } } : {}),
    });
    const retention = role === 'evidence' && config.evidence.retention !== undefined;
    out.push({
      sid: `S3${R}BucketFacts`,
      actions: retention
        ? ['s3:GetBucketObjectLockConfiguration', 's3:GetBucketVersioning', 's3:GetEncryptionConfiguration']
        : ['s3:GetEncryptionConfiguration'],
      resources: [bucketArn],
    });
    out.push({
      sid: `S3${R}Objects`,
      actions: retention ? [...S3_OBJECT_ACTIONS, 's3:PutObjectRetention'] : [...S3_OBJECT_ACTIONS],
      resources: [objectsArn],
    });
  }

  const storageKeys = storageKmsKeys(config, plan, variant);
  if (storageKeys.length > 0) {
    out.push({
      sid: 'KmsStorageEncryption',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: storageKeys,
    });
  }
  if (config.evidence.kms_key_arn) {
    out.push({
      sid: 'KmsEvidenceSigning',
      actions: ['kms:GetPublicKey', 'kms:Sign'],
      resources: [variant === 'templated' ? ph('EvidenceKmsKeyArn') : config.evidence.kms_key_arn],
    });
  }
  const secrets = secretRefs(config).map(([name, arn]) => (variant === 'templated' ? ph(name) : arn));
  if (secrets.length > 0) {
    out.push({
      sid: 'SecretsManagerRead',
      actions: ['secretsmanager:GetSecretValue'],
      resources: unique(secrets),
    });
  }
  return out;
}

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/;

function storageKmsKeys(
  config: MigrationConfig,
  plan: MigrationPlan | undefined,
  variant: IamVariant,
): string[] {
  const refs: [string, string | null | undefined][] = [
    ['StorageKmsKeyArn', config.storage.kms_key_arn],
    ['SegmentsBucketKmsKeyArn', plan?.storage.segments.bucketKmsKeyArn],
    ['EvidenceBucketKmsKeyArn', plan?.storage.evidence.bucketKmsKeyArn],
  ];
  const keys: string[] = [];
  for (const [name, arn] of refs) {
    if (!arn) continue;
    // A bucket default key given as alias or key id cannot be a policy resource; see notes.
    if (name !== 'StorageKmsKeyArn' && !KMS_KEY_ARN.test(arn)) continue;
    if (variant === 'concrete' && keys.includes(arn)) continue;
    keys.push(variant === 'templated' ? ph(name) : arn);
  }
  return keys;
}

function secretRefs(config: MigrationConfig): [string, string][] {
  const refs: [string, string | undefined][] = [
    ['SourceSecretArn', config.source.auth.secret_arn],
    ['TargetSecretArn', config.target.auth.secret_arn],
    ['ProducerFreezeWebhookSecretArn', config.cutover.producer_freeze_webhook_secret_arn],
    ['EvidenceSecretArn', config.evidence.secret_arn],
  ];
  return refs.filter((r): r is [string, string] => r[1] !== undefined);
}

export function toPolicyDocument(statements: readonly IamStatement[]): IamPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      Sid: s.sid,
      Effect: 'Allow' as const,
      Action: [...s.actions],
      Resource: [...s.resources],
      ...(s.conditions ? { Condition: s.conditions } : {}),
    })),
  };
}

/** Characters IAM counts against its size limits (whitespace excluded). */
export function policySize(doc: IamPolicyDocument): number {
  return JSON.stringify(doc).length;
}

/** Both policy documents of `plan --format iam-policy`, with the placeholder values and notes. */
export function buildIamPolicies(
  config: MigrationConfig,
  plan: MigrationPlan | undefined,
  context: IamContext,
): IamPolicies {
  const templated = toPolicyDocument(iamStatements(config, plan, context, 'templated'));
  const concrete = toPolicyDocument(iamStatements(config, plan, context, 'concrete'));
  return {
    templated,
    concrete,
    parameters: iamParameters(config, plan, context),
    notes: iamNotes(config, plan, concrete),
  };
}

export function iamParameters(
  config: MigrationConfig,
  plan: MigrationPlan | undefined,
  context: IamContext,
): Record<string, string> {
  const params: Record<string, string> = { Partition: partitionOf(config, context) };
  for (const role of ['source', 'target'] as const) {
    const C = cap(role);
    const m = ARN_RE.exec(config[role].cluster_arn ?? '');
    const region = m?.[2] ?? context.region;
    const account = m?.[3] ?? context.account;
    if (region) params[`${C}Region`] = region;
    if (account) params[`${C}Account`] = account;
    if (m) {
      params[`${C}ClusterName`] = m[4]!;
      params[`${C}ClusterUuid`] = m[5]!;
    }
  }
  params['SegmentsBucket'] = parseS3Url(config.storage.segments).bucket;
  params['EvidenceBucket'] = parseS3Url(config.storage.evidence).bucket;
  if (config.storage.kms_key_arn) params['StorageKmsKeyArn'] = config.storage.kms_key_arn;
  const segKey = plan?.storage.segments.bucketKmsKeyArn;
  const evKey = plan?.storage.evidence.bucketKmsKeyArn;
  if (segKey && KMS_KEY_ARN.test(segKey)) params['SegmentsBucketKmsKeyArn'] = segKey;
  if (evKey && KMS_KEY_ARN.test(evKey)) params['EvidenceBucketKmsKeyArn'] = evKey;
  if (config.evidence.kms_key_arn) params['EvidenceKmsKeyArn'] = config.evidence.kms_key_arn;
  for (const [name, arn] of secretRefs(config)) params[name] = arn;
  return params;
}

function iamNotes(
  config: MigrationConfig,
  plan: MigrationPlan | undefined,
  concrete: IamPolicyDocument,
): string[] {
  const notes: string[] = [];
  for (const role of ['source', 'target'] as const) {
    if (!ARN_RE.test(config[role].cluster_arn ?? '')) {
      const C = cap(role);
      notes.push(
        `${role} has no cluster_arn: its MSK statements keep the placeholders \${${C}ClusterName} and \${${C}ClusterUuid}; ` +
          `fill them in, or drop those statements if the ${role} is not an MSK cluster`,
      );
    }
  }
  if (plan === undefined)
    notes.push('no plan given: topic and group resources are wildcards in both variants');
  for (const role of ['source', 'target'] as const) {
    if (config[role].auth.mode.startsWith('scram') && config[role].auth.secret_arn) {
      notes.push(
        `${role} SCRAM secret: MSK requires it to be encrypted with a customer managed KMS key; grant kms:Decrypt on that key too (it is not in the config)`,
      );
    }
  }
  for (const [role, arn] of [
    ['segments', plan?.storage.segments.bucketKmsKeyArn],
    ['evidence', plan?.storage.evidence.bucketKmsKeyArn],
  ] as const) {
    if (arn && !KMS_KEY_ARN.test(arn)) {
      notes.push(
        `the ${role} bucket's default encryption key is given as ${arn}, not a key ARN: grant kms:GenerateDataKey and kms:Decrypt on the key it names (not needed for the AWS managed aws/s3 key)`,
      );
    }
  }
  if (config.storage.endpoint) {
    notes.push(
      'storage.endpoint is set (S3-compatible endpoint): the S3 and KMS statements only matter against AWS',
    );
  }
  if (plan && (plan.source.authMode === 'iam' || plan.target.authMode === 'iam')) {
    notes.push(
      'concrete kafka-cluster resources name the planned topics and groups only: topics or groups selected later need a new policy (or use the templated one)',
    );
  }
  const size = policySize(concrete);
  if (size > MANAGED_POLICY_MAX_CHARS) {
    notes.push(
      `the concrete policy has ${size} characters, more than the ${MANAGED_POLICY_MAX_CHARS} a managed policy allows: split it, attach it inline (10,240 per role), or use the templated policy`,
    );
  }
  return notes;
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
