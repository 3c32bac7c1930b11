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
import type { PrecheckSnapshot, TopicSnapshot } from '../../../../core/domain/precheck/types.ts';
import {
  check,
  emptyTopic,
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

describe('W08 CreateTime records that would age out on the target before the client switch', () => {
  const NOW = Date.parse('2026-12-07T01:00:00.000Z');
  const DAY = 86_400_000;
  /** A delete-only CreateTime topic whose partition p's first batch is ages[p] days old. */
  const aged = (
    name: string,
    ages: readonly (number | undefined)[],
    configs: Record<string, string | null> = {},
  ) => {
    const t = topic(name, {
      partitions: ages.length,
      bytes: 1_000n,
      configs: { 'retention.ms': '604800000', ...configs },
    });
    return {
      ...t,
      partitions: t.partitions.map((p, i) => {
        const age = ages[i];
        return age === undefined ? p : { ...p, firstBatchMaxTimestamp: BigInt(NOW - age * DAY) };
      }),
    };
  };
  const snap = (topics: TopicSnapshot[], o: Parameters<typeof healthySnapshot>[0] = {}) =>
    ({
      ...healthySnapshot({ ...o, source: { topics, ...o.source } }),
      gatheredAtMs: NOW,
    }) as PrecheckSnapshot;

  it('warns for the partitions whose oldest records are older than the target retention, naming them', () => {
    const findings = check(createTimeRetentionRule, snap([aged('cdc.reviews', [30, 1, 6.99])]));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ code: 'W08', severity: 'warning', subject: 'cdc.reviews' });
    // partition 0 is 30 days old; 1 (1 day) is safe; 2 (6.99 days) ages out within seed + 30m drain
    expect(findings[0]?.message).toContain(
      'partition(s) 0 (oldest record 2026-11-07T01:00:00.000Z), 2 (oldest record 2026-11-30T01:14:24.000Z)',
    );
    expect(findings[0]?.message).toContain("the target's retention.ms=604800000 (7d)");
    expect(findings[0]?.message).toContain('cutover.drain_timeout 30m');
    expect(findings[0]?.message).not.toMatch(/partition\(s\) [^:]*\b1 \(/);
    // 30 days + the window, rounded up to the hour
    expect(findings[0]?.fix).toContain(
      'Set retention.ms on the target topic cdc.reviews to at least 2595600000 (30d 1h)',
    );
  });

  it('is silent for fresh records, unlimited or long retention, LogAppendTime, compaction and empty partitions', () => {
    expect(check(createTimeRetentionRule, snap([aged('fresh', [0, 2])]))).toEqual([]);
    expect(check(createTimeRetentionRule, snap([aged('forever', [300], { 'retention.ms': '-1' })]))).toEqual(
      [],
    );
    expect(
      check(createTimeRetentionRule, snap([aged('year', [300], { 'retention.ms': '31536000000' })])),
    ).toEqual([]);
    expect(
      check(
        createTimeRetentionRule,
        snap([aged('appended', [300], { 'message.timestamp.type': 'LogAppendTime' })]),
      ),
    ).toEqual([]);
    expect(
      check(createTimeRetentionRule, snap([aged('c', [300], { 'cleanup.policy': 'compact,delete' })])),
    ).toEqual([]);
    const empty = aged('empty', [undefined]);
    expect(
      check(
        createTimeRetentionRule,
        snap([{ ...empty, partitions: empty.partitions.map((p) => ({ ...p, end: 0n })) }]),
      ),
    ).toEqual([]);
  });

  it("measures against the target's default when the source's retention is not copied", () => {
    // unset on the source: the target's own default (log.retention.hours=1 here) applies
    const s = snap([aged('t', [0.5], { 'retention.ms': null })], {
      target: { brokerConfigs: { ...healthyTarget().brokerConfigs, 'log.retention.hours': '1' } },
    });
    expect(check(createTimeRetentionRule, s).map((f) => f.message)).toEqual([
      expect.stringContaining("the target's retention.ms=3600000 (1h)"),
    ]);
  });

  it('counts the cutover window (cutover.drain_timeout) into the time until the switch', () => {
    // 6.9 days old under 7 days: safe with a 30m drain, not with a 2d one
    expect(check(createTimeRetentionRule, snap([aged('t', [6.9])]))).toEqual([]);
    const late = snap([aged('t', [6.9])], { config: { cutover: { drain_timeout: '2d' } } });
    expect(check(createTimeRetentionRule, late).map((f) => f.message)).toEqual([
      expect.stringContaining('cutover.drain_timeout 2d'),
    ]);
  });

  it("keeps the target topic's own retention with on_config_drift=keep_target", () => {
    const s = snap([aged('kept', [30])], {
      config: { topology: { on_config_drift: 'keep_target' } },
      target: { topics: [emptyTopic('kept', 3, { 'retention.ms': '-1' })] },
    });
    expect(check(createTimeRetentionRule, s)).toEqual([]);
  });

  it('says so when the oldest timestamps could not be read', () => {
    const findings = check(createTimeRetentionRule, snap([aged('unread', [undefined, 1])]));
    expect(findings.map((f) => [f.subject, f.message])).toEqual([
      ['unread', expect.stringContaining('the oldest record timestamps of partition(s) 0 could not be read')],
    ]);
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
