import { describe, expect, it } from 'vitest';
import { PreconditionError } from '../../../../core/domain/errors.ts';
import {
  planTopics,
  type TopicDecision,
  type TopicsInput,
  targetReplicationFactor,
  topologyBlockedError,
  UNBOUNDED_MS,
} from '../../../../core/domain/topology/topics.ts';
import { createdFrom, LONG_MAX, sourceTopic, targetCluster, targetTopic, topology } from './fixtures.ts';

function only(input: TopicsInput): TopicDecision {
  const plan = planTopics(input);
  expect(plan.decisions).toHaveLength(1);
  return plan.decisions[0]!;
}

describe('planTopics: a topic missing on the target', () => {
  const orders = sourceTopic('orders', { 'retention.ms': '259200000', 'compression.type': 'zstd' });

  it('is created with the source partition count, the replication factor rule and the copyable configs', () => {
    const d = only({ source: [orders], target: targetCluster(), topology: topology() });

    expect(d).toMatchObject({ topic: 'orders', action: 'create', partitions: 3, targetPartitions: null });
    expect(d.replicationFactor).toBe(3);
    expect(d.configs).toEqual({
      'compression.type': 'zstd',
      // 3.x accepts any future timestamp; Kafka 4's default would be one hour (KIP-1030)
      'message.timestamp.after.max.ms': LONG_MAX,
      'retention.ms': '259200000',
    });
    // non-default on the source, so listed with the reason it is not copied
    expect(d.skipped.map((s) => s.name)).toEqual(['message.format.version']);
  });

  it('leaves out configs the target version rejects and explains explicitly set ones', () => {
    const legacy = sourceTopic('legacy', { 'message.downconversion.enable': 'false' });

    const d = only({ source: [legacy], target: targetCluster(), topology: topology() });

    expect(d.configs).not.toHaveProperty('message.downconversion.enable');
    expect(d.configs).not.toHaveProperty('message.format.version');
    expect(d.skipped.map((s) => s.name)).toEqual(['message.downconversion.enable', 'message.format.version']);
    expect(d.skipped[0]!.reason).toContain('removed in Kafka 4.0');
  });

  it('reduces the replication factor to the target broker count with a W01 warning', () => {
    const d = only({ source: [orders], target: targetCluster({ brokers: 2 }), topology: topology() });

    expect(d.replicationFactor).toBe(2);
    expect(d.warnings.join('\n')).toContain('replication factor reduced from 3 to 2');
  });

  it('uses topology.replication_factor when set', () => {
    const d = only({
      source: [orders],
      target: targetCluster({ brokers: 5 }),
      topology: topology({ replication_factor: 4 }),
    });

    expect(d.replicationFactor).toBe(4);
  });

  it('blocks a topology.replication_factor above the target broker count', () => {
    const plan = planTopics({
      source: [orders],
      target: targetCluster({ brokers: 2 }),
      topology: topology({ replication_factor: 3 }),
    });

    expect(plan.blockers).toEqual([expect.objectContaining({ topic: 'orders', kind: 'replication-factor' })]);
    expect(topologyBlockedError(plan.blockers).code).toBe('TOPOLOGY_REPLICATION_FACTOR');
  });

  it('blocks min.insync.replicas above the replication factor the topic would get', () => {
    const strict = sourceTopic('strict', { 'min.insync.replicas': '2' });

    const plan = planTopics({
      source: [strict],
      target: targetCluster({ brokers: 1 }),
      topology: topology(),
    });

    expect(plan.blockers).toEqual([
      expect.objectContaining({ topic: 'strict', kind: 'min-insync-replicas' }),
    ]);
    expect(plan.blockers[0]!.message).toContain('min.insync.replicas=2 above its replication factor 1');
  });

  it('falls back to the source replication factor when the target broker count is unknown', () => {
    expect(targetReplicationFactor(3, undefined, undefined)).toBe(3);
    expect(targetReplicationFactor(3, 0, undefined)).toBe(3);
    expect(targetReplicationFactor(0, 3, undefined)).toBe(1);
  });
});

