/**
 * CreateTopics through a kafkajs admin that survives a loaded stack, for the tests, the demo and the
 * measure scripts: kafkajs' own `waitForLeaders` gives up on UNKNOWN_TOPIC_OR_PARTITION, which a
 * loaded KRaft broker answers for a while after CreateTopics returns, and its 5 s request timeout
 * is short on a loaded machine. Here the create may take 30 s, a retried create that finds the
 * topics there counts (kafkajs answers `false`), and the leaders are polled, any metadata error
 * retried, for up to 60 s. At most PARTITIONS_PER_REQUEST partitions per request.
 */
import type { Admin, ITopicConfig } from 'kafkajs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Partitions per CreateTopics request: 10,000 in one request outlast the 30 s timeout on the local source. */
const PARTITIONS_PER_REQUEST = 1000;

/**
 * `partitions` partitions laid out in topics `<prefix>-0`, `<prefix>-1`, … of at most `width`
 * partitions each (a few wide topics: creating many topics on the ZooKeeper source is what is slow),
 * and every partition of them in topic order.
 */
export function wideTopics(
  prefix: string,
  partitions: number,
  width: number,
  configEntries?: ITopicConfig['configEntries'],
): { topics: (ITopicConfig & { numPartitions: number })[]; refs: { topic: string; partition: number }[] } {
  const topics = Array.from({ length: Math.ceil(partitions / width) }, (_, i) => ({
    topic: `${prefix}-${i}`,
    numPartitions: Math.min(width, partitions - i * width),
    replicationFactor: 1,
    ...(configEntries ? { configEntries } : {}),
  }));
  const refs = topics.flatMap((t) =>
    Array.from({ length: t.numPartitions }, (_, partition) => ({ topic: t.topic, partition })),
  );
  return { topics, refs };
}

export async function createTopicsWithLeaders(admin: Admin, topics: readonly ITopicConfig[]): Promise<void> {
  let chunk: ITopicConfig[] = [];
  let partitions = 0;
  for (const t of topics) {
    const n = t.numPartitions ?? 1;
    if (chunk.length > 0 && partitions + n > PARTITIONS_PER_REQUEST) {
      await createChunk(admin, chunk);
      chunk = [];
      partitions = 0;
    }
    chunk.push(t);
    partitions += n;
  }
  if (chunk.length > 0) await createChunk(admin, chunk);
}

async function createChunk(admin: Admin, topics: readonly ITopicConfig[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.createTopics({ waitForLeaders: false, timeout: 30_000, topics: [...topics] });
      break;
    } catch (e) {
      const errors = (e as { errors?: { type?: string }[] }).errors ?? [];
      if (attempt >= 2 || errors.some((x) => x.type === 'TOPIC_ALREADY_EXISTS')) throw e;
      await sleep(1_000);
    }
  }
  const want = new Map(topics.map((t) => [t.topic, t.numPartitions ?? 1]));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...want.keys()] });
      const ready =
        meta.length === want.size &&
        meta.every(
          (m) => m.partitions.length === want.get(m.name) && m.partitions.every((p) => p.leader >= 0),
        );
      if (ready) return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline)
      throw new Error(`topics ${[...want.keys()].join(', ')} have no leaders after 60 s`);
    await sleep(200);
  }
}
