import { describe, expect, it } from 'vitest';
import { iamAccessMapRule } from '../../../../core/domain/precheck/rules/i01-iam-access-map.ts';
import { internalTopicsRule } from '../../../../core/domain/precheck/rules/i02-internal-topics.ts';
import { seedEstimateRule } from '../../../../core/domain/precheck/rules/i03-seed-estimate.ts';
import { inPlaceUpgradeRule } from '../../../../core/domain/precheck/rules/i04-in-place-upgrade.ts';
import { replicationFactorRule } from '../../../../core/domain/precheck/rules/w01-replication-factor.ts';
import { activeGroupsRule } from '../../../../core/domain/precheck/rules/w02-active-groups.ts';
import { segmentsKmsRule } from '../../../../core/domain/precheck/rules/w03-segments-kms.ts';
import { targetMessageSizeUnknownRule } from '../../../../core/domain/precheck/rules/w04-target-message-size-unknown.ts';
import { retentionVsSeedRule } from '../../../../core/domain/precheck/rules/w05-retention-vs-seed.ts';
import { transactionalRule } from '../../../../core/domain/precheck/rules/w06-transactional.ts';
import { compactedRule } from '../../../../core/domain/precheck/rules/w07-compacted.ts';
import { createTimeRetentionRule } from '../../../../core/domain/precheck/rules/w08-create-time-retention.ts';
import { demoSigningKeyRule } from '../../../../core/domain/precheck/rules/w09-demo-signing-key.ts';
import { autoCreateTopicsRule } from '../../../../core/domain/precheck/rules/w10-auto-create-topics.ts';
import {
  check,
  group,
  healthySnapshot,
  healthySource,
  healthyTarget,
  msk,
  SOURCE_ARN,
  SOURCE_BOOTSTRAP,
  TARGET_ARN,
  TARGET_BOOTSTRAP,
  topic,
} from './fixtures.ts';

const UNREACHABLE = { reachable: false, unreachableReason: 'timeout' } as const;
const GiB = 1024n ** 3n;

describe('W01 replication factor above target brokers', () => {
  it('reports nothing when the target has enough brokers', () => {
    expect(check(replicationFactorRule, healthySnapshot())).toEqual([]);
  });

  it('reports source topics whose replication factor exceeds the target broker count', () => {
    const s = healthySnapshot({ target: { brokerCount: 2 } });
    const findings = check(replicationFactorRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'W01', severity: 'warning', subject: TARGET_BOOTSTRAP });
    expect(findings[0]?.message).toContain('target has 2 broker(s)');
    expect(findings[0]?.message).toContain('orders RF=3');
    expect(findings[0]?.message).toContain('created with replication factor 2');
  });

  it('mentions min.insync.replicas that the reduced replication factor cannot satisfy', () => {
    const s = healthySnapshot({ target: { brokerCount: 1 } });
    expect(check(replicationFactorRule, s)[0]?.message).toContain('min.insync.replicas is above 1');
  });

  it('is silenced by a topology.replication_factor that fits', () => {
    const s = healthySnapshot({
      target: { brokerCount: 2 },
      config: { topology: { replication_factor: 2 } },
    });
    expect(check(replicationFactorRule, s)).toEqual([]);
  });

  it('does not count an unreachable target as zero brokers', () => {
    expect(
      check(replicationFactorRule, healthySnapshot({ target: { ...UNREACHABLE, brokerCount: 0 } })),
    ).toEqual([]);
  });
});

describe('W02 active consumer groups', () => {
  it('reports nothing for idle groups', () => {
    expect(check(activeGroupsRule, healthySnapshot())).toEqual([]);
  });

  it('reports each group with members', () => {
    const s = healthySnapshot({ source: { groups: [group('billing', 0), group('shipping', 4)] } });
    const findings = check(activeGroupsRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'W02', severity: 'warning', subject: 'shipping' });
    expect(findings[0]?.message).toContain('4 active member(s)');
  });
});

describe('W03 KMS on the segments bucket', () => {
  it('reports nothing without a KMS key', () => {
    expect(check(segmentsKmsRule, healthySnapshot())).toEqual([]);
  });

  it('reports the bucket key', () => {
    const key = 'arn:aws:kms:eu-west-2:111122223333:key/abcd';
    const findings = check(segmentsKmsRule, healthySnapshot({ segments: { kmsKeyArn: key } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: 'W03',
      severity: 'warning',
      subject: 's3://kraft-segments/migrations',
    });
    expect(findings[0]?.message).toContain(key);
    expect(findings[0]?.fix).toContain('kms:GenerateDataKey');
  });

  it('reports storage.kms_key_arn from the config', () => {
    const key = 'arn:aws:kms:eu-west-2:111122223333:key/cfg';
    const findings = check(segmentsKmsRule, healthySnapshot({ config: { storage: { kms_key_arn: key } } }));
    expect(findings.map((f) => f.code)).toEqual(['W03']);
  });
});

describe('W04 target message-size settings unreadable', () => {
  it('reports nothing when both settings were read', () => {
    expect(check(targetMessageSizeUnknownRule, healthySnapshot())).toEqual([]);
  });

  it('reports a DescribeConfigs error', () => {
    const s = healthySnapshot({
      target: {
        brokerConfigs: undefined,
        brokerConfigError: 'DescribeConfigs failed on target broker: NOT_CONTROLLER',
      },
    });
    const findings = check(targetMessageSizeUnknownRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'W04', severity: 'warning', subject: TARGET_BOOTSTRAP });
    expect(findings[0]?.message).toContain('NOT_CONTROLLER');
    expect(findings[0]?.fix).toContain('1048588');
  });

  it('reports missing size keys', () => {
    const s = healthySnapshot({ target: { brokerConfigs: { 'message.max.bytes': '1048588' } } });
    expect(check(targetMessageSizeUnknownRule, s)[0]?.message).toContain('replica.fetch.max.bytes (unset)');
  });

  it('skips an unreachable target (B10 reports it)', () => {
    expect(
      check(
        targetMessageSizeUnknownRule,
        healthySnapshot({ target: { ...UNREACHABLE, brokerConfigs: undefined } }),
      ),
    ).toEqual([]);
  });
});

