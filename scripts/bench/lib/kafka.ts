/**
 * Kafka helpers of the benchmark (kafkajs, which talks to both the 3.9 ZooKeeper source and the 4.1
 * KRaft target): topics, end offsets, and waiting until a copy has arrived.
 */

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka as KafkaClient } from 'kafkajs';
import kafkajs from 'kafkajs';
import { createTopicsWithLeaders } from '../../lib/create-topics.ts';

const { Kafka, logLevel } = kafkajs;

export interface TopicSet {
  /** Topic names, each with `partitionsPerTopic` partitions. */
  readonly topics: readonly string[];
  readonly partitionsPerTopic: number;
}

export function partitionsOf(set: TopicSet): { topic: string; partition: number }[] {
  return set.topics.flatMap((topic) =>
    Array.from({ length: set.partitionsPerTopic }, (_, partition) => ({ topic, partition })),
  );
}

const NOT_HOSTED_YET =
  /does not host this topic-partition|no leader for this topic-partition|leader is not available/i;

/**
 * Retries `f` for up to 60 s while a partition has no leader hosting it yet: right after thousands of
 * partitions are created, kafkajs' metadata can name leaders that have not loaded them (seen at
 * 10,000 partitions on the KRaft target: "This server does not host this topic-partition").
 */
async function untilLeadersKnown<T>(f: () => Promise<T>): Promise<T> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      if (!NOT_HOSTED_YET.test(text) || performance.now() > deadline) throw e;
      await sleep(500);
    }
  }
}

function client(broker: string, clientId: string): KafkaClient {
  return new Kafka({
    brokers: [broker],
    clientId,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    retry: { retries: 5 },
  });
}

export class Cluster {
  readonly name: string;
  readonly broker: string;
  readonly kafka: KafkaClient;
  readonly #admin: Admin;
  #connected = false;

  constructor(name: string, broker: string) {
    this.name = name;
    this.broker = broker;
    this.kafka = client(broker, `kraft-migrate-bench-${name}`);
    this.#admin = this.kafka.admin();
  }

  async admin(): Promise<Admin> {
    if (!this.#connected) {
      await this.#admin.connect();
      this.#connected = true;
    }
    return this.#admin;
  }

  /** Creates the set's topics and waits for their leaders (scripts/lib/create-topics.ts). */
  async createTopics(set: TopicSet, configs: Record<string, string> = {}): Promise<void> {
    await createTopicsWithLeaders(
      await this.admin(),
      set.topics.map((topic) => ({
        topic,
        numPartitions: set.partitionsPerTopic,
        replicationFactor: 1,
        configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
      })),
    );
  }

  /** End offset (high watermark) of every partition of the set, keyed `topic/partition`. */
  async endOffsets(set: TopicSet): Promise<Map<string, bigint>> {
    const admin = await this.admin();
    const out = new Map<string, bigint>();
    const all = await Promise.all(
      set.topics.map(async (t) => [t, await untilLeadersKnown(() => admin.fetchTopicOffsets(t))] as const),
    );
    for (const [topic, offsets] of all) {
      for (const o of offsets) out.set(`${topic}/${o.partition}`, BigInt(o.high));
    }
    return out;
  }

  async totalEnd(set: TopicSet): Promise<bigint> {
    let sum = 0n;
    for (const v of (await this.endOffsets(set)).values()) sum += v;
    return sum;
  }

  /** Best effort: deletes the topics that exist among `names`. */
  async deleteTopics(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const admin = await this.admin();
    const existing = new Set(await admin.listTopics());
    const topics = names.filter((n) => existing.has(n));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  }

  async listTopics(): Promise<string[]> {
    return (await this.admin()).listTopics();
  }

  async close(): Promise<void> {
    if (this.#connected) await this.#admin.disconnect().catch(() => undefined);
    this.#connected = false;
  }
}

export interface ArrivalWatch {
  /** performance.now() when the first record of the set was seen on the target, if any. */
  readonly firstAt: number | undefined;
  /** performance.now() when every partition reached its expected end, if it did. */
  readonly doneAt: number | undefined;
  /** Records on the target at the last poll. */
  readonly seen: bigint;
}

/**
 * Polls the target's end offsets of `set` every `intervalMs` until each partition reaches the
 * expected end (the source's), `stop()` is called, or `timeoutMs` passes.
 */
export function watchArrival(
  target: Cluster,
  set: TopicSet,
  expected: Map<string, bigint>,
  options: { intervalMs?: number; timeoutMs: number; stopWhen?: () => boolean },
): { done: Promise<ArrivalWatch>; current: () => ArrivalWatch; stop: () => void } {
  let firstAt: number | undefined;
  let doneAt: number | undefined;
  let seen = 0n;
  let stopped = false;
  const startedAt = performance.now();
  const current = (): ArrivalWatch => ({ firstAt, doneAt, seen });
  const done = (async () => {
    while (!stopped && performance.now() - startedAt < options.timeoutMs) {
      let ends: Map<string, bigint> | undefined;
      try {
        ends = await target.endOffsets(set);
      } catch {
        ends = undefined; // a failed poll is retried at the next tick
      }
      if (ends) {
        const at = performance.now();
        let total = 0n;
        let complete = true;
        for (const [key, want] of expected) {
          const have = ends.get(key) ?? 0n;
          total += have;
          if (have < want) complete = false;
        }
        seen = total;
        if (total > 0n && firstAt === undefined) firstAt = at;
        if (complete) {
          doneAt = at;
          break;
        }
      }
      if (options.stopWhen?.()) break;
      await sleep(options.intervalMs ?? 200);
    }
    return current();
  })();
  return {
    done,
    current,
    stop: () => {
      stopped = true;
    },
  };
}
