import { describe, expect, it } from 'vitest';
import {
  COPYABLE_TOPIC_CONFIGS,
  classifyTopicConfig,
  planTopicConfigs,
  sameConfigValue,
  targetDefault,
} from '../../../../core/domain/plan/topic-configs.ts';
import { defaultTopicConfigs39 } from './fixtures.ts';

const LONG_MAX = '9223372036854775807';

describe('COPYABLE_TOPIC_CONFIGS', () => {
  it('lists the topology configs of SPEC §6.1 and not the removed message.format.version', () => {
    for (const name of [
      'cleanup.policy',
      'retention.ms',
      'retention.bytes',
      'min.insync.replicas',
      'compression.type',
      'max.message.bytes',
      'message.timestamp.type',
      'segment.bytes',
      'segment.ms',
      'segment.index.bytes',
      'segment.jitter.ms',
      'delete.retention.ms',
      'min.compaction.lag.ms',
      'max.compaction.lag.ms',
      'min.cleanable.dirty.ratio',
      'message.timestamp.difference.max.ms',
      'message.timestamp.before.max.ms',
      'message.timestamp.after.max.ms',
      'index.interval.bytes',
      'flush.messages',
      'flush.ms',
      'preallocate',
      'unclean.leader.election.enable',
      'local.retention.ms',
      'local.retention.bytes',
      'file.delete.delay.ms',
      'message.downconversion.enable',
    ]) {
      expect(COPYABLE_TOPIC_CONFIGS).toContain(name);
    }
    expect(COPYABLE_TOPIC_CONFIGS).not.toContain('message.format.version');
    expect([...COPYABLE_TOPIC_CONFIGS]).toEqual([...COPYABLE_TOPIC_CONFIGS].sort());
  });
});

describe('classifyTopicConfig for a 3.9 source and a 4.1 target', () => {
  it('copies an ordinary config', () => {
    expect(classifyTopicConfig('retention.ms', '259200000', '4.1.x')).toEqual({ copy: true });
    expect(classifyTopicConfig('cleanup.policy', 'compact', '4.1')).toEqual({ copy: true });
  });

  it('skips message.format.version with the reason', () => {
    const c = classifyTopicConfig('message.format.version', '3.0-IV1', '4.1.x');
    expect(c.copy).toBe(false);
    expect(c.copy === false && c.reason).toMatch(/removed in 4\.0/);
    // also on a 3.x target: the config is ignored there
    expect(classifyTopicConfig('message.format.version', '2.8-IV1', '3.9.x').copy).toBe(false);
  });

  it('skips message.downconversion.enable on 4.x and copies it on 3.x', () => {
    const c = classifyTopicConfig('message.downconversion.enable', 'false', '4.1.x');
    expect(c).toEqual({
      copy: false,
      reason: expect.stringMatching(/removed in Kafka 4\.0.*target is 4\.1\.x/),
    });
    expect(classifyTopicConfig('message.downconversion.enable', 'false', '3.9.x')).toEqual({ copy: true });
  });

  it('skips message.timestamp.difference.max.ms on 4.x and points at before/after', () => {
    const c = classifyTopicConfig('message.timestamp.difference.max.ms', '86400000', '4.0.x.kraft');
    expect(c.copy === false && c.reason).toMatch(/message\.timestamp\.before\.max\.ms/);
    expect(classifyTopicConfig('message.timestamp.difference.max.ms', '86400000', '3.9')).toEqual({
      copy: true,
    });
  });

  it('copies local.retention.* only when the target has tiered storage', () => {
    const c = classifyTopicConfig('local.retention.ms', '3600000', '4.1.x');
    expect(c.copy === false && c.reason).toMatch(/tiered storage/);
    expect(classifyTopicConfig('local.retention.ms', '3600000', '4.1.x', { tieredStorage: true })).toEqual({
      copy: true,
    });
    expect(classifyTopicConfig('remote.storage.enable', 'true', '4.1.x').copy).toBe(false);
  });

  it('skips configs the target version does not know yet', () => {
    const c = classifyTopicConfig('compression.zstd.level', '9', '3.7.x');
    expect(c.copy === false && c.reason).toMatch(/needs Kafka 3\.8 or later/);
    expect(classifyTopicConfig('compression.zstd.level', '9', '3.8.x')).toEqual({ copy: true });
  });

  it('skips version-dependent configs when the target version is unknown, copies the others', () => {
    expect(classifyTopicConfig('message.downconversion.enable', 'false', undefined).copy).toBe(false);
    expect(classifyTopicConfig('compression.zstd.level', '9', undefined).copy).toBe(false);
    expect(classifyTopicConfig('retention.ms', '1000', undefined)).toEqual({ copy: true });
  });

  it('skips segment.bytes below the 1 MiB minimum of Kafka 4.0', () => {
    expect(classifyTopicConfig('segment.bytes', '524288', '4.1.x').copy).toBe(false);
    expect(classifyTopicConfig('segment.bytes', '524288', '3.9.x')).toEqual({ copy: true });
    expect(classifyTopicConfig('segment.bytes', '1048576', '4.1.x')).toEqual({ copy: true });
  });

  it('skips unknown configs, throttles and unreadable values with a reason', () => {
    expect(classifyTopicConfig('confluent.placement.constraints', 'x', '4.1').copy).toBe(false);
    const t = classifyTopicConfig('leader.replication.throttled.replicas', '0:1', '4.1');
    expect(t.copy === false && t.reason).toMatch(/broker ids/);
    const n = classifyTopicConfig('retention.ms', null, '4.1');
    expect(n.copy === false && n.reason).toMatch(/not readable/);
  });
});