describe('W05 retention shorter than the seed', () => {
  it('reports nothing when retention outlasts the seed', () => {
    expect(check(retentionVsSeedRule, healthySnapshot())).toEqual([]);
  });

  it('reports a finite-retention topic when the estimated seed takes longer', () => {
    // 3 × 100 GiB at 50 MiB/s ≈ 1h 42m; retention 1h.
    const s = healthySnapshot({
      source: {
        topics: [
          topic('clicks', { partitions: 3, bytes: 100n * GiB, configs: { 'retention.ms': '3600000' } }),
        ],
      },
    });
    const findings = check(retentionVsSeedRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'W05', severity: 'warning', subject: 'clicks' });
    expect(findings[0]?.message).toContain('retention.ms=3600000 (1h)');
    expect(findings[0]?.message).toContain('estimated seed duration 1h 42m');
  });

  it('ignores unlimited retention, compact-only topics and empty topics', () => {
    const big = { partitions: 3, bytes: 100n * GiB } as const;
    const s = healthySnapshot({
      source: {
        topics: [
          topic('forever', { ...big, configs: { 'retention.ms': '-1' } }),
          topic('table', { ...big, configs: { 'cleanup.policy': 'compact', 'retention.ms': '3600000' } }),
          topic('empty', { partitions: 1, end: 0n, bytes: 0n, configs: { 'retention.ms': '1000' } }),
        ],
      },
    });
    expect(check(retentionVsSeedRule, s)).toEqual([]);
  });
});

describe('W06 transactional data', () => {
  it('reports nothing without transactional topics', () => {
    expect(check(transactionalRule, healthySnapshot())).toEqual([]);
  });

  it('reports each transactional topic', () => {
    const findings = check(
      transactionalRule,
      healthySnapshot({ source: { transactionalTopics: ['payments'] } }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'W06', severity: 'warning', subject: 'payments' });
    expect(findings[0]?.message).toContain('read_committed');
  });
});

describe('W07 compacted topics', () => {
  it('reports nothing for delete-only topics', () => {
    expect(check(compactedRule, healthySnapshot())).toEqual([]);
  });

  it('reports compact and compact,delete topics', () => {
    const s = healthySnapshot({
      source: {
        topics: [
          topic('profiles', { configs: { 'cleanup.policy': 'compact' } }),
          topic('sessions', { configs: { 'cleanup.policy': 'compact,delete' } }),
          topic('orders'),
        ],
      },
    });
    const findings = check(compactedRule, s);
    expect(findings.map((f) => [f.code, f.severity, f.subject])).toEqual([
      ['W07', 'warning', 'profiles'],
      ['W07', 'warning', 'sessions'],
    ]);
  });
});

describe('W08 CreateTime with finite delete retention', () => {
  it('reports nothing for unlimited retention, LogAppendTime or compaction', () => {
    expect(check(createTimeRetentionRule, healthySnapshot())).toEqual([]);
    const s = healthySnapshot({
      source: {
        topics: [
          topic('c', { configs: { 'cleanup.policy': 'compact,delete', 'retention.ms': '604800000' } }),
        ],
      },
    });
    expect(check(createTimeRetentionRule, s)).toEqual([]);
  });

  it("reports the troubleshooting page's configuration", () => {
    const s = healthySnapshot({
      source: {
        topics: [
          topic('cdc.mongo.catalog.reviews', {
            configs: {
              'cleanup.policy': 'delete',
              'message.timestamp.type': 'CreateTime',
              'retention.ms': '604800000',
              'segment.ms': '604800000',
            },
          }),
        ],
      },
    });
    const findings = check(createTimeRetentionRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: 'W08',
      severity: 'warning',
      subject: 'cdc.mongo.catalog.reviews',
    });
    expect(findings[0]?.message).toContain('retention.ms=604800000 (7d)');
    expect(findings[0]?.fix).toContain('Temporarily extend retention.ms on the target topic');
  });

  it('treats an unset timestamp type and retention as Kafka defaults (CreateTime, 7d)', () => {
    const s = healthySnapshot({
      source: { topics: [topic('t', { configs: { 'message.timestamp.type': null, 'retention.ms': null } })] },
    });
    expect(check(createTimeRetentionRule, s).map((f) => f.code)).toEqual(['W08']);
  });
});

