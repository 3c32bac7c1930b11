import kafkajs, { type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkajsAdmin } from '../../../core/adapters/kafka/admin.ts';
import { createKafka, resolveConnectionSettings } from '../../../core/adapters/kafka/client.ts';
import type { ClusterConfig } from '../../../core/domain/config/schema.ts';
import { PreconditionError, TransientError } from '../../../core/domain/errors.ts';
import type { NewTopic } from '../../../core/ports.ts';
import { createTopicsWithLeaders } from '../../../scripts/lib/create-topics.ts';
import { registerCodecs, ZSTD_COMPRESS_AVAILABLE } from '../../kafkajs-codecs.ts';
import { javaProduce, storedCodecs } from '../fixtures.ts';
import { STACK, uniqueName } from '../stack.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { CompressionTypes, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } =
  kafkajs;

const plain = (bootstrap: string): ClusterConfig =>
  ({ bootstrap_servers: [bootstrap], auth: { mode: 'none' } }) as ClusterConfig;

const CLUSTERS = [
  { name: 'source (3.9, ZooKeeper)', bootstrap: STACK.source },
  { name: 'target (4.1, KRaft)', bootstrap: STACK.target },
] as const;

interface Cluster {
  admin: KafkajsAdmin;
  kafka: Kafka;
  tools: kafkajs.Admin;
}

async function open(bootstrap: string): Promise<Cluster> {
  const settings = await resolveConnectionSettings(plain(bootstrap), { clientId: 'it-kafka-admin' });
  registerCodecs(); // the tests produce and consume snappy, lz4 and zstd with kafkajs
  const kafka = createKafka(settings);
  const tools = kafka.admin();
  await tools.connect();
  return { admin: await KafkajsAdmin.create(plain(bootstrap)), kafka, tools };
}

async function createTopic(
  c: Cluster,
  prefix: string,
  partitions = 1,
  configEntries: { name: string; value: string }[] = [],
) {
  const topic = uniqueName(prefix);
  await createTopicsWithLeaders(c.tools, [
    { topic, numPartitions: partitions, replicationFactor: 1, configEntries },
  ]);
  return topic;
}

async function produce(
  c: Cluster,
  topic: string,
  partition: number,
  count: number,
  compression?: kafkajs.CompressionTypes,
) {
  const producer = c.kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({
    key: `k${i}`,
    value: `value-${partition}-${i}`,
    partition,
  }));
  await producer.send({ topic, messages, ...(compression === undefined ? {} : { compression }) });
  await producer.disconnect();
  return messages.map((m) => m.value);
}