describe('planTopics: timestamps and retention of restored records', () => {
  it('copies message.timestamp.type=LogAppendTime and warns that original timestamps are not kept', () => {
    const appendTime = sourceTopic('audit', {
      'message.timestamp.type': 'LogAppendTime',
      'message.timestamp.before.max.ms': '86400000',
    });

    const d = only({ source: [appendTime], target: targetCluster(), topology: topology() });

    expect(d.configs['message.timestamp.type']).toBe('LogAppendTime');
    // the broker does not check timestamps of LogAppendTime topics: no window needed
    expect(d.configs['message.timestamp.before.max.ms']).toBe('86400000');
    expect(d.deferred).toEqual([]);
    expect(d.warnings.join('\n')).toContain('original timestamps are not kept');
  });

  it('opens a finite message.timestamp.before.max.ms of a CreateTime topic for the migration and defers the source value', () => {
    const bounded = sourceTopic('bounded', { 'message.timestamp.before.max.ms': '86400000' });

    const d = only({ source: [bounded], target: targetCluster(), topology: topology() });

    expect(d.configs['message.timestamp.before.max.ms']).toBe(UNBOUNDED_MS);
    expect(d.deferred).toEqual([
      { name: 'message.timestamp.before.max.ms', value: '86400000', during: UNBOUNDED_MS },
    ]);
    expect(d.warnings.join('\n')).toContain('set it to 86400000 on the target after the client switch');
  });

  it('opens a bound that source and target brokers both default to (message.timestamp.difference.max.ms, 3.9 target)', () => {
    // not set on the topic: the source broker's log.message.timestamp.difference.max.ms gives 1 hour
    const plain = {
      ...sourceTopic('plain', { 'message.timestamp.difference.max.ms': '3600000' }),
      explicit: [],
    };

    const d = only({
      source: [plain],
      target: targetCluster({
        version: '3.9',
        brokerConfigs: { 'log.message.timestamp.difference.max.ms': '3600000' },
      }),
      topology: topology(),
    });

    expect(d.configs['message.timestamp.difference.max.ms']).toBe(UNBOUNDED_MS);
    expect(d.deferred.map((x) => [x.name, x.value])).toEqual([
      ['message.timestamp.difference.max.ms', '3600000'],
    ]);
  });

  it('copies a finite retention.ms as it is, leaving the age-out warning to precheck W08', () => {
    const short = sourceTopic('short', { 'retention.ms': '3600000' });
    const compacted = sourceTopic('compacted', { 'cleanup.policy': 'compact' });

    const plan = planTopics({ source: [short, compacted], target: targetCluster(), topology: topology() });

    const [c, s] = plan.decisions;
    expect(s!.configs['retention.ms']).toBe('3600000');
    expect(s!.warnings.join('\n')).not.toContain('retention.ms');
    expect(c!.warnings).toEqual([]);
  });
});

describe('planTopics: a topic that exists on the target', () => {
  const orders = sourceTopic('orders', { 'retention.ms': '259200000', 'max.message.bytes': '2097152' });

  it('is unchanged when its configs match what the copy would create (a second run changes nothing)', () => {
    const first = only({ source: [orders], target: targetCluster(), topology: topology() });

    const second = only({
      source: [orders],
      target: targetCluster({ topics: [createdFrom(first)] }),
      topology: topology(),
    });

    expect(second).toMatchObject({ action: 'unchanged', configs: {}, drift: [], targetPartitions: 3 });
  });

  it('overwrite_with_source sets only the drifted configs to the source values', () => {
    const drifted = targetTopic('orders', {
      'message.timestamp.after.max.ms': LONG_MAX,
      'retention.ms': '86400000',
      'max.message.bytes': '2097152',
      'compression.type': 'lz4',
    });

    const d = only({ source: [orders], target: targetCluster({ topics: [drifted] }), topology: topology() });

    expect(d.action).toBe('alter');
    expect(d.configs).toEqual({ 'compression.type': 'producer', 'retention.ms': '259200000' });
    expect(d.drift).toEqual([
      { name: 'compression.type', source: 'producer', target: 'lz4' },
      { name: 'retention.ms', source: '259200000', target: '86400000' },
    ]);
  });

  it('keep_target leaves drifted configs and reports each, with the risk of a smaller max.message.bytes', () => {
    const smaller = targetTopic('orders', {
      'message.timestamp.after.max.ms': LONG_MAX,
      'retention.ms': '259200000',
      'max.message.bytes': '1048588',
    });

    const d = only({
      source: [orders],
      target: targetCluster({ topics: [smaller] }),
      topology: topology({ on_config_drift: 'keep_target' }),
    });

    expect(d.action).toBe('keep-target');
    expect(d.configs).toEqual({});
    expect(d.drift).toEqual([{ name: 'max.message.bytes', source: '2097152', target: '1048588' }]);
    expect(d.warnings.join('\n')).toContain('kept (topology.on_config_drift=keep_target)');
    expect(d.warnings.join('\n')).toContain('MESSAGE_TOO_LARGE');
  });

  it('fail blocks with the topic, the config, both values and a fix naming topology.on_config_drift', () => {
    const drifted = targetTopic('orders', {
      'message.timestamp.after.max.ms': LONG_MAX,
      'retention.ms': '86400000',
      'max.message.bytes': '2097152',
    });

    const plan = planTopics({
      source: [orders],
      target: targetCluster({ topics: [drifted] }),
      topology: topology({ on_config_drift: 'fail' }),
    });
    const error = topologyBlockedError(plan.blockers);

    expect(plan.blockers.map((b) => b.kind)).toEqual(['config-drift']);
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error.code).toBe('TOPOLOGY_CONFIG_DRIFT');
    expect(error.message).toContain(
      'target topic orders differs from the source: retention.ms source=259200000 target=86400000',
    );
    expect(error.fix).toContain('topology.on_config_drift');
    expect(error.fix).toContain('--add-config retention.ms=259200000');
  });

  it('counts a finite timestamp bound on the target as drift from the migration window', () => {
    const bounded = targetTopic('orders', {
      'message.timestamp.after.max.ms': LONG_MAX,
      'message.timestamp.before.max.ms': '86400000',
      'retention.ms': '259200000',
      'max.message.bytes': '2097152',
    });

    const d = only({
      source: [orders],
      target: targetCluster({ topics: [bounded] }),
      topology: topology({ on_config_drift: 'keep_target' }),
    });

    expect(d.drift).toEqual([
      { name: 'message.timestamp.before.max.ms', source: LONG_MAX, target: '86400000' },
    ]);
    expect(d.warnings.join('\n')).toContain('INVALID_TIMESTAMP');
  });

  it('does not compare configs the target does not report or cannot read', () => {
    const partial = targetTopic('orders', {
      'message.timestamp.after.max.ms': LONG_MAX,
      'retention.ms': '259200000',
      'max.message.bytes': '2097152',
    });
    const configs: Record<string, string | null> = { ...partial.configs, 'compression.type': null };
    delete configs['segment.ms'];

    const d = only({
      source: [
        sourceTopic('orders', {
          'retention.ms': '259200000',
          'max.message.bytes': '2097152',
          'segment.ms': '1000',
        }),
      ],
      target: targetCluster({ topics: [{ ...partial, configs }] }),
      topology: topology(),
    });

    expect(d.action).toBe('unchanged');
  });

  it('blocks a target topic with fewer partitions (B14) whatever the drift mode', () => {
    const fewer = targetTopic('orders', {}, { partitions: 2 });

    const plan = planTopics({
      source: [orders],
      target: targetCluster({ topics: [fewer] }),
      topology: topology({ on_config_drift: 'keep_target' }),
    });
    const error = topologyBlockedError(plan.blockers);

    expect(plan.blockers.map((b) => b.kind)).toEqual(['fewer-partitions']);
    expect(error.code).toBe('TOPOLOGY_TARGET_PARTITIONS');
    expect(error.message).toContain('target topic orders has 2 partition(s), the source topic has 3 (B14)');
    expect(error.fix).toContain('--partitions 3');
  });

  it('accepts a target topic with more partitions and warns about key partitioning after the switch', () => {
    const first = only({ source: [orders], target: targetCluster(), topology: topology() });
    const more = { ...createdFrom(first), partitions: 6 };

    const plan = planTopics({
      source: [orders],
      target: targetCluster({ topics: [more] }),
      topology: topology(),
    });

    expect(plan.blockers).toEqual([]);
    expect(plan.decisions[0]).toMatchObject({ action: 'unchanged', partitions: 3, targetPartitions: 6 });
    expect(plan.warnings.join('\n')).toContain('orders: the target topic has 6 partitions, the source 3');
    expect(plan.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
  });

  it('blocks overwriting min.insync.replicas above the existing topic replication factor', () => {
    const strict = sourceTopic('strict', { 'min.insync.replicas': '3' });
    const small = targetTopic(
      'strict',
      { 'message.timestamp.after.max.ms': LONG_MAX },
      { replicationFactor: 2 },
    );

    const plan = planTopics({
      source: [strict],
      target: targetCluster({ topics: [small] }),
      topology: topology(),
    });

    expect(plan.blockers.map((b) => b.kind)).toEqual(['min-insync-replicas']);
  });
});