describe('targetDefault', () => {
  it("uses Kafka's default for the target version", () => {
    expect(targetDefault('message.timestamp.after.max.ms', '3.9.x')).toBe(LONG_MAX);
    expect(targetDefault('message.timestamp.after.max.ms', '4.1.x')).toBe('3600000');
    expect(targetDefault('retention.ms', '4.1.x')).toBe('604800000');
  });

  it("prefers the target broker's synonym, scaled to milliseconds", () => {
    expect(
      targetDefault('retention.ms', '4.1', { 'log.retention.ms': null, 'log.retention.hours': '72' }),
    ).toBe('259200000');
    expect(
      targetDefault('retention.ms', '4.1', { 'log.retention.ms': '1000', 'log.retention.hours': '72' }),
    ).toBe('1000');
    expect(targetDefault('min.insync.replicas', '4.1', { 'min.insync.replicas': '2' })).toBe('2');
  });
});

describe('sameConfigValue', () => {
  it('compares integers exactly, decimals numerically and lists as sets', () => {
    expect(sameConfigValue(LONG_MAX, '9223372036854775806')).toBe(false);
    expect(sameConfigValue('0.50', '0.5')).toBe(true);
    expect(sameConfigValue('compact,delete', 'delete, compact')).toBe(true);
    expect(sameConfigValue('TRUE', 'true')).toBe(true);
    expect(sameConfigValue('CreateTime', 'createtime')).toBe(false);
  });
});

describe('planTopicConfigs', () => {
  it('copies only what differs from the 4.1 target defaults and lists message.format.version as skipped', () => {
    const plan = planTopicConfigs({
      configs: { ...defaultTopicConfigs39(), 'retention.ms': '259200000', 'cleanup.policy': 'compact' },
      targetVersion: '4.1.x',
    });
    expect(plan.copy).toEqual({
      'cleanup.policy': 'compact',
      // unbounded on 3.9, 1 hour by default on 4.x: the source's behaviour is kept
      'message.timestamp.after.max.ms': LONG_MAX,
      'retention.ms': '259200000',
    });
    expect(plan.skipped).toEqual([
      { name: 'message.format.version', value: '3.0-IV1', reason: expect.stringMatching(/removed in 4\.0/) },
    ]);
    expect(plan.defaultsOmitted).toBe(Object.keys(defaultTopicConfigs39()).length - 4);
  });

  it('for a 3.9 target copies nothing but the overrides', () => {
    const plan = planTopicConfigs({
      configs: { ...defaultTopicConfigs39(), 'retention.ms': '1000' },
      targetVersion: '3.9.x',
    });
    expect(plan.copy).toEqual({ 'retention.ms': '1000' });
  });

  it('reports a removed config that carries a non-default value', () => {
    const plan = planTopicConfigs({
      configs: { 'message.downconversion.enable': 'false', 'message.timestamp.difference.max.ms': '1000' },
      targetVersion: '4.1.x',
    });
    expect(plan.copy).toEqual({});
    expect(plan.skipped.map((s) => s.name)).toEqual([
      'message.downconversion.enable',
      'message.timestamp.difference.max.ms',
    ]);
  });

  it('copies an explicitly set config even when it equals the default', () => {
    const plan = planTopicConfigs({
      configs: { 'retention.ms': '604800000', 'segment.ms': '604800000' },
      explicit: ['retention.ms'],
      targetVersion: '4.1.x',
    });
    expect(plan.copy).toEqual({ 'retention.ms': '604800000' });
    expect(plan.defaultsOmitted).toBe(1);
  });

  it('omits a value the target broker applies anyway', () => {
    const plan = planTopicConfigs({
      configs: { 'retention.ms': '259200000' },
      targetVersion: '4.1.x',
      targetBrokerConfigs: { 'log.retention.hours': '72' },
    });
    expect(plan.copy).toEqual({});
    expect(plan.defaultsOmitted).toBe(1);
  });
});
