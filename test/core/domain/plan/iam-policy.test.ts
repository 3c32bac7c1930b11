// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the templated IAM policy uses literal ${Name} placeholders
import { describe, expect, it } from 'vitest';
import {
  buildIamPolicies,
  type IamPolicyDocument,
  iamStatements,
  MANAGED_POLICY_MAX_CHARS,
  policySize,
} from '../../../../core/domain/plan/iam-policy.ts';
import { buildPlan } from '../../../../core/domain/plan/plan.ts';
import { cluster, config, partitions, SOURCE_ARN, snapshot, TARGET_ARN, topic } from './fixtures.ts';

type Cfg = ReturnType<typeof config>;
const SRC_SECRET = 'arn:aws:secretsmanager:eu-west-2:111122223333:secret:AmazonMSK_src-AbCdEf';
const STORAGE_KEY = 'arn:aws:kms:eu-west-2:111122223333:key/1111-storage';
const SIGNING_KEY = 'arn:aws:kms:eu-west-2:111122223333:key/2222-signing';

function policies(cfg: Cfg = config(), ctx = {}) {
  const plan = buildPlan(snapshot({ config: cfg }), 'mig-1', 'fp');
  return { plan, ...buildIamPolicies(cfg, plan, ctx) };
}

function statement(doc: IamPolicyDocument, sid: string) {
  const s = doc.Statement.find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid}; have ${doc.Statement.map((x) => x.Sid).join(', ')}`);
  return s;
}

const allActions = (doc: IamPolicyDocument) => doc.Statement.flatMap((s) => s.Action);
const allResources = (doc: IamPolicyDocument) => doc.Statement.flatMap((s) => s.Resource);

const iamBoth = config({
  source: { cluster_arn: SOURCE_ARN, auth: { mode: 'iam' } },
  target: { cluster_arn: TARGET_ARN, auth: { mode: 'iam' } },
});

describe('policy document shape', () => {
  const cfgs: [string, Cfg][] = [
    ['plain', config()],
    ['iam both', iamBoth],
    [
      'everything configured',
      config({
        source: { bootstrap_servers: ['b-1:9096'], auth: { mode: 'scram-sha-512', secret_arn: SRC_SECRET } },
        target: { cluster_arn: TARGET_ARN, auth: { mode: 'iam' } },
        storage: { segments: 's3://seg', evidence: 's3://evb/a/b', kms_key_arn: STORAGE_KEY },
        evidence: { kms_key_arn: SIGNING_KEY, retention: '7y' },
      }),
    ],
  ];
  for (const [name, cfg] of cfgs) {
    it(`is a valid IAM policy with no wildcard action (${name})`, () => {
      const { templated, concrete } = policies(cfg);
      for (const doc of [templated, concrete]) {
        const parsed = JSON.parse(JSON.stringify(doc)) as IamPolicyDocument;
        expect(parsed.Version).toBe('2012-10-17');
        expect(Array.isArray(parsed.Statement)).toBe(true);
        expect(parsed.Statement.length).toBeGreaterThan(0);
        for (const s of parsed.Statement) {
          expect(s.Effect).toBe('Allow');
          expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
          expect(s.Action.length).toBeGreaterThan(0);
          expect(s.Resource.length).toBeGreaterThan(0);
          for (const a of s.Action) {
            expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z0-9]+$/);
            expect(a).not.toContain('*');
          }
        }
        expect(new Set(parsed.Statement.map((s) => s.Sid)).size).toBe(parsed.Statement.length);
        expect(allResources(parsed)).not.toContain('*');
      }
    });
  }
});

describe('MSK control plane', () => {
  it('allows DescribeCluster, DescribeClusterV2 and GetBootstrapBrokers on both cluster ARNs', () => {
    const { concrete } = policies();
    expect(statement(concrete, 'MskSourceControlPlane')).toMatchObject({
      Action: ['kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
      Resource: [SOURCE_ARN],
    });
    expect(statement(concrete, 'MskTargetControlPlane').Resource).toEqual([TARGET_ARN]);
  });

  it('keeps placeholders and says so in the Sid when a cluster has no ARN', () => {
    const cfg = config({ source: { bootstrap_servers: ['b-1:9092'] } });
    const { concrete, notes } = buildIamPolicies(cfg, buildPlan(snapshot({ config: cfg }), 'm', 'f'), {
      region: 'us-east-1',
      account: '999988887777',
    });
    expect(statement(concrete, 'MskSourceControlPlanePlaceholderNoClusterArn').Resource).toEqual([
      'arn:aws:kafka:us-east-1:999988887777:cluster/${SourceClusterName}/${SourceClusterUuid}',
    ]);
    expect(statement(concrete, 'MskTargetControlPlane').Resource).toEqual([TARGET_ARN]);
    expect(notes.join('\n')).toMatch(/source has no cluster_arn/);
  });
});

describe('MSK IAM (kafka-cluster) actions', () => {
  it('appear only for clusters whose auth mode is iam', () => {
    expect(allActions(policies().concrete).some((a) => a.startsWith('kafka-cluster:'))).toBe(false);
    const onlyTarget = config({ target: { cluster_arn: TARGET_ARN, auth: { mode: 'iam' } } });
    const { concrete } = policies(onlyTarget);
    const sids = concrete.Statement.filter((s) => s.Action.some((a) => a.startsWith('kafka-cluster:'))).map(
      (s) => s.Sid,
    );
    expect(sids.length).toBeGreaterThan(0);
    expect(sids.every((sid) => sid.startsWith('KafkaTarget'))).toBe(true);
  });

  it('grants read on the source and create/write/alter on the target, with MSK ARN formats', () => {
    const { concrete } = policies(iamBoth);
    const srcBase = 'arn:aws:kafka:eu-west-2:111122223333';
    expect(statement(concrete, 'KafkaSourceCluster')).toMatchObject({
      Action: expect.arrayContaining([
        'kafka-cluster:Connect',
        'kafka-cluster:DescribeCluster',
        'kafka-cluster:DescribeClusterDynamicConfiguration',
      ]),
      Resource: [SOURCE_ARN],
    });
    expect(statement(concrete, 'KafkaSourceReadTopics')).toMatchObject({
      Action: [
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:DescribeTopicDynamicConfiguration',
        'kafka-cluster:ReadData',
      ],
      Resource: [
        `${srcBase}:topic/legacy-zk/d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3/customers`,
        `${srcBase}:topic/legacy-zk/d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3/orders`,
      ],
    });
    expect(statement(concrete, 'KafkaSourceDescribeGroups')).toMatchObject({
      Action: ['kafka-cluster:DescribeGroup'],
      Resource: [
        `${srcBase}:group/legacy-zk/d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3/billing`,
        `${srcBase}:group/legacy-zk/d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3/crm`,
      ],
    });
    const targetTopics = statement(concrete, 'KafkaTargetTopics');
    expect(targetTopics.Action).toEqual(
      expect.arrayContaining([
        'kafka-cluster:CreateTopic',
        'kafka-cluster:WriteData',
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:AlterTopicDynamicConfiguration',
      ]),
    );
    expect(targetTopics.Resource).toContain(
      'arn:aws:kafka:eu-west-2:111122223333:topic/new-kraft/efffc490-733e-46c4-9d0b-57418c0a3906-3/orders',
    );
    expect(statement(concrete, 'KafkaTargetCluster').Action).toContain('kafka-cluster:WriteDataIdempotently');
    expect(statement(concrete, 'KafkaTargetGroups').Action).toEqual([
      'kafka-cluster:AlterGroup',
      'kafka-cluster:DescribeGroup',
    ]);
    expect(allActions(concrete).some((a) => a.includes('TransactionalId'))).toBe(false);
  });

  it('adds transactional-id permissions only when asked for', () => {
    const { concrete } = buildIamPolicies(iamBoth, undefined, { transactionalIdPrefix: 'kraft-migrate-' });
    expect(statement(concrete, 'KafkaTargetTransactionalIds')).toMatchObject({
      Action: ['kafka-cluster:AlterTransactionalId', 'kafka-cluster:DescribeTransactionalId'],
      Resource: [
        'arn:aws:kafka:eu-west-2:111122223333:transactional-id/new-kraft/efffc490-733e-46c4-9d0b-57418c0a3906-3/kraft-migrate-*',
      ],
    });
  });
});

describe('templated vs concrete', () => {
  it('templated uses ${...} placeholders and topic/group wildcards; concrete the exact names', () => {
    const { templated, concrete, parameters } = policies(iamBoth);
    expect(statement(templated, 'MskSourceControlPlane').Resource).toEqual([
      'arn:${Partition}:kafka:${SourceRegion}:${SourceAccount}:cluster/${SourceClusterName}/${SourceClusterUuid}',
    ]);
    expect(statement(templated, 'KafkaSourceReadTopics').Resource).toEqual([
      'arn:${Partition}:kafka:${SourceRegion}:${SourceAccount}:topic/${SourceClusterName}/${SourceClusterUuid}/*',
    ]);
    expect(statement(templated, 'KafkaTargetGroups').Resource).toEqual([
      'arn:${Partition}:kafka:${TargetRegion}:${TargetAccount}:group/${TargetClusterName}/${TargetClusterUuid}/*',
    ]);
    expect(statement(templated, 'S3SegmentsObjects').Resource).toEqual([
      'arn:${Partition}:s3:::${SegmentsBucket}/seeds/*',
    ]);
    expect(JSON.stringify(concrete)).not.toContain('${');
    expect(allResources(concrete).some((r) => r.endsWith('/*') && r.includes(':kafka:'))).toBe(false);
    expect(parameters).toMatchObject({
      Partition: 'aws',
      SourceRegion: 'eu-west-2',
      SourceAccount: '111122223333',
      SourceClusterName: 'legacy-zk',
      SourceClusterUuid: 'd0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3',
      TargetClusterName: 'new-kraft',
      SegmentsBucket: 'seg-bucket',
      EvidenceBucket: 'evidence-bucket',
    });
  });

  it('filling the placeholders of the templated policy from parameters gives concrete ARNs', () => {
    const { templated, parameters } = policies(iamBoth);
    const filled = JSON.stringify(statement(templated, 'MskTargetControlPlane')).replace(
      /\$\{(\w+)\}/g,
      (_m, k: string) => parameters[k] ?? `<${k}>`,
    );
    expect(JSON.parse(filled).Resource).toEqual([TARGET_ARN]);
  });

  it('uses wildcards for topics and groups when there is no plan', () => {
    const statements = iamStatements(iamBoth, undefined, {}, 'concrete');
    const read = statements.find((s) => s.sid === 'KafkaSourceReadTopics')!;
    expect(read.resources).toEqual([
      'arn:aws:kafka:eu-west-2:111122223333:topic/legacy-zk/d0efd3c5-5308-48ff-b5a6-5ea8d4b24708-3/*',
    ]);
  });

  it('drops topic and group statements in the concrete policy when the plan selects none', () => {
    const s = snapshot({ config: iamBoth, source: cluster('source', { topics: [], groups: [] }) });
    const plan = buildPlan(s, 'm', 'f');
    const { concrete } = buildIamPolicies(iamBoth, plan, {});
    expect(concrete.Statement.some((x) => x.Sid === 'KafkaSourceReadTopics')).toBe(false);
    expect(concrete.Statement.some((x) => x.Sid === 'KafkaTargetGroups')).toBe(false);
    expect(concrete.Statement.some((x) => x.Sid === 'KafkaTargetCluster')).toBe(true);
  });
});

describe('S3', () => {
  it('grants PutObject, GetObject, DeleteObject under the prefix and ListBucket on the bucket, on both buckets', () => {
    const { concrete } = policies();
    for (const [R, bucket, prefix] of [
      ['Segments', 'seg-bucket', 'seeds'],
      ['Evidence', 'evidence-bucket', 'audit'],
    ] as const) {
      expect(statement(concrete, `S3${R}List`)).toEqual({
        Sid: `S3${R}List`,
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`arn:aws:s3:::${bucket}`],
        Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}/*`] } },
      });
      expect(statement(concrete, `S3${R}Objects`)).toMatchObject({
        Action: expect.arrayContaining(['s3:PutObject', 's3:GetObject', 's3:DeleteObject']),
        Resource: [`arn:aws:s3:::${bucket}/${prefix}/*`],
      });
    }
  });

  it('covers the whole bucket without a condition when there is no prefix', () => {
    const cfg = config({ storage: { segments: 's3://seg-only', evidence: 's3://ev-only/' } });
    const { concrete } = policies(cfg);
    const list = statement(concrete, 'S3SegmentsList');
    expect(list.Resource).toEqual(['arn:aws:s3:::seg-only']);
    expect(list.Condition).toBeUndefined();
    expect(statement(concrete, 'S3EvidenceObjects').Resource).toEqual(['arn:aws:s3:::ev-only/*']);
  });

  it('adds Object Lock permissions on the evidence bucket only when evidence.retention is set', () => {
    const without = policies().concrete;
    expect(allActions(without)).not.toContain('s3:PutObjectRetention');
    expect(allActions(without)).not.toContain('s3:GetBucketObjectLockConfiguration');
    const { concrete } = policies(config({ evidence: { retention: '7y' } }));
    expect(statement(concrete, 'S3EvidenceBucketFacts').Action).toEqual([
      's3:GetBucketObjectLockConfiguration',
      's3:GetBucketVersioning',
      's3:GetEncryptionConfiguration',
    ]);
    expect(statement(concrete, 'S3EvidenceObjects').Action).toContain('s3:PutObjectRetention');
    expect(statement(concrete, 'S3SegmentsObjects').Action).not.toContain('s3:PutObjectRetention');
  });

  it('uses the partition of the cluster ARNs (e.g. aws-cn)', () => {
    const cn = config({
      source: { cluster_arn: 'arn:aws-cn:kafka:cn-north-1:111122223333:cluster/a/u-1' },
      target: { cluster_arn: 'arn:aws-cn:kafka:cn-north-1:111122223333:cluster/b/u-2' },
    });
    expect(statement(policies(cn).concrete, 'S3SegmentsList').Resource).toEqual([
      'arn:aws-cn:s3:::seg-bucket',
    ]);
  });
});

