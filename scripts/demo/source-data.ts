/**
 * Realistic demo data on the source: plain, keyed topics with headers, a compacted topic with
 * tombstones, a transactional topic with an aborted transaction, large messages, every compression
 * codec, and consumer groups with committed positions. Idempotent: existing topics are left as
 * they are, so the demo can run twice.
 */
import { randomBytes } from 'node:crypto';
import kafkajs, { type Kafka, type Message } from 'kafkajs';
import { registerCodecs } from '../../test/kafkajs-codecs.ts';
import { createTopicsWithLeaders } from '../lib/create-topics.ts';
import { EVENTS_PARTITIONS, EVENTS_TOPIC, eventRecord } from './consumer-groups.ts';

const { CompressionTypes } = kafkajs;

export interface DemoTopic {
  readonly name: string;
  readonly partitions: number;
  readonly configs?: Record<string, string>;
  readonly fill: (kafka: Kafka, topic: DemoTopic) => Promise<number>;
}

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

function orderMessage(i: number): Message {
  return {
    key: `order-${i % 500}`,
    value: json({ order: i, amount: (i * 37) % 1000, currency: 'EUR' }),
    headers: { 'trace-id': randomBytes(8).toString('hex'), source: 'checkout', tag: ['a', 'b'] },
  };
}

async function send(
  kafka: Kafka,
  topic: string,
  messages: Message[],
  compression = CompressionTypes.GZIP,
  perRequest = 500,
) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += perRequest) {
      await producer.send({ topic, compression, acks: -1, messages: messages.slice(i, i + perRequest) });
    }
  } finally {
    await producer.disconnect();
  }
  return messages.length;
}

export const DEMO_TOPICS: readonly DemoTopic[] = [
  {
    name: 'demo.orders',
    partitions: 6,
    configs: { 'retention.ms': '604800000' },
    fill: (k, t) =>
      send(
        k,
        t.name,
        Array.from({ length: 6000 }, (_, i) => orderMessage(i)),
        CompressionTypes.LZ4,
      ),
  },
  {
    name: 'demo.customers',
    partitions: 3,
    configs: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.5' },
    fill: (k, t) =>
      send(
        k,
        t.name,
        Array.from({ length: 1200 }, (_, i) =>
          i % 10 === 9
            ? { key: `customer-${i % 100}`, value: null } // tombstone
            : { key: `customer-${i % 100}`, value: json({ customer: i % 100, version: i }) },
        ),
        CompressionTypes.Snappy,
      ),
  },
  {
    name: 'demo.payments',
    partitions: 2,
    fill: async (k, t) => {
      const producer = k.producer({
        transactionalId: 'kraft-migrate-demo-payments',
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      let committed = 0;
      try {
        for (let batch = 0; batch < 10; batch++) {
          const tx = await producer.transaction();
          const messages = Array.from({ length: 50 }, (_, i) => ({
            key: `payment-${batch}-${i}`,
            value: json({ batch, i, aborted: batch % 4 === 3 }),
            partition: i % 2,
          }));
          await tx.send({ topic: t.name, messages, compression: CompressionTypes.ZSTD });
          if (batch % 4 === 3) await tx.abort();
          else {
            await tx.commit();
            committed += messages.length;
          }
        }
      } finally {
        await producer.disconnect();
      }
      return committed;
    },
  },
  {
    name: EVENTS_TOPIC, // sequence-numbered per partition: the consumer groups' proof (consumer-groups.ts)
    partitions: EVENTS_PARTITIONS,
    fill: (k, t) =>
      send(
        k,
        t.name,
        Array.from({ length: 250 * EVENTS_PARTITIONS }, (_, i) =>
          eventRecord(i % EVENTS_PARTITIONS, Math.floor(i / EVENTS_PARTITIONS)),
        ),
        CompressionTypes.None,
      ),
  },
  {
    name: 'demo.media',
    partitions: 1,
    configs: { 'max.message.bytes': '1048576' },
    fill: (k, t) =>
      send(
        k,
        t.name,
        Array.from({ length: 20 }, (_, i) => ({ key: `blob-${i}`, value: randomBytes(900 * 1024) })),
        CompressionTypes.None,
        1,
      ),
  },
];

const DEMO_GROUPS = [
  { groupId: 'demo-billing', topic: 'demo.orders', fraction: 0.5 },
  { groupId: 'demo-crm', topic: 'demo.customers', fraction: 1 },
] as const;

/** Creates and fills the demo topics that do not exist yet; commits the demo groups' offsets. */
export async function ensureSourceData(kafka: Kafka, log: (line: string) => void): Promise<void> {
  registerCodecs();
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of DEMO_TOPICS) {
      if (existing.has(topic.name)) {
        const offsets = await admin.fetchTopicOffsets(topic.name);
        if (offsets.some((o) => o.high !== '0')) {
          log(`  ${topic.name}: exists with data, kept`);
          continue;
        }
      } else {
        await createTopicsWithLeaders(admin, [
          {
            topic: topic.name,
            numPartitions: topic.partitions,
            replicationFactor: 1,
            configEntries: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
          },
        ]);
      }
      const n = await topic.fill(kafka, topic);
      log(`  ${topic.name}: ${topic.partitions} partition(s), ${n} record(s)`);
    }
    for (const g of DEMO_GROUPS) {
      const offsets = await admin.fetchTopicOffsets(g.topic);
      await admin.setOffsets({
        groupId: g.groupId,
        topic: g.topic,
        partitions: offsets.map((o) => ({
          partition: o.partition,
          offset: String(Math.floor(Number(o.high) * g.fraction)),
        })),
      });
      log(`  group ${g.groupId}: committed on ${g.topic}`);
    }
  } finally {
    await admin.disconnect();
  }
}