describe('W09 demo signing key', () => {
  it('reports nothing when a key is configured', () => {
    const s = healthySnapshot({ signingKey: { source: 'path', location: '/k.pem', keyType: 'ed25519' } });
    expect(check(demoSigningKeyRule, s)).toEqual([]);
  });

  it('reports the built-in demo key', () => {
    const findings = check(demoSigningKeyRule, healthySnapshot());
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'W09', severity: 'warning', subject: 'evidence' });
    expect(findings[0]?.message).toContain('built-in demo key');
  });
});

describe('W10 auto.create.topics.enable', () => {
  it('reports nothing when disabled', () => {
    expect(check(autoCreateTopicsRule, healthySnapshot())).toEqual([]);
  });

  it('reports auto.create.topics.enable=true on the target', () => {
    const configs = { ...healthyTarget().brokerConfigs, 'auto.create.topics.enable': 'true' };
    const findings = check(autoCreateTopicsRule, healthySnapshot({ target: { brokerConfigs: configs } }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'W10', severity: 'warning', subject: TARGET_BOOTSTRAP });
  });
});

describe('I01 IAM target', () => {
  it('reports nothing for a non-IAM target', () => {
    expect(check(iamAccessMapRule, healthySnapshot())).toEqual([]);
  });

  it('reports an IAM target (from MSK or from the config)', () => {
    const viaMsk = healthySnapshot({
      target: { msk: msk({ arn: TARGET_ARN, iamAuth: true, zookeeperMode: false }) },
    });
    const findings = check(iamAccessMapRule, viaMsk);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'I01', severity: 'info', subject: TARGET_ARN });
    expect(findings[0]?.message).toContain('access-map.json');
    const viaConfig = healthySnapshot({ config: { target: { auth: { mode: 'iam' } } } });
    expect(check(iamAccessMapRule, viaConfig).map((f) => f.code)).toEqual(['I01']);
  });

  it('says nothing when ACLs are skipped', () => {
    const s = healthySnapshot({ config: { target: { auth: { mode: 'iam' } }, topology: { acls: 'skip' } } });
    expect(check(iamAccessMapRule, s)).toEqual([]);
  });
});

describe('I02 excluded internal topics', () => {
  it('reports nothing when none were excluded', () => {
    expect(check(internalTopicsRule, healthySnapshot({ excludedInternalTopics: [] }))).toEqual([]);
  });

  it('lists the excluded internal topics', () => {
    const s = healthySnapshot({ excludedInternalTopics: ['__consumer_offsets', '__amazon_msk_canary'] });
    const findings = check(internalTopicsRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'I02', severity: 'info', subject: SOURCE_BOOTSTRAP });
    expect(findings[0]?.message).toBe(
      '2 internal topic(s) excluded: __consumer_offsets, __amazon_msk_canary',
    );
  });
});

describe('I03 seed estimate', () => {
  it('reports bytes, records and duration, estimating unknown sizes from offsets', () => {
    // orders 3×1000 records/1 MB, payments 2×500 records/0.5 MB, audit-log 200 records of unknown size at 1000 B.
    const findings = check(seedEstimateRule, healthySnapshot());
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'I03', severity: 'info', subject: SOURCE_BOOTSTRAP });
    expect(findings[0]?.message).toContain(
      '(4,200,000 bytes), 4,200 record(s) in 6 partition(s) of 3 topic(s)',
    );
    expect(findings[0]?.message).toContain('at an assumed 50.0 MiB/s');
    expect(findings[0]?.message).toContain(
      '1 partition(s) is estimated from offsets at 1,000 bytes per record',
    );
  });

  it('skips an unreachable source', () => {
    expect(check(seedEstimateRule, healthySnapshot({ source: UNREACHABLE }))).toEqual([]);
  });
});

describe('I04 in-place upgrade possible', () => {
  it('reports an MSK provisioned 3.9 ZooKeeper source in 3 AZs', () => {
    const s = healthySnapshot({ config: { source: { cluster_arn: SOURCE_ARN } }, source: { msk: msk() } });
    const findings = check(inPlaceUpgradeRule, s);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'I04', severity: 'info', subject: SOURCE_ARN });
    expect(findings[0]?.message).toContain('in-place ZooKeeper→KRaft upgrade');
  });

  it('reports nothing otherwise', () => {
    const cases = [
      undefined,
      msk({ kafkaVersion: '3.8.x' }),
      msk({ availabilityZones: 2 }),
      msk({ zookeeperMode: false }),
      msk({ type: 'SERVERLESS' }),
    ];
    for (const m of cases) {
      expect(check(inPlaceUpgradeRule, healthySnapshot({ source: { ...healthySource(), msk: m } }))).toEqual(
        [],
      );
    }
  });
});
