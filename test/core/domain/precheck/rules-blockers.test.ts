import { describe, expect, it } from 'vitest';
import {
  clusterStateRule,
  configInvalidFinding,
} from '../../../../core/domain/precheck/rules/b01-cluster-state.ts';
import { replicationFactorFitsRule } from '../../../../core/domain/precheck/rules/b01-replication-factor.ts';
import { serverlessRule } from '../../../../core/domain/precheck/rules/b02-serverless.ts';
import { sourceZookeeperRule } from '../../../../core/domain/precheck/rules/b03-source-zookeeper.ts';
import { targetKraftRule } from '../../../../core/domain/precheck/rules/b04-target-kraft.ts';
import { sameClusterRule } from '../../../../core/domain/precheck/rules/b05-same-cluster.ts';
import { targetVersionRule } from '../../../../core/domain/precheck/rules/b06-target-version.ts';
import { segmentsBucketRule } from '../../../../core/domain/precheck/rules/b07-segments-bucket.ts';
import { evidenceBucketRule } from '../../../../core/domain/precheck/rules/b08-evidence-bucket.ts';
import { sourceReachableRule } from '../../../../core/domain/precheck/rules/b09-source-reachable.ts';
import { targetReachableRule } from '../../../../core/domain/precheck/rules/b10-target-reachable.ts';
import { messageMaxBytesRule } from '../../../../core/domain/precheck/rules/b11-message-max-bytes.ts';
import { replicaFetchMaxBytesRule } from '../../../../core/domain/precheck/rules/b12-replica-fetch-max-bytes.ts';
import { targetTopicDataRule } from '../../../../core/domain/precheck/rules/b13-target-topic-data.ts';
import { targetTopicPartitionsRule } from '../../../../core/domain/precheck/rules/b14-target-topic-partitions.ts';
import { permissionsRule } from '../../../../core/domain/precheck/rules/b15-permissions.ts';
import { evidenceObjectLockRule } from '../../../../core/domain/precheck/rules/b16-evidence-object-lock.ts';
import { signingKeyRule } from '../../../../core/domain/precheck/rules/b17-signing-key.ts';
import { sourceVersionRule } from '../../../../core/domain/precheck/rules/b18-source-version.ts';
import {
  check,
  emptyTopic,
  healthySnapshot,
  healthySource,
  msk,
  partition,
  SOURCE_ARN,
  SOURCE_BOOTSTRAP,
  TARGET_ARN,
  TARGET_BOOTSTRAP,
  topic,
} from './fixtures.ts';

const UNREACHABLE = { reachable: false, unreachableReason: 'connect ECONNREFUSED 127.0.0.1:19092' } as const;

describe('B01 cluster lookup and state', () => {
  it('reports nothing when both MSK clusters are ACTIVE', () => {
    const s = healthySnapshot({
      source: { msk: msk() },
      target: { msk: msk({ arn: TARGET_ARN, zookeeperMode: false }) },
    });
    expect(check(clusterStateRule, s)).toEqual([]);
  });

  it('reports a failed ARN lookup with the error and the ARN as subject', () => {
    const s = healthySnapshot({
      config: { source: { cluster_arn: SOURCE_ARN } },
      source: { mskError: 'NotFoundException: cluster not found' },
    });
    const [f, ...rest] = check(clusterStateRule, s);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'B01', severity: 'blocker', subject: SOURCE_ARN });
    expect(f?.message).toContain('NotFoundException: cluster not found');
    expect(f?.fix).toContain('source.cluster_arn');
  });

  it('reports a cluster that is not ACTIVE with its state', () => {
    const s = healthySnapshot({
      target: { msk: msk({ arn: TARGET_ARN, state: 'UPDATING', zookeeperMode: false }) },
    });
    const findings = check(clusterStateRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B01', severity: 'blocker', subject: TARGET_ARN });
    expect(findings[0]?.message).toContain('UPDATING, not ACTIVE');
  });

  it('builds the config-invalid finding for the gatherer', () => {
    const f = configInvalidFinding('config is invalid:\n  - storage.segments: expected s3://bucket');
    expect(f).toMatchObject({ code: 'B01', severity: 'blocker', subject: 'config' });
    expect(f.message).toContain('storage.segments');
    expect(f.fix).not.toBe('');
  });
});