/** Reads `expected` values from the beginning of `topics` with a fresh group; fails after 30 s. */
async function consume(kafka: Kafka, topics: string[], expected: number): Promise<Map<string, string[]>> {
  const consumer = kafka.consumer({ groupId: uniqueName('it-reader'), maxWaitTimeInMs: 200 });
  const seen = new Map<string, string[]>();
  let count = 0;
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${count} of ${expected} records in 30 s`)), 30_000);
    consumer
      .run({
        eachMessage: async ({ topic, message }) => {
          seen.set(topic, [...(seen.get(topic) ?? []), message.value?.toString() ?? '']);
          if (++count >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

const source = {} as Cluster;
const target = {} as Cluster;
const byName = (name: string) => (name.startsWith('source') ? source : target);

beforeAll(async () => {
  Object.assign(source, await open(STACK.source));
  Object.assign(target, await open(STACK.target));
});

afterAll(async () => {
  for (const c of [source, target]) {
    await c.admin?.close();
    await c.tools?.disconnect();
  }
});

describe('metadata mode and version, detected from the cluster itself', () => {
  it('sees the source as ZooKeeper mode running Kafka 3.9', async () => {
    // Act
    const info = await source.admin.describeCluster();
    // Assert
    expect(info.metadataMode).toBe('zookeeper');
    expect(info.kafkaVersion).toBe('3.9');
    expect(info.brokers).toEqual([{ id: 1, host: '127.0.0.1', port: 19092 }]);
    expect(info.controllerId).toBe(1);
    expect(info.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('sees the target as KRaft mode running Kafka 4.1', async () => {
    // Act
    const info = await target.admin.describeCluster();
    // Assert
    expect(info.metadataMode).toBe('kraft');
    expect(info.kafkaVersion).toBe('4.1');
    expect(info.brokers).toEqual([{ id: 1, host: '127.0.0.1', port: 29092 }]);
  });
});

describe.each(CLUSTERS)('on the $name', ({ name }) => {
  it('lists a new topic with its partitions, leaders and replicas', async () => {
    // Arrange
    const c = byName(name);
    const topic = await createTopic(c, 'it-list', 3);
    // Act
    const topics = await c.admin.listTopics();
    // Assert
    const t = topics.find((x) => x.name === topic);
    expect(t).toEqual({
      name: topic,
      internal: false,
      partitions: [0, 1, 2].map((partition) => ({ partition, leader: 1, replicas: [1], isr: [1] })),
    });
    expect(topics.filter((x) => x.name.startsWith('__')).every((x) => x.internal)).toBe(true);
  });

  it('reports log start and high watermark per partition, after records were deleted', async () => {
    // Arrange
    const c = byName(name);
    const topic = await createTopic(c, 'it-offsets', 3);
    await produce(c, topic, 0, 10);
    await produce(c, topic, 1, 5);
    await c.tools.fetchTopicMetadata({ topics: [topic] }); // kafkajs looks leaders up in its cache first
    await c.tools.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '3' }] });
    // Act
    const offsets = (await c.admin.fetchOffsets([topic])).get(topic);
    // Assert
    expect(offsets).toEqual([
      { partition: 0, logStart: 3n, end: 10n },
      { partition: 1, logStart: 0n, end: 5n },
      { partition: 2, logStart: 0n, end: 0n },
    ]);
  });

  it('reads the offsets of several topics in one call, each topic with its own partitions', async () => {
    // Arrange
    const c = byName(name);
    const a = await createTopic(c, 'it-offsets-a', 2);
    const b = await createTopic(c, 'it-offsets-b', 3);
    await produce(c, a, 1, 4);
    await produce(c, b, 2, 6);
    // Act
    const offsets = await c.admin.fetchOffsets([a, b]);
    // Assert
    expect(offsets.get(a)).toEqual([
      { partition: 0, logStart: 0n, end: 0n },
      { partition: 1, logStart: 0n, end: 4n },
    ]);
    expect(offsets.get(b)).toEqual([
      { partition: 0, logStart: 0n, end: 0n },
      { partition: 1, logStart: 0n, end: 0n },
      { partition: 2, logStart: 0n, end: 6n },
    ]);
  });

  it('creates many topics in several CreateTopics batches, each with its configs, and tells which existed', async () => {
    // Arrange: 120 topics (two batches of at most 100), one of them there already
    const c = byName(name);
    const prefix = uniqueName('it-batch');
    const wanted = Array.from({ length: 120 }, (_, i) => ({
      name: `${prefix}-${i}`,
      partitions: 1 + (i % 3),
      replicationFactor: 1,
      configs: { 'retention.ms': String(3_600_000 + i) },
    }));
    await c.tools.createTopics({
      waitForLeaders: true,
      topics: [{ topic: `${prefix}-7`, numPartitions: 2, replicationFactor: 1 }],
    });
    try {
      // Act
      const outcomes = await c.admin.createTopics(wanted);
      const missing = await c.admin.waitForLeaders(
        wanted.flatMap((t) =>
          Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition })),
        ),
        { timeoutMs: 60_000 },
      );
      // Assert
      expect([...outcomes].filter(([, o]) => o === 'exists').map(([t]) => t)).toEqual([`${prefix}-7`]);
      expect([...outcomes.values()].filter((o) => o === 'created')).toHaveLength(119);
      expect(missing).toEqual([]);
      const configs = await c.admin.describeTopicConfigs([`${prefix}-0`, `${prefix}-119`]);
      expect(configs.get(`${prefix}-0`)?.find((e) => e.name === 'retention.ms')?.value).toBe('3600000');
      expect(configs.get(`${prefix}-119`)?.find((e) => e.name === 'retention.ms')?.value).toBe('3600119');
      const listed = new Map((await c.admin.listTopics()).map((t) => [t.name, t.partitions.length]));
      expect(wanted.every((t) => listed.get(t.name) === (t.name === `${prefix}-7` ? 2 : t.partitions))).toBe(
        true,
      );
    } finally {
      await c.tools.deleteTopics({ topics: wanted.map((t) => t.name) }).catch(() => {});
    }
  });

  it('creates none of the topics when the target refuses one, and names each refused topic', async () => {
    // Arrange
    const c = byName(name);
    const prefix = uniqueName('it-refused');
    const wanted: NewTopic[] = [
      { name: `${prefix}-good`, partitions: 1, replicationFactor: 1, configs: {} },
      {
        name: `${prefix}-bad-value`,
        partitions: 1,
        replicationFactor: 1,
        configs: { 'retention.ms': 'soon' },
      },
      { name: `${prefix}-bad-rf`, partitions: 1, replicationFactor: 3, configs: {} },
    ];
    // Act
    const failure = await c.admin.createTopics(wanted).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    // Assert
    expect(failure).toBeInstanceOf(PreconditionError);
    expect(failure?.message).toContain(
      `CreateTopics on topic ${prefix}-bad-value (1 partitions, replication factor 1, configs retention.ms=soon) failed: INVALID_CONFIG`,
    );
    expect(failure?.message).toContain(
      `topic ${prefix}-bad-rf (1 partitions, replication factor 3) failed: INVALID_REPLICATION_FACTOR`,
    );
    expect(failure?.message).toContain('nothing was created (2 of 3 topic(s) refused)');
    expect(failure?.message).not.toContain(`${prefix}-good (`);
    const listed = (await c.admin.listTopics()).map((t) => t.name);
    expect(listed.filter((t) => t.startsWith(prefix))).toEqual([]);
  });

  it('describes topic configs with overrides and defaults told apart', async () => {
    // Arrange
    const c = byName(name);
    const topic = await createTopic(c, 'it-configs', 1, [
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'retention.ms', value: '3600000' },
    ]);
    // Act
    const configs = await c.admin.describeTopicConfigs([topic]);
    // Assert
    const entries = configs.get(topic) ?? [];
    const entry = (n: string) => entries.find((e) => e.name === n);
    expect(entry('cleanup.policy')).toMatchObject({ value: 'compact', isDefault: false, isSensitive: false });
    expect(entry('retention.ms')).toMatchObject({ value: '3600000', isDefault: false });
    expect(entry('max.message.bytes')).toMatchObject({ isDefault: true });
    expect(entries.length).toBeGreaterThan(20);
  });

  it('reports bytes on disk per leader partition, only for the asked topics', async () => {
    // Arrange
    const c = byName(name);
    const topic = await createTopic(c, 'it-logdirs', 2);
    await produce(c, topic, 0, 50);
    // Act
    const sizes = await c.admin.describeLogDirs([topic]);
    // Assert
    expect(sizes.map((s) => s.topic)).toEqual([topic, topic]);
    expect(sizes[0]).toMatchObject({ partition: 0 });
    expect(sizes[0]?.bytes).toBeGreaterThan(0n);
    expect(sizes[1]).toEqual({ topic, partition: 1, bytes: 0n });
  });

  it('lists a group with committed offsets and returns them as bigint, skipping uncommitted partitions', async () => {
    // Arrange
    const c = byName(name);
    const topic = await createTopic(c, 'it-group', 3);
    await produce(c, topic, 0, 7);
    await produce(c, topic, 2, 4);
    const groupId = uniqueName('it-group');
    await c.tools.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '5' },
        { partition: 2, offset: '4' },
      ],
    });
    // Act
    const groups = await c.admin.listGroups();
    const committed = await c.admin.fetchCommittedOffsets(groupId);
    // Assert
    expect(groups.find((g) => g.groupId === groupId)).toMatchObject({ groupId, state: 'Empty', members: 0 });
    expect(committed).toEqual([
      { topic, partition: 0, offset: 5n, metadata: '' },
      { topic, partition: 2, offset: 4n, metadata: '' },
    ]);
    expect((await c.admin.listTopics()).find((t) => t.name === '__consumer_offsets')?.internal).toBe(true);
    expect(await c.admin.fetchCommittedOffsets(uniqueName('it-nobody'))).toEqual([]);
  });

  it('lists ACLs created on the cluster', async () => {
    // Arrange
    const c = byName(name);
    const topic = uniqueName('it-acl');
    const acl = {
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:alice',
      host: '*',
      operation: AclOperationTypes.READ,
      permissionType: AclPermissionTypes.ALLOW,
    };
    await c.tools.createAcls({ acl: [acl] });
    try {
      // Act
      const acls = await c.admin.describeAcls();
      // Assert
      expect(acls).toContainEqual({
        resourceType: 'TOPIC',
        resourceName: topic,
        patternType: 'LITERAL',
        principal: 'User:alice',
        host: '*',
        operation: 'READ',
        permissionType: 'ALLOW',
      });
    } finally {
      await c.tools.deleteAcls({ filters: [acl] });
    }
  });

  it('reads broker configs of broker 1', async () => {
    // Act
    const entries = await byName(name).admin.describeBrokerConfigs(1);
    // Assert
    const entry = (n: string) => entries.find((e) => e.name === n);
    expect(entry('message.max.bytes')).toMatchObject({ value: '1048588', isSensitive: false });
    if (name.startsWith('source')) expect(entry('zookeeper.connect')?.value).toBe(STACK.zookeeper);
    else expect(entry('process.roles')?.value).toBe('broker,controller');
  });
});

describe('consumer groups with live members', () => {
  it('counts active members and reports the group Stable', async () => {
    // Arrange
    const topic = await createTopic(source, 'it-live', 1);
    await produce(source, topic, 0, 3);
    const groupId = uniqueName('it-live');
    const consumer = source.kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({ eachMessage: async () => {} });
    await joined;
    try {
      // Act
      const group = (await source.admin.listGroups()).find((g) => g.groupId === groupId);
      // Assert
      expect(group).toEqual({ groupId, state: 'Stable', protocolType: 'consumer', members: 1 });
    } finally {
      await consumer.disconnect();
    }
  });
});

describe('transactional data', () => {
  async function writeTransactions(topic: string): Promise<void> {
    const producer = source.kafka.producer({
      transactionalId: uniqueName('it-txn'),
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({
      topic,
      messages: [
        { value: 'c1', partition: 0 },
        { value: 'c2', partition: 0 },
      ],
    });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'a1', partition: 0 }] });
    await aborted.abort();
    await producer.disconnect();
  }

  it('reports only the topic written by a transactional producer', async () => {
    // Arrange
    const transactional = await createTopic(source, 'it-txn', 2);
    const plainTopic = await createTopic(source, 'it-plain', 2);
    await writeTransactions(transactional);
    await produce(source, plainTopic, 0, 20);
    await produce(source, plainTopic, 1, 20, CompressionTypes.GZIP);
    // Act
    const probe = await source.admin.probeTransactional([transactional, plainTopic]);
    // Assert
    expect(probe).toEqual({ topics: [transactional] });
  });

  it('finds transactions that start late in a long log through the tail window', async () => {
    // Arrange: 300 plain batches, then a transaction; windows too small to reach it from the head
    const topic = await createTopic(source, 'it-late-txn', 1);
    const producer = source.kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let i = 0; i < 300; i++)
      await producer.send({ topic, messages: [{ value: `plain-${i}`, partition: 0 }] });
    await producer.disconnect();
    await writeTransactions(topic);
    const small = await KafkajsAdmin.create(
      plain(STACK.source),
      {},
      { probe: { bytesPerFetch: 2_048, tailOffsets: 10n } },
    );
    const headOnly = await KafkajsAdmin.create(
      plain(STACK.source),
      {},
      { probe: { bytesPerFetch: 2_048, tailOffsets: 1_000_000n } },
    );
    try {
      // Act
      const probe = await small.probeTransactional([topic]);
      const headProbe = await headOnly.probeTransactional([topic]);
      // Assert: found through the tail window; the bounded head window alone does not reach it
      expect(probe.topics).toEqual([topic]);
      expect(headProbe.topics).toEqual([]);
    } finally {
      await small.close();
      await headOnly.close();
    }
  });
});

describe('unreachable brokers', () => {
  it('fail fast with a TransientError naming the bootstrap servers', async () => {
    // Arrange
    const admin = await KafkajsAdmin.create(plain('127.0.0.1:1'));
    const started = Date.now();
    try {
      // Act
      const result = admin.describeCluster();
      // Assert
      await expect(result).rejects.toBeInstanceOf(TransientError);
      await expect(result).rejects.toMatchObject({
        code: 'KAFKA_UNREACHABLE',
        message: expect.stringContaining('127.0.0.1:1'),
      });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await admin.close();
    }
  });
});

describe('compression codecs', () => {
  it('reads back what kafkajs wrote with gzip, snappy, lz4 and zstd', async () => {
    // Arrange
    const codecs = [
      ['gzip', CompressionTypes.GZIP],
      ['snappy', CompressionTypes.Snappy],
      ['lz4', CompressionTypes.LZ4],
      ...(ZSTD_COMPRESS_AVAILABLE ? [['zstd', CompressionTypes.ZSTD] as const] : []),
    ] as const;
    const written = new Map<string, string[]>();
    const codecOf = new Map<string, number>();
    for (const [label, type] of codecs) {
      const topic = await createTopic(source, `it-codec-${label}`, 1);
      written.set(topic, await produce(source, topic, 0, 25, type));
      codecOf.set(topic, type);
    }
    // Act
    const read = await consume(source.kafka, [...written.keys()], 25 * written.size);
    // Assert
    expect(ZSTD_COMPRESS_AVAILABLE).toBe(true);
    for (const [topic, values] of written) {
      expect(read.get(topic)).toEqual(values);
      expect(await storedCodecs(topic)).toEqual([codecOf.get(topic)]);
    }
  });

  it('reads back what the Java producer wrote with snappy, lz4 and zstd', async () => {
    // Arrange
    const written = new Map<string, string[]>();
    const codecOf = new Map<string, number>();
    for (const [codec, code] of [
      ['snappy', 2],
      ['lz4', 3],
      ['zstd', 4],
    ] as const) {
      const topic = await createTopic(source, `it-java-${codec}`, 1);
      const values = Array.from({ length: 30 }, (_, i) => `java-${codec}-${i}-${'x'.repeat(i * 10)}`);
      javaProduce(topic, codec, values, { batchBytes: 100_000 });
      written.set(topic, values);
      codecOf.set(topic, code);
    }
    // Act
    const read = await consume(source.kafka, [...written.keys()], 30 * written.size);
    // Assert
    for (const [topic, values] of written) {
      expect(read.get(topic)).toEqual(values);
      expect(await storedCodecs(topic)).toEqual([codecOf.get(topic)]);
    }
  });
});