describe('KMS and Secrets Manager', () => {
  it('has no KMS statement when no key is configured', () => {
    const { templated, concrete } = policies();
    expect(allActions(concrete).some((a) => a.startsWith('kms:'))).toBe(false);
    expect(allActions(templated).some((a) => a.startsWith('kms:'))).toBe(false);
  });

  it('grants GenerateDataKey and Decrypt on storage.kms_key_arn, Sign and GetPublicKey on evidence.kms_key_arn', () => {
    const { templated, concrete } = policies(
      config({
        storage: { segments: 's3://segs', evidence: 's3://evid', kms_key_arn: STORAGE_KEY },
        evidence: { kms_key_arn: SIGNING_KEY },
      }),
    );
    expect(statement(concrete, 'KmsStorageEncryption')).toMatchObject({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [STORAGE_KEY],
    });
    expect(statement(concrete, 'KmsEvidenceSigning')).toMatchObject({
      Action: ['kms:GetPublicKey', 'kms:Sign'],
      Resource: [SIGNING_KEY],
    });
    expect(statement(templated, 'KmsStorageEncryption').Resource).toEqual(['${StorageKmsKeyArn}']);
    expect(statement(templated, 'KmsEvidenceSigning').Resource).toEqual(['${EvidenceKmsKeyArn}']);
  });

  it("includes a bucket's default KMS key found by the gatherer", () => {
    const cfg = config();
    const plan = buildPlan(
      snapshot({
        segments: {
          role: 'segments',
          url: 's3://seg-bucket/seeds',
          reachable: true,
          writable: true,
          objectLockEnabled: false,
          kmsKeyArn: STORAGE_KEY,
        },
      }),
      'm',
      'f',
    );
    const { concrete } = buildIamPolicies(cfg, plan, {});
    expect(statement(concrete, 'KmsStorageEncryption').Resource).toEqual([STORAGE_KEY]);
  });

  it('grants GetSecretValue on every secret_arn in the config', () => {
    const hook = 'arn:aws:secretsmanager:eu-west-2:111122223333:secret:freeze-hmac-123456';
    const ev = 'arn:aws:secretsmanager:eu-west-2:111122223333:secret:signing-key-654321';
    const cfg = config({
      source: { cluster_arn: SOURCE_ARN, auth: { mode: 'scram-sha-512', secret_arn: SRC_SECRET } },
      cutover: { producer_freeze_webhook: 'https://h.example/x', producer_freeze_webhook_secret_arn: hook },
      evidence: { secret_arn: ev },
    });
    const { concrete, templated, notes } = policies(cfg);
    expect(statement(concrete, 'SecretsManagerRead')).toMatchObject({
      Action: ['secretsmanager:GetSecretValue'],
      Resource: [SRC_SECRET, hook, ev],
    });
    expect(statement(templated, 'SecretsManagerRead').Resource).toEqual([
      '${SourceSecretArn}',
      '${ProducerFreezeWebhookSecretArn}',
      '${EvidenceSecretArn}',
    ]);
    expect(notes.join('\n')).toMatch(/SCRAM secret.*customer managed KMS key/);
    expect(policies().concrete.Statement.some((s) => s.Sid === 'SecretsManagerRead')).toBe(false);
  });
});

describe('size', () => {
  it('notes when the concrete policy outgrows a managed policy', () => {
    const many = Array.from({ length: 200 }, (_, i) => topic(`topic-with-a-long-name-${i}`, partitions(1)));
    const s = snapshot({ config: iamBoth, source: cluster('source', { topics: many }) });
    const plan = buildPlan(s, 'm', 'f');
    const { concrete, notes } = buildIamPolicies(iamBoth, plan, {});
    expect(policySize(concrete)).toBeGreaterThan(MANAGED_POLICY_MAX_CHARS);
    expect(notes.join('\n')).toMatch(/more than the 6144 a managed policy allows/);
    expect(policies().notes.join('\n')).not.toMatch(/managed policy allows/);
  });
});