describe('B01 topology.replication_factor must fit the target', () => {
  it('reports nothing when replication_factor is not set or fits', () => {
    expect(check(replicationFactorFitsRule, healthySnapshot())).toEqual([]);
    expect(
      check(replicationFactorFitsRule, healthySnapshot({ config: { topology: { replication_factor: 3 } } })),
    ).toEqual([]);
  });

  it('reports a replication_factor above the target broker count', () => {
    const s = healthySnapshot({
      config: { topology: { replication_factor: 3 } },
      target: { brokerCount: 2 },
    });
    const findings = check(replicationFactorFitsRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: 'B01',
      severity: 'blocker',
      subject: 'topology.replication_factor',
    });
    expect(findings[0]?.message).toContain('replication_factor is 3 but the target has 2 broker(s)');
  });
});

describe('B02 serverless', () => {
  it('reports nothing for provisioned clusters', () => {
    expect(check(serverlessRule, healthySnapshot({ source: { msk: msk() } }))).toEqual([]);
  });

  it('reports a serverless target', () => {
    const s = healthySnapshot({
      target: { msk: msk({ arn: TARGET_ARN, type: 'SERVERLESS', zookeeperMode: false }) },
    });
    const findings = check(serverlessRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B02', severity: 'blocker', subject: TARGET_ARN });
  });
});

describe('B03 source must be ZooKeeper mode', () => {
  it('reports nothing for a ZooKeeper source', () => {
    expect(check(sourceZookeeperRule, healthySnapshot())).toEqual([]);
  });

  it('reports a KRaft source and names --allow-kraft-source', () => {
    const s = healthySnapshot({ source: { metadataMode: 'kraft' } });
    const findings = check(sourceZookeeperRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B03', severity: 'blocker', subject: SOURCE_BOOTSTRAP });
    expect(findings[0]?.fix).toContain('--allow-kraft-source');
  });

  it('accepts a KRaft source with --allow-kraft-source', () => {
    const s = healthySnapshot({ source: { metadataMode: 'kraft' }, options: { allowKraftSource: true } });
    expect(check(sourceZookeeperRule, s)).toEqual([]);
  });

  it('uses MSK when the brokers are unreachable, and says nothing when nothing is known', () => {
    const viaMsk = healthySnapshot({ source: { ...UNREACHABLE, msk: msk({ zookeeperMode: false }) } });
    expect(check(sourceZookeeperRule, viaMsk).map((f) => f.code)).toEqual(['B03']);
    expect(check(sourceZookeeperRule, healthySnapshot({ source: UNREACHABLE }))).toEqual([]);
  });

  it('reports an undetermined mode on a reachable source', () => {
    const s = healthySnapshot({
      source: { metadataMode: undefined, brokerConfigs: {}, kafkaVersion: '3.9.1' },
    });
    const findings = check(sourceZookeeperRule, s);
    expect(findings.map((f) => f.code)).toEqual(['B03']);
    expect(findings[0]?.message).toContain('could not determine');
  });

  it('derives the mode from broker configs when none was reported', () => {
    const s = healthySnapshot({ source: { metadataMode: undefined } });
    expect(check(sourceZookeeperRule, s)).toEqual([]);
  });
});

describe('B04 target must be KRaft mode', () => {
  it('reports nothing for a KRaft target', () => {
    expect(check(targetKraftRule, healthySnapshot())).toEqual([]);
  });

  it('reports a ZooKeeper target', () => {
    const s = healthySnapshot({ target: { metadataMode: 'zookeeper', kafkaVersion: '3.9.1' } });
    const findings = check(targetKraftRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B04', severity: 'blocker', subject: TARGET_BOOTSTRAP });
  });

  it('skips an unreachable target without MSK data', () => {
    expect(
      check(targetKraftRule, healthySnapshot({ target: { ...UNREACHABLE, metadataMode: undefined } })),
    ).toEqual([]);
  });
});

describe('B05 same cluster', () => {
  it('reports nothing for different clusters', () => {
    expect(check(sameClusterRule, healthySnapshot())).toEqual([]);
  });

  it('reports the same cluster id', () => {
    const s = healthySnapshot({ target: { clusterId: 'source-cluster-id' } });
    const findings = check(sameClusterRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B05', severity: 'blocker', subject: TARGET_BOOTSTRAP });
    expect(findings[0]?.message).toContain('cluster id source-cluster-id');
  });

  it('reports the same ARN', () => {
    const s = healthySnapshot({
      config: { source: { cluster_arn: SOURCE_ARN }, target: { cluster_arn: SOURCE_ARN } },
      source: { clusterId: undefined },
    });
    const findings = check(sameClusterRule, s);
    expect(findings.map((f) => f.code)).toEqual(['B05']);
    expect(findings[0]?.message).toContain(SOURCE_ARN);
  });

  it('reports overlapping bootstrap lists, case-insensitively', () => {
    const s = healthySnapshot({
      config: {
        source: { bootstrap_servers: ['B-1.example.com:9092', 'b-2.example.com:9092'] },
        target: { bootstrap_servers: ['b-1.example.com:9092'] },
      },
    });
    const findings = check(sameClusterRule, s);
    expect(findings.map((f) => f.code)).toEqual(['B05']);
    expect(findings[0]?.message).toContain('b-1.example.com:9092');
  });
});

describe('B06 target version', () => {
  it('reports nothing for 4.1, 3.7 and 3.10 (numeric comparison)', () => {
    for (const v of ['4.1.0', '3.7.x.kraft', '3.10.0']) {
      expect(check(targetVersionRule, healthySnapshot({ target: { kafkaVersion: v } }))).toEqual([]);
    }
  });

  it('reports a target below 3.7', () => {
    const s = healthySnapshot({ target: { kafkaVersion: '3.6.0' } });
    const findings = check(targetVersionRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B06', severity: 'blocker', subject: TARGET_BOOTSTRAP });
    expect(findings[0]?.message).toContain('3.6.0');
  });

  it('uses the MSK version when the brokers are unreachable; an unknown version gives no finding', () => {
    const viaMsk = healthySnapshot({
      target: { ...UNREACHABLE, msk: msk({ arn: TARGET_ARN, kafkaVersion: '2.8.1' }) },
    });
    expect(check(targetVersionRule, viaMsk).map((f) => f.code)).toEqual(['B06']);
    expect(check(targetVersionRule, healthySnapshot({ target: { kafkaVersion: undefined } }))).toEqual([]);
  });
});

describe('B18 source version', () => {
  it('reports nothing for the tested sources 2.8 and 3.9, nor for 3.10 (numeric comparison)', () => {
    for (const apiRelease of ['2.8', '3.7', '3.10']) {
      expect(check(sourceVersionRule, healthySnapshot({ source: { apiRelease } }))).toEqual([]);
    }
  });

  it('reports a source whose ApiVersions answer places it below 2.8, even with a newer IBP', () => {
    // Arrange: brokers speak like 2.4–2.7 while their configs claim 3.9
    const s = healthySnapshot({ source: { apiRelease: '2.4', kafkaVersion: '3.9' } });
    // Act
    const findings = check(sourceVersionRule, s);
    // Assert
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B18', severity: 'blocker', subject: SOURCE_BOOTSTRAP });
    expect(findings[0]?.message).toBe(
      `source cluster ${SOURCE_BOOTSTRAP} answers ApiVersions like Kafka 2.4–2.7, older than 2.8, ` +
        'the oldest source version kraft-migrate is tested with',
    );
    expect(findings[0]?.fix).toContain('Upgrade the source to Kafka 2.8 or later');
  });

  it('falls back to the brokers’ or MSK’s version; an unknown version gives no finding', () => {
    const byIbp = healthySnapshot({ source: { apiRelease: undefined, kafkaVersion: '2.7' } });
    expect(check(sourceVersionRule, byIbp).map((f) => f.message)).toEqual([
      `source cluster ${SOURCE_BOOTSTRAP} runs Kafka 2.7, older than 2.8, the oldest source version kraft-migrate is tested with`,
    ]);
    const viaMsk = healthySnapshot({
      source: { ...UNREACHABLE, apiRelease: '3.9', msk: msk({ arn: SOURCE_ARN, kafkaVersion: '2.6.2' }) },
    });
    expect(check(sourceVersionRule, viaMsk).map((f) => f.code)).toEqual(['B18']);
    const unknown = healthySnapshot({ source: { apiRelease: undefined, kafkaVersion: undefined } });
    expect(check(sourceVersionRule, unknown)).toEqual([]);
  });
});

describe('B07/B08 buckets', () => {
  it('report nothing for reachable, writable buckets', () => {
    expect(check(segmentsBucketRule, healthySnapshot())).toEqual([]);
    expect(check(evidenceBucketRule, healthySnapshot())).toEqual([]);
  });

  it('B07 reports an unreachable segments bucket with the error', () => {
    const s = healthySnapshot({ segments: { reachable: false, writable: false, error: 'NoSuchBucket' } });
    const findings = check(segmentsBucketRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: 'B07',
      severity: 'blocker',
      subject: 's3://kraft-segments/migrations',
    });
    expect(findings[0]?.message).toContain('unreachable: NoSuchBucket');
    expect(findings[0]?.fix).toContain('Create the bucket or fix the IAM policy');
    expect(findings[0]?.fix).toContain('plan --format iam-policy');
  });

  it('B08 reports an evidence bucket that is not writable', () => {
    const s = healthySnapshot({
      evidence: {
        writable: false,
        error: 'AccessDenied when calling PutObject on s3://kraft-evidence/migrations/x',
      },
    });
    const findings = check(evidenceBucketRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: 'B08',
      severity: 'blocker',
      subject: 's3://kraft-evidence/migrations',
    });
    expect(findings[0]?.message).toContain('not writable: AccessDenied');
  });
});

describe('B09/B10 reachability', () => {
  it('report nothing for reachable clusters', () => {
    expect(check(sourceReachableRule, healthySnapshot())).toEqual([]);
    expect(check(targetReachableRule, healthySnapshot())).toEqual([]);
  });

  it('B09 reports an unreachable source with the reason', () => {
    const findings = check(sourceReachableRule, healthySnapshot({ source: UNREACHABLE }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B09', severity: 'blocker', subject: SOURCE_BOOTSTRAP });
    expect(findings[0]?.message).toContain('ECONNREFUSED');
    for (const hint of ['security groups', 'VPC peering', 'bootstrap_servers'])
      expect(findings[0]?.fix).toContain(hint);
  });

  it('B10 reports an unreachable target with the reason', () => {
    const findings = check(
      targetReachableRule,
      healthySnapshot({ target: { reachable: false, unreachableReason: 'timeout' } }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B10', severity: 'blocker', subject: TARGET_BOOTSTRAP });
    expect(findings[0]?.message).toContain('timeout');
  });
});

describe('B11 message.max.bytes', () => {
  it('reports nothing when the target accepts the largest source message', () => {
    expect(check(messageMaxBytesRule, healthySnapshot())).toEqual([]);
  });

  it('reports a target broker limit below the largest source topic max.message.bytes', () => {
    const source = healthySource();
    const s = healthySnapshot({
      source: {
        topics: [...source.topics, topic('big-events', { configs: { 'max.message.bytes': '5242880' } })],
      },
    });
    const findings = check(messageMaxBytesRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B11', severity: 'blocker', subject: TARGET_BOOTSTRAP });
    expect(findings[0]?.message).toContain('message.max.bytes=1048588');
    expect(findings[0]?.message).toContain('5242880 (topic big-events, max.message.bytes)');
    expect(findings[0]?.fix).toContain('Increase message.max.bytes on the target');
  });

  it('falls back to the source broker message.max.bytes for topics without configs', () => {
    const s = healthySnapshot({
      source: {
        topics: [topic('orders', { noConfigs: true })],
        brokerConfigs: { 'message.max.bytes': '2097152', 'zookeeper.connect': 'zk:2181' },
      },
    });
    const findings = check(messageMaxBytesRule, s);
    expect(findings.map((f) => f.code)).toEqual(['B11']);
    expect(findings[0]?.message).toContain('2097152 (topic orders, message.max.bytes)');
  });

  it('reports an existing target topic with a smaller max.message.bytes unless drift is overwritten', () => {
    const target = { topics: [emptyTopic('orders', 3, { 'max.message.bytes': '1000' })] };
    const keep = healthySnapshot({ config: { topology: { on_config_drift: 'keep_target' } }, target });
    const findings = check(messageMaxBytesRule, keep);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B11', severity: 'blocker', subject: 'orders' });
    expect(findings[0]?.message).toContain('max.message.bytes=1000');
    expect(check(messageMaxBytesRule, healthySnapshot({ target }))).toEqual([]);
  });

  it('leaves unreadable target configs to W04 and an unreachable cluster to B09/B10', () => {
    const big = { topics: [topic('big', { configs: { 'max.message.bytes': '9999999' } })] };
    expect(
      check(
        messageMaxBytesRule,
        healthySnapshot({ source: big, target: { brokerConfigError: 'NOT_CONTROLLER' } }),
      ),
    ).toEqual([]);
    expect(check(messageMaxBytesRule, healthySnapshot({ source: { ...big, ...UNREACHABLE } }))).toEqual([]);
  });
});

describe('B12 replica.fetch.max.bytes', () => {
  it("accepts Kafka's defaults (replica.fetch.max.bytes 1048576 vs message.max.bytes 1048588)", () => {
    expect(check(replicaFetchMaxBytesRule, healthySnapshot())).toEqual([]);
  });

  it('reports a replica.fetch.max.bytes below the largest source message', () => {
    const s = healthySnapshot({
      source: { topics: [topic('big', { configs: { 'max.message.bytes': '4194304' } })] },
    });
    const findings = check(replicaFetchMaxBytesRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B12', severity: 'blocker', subject: TARGET_BOOTSTRAP });
    expect(findings[0]?.message).toContain('replica.fetch.max.bytes=1048576');
    expect(findings[0]?.fix).toContain('Increase replica.fetch.max.bytes on the target');
    expect(findings[0]?.fix).toContain('4194304');
  });

  it('leaves unreadable target configs to W04', () => {
    const s = healthySnapshot({
      source: { topics: [topic('big', { configs: { 'max.message.bytes': '4194304' } })] },
      target: { brokerConfigs: undefined, brokerConfigError: 'ClusterAuthorizationFailed' },
    });
    expect(check(replicaFetchMaxBytesRule, s)).toEqual([]);
  });
});

describe('B13 target topic holds data', () => {
  it('reports nothing for empty same-named target topics, or topics whose records were all deleted', () => {
    expect(
      check(targetTopicDataRule, healthySnapshot({ target: { topics: [emptyTopic('orders')] } })),
    ).toEqual([]);
    const deleted = topic('orders', { logStart: 500n, end: 500n });
    expect(check(targetTopicDataRule, healthySnapshot({ target: { topics: [deleted] } }))).toEqual([]);
  });

  it('reports a target topic with records, with offsets', () => {
    const held = {
      name: 'orders',
      partitions: [partition(0, { logStart: 0n, end: 0n }), partition(1, { logStart: 10n, end: 1510n })],
      configs: {},
    };
    const findings = check(targetTopicDataRule, healthySnapshot({ target: { topics: [held] } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B13', severity: 'blocker', subject: 'orders' });
    expect(findings[0]?.message).toContain('1,500 record(s) in 1 partition(s): partition 1 offsets 10..1510');
  });

  it('skips an unreachable target', () => {
    const s = healthySnapshot({ target: { ...UNREACHABLE, topics: [topic('orders')] } });
    expect(check(targetTopicDataRule, s)).toEqual([]);
  });
});

describe('B14 target topic partitions', () => {
  it('reports nothing when the target topic has as many partitions or more', () => {
    expect(
      check(targetTopicPartitionsRule, healthySnapshot({ target: { topics: [emptyTopic('orders', 6)] } })),
    ).toEqual([]);
  });

  it('reports a target topic with fewer partitions', () => {
    const findings = check(
      targetTopicPartitionsRule,
      healthySnapshot({ target: { topics: [emptyTopic('orders', 1)] } }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B14', severity: 'blocker', subject: 'orders' });
    expect(findings[0]?.message).toContain('has 1 partition(s), the source topic has 3');
  });
});

describe('B15 permissions', () => {
  it('reports nothing without permission problems', () => {
    expect(check(permissionsRule, healthySnapshot())).toEqual([]);
  });

  it('reports one finding per refused operation, with the role-specific fix', () => {
    const s = healthySnapshot({
      source: {
        permissionProblems: [
          { operation: 'Fetch', resource: 'topic:orders', error: 'TOPIC_AUTHORIZATION_FAILED' },
        ],
      },
      target: {
        permissionProblems: [
          { operation: 'CreateTopics', resource: 'topic:orders', error: 'TOPIC_AUTHORIZATION_FAILED' },
          { operation: 'OffsetCommit', resource: 'group:billing', error: 'GROUP_AUTHORIZATION_FAILED' },
        ],
      },
    });
    const findings = check(permissionsRule, s);
    expect(findings.map((f) => [f.code, f.severity, f.subject])).toEqual([
      ['B15', 'blocker', 'topic:orders'],
      ['B15', 'blocker', 'topic:orders'],
      ['B15', 'blocker', 'group:billing'],
    ]);
    expect(findings[0]?.message).toContain(
      'source: Fetch on topic:orders was refused: TOPIC_AUTHORIZATION_FAILED',
    );
    expect(findings[0]?.fix).toContain('read on the selected topics');
    expect(findings[1]?.fix).toContain('create, write, alter');
  });
});

describe('B16 evidence Object Lock', () => {
  it('reports nothing when retention is not set, or the bucket has Object Lock', () => {
    expect(
      check(evidenceObjectLockRule, healthySnapshot({ evidence: { objectLockEnabled: false } })),
    ).toEqual([]);
    expect(
      check(evidenceObjectLockRule, healthySnapshot({ config: { evidence: { retention: '7y' } } })),
    ).toEqual([]);
  });

  it('reports retention without Object Lock in the page wording', () => {
    const s = healthySnapshot({
      config: { evidence: { retention: '7y' } },
      evidence: { objectLockEnabled: false },
    });
    const findings = check(evidenceObjectLockRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: 'B16',
      severity: 'blocker',
      subject: 's3://kraft-evidence/migrations',
    });
    expect(findings[0]?.message).toContain('does not have Object Lock enabled');
    expect(findings[0]?.fix).toContain('Object Lock cannot be added retroactively');
  });

  it('skips an unreachable evidence bucket (B08 reports it)', () => {
    const s = healthySnapshot({
      config: { evidence: { retention: '7y' } },
      evidence: { reachable: false, writable: false, objectLockEnabled: false },
    });
    expect(check(evidenceObjectLockRule, s)).toEqual([]);
  });
});

describe('B17 signing key', () => {
  it('reports nothing for no key (W09 covers it) or a readable Ed25519 key', () => {
    expect(check(signingKeyRule, healthySnapshot())).toEqual([]);
    const ok = healthySnapshot({
      signingKey: { source: 'path', location: '/keys/e.pem', readable: true, keyType: 'ed25519' },
    });
    expect(check(signingKeyRule, ok)).toEqual([]);
    const kms = healthySnapshot({
      signingKey: {
        source: 'kms',
        location: 'arn:aws:kms:eu-west-2:1:key/x',
        readable: true,
        keyType: 'ECC_NIST_EDWARDS25519',
      },
    });
    expect(check(signingKeyRule, kms)).toEqual([]);
  });

  it('reports a missing key file in the page wording', () => {
    const path = '/etc/kafka-backup/evidence-signing.key';
    const s = healthySnapshot({
      config: { evidence: { signing_key_path: path } },
      signingKey: {
        source: 'path',
        readable: false,
        error: `ENOENT: no such file or directory, open '${path}'`,
      },
    });
    const findings = check(signingKeyRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'B17', severity: 'blocker', subject: path });
    expect(findings[0]?.message).toBe(`signing key not found at path: ${path}`);
  });

  it("uses the adapter's own sentence as the message", () => {
    const s = healthySnapshot({
      signingKey: {
        source: 'path',
        location: '/keys/e.pem',
        readable: false,
        error: 'signing key at /keys/e.pem is not readable (EACCES)',
      },
    });
    expect(check(signingKeyRule, s)[0]?.message).toBe('signing key at /keys/e.pem is not readable (EACCES)');
    const missing = healthySnapshot({
      signingKey: {
        source: 'path',
        location: '/k',
        readable: false,
        error: 'signing key not found at path: /k',
      },
    });
    expect(check(signingKeyRule, missing)[0]?.message).toBe('signing key not found at path: /k');
  });

  it('reports an unreadable key with the error', () => {
    const s = healthySnapshot({
      signingKey: {
        source: 'secret',
        location: 'arn:aws:secretsmanager:x',
        readable: false,
        error: 'AccessDeniedException',
      },
    });
    const findings = check(signingKeyRule, s);
    expect(findings.map((f) => f.code)).toEqual(['B17']);
    expect(findings[0]?.message).toContain('AccessDeniedException');
  });

  it('reports a key that is not Ed25519', () => {
    const s = healthySnapshot({
      signingKey: { source: 'path', location: '/keys/rsa.pem', readable: true, keyType: 'rsa' },
    });
    const findings = check(signingKeyRule, s);
    expect(findings.map((f) => f.code)).toEqual(['B17']);
    expect(findings[0]?.message).toContain('is rsa, not Ed25519');
  });
});