describe('planTopics: the whole selection', () => {
  it('lists every source partition by topic then partition, with bytes when known, and prefixes warnings', () => {
    const plan = planTopics({
      source: [
        sourceTopic('b', {}, { partitions: 2, bytes: [10n, 20n] }),
        sourceTopic('a', { 'message.timestamp.type': 'LogAppendTime' }, { partitions: 1 }),
      ],
      target: targetCluster(),
      topology: topology(),
    });

    expect(plan.decisions.map((d) => d.topic)).toEqual(['a', 'b']);
    expect(plan.partitions).toEqual([
      { topic: 'a', partition: 0 },
      { topic: 'b', partition: 0, bytes: 10n },
      { topic: 'b', partition: 1, bytes: 20n },
    ]);
    expect(plan.warnings.some((w) => w.startsWith('a: message.timestamp.type=LogAppendTime'))).toBe(true);
  });

  it('reports every blocker in one error whose code says there are several kinds', () => {
    const plan = planTopics({
      source: [sourceTopic('x'), sourceTopic('y', { 'retention.ms': '1' })],
      target: targetCluster({
        topics: [
          targetTopic('x', { 'message.timestamp.after.max.ms': LONG_MAX }, { partitions: 1 }),
          targetTopic('y', { 'message.timestamp.after.max.ms': LONG_MAX, 'retention.ms': '2' }),
        ],
      }),
      topology: topology({ on_config_drift: 'fail' }),
    });
    const error = topologyBlockedError(plan.blockers);

    expect(plan.blockers.map((b) => `${b.topic}:${b.kind}`)).toEqual([
      'x:fewer-partitions',
      'y:config-drift',
    ]);
    expect(error.code).toBe('TOPOLOGY_BLOCKED');
    expect(error.message).toMatch(/^topology copy refused, nothing was changed on the target: /);
    expect(error.message).toContain('target topic x has 1 partition(s)');
    expect(error.message).toContain('target topic y differs from the source: retention.ms source=1 target=2');
  });
});
