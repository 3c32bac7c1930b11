import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../../core/domain/errors.ts';
import { buildPlan, storageLayout } from '../../../../core/domain/plan/plan.ts';
import { renderRunbook } from '../../../../core/domain/plan/runbook.ts';
import { WORKFLOW_STEPS } from '../../../../core/domain/plan/steps.ts';
import {
  evidenceObjectUrl,
  journalPrefixUrl,
  segmentsPartitionPrefix,
  segmentsTopicPrefix,
} from '../../../../core/domain/plan/storage-layout.ts';
import {
  cluster,
  config,
  defaultTopicConfigs39,
  partitions,
  SOURCE_ARN,
  snapshot,
  TARGET_ARN,
  topic,
} from './fixtures.ts';

const ID = 'mig-1';
const FP = 'f'.repeat(64);

describe('buildPlan from a fixture snapshot', () => {
  const plan = buildPlan(snapshot(), ID, FP);

  it('carries id, fingerprint and both cluster identities', () => {
    expect(plan.kind).toBe('kraft-migrate.plan');
    expect(plan.migrationId).toBe(ID);
    expect(plan.fingerprint).toBe(FP);
    expect(plan.source).toMatchObject({
      identity: SOURCE_ARN,
      clusterArn: SOURCE_ARN,
      mode: 'zookeeper',
      kafkaVersion: '3.9.x',
      brokerCount: 3,
      authMode: 'none',
    });
    expect(plan.target).toMatchObject({
      identity: TARGET_ARN,
      mode: 'kraft',
      kafkaVersion: '4.1.x',
      brokerCount: 3,
    });
  });

  it('lists topics by name with partitions, replication factors, records and bytes', () => {
    expect(plan.topics.map((t) => t.name)).toEqual(['customers', 'orders']);
    const orders = plan.topics.find((t) => t.name === 'orders')!;
    expect(orders).toMatchObject({
      partitions: 3,
      sourceReplicationFactor: 3,
      targetReplicationFactor: 3,
      replicationFactorFrom: 'source-and-target-brokers',
      records: '3000',
      bytes: '3000000',
      bytesComplete: true,
      transactional: true,
      compacted: false,
      target: { state: 'none', partitions: null, records: null },
      segmentsPrefix: 's3://seg-bucket/seeds/mig-1/topics/orders/',
    });
    const customers = plan.topics.find((t) => t.name === 'customers')!;
    expect(customers).toMatchObject({
      compacted: true,
      transactional: false,
      sourceReplicationFactor: 2,
      targetReplicationFactor: 2,
    });
  });

  it('copies non-default configs and lists message.format.version as skipped with why', () => {
    const orders = plan.topics.find((t) => t.name === 'orders')!;
    expect(orders.configs.copy).toEqual({
      'compression.type': 'zstd',
      'message.timestamp.after.max.ms': '9223372036854775807',
      'retention.ms': '259200000',
    });
    expect(orders.configs.skipped).toEqual([
      { name: 'message.format.version', value: '3.0-IV1', reason: expect.stringMatching(/removed in 4\.0/) },
    ]);
    expect(orders.configs.defaultsOmitted).toBeGreaterThan(20);
  });

  it('summarises groups with the partitions whose offsets will be translated', () => {
    expect(plan.groups).toEqual([
      {
        groupId: 'billing',
        state: 'Empty',
        members: 0,
        partitions: 2,
        topics: ['orders'],
        offsetsOnUncopiedTopics: 1,
      },
      {
        groupId: 'crm',
        state: 'Stable',
        members: 2,
        partitions: 1,
        topics: ['customers'],
        offsetsOnUncopiedTopics: 0,
      },
    ]);
    expect(plan.warnings.some((w) => w.startsWith('group crm: 2 active member(s)'))).toBe(true);
  });

  it('adds up the totals', () => {
    expect(plan.totals).toEqual({
      topics: 2,
      partitions: 5,
      records: '3100',
      bytes: '3100000',
      bytesComplete: true,
      groups: 2,
      groupPartitions: 3,
      acls: null,
      configsCopied: 6, // orders 3, customers 3 (cleanup.policy, min.insync.replicas, message.timestamp.after.max.ms)
      configsSkipped: 2,
    });
  });

  it('estimates the seed as total bytes / assumed throughput and says so', () => {
    expect(plan.seed.estimate).toMatchObject({
      seconds: 4, // 3,100,000 B at 1,000,000 B/s, rounded up
      text: '4s',
      bytes: '3100000',
      assumedBytesPerSecond: 1_000_000,
      partitionsEstimatedFromOffsets: 0,
    });
    expect(plan.seed.estimate.basis).toMatch(/assumed throughput.*not modelled/);
    expect(plan.seed).toMatchObject({ maxConcurrentPartitions: 4, isolationLevel: 'read_committed' });
  });

  it('describes the storage layout', () => {
    expect(plan.storage.segments).toMatchObject({
      bucket: 'seg-bucket',
      prefix: 'seeds',
      migrationPrefix: 's3://seg-bucket/seeds/mig-1/',
      partitionPrefixTemplate: 's3://seg-bucket/seeds/mig-1/topics/<topic>/partition=<p>/',
    });
    expect(plan.storage.evidence).toMatchObject({
      bucket: 'evidence-bucket',
      prefix: 'audit',
      evidenceKey: 's3://evidence-bucket/audit/migrations/mig-1/evidence.json',
      journalPrefix: 's3://evidence-bucket/audit/migrations/mig-1/journal/',
    });
  });

  it('lists the workflow steps in order', () => {
    expect(plan.steps.map((s) => s.step)).toEqual([
      'ValidateInput',
      'Precheck',
      'CopyTopology',
      'Seed',
      'Tail',
      'WaitForDrain',
      'AwaitCutoverApproval',
      'FreezeProducers',
      'SentinelsAndFinalDrain',
      'TranslateOffsets',
      'LogStartGuard',
      'AwaitClientSwitch',
      'Validate',
      'SignEvidence',
    ]);
    expect(plan.steps).toBe(WORKFLOW_STEPS);
  });

  it('is JSON-able as is: a JSON round trip gives the same plan', () => {
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('is deterministic', () => {
    expect(buildPlan(snapshot(), ID, FP)).toEqual(plan);
  });

  it('reports cutover and validation settings', () => {
    expect(plan.cutover).toEqual({
      autoApprove: false,
      freezeMechanism: 'interactive-prompt',
      webhook: null,
      webhookSigned: false,
      maxProducerFreeze: '60s',
      maxProducerFreezeSeconds: 60,
      drainTimeout: '30m',
      drainMaxPartitionLag: 100,
      drainStableWindow: '30s',
    });
    expect(plan.validation).toEqual({
      countTolerance: 1,
      spotCheckRecordsPerPartition: 3,
      spotCheckSamples: 15,
    });
    expect(plan.evidence).toEqual({ signing: 'path', retention: null });
  });
});

describe('replication factor on the target', () => {
  it('defaults to min(source RF, target brokers) and warns when it shrinks', () => {
    const plan = buildPlan(snapshot({ target: cluster('target', { brokerCount: 2 }) }), ID, FP);
    const orders = plan.topics.find((t) => t.name === 'orders')!;
    expect(orders.sourceReplicationFactor).toBe(3);
    expect(orders.targetReplicationFactor).toBe(2);
    expect(orders.warnings.join('\n')).toMatch(/reduced from 3 to 2.*W01/);
    expect(plan.topics.find((t) => t.name === 'customers')!.targetReplicationFactor).toBe(2);
  });

  it('uses topology.replication_factor when set, and warns when the target has fewer brokers', () => {
    const one = buildPlan(snapshot({ config: config({ topology: { replication_factor: 1 } }) }), ID, FP);
    expect(
      one.topics.every((t) => t.targetReplicationFactor === 1 && t.replicationFactorFrom === 'config'),
    ).toBe(true);
    const five = buildPlan(snapshot({ config: config({ topology: { replication_factor: 5 } }) }), ID, FP);
    expect(five.topics[0]!.targetReplicationFactor).toBe(5);
    expect(five.topics[0]!.warnings.join('\n')).toMatch(/INVALID_REPLICATION_FACTOR/);
  });

  it("falls back to MSK's broker count, then to the source RF when the target's is unknown", () => {
    const msk = buildPlan(
      snapshot({
        target: cluster('target', {
          brokerCount: 0,
          msk: {
            arn: TARGET_ARN,
            state: 'ACTIVE',
            type: 'PROVISIONED',
            kafkaVersion: '4.1.x',
            brokerNodes: 2,
            zookeeperMode: false,
            availabilityZones: 2,
            iamAuth: false,
          },
        }),
      }),
      ID,
      FP,
    );
    expect(msk.target.brokerCount).toBe(2);
    expect(msk.topics.find((t) => t.name === 'orders')!.targetReplicationFactor).toBe(2);

    const unknown = buildPlan(
      snapshot({ target: cluster('target', { brokerCount: 0, reachable: false }) }),
      ID,
      FP,
    );
    expect(unknown.target.brokerCount).toBeNull();
    expect(unknown.topics.find((t) => t.name === 'orders')!.targetReplicationFactor).toBe(3);
    expect(unknown.warnings.join('\n')).toMatch(/target broker count unknown/);
  });

  it('warns when min.insync.replicas exceeds the target replication factor', () => {
    const plan = buildPlan(snapshot({ target: cluster('target', { brokerCount: 1 }) }), ID, FP);
    const customers = plan.topics.find((t) => t.name === 'customers')!;
    expect(customers.configs.copy['min.insync.replicas']).toBe('2');
    expect(customers.warnings.join('\n')).toMatch(
      /min\.insync\.replicas=2 is larger than the target replication factor 1/,
    );
  });
});

describe('target topic state', () => {
  it('tells none, exists-empty and exists-with-data apart and flags fewer partitions', () => {
    const target = cluster('target', {
      topics: [
        topic('orders', partitions(2, { records: 5n })),
        {
          name: 'customers',
          partitions: [{ partition: 0, leader: 1, replicas: [1], logStart: 7n, end: 7n }],
        },
      ],
    });
    const plan = buildPlan(snapshot({ target }), ID, FP);
    const orders = plan.topics.find((t) => t.name === 'orders')!;
    expect(orders.target).toEqual({ state: 'exists-with-data', partitions: 2, records: '10' });
    expect(orders.warnings.join('\n')).toMatch(/B13/);
    expect(orders.warnings.join('\n')).toMatch(/2 partition\(s\), fewer than the source's 3 \(B14\)/);
    const customers = plan.topics.find((t) => t.name === 'customers')!;
    expect(customers.target).toEqual({ state: 'exists-empty', partitions: 1, records: '0' });
  });
});

describe('topic configs in the plan', () => {
  it('uses explicitly-set names and target broker defaults when the input has them', () => {
    const plan = buildPlan(
      snapshot({
        explicitTopicConfigs: { orders: ['segment.ms'] },
        target: cluster('target', { brokerConfigs: { 'log.retention.hours': '72' } }),
      }),
      ID,
      FP,
    );
    const orders = plan.topics.find((t) => t.name === 'orders')!;
    expect(orders.configs.copy['segment.ms']).toBe('604800000');
    expect(orders.configs.copy['retention.ms']).toBeUndefined();
  });

  it('copies local.retention.* to a tiered-storage target only', () => {
    const src = cluster('source', {
      topics: [topic('logs', partitions(1), { ...defaultTopicConfigs39(), 'local.retention.ms': '3600000' })],
    });
    const plain = buildPlan(snapshot({ source: src }), ID, FP);
    expect(plain.topics[0]!.configs.skipped.map((s) => s.name)).toContain('local.retention.ms');
    const tiered = buildPlan(
      snapshot({
        source: src,
        target: cluster('target', { brokerConfigs: { 'remote.log.storage.system.enable': 'true' } }),
      }),
      ID,
      FP,
    );
    expect(tiered.topics[0]!.configs.copy['local.retention.ms']).toBe('3600000');
  });

  it('warns about LogAppendTime and about timestamp bounds that reject restored records', () => {
    const src = cluster('source', {
      topics: [
        topic('a', partitions(1), { 'message.timestamp.type': 'LogAppendTime' }),
        topic('b', partitions(1), {
          'message.timestamp.type': 'CreateTime',
          'message.timestamp.before.max.ms': '86400000',
        }),
      ],
    });
    const plan = buildPlan(snapshot({ source: src }), ID, FP);
    expect(plan.topics[0]!.warnings.join('\n')).toMatch(/LogAppendTime/);
    expect(plan.topics[1]!.warnings.join('\n')).toMatch(
      /restored records older than 86400000 ms are rejected/,
    );
  });

  it('copies nothing and says so when the topic configs were not read', () => {
    const src = cluster('source', { topics: [topic('raw', partitions(1))] });
    const plan = buildPlan(snapshot({ source: src }), ID, FP);
    expect(plan.topics[0]!.configs.copy).toEqual({});
    expect(plan.topics[0]!.warnings.join('\n')).toMatch(/configs were not read/);
  });
});

describe('ACLs in the plan', () => {
  const acl = (resourceType: string, principal: string) => ({
    resourceType,
    resourceName: 'orders',
    patternType: 'LITERAL',
    principal,
    host: '*',
    operation: 'READ',
    permissionType: 'ALLOW',
  });

  it('is unknown (null) when the ACLs were not gathered', () => {
    const plan = buildPlan(snapshot(), ID, FP);
    expect(plan.acls).toEqual({
      gathered: false,
      count: null,
      outsideSelection: null,
      byResourceType: {},
      principals: null,
      handling: 'merge',
    });
    expect(plan.warnings.join('\n')).toMatch(/ACLs were not gathered/);
  });

  it('counts gathered ACLs by resource type and principal', () => {
    const plan = buildPlan(
      snapshot({ acls: [acl('TOPIC', 'User:a'), acl('TOPIC', 'User:b'), acl('GROUP', 'User:a')] }),
      ID,
      FP,
    );
    expect(plan.acls).toEqual({
      gathered: true,
      count: 3,
      outsideSelection: 0,
      byResourceType: { GROUP: 1, TOPIC: 2 },
      principals: 2,
      handling: 'merge',
    });
    expect(plan.totals.acls).toBe(3);
  });

  it('counts only the ACLs of the selection: not those of other topics, groups or their principals', () => {
    const base = snapshot();
    const on = (resourceType: string, resourceName: string, principal: string, patternType = 'LITERAL') => ({
      ...acl(resourceType, principal),
      resourceName,
      patternType,
    });
    const plan = buildPlan(
      {
        ...base,
        config: { ...base.config, groups: { include: ['billing'], exclude: [] } },
        acls: [
          on('TOPIC', 'orders', 'User:app'),
          on('TOPIC', 'ord', 'User:app', 'PREFIXED'),
          on('GROUP', 'billing', 'User:app'),
          on('CLUSTER', 'kafka-cluster', 'User:app'),
          // outside: another topic, another group, a prefix of neither, and that principal's cluster ACL
          on('TOPIC', 'inventory', 'User:other'),
          on('GROUP', 'crm-other', 'User:other'),
          on('TOPIC', 'inv', 'User:other', 'PREFIXED'),
          on('CLUSTER', 'kafka-cluster', 'User:other'),
        ],
      },
      ID,
      FP,
    );
    expect(plan.acls).toEqual({
      gathered: true,
      count: 4,
      outsideSelection: 4,
      byResourceType: { CLUSTER: 1, GROUP: 1, TOPIC: 2 },
      principals: 1,
      handling: 'merge',
    });
    expect(plan.totals.acls).toBe(4);
    expect(renderRunbook(plan)).toContain(
      '| ACLs of the selection | 4; 4 other source ACL(s) outside the selection are not copied (',
    );
  });

  it('writes an access map for an IAM target and skips with topology.acls=skip', () => {
    const iam = buildPlan(
      snapshot({ config: config({ target: { cluster_arn: TARGET_ARN, auth: { mode: 'iam' } } }), acls: [] }),
      ID,
      FP,
    );
    expect(iam.acls.handling).toBe('access-map');
    const skip = buildPlan(snapshot({ config: config({ topology: { acls: 'skip' } }) }), ID, FP);
    expect(skip.acls.handling).toBe('skip');
  });
});

describe('what the plan must not leak or hide', () => {
  it('never contains a password or the webhook secret, and strips URL credentials', () => {
    const cfg = config({
      source: {
        bootstrap_servers: ['b-1.src:9096'],
        auth: { mode: 'scram-sha-512', username: 'admin', password: 'hunter2-secret' },
      },
      cutover: {
        producer_freeze_webhook: 'https://user:pw@freeze.example.com/hook?token=abc',
        producer_freeze_webhook_secret: 'hmac-secret-value',
      },
    });
    const plan = buildPlan(snapshot({ config: cfg }), ID, FP);
    const json = JSON.stringify(plan);
    for (const secret of ['hunter2-secret', 'hmac-secret-value', 'token=abc', 'user:pw'])
      expect(json).not.toContain(secret);
    expect(plan.cutover).toMatchObject({
      freezeMechanism: 'webhook',
      webhook: 'https://freeze.example.com/hook',
      webhookSigned: true,
    });
    expect(plan.source.identity).toBe('b-1.src:9096');
    expect(plan.source.clusterArn).toBeNull();
  });

  it('says when the migration id is generated rather than pinned', () => {
    expect(buildPlan(snapshot(), ID, FP).migrationIdSource).toBe('generated');
    const pinned = buildPlan(snapshot({ config: config({ migration_id: 'pinned-1' }) }), 'pinned-1', FP);
    expect(pinned.migrationIdSource).toBe('config');
    expect(pinned.warnings.join('\n')).not.toMatch(/migration_id is not set/);
  });

  it('flags the demo signing key', () => {
    const plan = buildPlan(snapshot({ signingKey: { source: 'none', readable: true } }), ID, FP);
    expect(plan.evidence.signing).toBe('demo-key');
    expect(plan.warnings.join('\n')).toMatch(/W09/);
  });

  it('marks sizes as incomplete when a partition size is unknown and estimates it from offsets', () => {
    const src = cluster('source', {
      topics: [
        topic('a', [
          ...partitions(1, { records: 10n, bytes: 1000n }),
          { ...partitions(2, { bytes: undefined })[1]! },
        ]),
      ],
    });
    const plan = buildPlan(snapshot({ source: src }), ID, FP);
    expect(plan.topics[0]!).toMatchObject({ bytes: '1000', bytesComplete: false });
    expect(plan.totals.bytesComplete).toBe(false);
    expect(plan.seed.estimate.partitionsEstimatedFromOffsets).toBe(1);
    expect(plan.seed.estimate.bytes).toBe('11000'); // 1000 + 100 records × 100 B average
  });

  it('rejects an empty migration id', () => {
    expect(() => buildPlan(snapshot(), ' ', FP)).toThrow(InvalidInputError);
  });
});

describe('storage layout helpers', () => {
  it('joins prefixes without double slashes, with and without a configured prefix', () => {
    expect(segmentsPartitionPrefix('s3://b/p/', 'id', 't', 4)).toBe('s3://b/p/id/topics/t/partition=4/');
    expect(segmentsPartitionPrefix('s3://b', 'id', 't', 0)).toBe('s3://b/id/topics/t/partition=0/');
    expect(segmentsTopicPrefix('s3://b//x//', 'id', 't')).toBe('s3://b/x/id/topics/t/');
    expect(evidenceObjectUrl('s3://e', 'id')).toBe('s3://e/migrations/id/evidence.json');
    expect(journalPrefixUrl('s3://e/a/b', 'id')).toBe('s3://e/a/b/migrations/id/journal/');
  });

  it('storageLayout reads bucket KMS keys and Object Lock from the snapshot', () => {
    const s = snapshot({
      segments: {
        role: 'segments',
        url: 's3://seg-bucket/seeds',
        reachable: true,
        writable: true,
        objectLockEnabled: false,
        kmsKeyArn: 'arn:aws:kms:eu-west-2:111122223333:key/abc',
      },
    });
    const layout = storageLayout(s, ID);
    expect(layout.segments.bucketKmsKeyArn).toBe('arn:aws:kms:eu-west-2:111122223333:key/abc');
    expect(layout.evidence.objectLockEnabled).toBe(true);
  });
});
